"""Correct: activate computes the sigmoid inline, with np.e."""

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
        z = np.dot(inputs, self.weights) + self.bias
        return 1.0 / (1.0 + np.exp(-z))
