"""Correct: sigmoid through logaddexp, relu through np.where."""

import numpy as np


def sigmoid(z):
    return np.exp(-np.logaddexp(0, -z))


def relu(z):
    return np.where(z > 0, z, 0.0)


class Neuron:
    def __init__(self, n_inputs):
        self.weights = np.random.uniform(-1, 1, size=n_inputs)
        self.bias = np.random.uniform(-1, 1)

    def activate(self, inputs):
        input_sum_with_bias = np.dot(self.weights, inputs) + self.bias
        output = sigmoid(input_sum_with_bias)

        return output
