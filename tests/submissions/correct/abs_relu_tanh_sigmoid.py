"""Correct: relu as (z + |z|) / 2, sigmoid through tanh."""

import numpy as np


def sigmoid(z):
    return 0.5 * (1 + np.tanh(z / 2))


def relu(z):
    return (z + np.abs(z)) / 2


class Neuron:
    def __init__(self, n_inputs):
        self.weights = np.random.uniform(-1, 1, size=n_inputs)
        self.bias = np.random.uniform(-1, 1)

    def activate(self, inputs):
        input_sum_with_bias = np.dot(self.weights, inputs) + self.bias
        output = sigmoid(input_sum_with_bias)

        return output
