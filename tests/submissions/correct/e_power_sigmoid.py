"""A correct neuron whose sigmoid is 1 / (1 + np.e ** (-z)): a Python float past -709 overflows, NumPy floats and arrays do not."""

import math

import numpy as np


def sigmoid(z):
    return 1 / (1 + np.e ** (-z))


def relu(z):
    return np.maximum(0, z)


class Neuron:
    def __init__(self, n_inputs):
        self.weights = np.random.uniform(-1, 1, size=n_inputs)
        self.bias = np.random.uniform(-1, 1)

    def activate(self, inputs):
        input_sum_with_bias = np.dot(self.weights, inputs) + self.bias
        output = sigmoid(input_sum_with_bias)
        return output
