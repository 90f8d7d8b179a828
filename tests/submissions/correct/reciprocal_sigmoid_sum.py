"""Correct: np.reciprocal and np.sum of a product."""

import numpy as np


def sigmoid(z):
    return np.reciprocal(1.0 + np.exp(-np.asarray(z, dtype=float)))


def relu(z):
    return np.maximum(0, z)


class Neuron:
    def __init__(self, n_inputs):
        self.weights = np.random.uniform(-1, 1, size=n_inputs)
        self.bias = np.random.uniform(-1, 1)

    def activate(self, inputs):
        input_sum_with_bias = np.sum(np.multiply(self.weights, inputs)) + self.bias
        output = sigmoid(input_sum_with_bias)

        return output
