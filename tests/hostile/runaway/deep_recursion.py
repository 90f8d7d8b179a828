"""sigmoid recurses without end after lifting Python's recursion limit, until the C stack overflows."""

import numpy as np
import sys


def sigmoid(z):
    sys.setrecursionlimit(10**9)

    def down(n):
        return down(n + 1) + 1

    return down(0)


def relu(z):
    return np.maximum(0, z)


class Neuron:
    def __init__(self, n_inputs):
        self.weights = np.random.uniform(-1, 1, size=n_inputs)
        self.bias = np.random.uniform(-1, 1)

    def activate(self, inputs):
        return sigmoid(np.dot(self.weights, inputs) + self.bias)
