"""Submissions that each make one typical mistake, built from correct pieces with one piece replaced.

``MISTAKES`` maps a diagnosis id of the neuron lesson to the part it is in and the pieces that differ from a
correct submission. :func:`submission` writes the source.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SIGMOID = "def sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n"
RELU = "def relu(z):\n    return np.maximum(0, z)\n"
INIT = "        self.weights = np.random.uniform(-1, 1, size=n_inputs)\n        self.bias = np.random.uniform(-1, 1)\n"
ACTIVATE = (
    "        input_sum_with_bias = np.dot(self.weights, inputs) + self.bias\n"
    "        output = sigmoid(input_sum_with_bias)\n"
    "        return output\n"
)

TEMPLATE = '''"""A neuron with one typical mistake: {id}."""

import math

import numpy as np


{sigmoid}

{relu}

class Neuron:
    def __init__(self, n_inputs):
{init}
    def activate(self, inputs):
{activate}'''


@dataclass(frozen=True)
class Mistake:
    part: str
    pieces: dict[str, str] = field(default_factory=dict)


def _activate(line: str) -> str:
    return f"        return {line}\n"


MISTAKES: dict[str, Mistake] = {
    # sigmoid
    "sigmoid.sign": Mistake("sigmoid", {"sigmoid": "def sigmoid(z):\n    return 1 / (1 + np.exp(z))\n"}),
    "sigmoid.minus": Mistake("sigmoid", {"sigmoid": "def sigmoid(z):\n    return 1 / (1 - np.exp(-z))\n"}),
    "sigmoid.complement": Mistake("sigmoid", {"sigmoid": "def sigmoid(z):\n    return np.exp(-z) / (1 + np.exp(-z))\n"}),
    "sigmoid.tanh": Mistake("sigmoid", {"sigmoid": "def sigmoid(z):\n    return np.tanh(z)\n"}),
    "sigmoid.math-exp": Mistake("sigmoid", {"sigmoid": "def sigmoid(z):\n    return 1 / (1 + math.exp(-z))\n"}),
    "sigmoid.rounded": Mistake("sigmoid", {"sigmoid": "def sigmoid(z):\n    return np.round(1 / (1 + np.exp(-z)), 3)\n"}),
    "sigmoid.constant": Mistake("sigmoid", {"sigmoid": "def sigmoid(z):\n    return 0.5\n"}),
    # relu
    "relu.python-max": Mistake("relu", {"relu": "def relu(z):\n    return max(0, z)\n"}),
    "relu.abs": Mistake("relu", {"relu": "def relu(z):\n    return np.abs(z)\n"}),
    "relu.leaky": Mistake("relu", {"relu": "def relu(z):\n    return np.where(z > 0, z, 0.01 * z)\n"}),
    "relu.minimum": Mistake("relu", {"relu": "def relu(z):\n    return np.minimum(0, z)\n"}),
    "relu.in-place": Mistake("relu", {"relu": "def relu(z):\n    z = np.asarray(z, dtype=float)\n    z[z < 0] = 0\n    return z\n"}),
    "relu.int": Mistake("relu", {"relu": "def relu(z):\n    return np.maximum(0, z).astype(int)\n"}),
    # Neuron.__init__
    "init.weights-rand": Mistake("Neuron.__init__", {"init": "        self.weights = np.random.rand(n_inputs)\n        self.bias = np.random.uniform(-1, 1)\n"}),
    "init.weights-randn": Mistake("Neuron.__init__", {"init": "        self.weights = np.random.randn(n_inputs)\n        self.bias = np.random.uniform(-1, 1)\n"}),
    "init.weights-zeros": Mistake("Neuron.__init__", {"init": "        self.weights = np.zeros(n_inputs)\n        self.bias = np.random.uniform(-1, 1)\n"}),
    "init.weights-equal": Mistake("Neuron.__init__", {"init": "        self.weights = np.full(n_inputs, np.random.uniform(-1, 1))\n        self.bias = np.random.uniform(-1, 1)\n"}),
    "init.weights-scalar": Mistake("Neuron.__init__", {"init": "        self.weights = np.random.uniform(-1, 1)\n        self.bias = np.random.uniform(-1, 1)\n"}),
    "init.weights-size-plus-one": Mistake("Neuron.__init__", {"init": "        self.weights = np.random.uniform(-1, 1, size=n_inputs + 1)\n        self.bias = np.random.uniform(-1, 1)\n"}),
    "init.weights-matrix": Mistake("Neuron.__init__", {"init": "        self.weights = np.random.uniform(-1, 1, size=(n_inputs, 1))\n        self.bias = np.random.uniform(-1, 1)\n"}),
    "init.weights-scaled": Mistake("Neuron.__init__", {"init": "        self.weights = np.random.uniform(-1, 1, size=n_inputs) * 0.01\n        self.bias = np.random.uniform(-1, 1)\n"}),
    "init.weights-integers": Mistake("Neuron.__init__", {"init": "        self.weights = np.random.randint(-1, 1, size=n_inputs)\n        self.bias = np.random.uniform(-1, 1)\n"}),
    "init.bias-missing": Mistake("Neuron.__init__", {"init": "        self.weights = np.random.uniform(-1, 1, size=n_inputs)\n"}),
    "init.bias-zero": Mistake("Neuron.__init__", {"init": "        self.weights = np.random.uniform(-1, 1, size=n_inputs)\n        self.bias = 0.0\n"}),
    "init.bias-nonnegative": Mistake("Neuron.__init__", {"init": "        self.weights = np.random.uniform(-1, 1, size=n_inputs)\n        self.bias = np.random.rand()\n"}),
    "init.seeded": Mistake("Neuron.__init__", {"init": "        np.random.seed(0)\n" + INIT}),
    "init.weights-unreadable": Mistake("Neuron.__init__", {"init": "        self.weights = None\n        self.bias = np.random.uniform(-1, 1)\n"}),
    "init.bias-unreadable": Mistake("Neuron.__init__", {"init": "        self.weights = np.random.uniform(-1, 1, size=n_inputs)\n        self.bias = None\n"}),
    # Neuron.activate
    "activate.bias-forgotten": Mistake("Neuron.activate", {"activate": _activate("sigmoid(np.dot(self.weights, inputs))")}),
    "activate.bias-subtracted": Mistake("Neuron.activate", {"activate": _activate("sigmoid(np.dot(self.weights, inputs) - self.bias)")}),
    "activate.no-activation": Mistake("Neuron.activate", {"activate": _activate("np.dot(self.weights, inputs) + self.bias")}),
    "activate.relu": Mistake("Neuron.activate", {"activate": _activate("relu(np.dot(self.weights, inputs) + self.bias)")}),
    "activate.tanh": Mistake("Neuron.activate", {"activate": _activate("np.tanh(np.dot(self.weights, inputs) + self.bias)")}),
    "activate.elementwise": Mistake("Neuron.activate", {"activate": _activate("sigmoid(self.weights * np.asarray(inputs) + self.bias)")}),
    "activate.mean": Mistake("Neuron.activate", {"activate": _activate("sigmoid(np.mean(self.weights * np.asarray(inputs)) + self.bias)")}),
    "activate.bias-after-sigmoid": Mistake("Neuron.activate", {"activate": _activate("sigmoid(np.dot(self.weights, inputs)) + self.bias")}),
    "activate.threshold": Mistake("Neuron.activate", {"activate": _activate("sigmoid(np.dot(self.weights, inputs) + self.bias) > 0.5")}),
    "activate.rounded": Mistake("Neuron.activate", {"activate": _activate("round(float(sigmoid(np.dot(self.weights, inputs) + self.bias)), 2)")}),
    "activate.none": Mistake("Neuron.activate", {"activate": "        output = sigmoid(np.dot(self.weights, inputs) + self.bias)\n"}),
    "activate.cached": Mistake(
        "Neuron.activate",
        {"activate": (
            "        if getattr(self, '_output', None) is None:\n"
            "            self._output = sigmoid(np.dot(self.weights, inputs) + self.bias)\n"
            "        return self._output\n"
        )},
    ),
}

# Further ways of making some of the mistakes, recognised as the same diagnosis.
VARIANTS: dict[str, tuple[str, Mistake]] = {
    "uniform-0-1": ("init.weights-rand", Mistake("Neuron.__init__", {"init": "        self.weights = np.random.uniform(0, 1, size=n_inputs)\n        self.bias = np.random.uniform(-1, 1)\n"})),
    "row-matrix": ("init.weights-matrix", Mistake("Neuron.__init__", {"init": "        self.weights = np.random.uniform(-1, 1, size=(1, n_inputs))\n        self.bias = np.random.uniform(-1, 1)\n"})),
    "seeded-default-rng": ("init.seeded", Mistake("Neuron.__init__", {"init": "        rng = np.random.default_rng(7)\n        self.weights = rng.uniform(-1, 1, size=n_inputs)\n        self.bias = rng.uniform(-1, 1)\n"})),
    "python-max-reversed": ("relu.python-max", Mistake("relu", {"relu": "def relu(z):\n    return max(z, 0)\n"})),
    "int-cast": ("relu.int", Mistake("relu", {"relu": "def relu(z):\n    return int(max(0, z))\n"})),
    "complement-one-minus": ("sigmoid.sign", Mistake("sigmoid", {"sigmoid": "def sigmoid(z):\n    return 1 - 1 / (1 + np.exp(-z))\n"})),
    "math-exp-vectorised": ("sigmoid.math-exp", Mistake("sigmoid", {"sigmoid": "def sigmoid(z):\n    return 1.0 / (1.0 + math.exp(-z))\n"})),
    "all-ones": ("init.weights-equal", Mistake("Neuron.__init__", {"init": "        self.weights = np.ones(n_inputs)\n        self.bias = np.random.uniform(-1, 1)\n"})),
    "bias-rand-uniform-0-1": ("init.bias-nonnegative", Mistake("Neuron.__init__", {"init": "        self.weights = np.random.uniform(-1, 1, size=n_inputs)\n        self.bias = np.random.uniform(0, 1)\n"})),
    "no-return-value": ("activate.none", Mistake("Neuron.activate", {"activate": "        sigmoid(np.dot(self.weights, inputs) + self.bias)\n"})),
    "rounded-numpy": ("activate.rounded", Mistake("Neuron.activate", {"activate": _activate("np.round(sigmoid(np.dot(self.weights, inputs) + self.bias), 3)")})),
}


# Values of self.weights and self.bias that cannot be read as numbers, each as Python source (a name ``n`` is
# n_inputs, ``draw`` one random float). A rigged float subclass compares as if in range, and is still no number.
RIGGED_FLOAT = (
    "class _Rigged(float):\n"
    "    def __lt__(self, other): return False\n"
    "    def __le__(self, other): return True\n"
    "    def __gt__(self, other): return False\n"
    "    def __ge__(self, other): return True\n"
    "    def __eq__(self, other): return False\n"
    "    __hash__ = float.__hash__\n\n\n"
)
UNREADABLE: dict[str, tuple[str, str]] = {
    # name: (weights, bias)
    "none": ("None", "None"),
    "string": ("'0.5 ' * n", "'0.5'"),
    "object": ("object()", "object()"),
    "dict": ("{i: draw() for i in range(n)}", "{'bias': draw()}"),
    "generator": ("(draw() for _ in range(n))", "(draw() for _ in range(1))"),
    "object-array": ("np.random.uniform(-1, 1, size=n).astype(object)", "np.array(draw(), dtype=object)"),
    "matrix": ("np.matrix(np.random.uniform(-1, 1, size=n))", "np.matrix(draw())"),
    "rigged-float": ("[_Rigged(draw()) for _ in range(n)]", "_Rigged(draw())"),
}


def unreadable(which: str, kind: str) -> str:
    """A whole submission, correct except that self.<which> ("weights" or "bias") is the unreadable ``kind``."""
    weights, bias = UNREADABLE[kind]
    init = (
        "        n, draw = n_inputs, lambda: np.random.uniform(-1, 1)\n"
        f"        self.weights = {weights if which == 'weights' else 'np.random.uniform(-1, 1, size=n)'}\n"
        f"        self.bias = {bias if which == 'bias' else 'draw()'}\n"
    )
    source = submission(f"init.{which}-unreadable", Mistake("Neuron.__init__", {"init": init}))
    return source.replace("\n\ndef sigmoid", "\n\n" + RIGGED_FLOAT + "def sigmoid", 1)


def submission(diagnosis: str, mistake: Mistake) -> str:
    pieces = {"sigmoid": SIGMOID, "relu": RELU, "init": INIT, "activate": ACTIVATE, **mistake.pieces}
    return TEMPLATE.format(id=diagnosis, **pieces)
