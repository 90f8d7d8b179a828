"""activate multiplies its own list of weights by the inputs: list * list raises TypeError for list inputs."""

import math

import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def relu(z):
    return np.maximum(0, z)


class Neuron:
    def __init__(self, n_inputs):
        self.weights = [np.random.uniform(-1, 1) for _ in range(n_inputs)]
        self.bias = np.random.uniform(-1, 1)

    def activate(self, inputs):
        return sigmoid(sum(self.weights * inputs) + self.bias)
