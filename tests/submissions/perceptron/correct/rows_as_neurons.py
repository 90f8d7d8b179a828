import numpy as np
from activations import relu, sigmoid


class Layer:
    def __init__(self, n_inputs, n_neurons, activation_function):
        self.inputs = np.zeros((n_inputs, 1))
        self.outputs = np.zeros((n_neurons, 1))
        self.weights = np.vstack([np.random.uniform(-1, 1, n_inputs) for _ in range(n_neurons)])
        self.biases = np.vstack([[np.random.uniform(-1, 1)] for _ in range(n_neurons)])
        self.activation = activation_function

    def forward(self, inputs):
        x = np.array(inputs, copy=True).reshape(-1, 1)
        self.inputs = x
        self.outputs = np.sum(self.weights * x.T, axis=1, keepdims=True) + self.biases
        return self.activation(self.outputs)


class Perceptron:
    def __init__(self, layers):
        self.layers = layers

    def forward(self, inputs):
        x = inputs
        for i, layer in enumerate(self.layers):
            x = layer.forward(x)
        return x
