"""Written with a recursive network and einsum; prints a demo when run."""
import numpy as np
from activations import relu, sigmoid


class Layer:
    def __init__(self, n_inputs, n_neurons, activation_function):
        self.inputs = np.zeros((n_inputs, 1))
        self.outputs = np.zeros((n_neurons, 1))
        self.weights = np.random.uniform(low=-1, high=1, size=(n_neurons, n_inputs))
        self.biases = np.random.uniform(low=-1, high=1, size=(n_neurons,)).reshape(n_neurons, 1)
        self.activation = activation_function

    def forward(self, inputs):
        column = np.array(inputs, dtype=np.float64).reshape(-1, 1)
        self.inputs = column
        self.outputs = np.einsum("ij,jk->ik", self.weights, column) + self.biases
        return self.activation(self.outputs)


class Perceptron:
    def __init__(self, layers):
        self.layers = layers

    def _through(self, x, layers):
        if not layers:
            return x
        return self._through(layers[0].forward(x), layers[1:])

    def forward(self, inputs):
        return self._through(inputs, list(self.layers))


if __name__ == "__main__":
    net = Perceptron([Layer(2, 3, relu), Layer(3, 1, sigmoid)])
    print(net.forward([0.5, -0.5]))
