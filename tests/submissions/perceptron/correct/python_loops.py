import random

import numpy as np
from activations import relu, sigmoid


class Layer:
    def __init__(self, n_inputs, n_neurons, activation_function):
        self.inputs = np.zeros((n_inputs, 1))
        self.outputs = np.zeros((n_neurons, 1))
        self.weights = np.array([[random.uniform(-1, 1) for _ in range(n_inputs)] for _ in range(n_neurons)])
        self.biases = np.array([[random.uniform(-1, 1)] for _ in range(n_neurons)])
        self.activation = activation_function

    def forward(self, inputs):
        flat = [float(v) for v in np.ravel(inputs)]
        self.inputs = np.array(flat).reshape(-1, 1)
        sums = []
        for row, bias in zip(self.weights, self.biases):
            total = 0.0
            for w, x in zip(row, flat):
                total += w * x
            sums.append([total + bias[0]])
        self.outputs = np.array(sums)
        return self.activation(self.outputs)


class Perceptron:
    def __init__(self, layers):
        self.layers = layers

    def forward(self, inputs):
        values = inputs
        for index in range(len(self.layers)):
            values = self.layers[index].forward(values)
        return values
