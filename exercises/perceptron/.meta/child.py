"""Trusted lesson code that the grader loads in the child before the submission: activations and layers that the
properties pass into the student's code. Each records what it was given, so the properties can read it back."""

import numpy as np


class Affine:
    """An activation a * z + c, with a and c chosen per example by the grader: a student cannot special-case it
    (it is neither relu nor sigmoid), and applying it twice or not at all shows."""

    def __init__(self, a, c):
        self.a = float(a)
        self.c = float(c)
        self.calls = 0

    def __call__(self, z):
        self.calls += 1
        return self.a * np.asarray(z, dtype=float) + self.c


class FakeLayer:
    """A layer whose forward is a known transform, M · x + c on x as a column, and which records every input it got
    (as it was given, copied) and how often it was called."""

    def __init__(self, matrix, offset):
        self.matrix = np.asarray(matrix, dtype=float)
        self.offset = np.asarray(offset, dtype=float).reshape(-1, 1)
        self.seen = []
        self.calls = 0

    def forward(self, inputs):
        self.calls += 1
        self.seen.append(np.array(inputs, dtype=float).copy())
        return self.matrix @ np.array(inputs, dtype=float).reshape(-1, 1) + self.offset

    def report(self):
        """How often forward was called, and what it got each time."""
        return [self.calls, list(self.seen)]
