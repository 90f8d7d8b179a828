"""Correct: relu with np.clip; weights from 2 * random() - 1."""

import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def relu(z):
    return np.clip(z, 0, None)


class Neuron:
    def __init__(self, n_inputs):
        self.weights = 2 * np.random.random(n_inputs) - 1
        self.bias = 2 * np.random.random() - 1

    def activate(self, inputs):
        input_sum_with_bias = np.dot(self.weights, inputs) + self.bias
        output = sigmoid(input_sum_with_bias)

        return output
