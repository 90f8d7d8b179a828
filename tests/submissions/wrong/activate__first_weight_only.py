"""Wrong in Neuron.activate: only the first input is used."""

import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def relu(z):
    return np.maximum(0, z)


class Neuron:
    def __init__(self, n_inputs):
        self.weights = np.random.uniform(-1, 1, size=n_inputs)
        self.bias = np.random.uniform(-1, 1)

    def activate(self, inputs):
        input_sum_with_bias = self.weights[0] * inputs[0] + self.bias
        return sigmoid(input_sum_with_bias)
