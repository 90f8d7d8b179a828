"""Trusted lesson code for the backpropagation lesson, loaded in the child beside the submission.

The properties pass these objects into the student's code:

- activations whose derivatives the grader knows, with parameters it draws per example (``Poly``, ``Wave``),
  so that ``Layer.backward`` is graded on activations a student cannot special-case, and a wrong
  ``ReLU.derivative`` or ``Sigmoid.derivative`` costs nothing there;
- ``RecordingLayer``, a layer for ``Perceptron.fit`` whose ``forward`` and ``backward`` record what they got and
  return fixed values, so that ``fit`` is graded without any ``Layer`` of the student's;
- ``NumericLayer``, a working layer whose ``backward`` takes its gradients by finite differences, for checking
  that ``fit`` really trains a network.

Standard library and NumPy only; nothing here reads the submission.
"""

import numpy as np


class Poly:
    """f(z) = c0 + c1 z + c2 z^2 + c3 z^3, element by element."""

    def __init__(self, c0, c1, c2, c3):
        self.c = (float(c0), float(c1), float(c2), float(c3))

    def __call__(self, z):
        z = np.asarray(z, dtype=np.float64)
        c0, c1, c2, c3 = self.c
        return c0 + z * (c1 + z * (c2 + z * c3))

    def derivative(self, z):
        z = np.asarray(z, dtype=np.float64)
        _c0, c1, c2, c3 = self.c
        return c1 + z * (2 * c2 + 3 * c3 * z)


class Wave:
    """f(z) = a sin(w z + p), element by element."""

    def __init__(self, a, w, p):
        self.a, self.w, self.p = float(a), float(w), float(p)

    def __call__(self, z):
        return self.a * np.sin(self.w * np.asarray(z, dtype=np.float64) + self.p)

    def derivative(self, z):
        return self.a * self.w * np.cos(self.w * np.asarray(z, dtype=np.float64) + self.p)


class Logistic:
    """The sigmoid, for the layers of NumericLayer."""

    def __call__(self, z):
        z = np.asarray(z, dtype=np.float64)
        return 1 / (1 + np.exp(-z))

    def derivative(self, z):
        s = self(z)
        return s * (1 - s)


logistic = Logistic()


class Identity:
    def __call__(self, z):
        return z

    def derivative(self, z):
        return np.ones_like(np.asarray(z, dtype=np.float64))


_clock = [0]


def _copy(value):
    try:
        return np.array(value, dtype=np.float64)
    except Exception:  # noqa: BLE001 - whatever the student passed, keep a record of it
        return repr(value)[:200]


def _number(value):
    try:
        return float(value)
    except Exception:  # noqa: BLE001
        return float("nan")


class RecordingLayer:
    """A layer that records every call: ``forward`` returns ``output``, ``backward`` returns ``da_prev``.

    ``record()`` gives the calls in order, each ``(tick, kind, array, learning_rate)``: kind 0 for forward (the
    inputs it got), kind 1 for backward (the da it got and the learning rate). Ticks count calls across all
    recording layers of the program, so the grader sees the order of the layers' calls too.
    """

    def __init__(self, output, da_prev):
        self._output = np.array(output, dtype=np.float64)
        self._da_prev = np.array(da_prev, dtype=np.float64)
        self._log = []
        self.outputs = self._output.copy()  # raw outputs whose activation (the identity) is what forward returns
        self.activation = Identity()
        self.inputs = np.zeros((1, 1))

    def forward(self, inputs):
        _clock[0] += 1
        self._log.append((_clock[0], 0, _copy(inputs), 0.0))
        self.inputs = _copy(inputs)
        return self._output.copy()

    def backward(self, da, learning_rate):
        _clock[0] += 1
        self._log.append((_clock[0], 1, _copy(da), _number(learning_rate)))
        return self._da_prev.copy()

    def record(self):
        return list(self._log)


class NumericLayer:
    """A layer that works: forward as in the course; backward takes the gradients of sum(da * a) with respect to
    the weights, the biases and the inputs by central differences, then steps against them."""

    STEP = 1e-6

    def __init__(self, weights, biases, activation):
        self.weights = np.array(weights, dtype=np.float64)
        self.biases = np.array(biases, dtype=np.float64).reshape(-1, 1)
        self.activation = activation
        self.inputs = np.zeros((self.weights.shape[1], 1))
        self.outputs = np.zeros((self.weights.shape[0], 1))

    def forward(self, inputs):
        self.inputs = np.array(inputs, dtype=np.float64).reshape(-1, 1)
        self.outputs = self.weights @ self.inputs + self.biases
        return self.activation(self.outputs)

    def _gradient(self, loss, value):
        grad = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            keep = value[index]
            value[index] = keep + self.STEP
            up = loss()
            value[index] = keep - self.STEP
            down = loss()
            value[index] = keep
            grad[index] = (up - down) / (2 * self.STEP)
        return grad

    def backward(self, da, learning_rate):
        da = np.array(da, dtype=np.float64).reshape(-1, 1)
        weights, biases, inputs = self.weights.copy(), self.biases.copy(), self.inputs.copy()

        def loss():
            return float(np.sum(da * self.activation(weights @ inputs + biases)))

        d_weights = self._gradient(loss, weights)
        d_biases = self._gradient(loss, biases)
        da_prev = self._gradient(loss, inputs)
        self.weights = self.weights - learning_rate * d_weights
        self.biases = self.biases - learning_rate * d_biases
        return da_prev

    def parameters(self):
        return (self.weights.copy(), self.biases.copy())
