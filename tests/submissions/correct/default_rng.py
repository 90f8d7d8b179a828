"""Correct: A NumPy Generator from default_rng()."""

import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def relu(z):
    return np.maximum(0, z)


class Neuron:
    def __init__(self, n_inputs):
        rng = np.random.default_rng()
        self.weights = rng.uniform(-1, 1, size=n_inputs)
        self.bias = rng.uniform(-1, 1)

    def activate(self, inputs):
        input_sum_with_bias = np.dot(self.weights, inputs) + self.bias
        output = sigmoid(input_sum_with_bias)

        return output
