"""Correct: A helper function and an if __name__ == '__main__' demo."""

import numpy as np


def _draw(size=None):
    return np.random.uniform(-1, 1, size)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def relu(z):
    return np.maximum(0, z)


class Neuron:
    def __init__(self, n_inputs):
        self.weights = _draw(n_inputs)
        self.bias = _draw()

    def activate(self, inputs):
        input_sum_with_bias = np.dot(self.weights, inputs) + self.bias
        output = sigmoid(input_sum_with_bias)

        return output


if __name__ == "__main__":
    print(Neuron(2).activate([1, 2]))
