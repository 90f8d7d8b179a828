"""Correct: Weights as a list of random.uniform values, activate with a loop."""

import random

import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def relu(z):
    return np.maximum(0, z)


class Neuron:
    def __init__(self, n_inputs):
        self.weights = [random.uniform(-1, 1) for _ in range(n_inputs)]
        self.bias = random.uniform(-1, 1)

    def activate(self, inputs):
        total = 0.0
        for w, x in zip(self.weights, inputs):
            total += w * x
        input_sum_with_bias = total + self.bias
        output = sigmoid(input_sum_with_bias)

        return output
