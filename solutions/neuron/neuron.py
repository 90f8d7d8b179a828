"""Reference solution for the single-neuron exercise."""

import numpy as np


def sigmoid(z):
    """Squash z into (0, 1): 1 / (1 + e^-z), element-wise for arrays."""
    return 1 / (1 + np.exp(-z))


def relu(z):
    """Keep positive values and replace negative ones by 0: max(0, z), element-wise for arrays."""
    return np.maximum(0, z)


class Neuron:
    """One neuron: a weight per input, a bias, and a sigmoid activation."""

    def __init__(self, n_inputs):
        """Draw one weight per input and a single bias, uniformly from [-1, 1)."""
        self.weights = np.random.uniform(-1, 1, size=n_inputs)
        self.bias = np.random.uniform(-1, 1)

    def activate(self, inputs):
        """Weighted sum of the inputs plus the bias, passed through the sigmoid."""
        input_sum_with_bias = np.dot(self.weights, inputs) + self.bias
        output = sigmoid(input_sum_with_bias)

        return output
