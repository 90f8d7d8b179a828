"""Correct: Prints and runs a demo when imported."""

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
        input_sum_with_bias = np.dot(self.weights, inputs) + self.bias
        output = sigmoid(input_sum_with_bias)

        return output


print("Demo of my neuron:")
neuron = Neuron(3)
print("weights", neuron.weights, "bias", neuron.bias)
print("output", neuron.activate([1.0, 0.5, -0.2]))
print("sigmoid(0) =", sigmoid(0), "relu(-2) =", relu(-2))
