"""A multilayer perceptron, written from scratch with NumPy: layers of neurons, one after another.

Fill in every ``...`` below. Check your work with ``grader check`` (or ``grader check path/to/perceptron.py``).
The activation functions relu and sigmoid are given in activations.py beside this file.
"""

import numpy as np
from activations import relu, sigmoid  # noqa: F401 - given; use them when you build a network


class Layer:
    """A layer of n_neurons neurons, each with a weight for every input and a bias, and one activation."""

    def __init__(self, n_inputs, n_neurons, activation_function):
        """Set up the layer.

        self.inputs: zeros, a column of shape (n_inputs, 1); self.outputs: zeros, a column of shape (n_neurons, 1).
        self.weights: shape (n_neurons, n_inputs), and self.biases: a column of shape (n_neurons, 1), both drawn
        uniformly from [-1, 1). self.activation: the activation function given.
        """
        self.inputs = ...
        self.outputs = ...
        self.weights = ...
        self.biases = ...
        self.activation = ...

    def forward(self, inputs):
        """Compute the layer's output for one list or array of inputs.

        Store the inputs as a column in self.inputs, store the weighted sums plus the biases in self.outputs (before
        the activation), and return the activation of self.outputs: a column of shape (n_neurons, 1).
        """
        self.inputs = ...
        self.outputs = ...
        return ...


class Perceptron:
    """A network of layers: the output of each layer is the input of the next."""

    def __init__(self, layers):
        self.layers = layers

    def forward(self, inputs):
        """Pass the inputs through every layer, in order, and return the output of the last layer."""
        ...
