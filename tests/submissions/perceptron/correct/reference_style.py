"""Reference solution for the multilayer-perceptron exercise."""

import numpy as np
from activations import relu, sigmoid  # noqa: F401 - given; use them when you build a network


class Layer:
    """A layer of n_neurons neurons, each with a weight for every input and a bias, and one activation."""

    def __init__(self, n_inputs, n_neurons, activation_function):
        """Zeros for the inputs and outputs, weights and biases uniform over [-1, 1), and the activation."""
        self.inputs = np.zeros((n_inputs, 1))
        self.outputs = np.zeros((n_neurons, 1))
        self.weights = np.random.uniform(-1, 1, size=(n_neurons, n_inputs))
        self.biases = np.random.uniform(-1, 1, size=(n_neurons, 1))
        self.activation = activation_function

    def forward(self, inputs):
        """The inputs as a column, the weighted sums plus the biases, and their activation."""
        self.inputs = np.array(inputs).reshape(-1, 1)
        self.outputs = np.dot(self.weights, self.inputs) + self.biases
        return self.activation(self.outputs)


class Perceptron:
    """A network of layers: the output of each layer is the input of the next."""

    def __init__(self, layers):
        self.layers = layers

    def forward(self, inputs):
        """Pass the inputs through every layer, in order, and return the output of the last layer."""
        x = inputs
        for layer in self.layers:
            x = layer.forward(x)
        return x
