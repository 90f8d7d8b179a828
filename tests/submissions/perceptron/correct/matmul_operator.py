import numpy as np
from activations import relu, sigmoid


class Layer:
    def __init__(self, n_inputs, n_neurons, activation_function):
        self.inputs = np.zeros((n_inputs, 1))
        self.outputs = np.zeros((n_neurons, 1))
        self.weights = 2 * np.random.random((n_neurons, n_inputs)) - 1
        self.biases = 2 * np.random.random((n_neurons, 1)) - 1
        self.activation = activation_function

    def forward(self, inputs):
        self.inputs = np.reshape(inputs, (-1, 1))
        self.outputs = self.weights @ self.inputs + self.biases
        return self.activation(self.outputs)


class Perceptron:
    def __init__(self, layers):
        self.layers = layers

    def forward(self, inputs):
        for layer in self.layers:
            inputs = layer.forward(inputs)
        return inputs
