import numpy as np
from activations import relu, sigmoid


def _uniform(shape):
    return np.random.rand(*shape) * 2 - 1


class Layer:
    def __init__(self, n_inputs, n_neurons, activation_function):
        self.inputs, self.outputs = np.zeros((n_inputs, 1)), np.zeros((n_neurons, 1))
        self.weights, self.biases = _uniform((n_neurons, n_inputs)), _uniform((n_neurons, 1))
        self.activation = activation_function

    def forward(self, inputs):
        self.inputs = np.c_[np.ravel(np.asarray(inputs, dtype=float))]
        self.outputs = np.dot(self.weights, self.inputs) + self.biases
        return self.activation(self.outputs)


class Perceptron:
    def __init__(self, layers):
        self.layers = layers

    def forward(self, inputs):
        layers = iter(self.layers)
        x = next(layers).forward(inputs)
        for layer in layers:
            x = layer.forward(x)
        return x
