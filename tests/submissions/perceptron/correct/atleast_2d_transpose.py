import numpy as np
from activations import relu, sigmoid

print("loading my perceptron")


class Layer:
    def __init__(self, n_inputs, n_neurons, activation_function):
        self.inputs = np.zeros(n_inputs).reshape(n_inputs, 1)
        self.outputs = np.zeros(n_neurons)[:, np.newaxis]
        self.weights = np.random.uniform(-1, 1, n_neurons * n_inputs).reshape(n_neurons, n_inputs)
        self.biases = np.random.uniform(-1, 1, (n_neurons, 1))
        self.activation = activation_function
        self.name = "layer"

    def forward(self, inputs):
        self.inputs = np.atleast_2d(np.ravel(inputs)).T
        self.outputs = np.add(self.weights.dot(self.inputs), self.biases)
        activated = self.activation(self.outputs)
        return activated


class Perceptron:
    def __init__(self, layers):
        self.layers = layers

    def forward(self, inputs):
        outputs = [inputs]
        for layer in self.layers:
            outputs.append(layer.forward(outputs[-1]))
        return outputs[-1]
