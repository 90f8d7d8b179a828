"""A perceptron with one typical mistake: sigmoid by name."""

import numpy as np
from activations import relu, sigmoid


class Layer:
    def __init__(self, n_inputs, n_neurons, activation_function):
        self.inputs = np.zeros((n_inputs, 1))
        self.outputs = np.zeros((n_neurons, 1))
        self.weights = np.random.uniform(-1, 1, size=(n_neurons, n_inputs))
        self.biases = np.random.uniform(-1, 1, size=(n_neurons, 1))
        self.activation = sigmoid

    def forward(self, inputs):
        self.inputs = np.array(inputs).reshape(-1, 1)
        self.outputs = np.dot(self.weights, self.inputs) + self.biases
        return self.activation(self.outputs)


class Perceptron:
    def __init__(self, layers):
        self.layers = layers

    def forward(self, inputs):
        x = inputs
        for layer in self.layers:
            x = layer.forward(x)
        return x
