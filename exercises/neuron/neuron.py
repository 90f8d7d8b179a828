"""A single neuron, written from scratch with NumPy.

Fill in every ``...`` below. Check your work with ``grader check`` (or ``grader check path/to/neuron.py``).
"""

import numpy as np


def sigmoid(z):
    """Return the sigmoid of z: 1 / (1 + e^(-z)).

    z is one number or a NumPy array; for an array, apply the formula to every element and keep the shape.
    Every result lies between 0 and 1. Use np.exp so that arrays work.
    """
    ...


def relu(z):
    """Return the rectified linear unit of z: z where z is positive, 0 elsewhere.

    z is one number or a NumPy array; for an array, work element by element, keep the shape, and do not
    change z itself. np.maximum does this in one call.
    """
    ...


class Neuron:
    """One neuron: a weight for every input, one bias, and a sigmoid activation."""

    def __init__(self, n_inputs):
        """Set up the neuron's parameters at random.

        self.weights: one random value per input (n_inputs of them), drawn uniformly from [-1, 1).
        self.bias: one random value, drawn uniformly from [-1, 1).
        np.random.uniform(low, high, size=...) draws them.
        """
        self.weights = ...
        self.bias = ...

    def activate(self, inputs):
        """Compute the neuron's output for one list or array of inputs.

        Multiply each input by its weight and add everything up (np.dot does both), add the bias, and pass
        the result through sigmoid. Return a single number between 0 and 1.
        """
        input_sum_with_bias = ...
        output = ...

        return output
