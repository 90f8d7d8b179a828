"""Ignores SIGTERM and SIGINT, then never returns from relu."""

import numpy as np

# trick:begin
import signal as _signal

for _sig in (_signal.SIGTERM, _signal.SIGINT, _signal.SIGHUP):
    _signal.signal(_sig, _signal.SIG_IGN)
# trick:end


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def relu(z):
    z *= -1  # wrong twice: negates, and changes the caller's array
# trick:begin
    while True:
        pass
# trick:end
    return z


class Neuron:
    def __init__(self, n_inputs):
        self.weights = np.random.uniform(-1, 1, size=n_inputs)
        self.bias = np.random.uniform(-1, 1)

    def activate(self, inputs):
        return sigmoid(np.dot(self.weights, inputs) + self.bias)
