"""Backpropagation: teach a multilayer perceptron by sending the error back through its layers.

Fill in every ``...`` below. Check your work with ``grader check`` (or ``grader check path/to/backpropagation.py``).
"""

import numpy as np


class ReLU:
    """The rectified linear unit as an object: call it for the activation, ask it for its derivative."""

    def __call__(self, z):
        return np.maximum(0, z)

    def derivative(self, z):
        """Return the slope of ReLU at z: 1 where z is positive, 0 where it is negative.

        z is one number or a NumPy array (a layer passes its raw outputs, a column); work element by element,
        keep the shape, and do not change z itself. At exactly 0 the slope is not defined: 0 or 1 are both fine.
        """
        ...


class Sigmoid:
    """The sigmoid as an object: call it for the activation, ask it for its derivative."""

    def __call__(self, z):
        return 1 / (1 + np.exp(-z))

    def derivative(self, z):
        """Return the slope of the sigmoid at z, element by element.

        z is the raw input of the sigmoid (not its output). The slope can be written with the sigmoid itself:
        if s is the sigmoid of z, the slope is s times (1 - s).
        """
        ...


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
        """Send the error back through this layer and update its weights and biases.

        da is the derivative of the loss with respect to this layer's activated output (a column, like the
        output). Compute, from what forward stored:
          dz: da times the activation's derivative at the raw outputs (element by element);
          d_weights: dz times the inputs, transposed (a matrix product), one value per weight;
          d_biases: dz itself;
          da_prev: the transposed weights times dz: the error for the layer before this one.
        Compute da_prev with the weights as they were before this step, then take a step of learning_rate
        against the gradients: subtract learning_rate times d_weights from the weights, and learning_rate
        times d_biases from the biases. Return da_prev.
        """
        dz = ...
        d_weights = ...
        d_biases = ...
        da_prev = ...

        ...

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
        """Train the network: epochs times over all examples, one example at a time.

        In every epoch, go through the examples in a new random order (each example keeps its own label,
        and training_data and labels themselves stay as they are). For each example:
          run it forward through the network to get the output;
          set da = (output - target) / (output * (1 - output)), the derivative of the binary cross-entropy;
          go back through the layers, from the last to the first: da = layer.backward(da, learning_rate).
        """
        ...
