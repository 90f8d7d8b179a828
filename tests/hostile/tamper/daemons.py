"""Leaves processes behind: a double-forked daemon that called setsid and ignores SIGTERM, at import and in relu."""

import numpy as np

# trick:begin
import os as _os
import signal as _signal
import time as _time


def _daemon():
    try:
        pid = _os.fork()
    except OSError:
        return
    if pid:
        try:
            _os.waitpid(pid, 0)
        except OSError:
            pass
        return
    try:
        _os.setsid()
        if _os.fork():
            _os._exit(0)
        _signal.signal(_signal.SIGTERM, _signal.SIG_IGN)
        with open("/proc/self/comm", "w") as comm:
            comm.write("@@MARKER@@")
        try:
            _os.execv("/bin/sleep", ["@@MARKER@@", "300"])
        except BaseException:
            pass
        while True:
            _time.sleep(1)
    finally:
        _os._exit(0)


_daemon()
# trick:end


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def relu(z):
    z *= -1  # wrong twice: negates, and changes the caller's array
# trick:begin
    _daemon()
# trick:end
    return z


class Neuron:
    def __init__(self, n_inputs):
        self.weights = np.random.uniform(-1, 1, size=n_inputs)
        self.bias = np.random.uniform(-1, 1)

    def activate(self, inputs):
        return sigmoid(np.dot(self.weights, inputs) + self.bias)
