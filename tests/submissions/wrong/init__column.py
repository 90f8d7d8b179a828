"""Wrong in Neuron.__init__: a column matrix instead of a 1-D array."""

import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def relu(z):
    return np.maximum(0, z)


class Neuron:
    def __init__(self, n_inputs):
        self.weights = np.random.uniform(-1, 1, size=(n_inputs, 1))
        self.bias = np.random.uniform(-1, 1)

    def activate(self, inputs):
        input_sum_with_bias = np.dot(self.weights, inputs) + self.bias
        output = sigmoid(input_sum_with_bias)

        return output
