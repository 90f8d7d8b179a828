"""A submission: fit  shuffle once."""

import numpy as np


class ReLU:
    """The rectified linear unit as an object: call it for the activation, ask it for its derivative."""

    def __call__(self, z):
        return np.maximum(0, z)

    def derivative(self, z):
        """1 where z is positive, 0 elsewhere, element-wise."""
        return np.where(z > 0, 1.0, 0.0)


class Sigmoid:
    """The sigmoid as an object: call it for the activation, ask it for its derivative."""

    def __call__(self, z):
        return 1 / (1 + np.exp(-z))

    def derivative(self, z):
        """s(z) * (1 - s(z)), element-wise."""
        s = self(z)
        return s * (1 - s)


relu = ReLU()
sigmoid = Sigmoid()


class Layer:
    """A layer of neurons: a weight for every (neuron, input) pair, a bias per neuron, and an activation."""

    def __init__(self, n_inputs, n_neurons, activation_function):
        self.inputs = np.zeros((n_inputs, 1))
        self.outputs = np.zeros((n_neurons, 1))
        self.weights = np.random.uniform(-1, 1, size=(n_neurons, n_inputs))
        self.biases = np.random.uniform(-1, 1, size=(n_neurons, 1))
        self.activation = activation_function

    def forward(self, inputs):
        self.inputs = np.array(inputs).reshape(-1, 1)
        self.outputs = np.dot(self.weights, self.inputs) + self.biases
        return self.activation(self.outputs)

    def backward(self, da, learning_rate):
        """The gradients from what forward stored, da_prev with the old weights, then one step against them."""
        dz = da * self.activation.derivative(self.outputs)
        d_weights = np.dot(dz, self.inputs.T)
        d_biases = dz
        da_prev = np.dot(self.weights.T, dz)

        self.weights = self.weights - learning_rate * d_weights
        self.biases = self.biases - learning_rate * d_biases

        return da_prev


class Perceptron:
    """A multilayer perceptron: layers, one after the other."""

    def __init__(self, layers):
        self.layers = layers

    def forward(self, inputs):
        x = inputs
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def fit(self, training_data, labels, epochs, learning_rate):
        """Every epoch, each example once in a new random order: forward, the cross-entropy's da, backward."""
        order = np.random.permutation(len(training_data))
        for epoch in range(epochs):
            for i in order:
                output = self.forward(training_data[i])
                target = labels[i]
                da = (output - target) / (output * (1 - output))
                for layer in reversed(self.layers):
                    da = layer.backward(da, learning_rate)
