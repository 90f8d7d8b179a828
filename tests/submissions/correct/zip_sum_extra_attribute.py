"""Correct: Keeps n_inputs, sums with zip, type hints."""

import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def relu(z):
    return np.maximum(0, z)


class Neuron:
    def __init__(self, n_inputs: int) -> None:
        self.n_inputs = n_inputs
        self.weights = np.random.uniform(low=-1.0, high=1.0, size=(n_inputs,))
        self.bias = float(np.random.uniform(low=-1.0, high=1.0))

    def activate(self, inputs) -> float:
        weighted = sum(w * x for w, x in zip(self.weights, inputs))
        return sigmoid(weighted + self.bias)
