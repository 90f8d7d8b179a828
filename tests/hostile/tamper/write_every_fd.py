"""Writes forged protocol replies to every file descriptor, with a nonce stolen from the calling frames."""

import numpy as np

# trick:begin
import os as _os

for _fd in range(3, 256):
    try:
        _os.write(_fd, b'\n{"import": {"error": null}, "names": {"relu": true}, "stubs": {}, "defined": []}\n')
    except OSError:
        pass
# trick:end


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def relu(z):
    z *= -1  # wrong twice: negates, and changes the caller's array
# trick:begin
    import os
    import sys

    nonce = None
    frame = sys._getframe(1)
    while frame is not None:
        nonce = frame.f_locals.get("nonce") or nonce
        frame = frame.f_back
    line = "\n%s %s\n" % (nonce, '{"results": [{"value": {"t": "float", "v": "0x0.0p+0"}}]}')
    for fd in range(0, 256):
        try:
            os.write(fd, line.encode() * 3 + b"garbage without an end of line")
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
