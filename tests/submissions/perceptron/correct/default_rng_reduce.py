from functools import reduce

import numpy as np
from activations import relu, sigmoid

rng = np.random.default_rng()


class Layer:
    def __init__(self, n_inputs, n_neurons, activation_function):
        self.inputs = np.zeros(shape=(n_inputs, 1))
        self.outputs = np.zeros(shape=(n_neurons, 1))
        self.weights = rng.uniform(-1.0, 1.0, (n_neurons, n_inputs))
        self.biases = rng.uniform(-1.0, 1.0, (n_neurons, 1))
        self.activation = activation_function

    def forward(self, inputs):
        self.inputs = np.asarray(inputs, dtype=float).reshape(len(np.ravel(inputs)), 1)
        self.outputs = np.matmul(self.weights, self.inputs) + self.biases
        return self.activation(self.outputs)


class Perceptron:
    def __init__(self, layers):
        self.layers = layers

    def forward(self, inputs):
        return reduce(lambda x, layer: layer.forward(x), self.layers, inputs)
