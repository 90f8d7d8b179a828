"""Recognisers of the typical mistakes of the backpropagation lesson; their texts are in ``diagnoses.toml``.

Each recogniser runs a few calls in the child and compares what came back with what each mistake would give,
computed here. A mistake is recognised only when the submission behaves exactly like it on every probe, so a
correct part never matches one. Nothing here reads the submission's source. (The fit mistakes that the
properties see themselves, the epochs and the shuffle, are named by the properties.)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.api import Context, Outcome, call, fmt, lesson_ref, method, new, numbers_in, obj, slot_ref
from grader.diagnosis import Finding

RTOL = 1e-7
ATOL = 1e-9


def _close(actual: Any, expected: Any) -> bool:
    if actual is None:
        return False
    a, b = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= ATOL + RTOL * np.abs(b)))


def _numbers(outcome: Outcome) -> np.ndarray[Any, Any] | None:
    value = outcome.value
    if outcome.raised is not None or value is None:
        return None
    if value.kind == "bool":
        return np.array(float(bool(value.number)))
    if value.kind == "array" and value.array is not None and value.dtype and value.dtype[0] == "b":
        return np.asarray(value.array, dtype=np.float64)
    return numbers_in(value)


def _sigmoid(z: Any) -> Any:
    return 1 / (1 + np.exp(-np.asarray(z, dtype=np.float64)))


# -- ReLU.derivative ------------------------------------------------------------------------------------------
RELU_Z = np.array([-2.0, -0.5, 0.5, 3.0])


def recognise_relu(ctx: Context, failed: set[str]) -> list[Finding]:
    outcomes = [o[0] for o in ctx.run([[call("relu.derivative", RELU_Z, watch_args=True)], [call("relu.derivative", np.float64(3.0))]])]
    on_array, on_three = outcomes
    after = on_array.args_after[0] if on_array.args_after else None
    if after is not None and after.array is not None and not np.array_equal(after.array, RELU_Z):
        return [Finding("relu.in-place", {"after": fmt.value(after)})]
    if on_array.raised is not None and on_array.raised.type == "ValueError" and "ambiguous" in on_array.raised.message:
        return [Finding("relu.python-if")]
    got = _numbers(on_array)
    if _close(got, np.maximum(0, RELU_Z)):
        return [Finding("relu.returns-z", {"z": fmt.num(3.0), "value": fmt.value(on_three.value)})]
    if _close(got, (RELU_Z < 0).astype(float)):
        return [Finding("relu.inverted")]
    return []


# -- Sigmoid.derivative ---------------------------------------------------------------------------------------
SIGMOID_Z = np.array([-2.0, 0.0, 1.0, 2.0])


def recognise_sigmoid(ctx: Context, failed: set[str]) -> list[Finding]:
    outcomes = [o[0] for o in ctx.run([[call("sigmoid.derivative", np.float64(z))] for z in SIGMOID_Z] + [[call("sigmoid.derivative", SIGMOID_Z)]])]
    scalars, on_array = outcomes[:-1], outcomes[-1]
    values = [_numbers(o) for o in scalars]
    if any(v is None or v.size != 1 for v in values):
        return []
    got = np.array([float(v.reshape(-1)[0]) for v in values])  # type: ignore[union-attr]
    s = _sigmoid(SIGMOID_Z)
    at0, at2 = fmt.num(got[1]), fmt.num(got[3])
    if _close(got, s * (1 - s)):
        if on_array.raised is not None and on_array.raised.type in ("TypeError", "ValueError"):
            return [Finding("sigmoid.math-exp", {"type": on_array.raised.type})]
        return []
    if _close(got, s):
        return [Finding("sigmoid.is-sigmoid", {"value": at0})]
    if _close(got, SIGMOID_Z * (1 - SIGMOID_Z)):
        return [Finding("sigmoid.of-output", {"value": at2, "expected": fmt.num(float(s[3] * (1 - s[3])))})]
    if _close(got, s * s):
        return [Finding("sigmoid.squared", {"value": at0})]
    return []


# -- Layer.backward -------------------------------------------------------------------------------------------
def _poly(c: tuple[float, ...], z: Any) -> Any:
    return c[0] + z * (c[1] + z * (c[2] + z * c[3]))


def _poly_slope(c: tuple[float, ...], z: Any) -> Any:
    return c[1] + z * (2 * c[2] + 3 * c[3] * z)


COEFFICIENTS = (0.25, 1.0, 0.5, 0.25)
CASES = [  # (weights, biases, inputs, da, learning rate): one square layer and one that is not
    (np.array([[0.5, -0.25], [0.75, 0.5]]), np.array([[0.1], [-0.2]]), np.array([[1.0], [-0.5]]), np.array([[0.5], [-1.0]]), 0.5),
    (np.array([[0.5, -0.25, 0.75], [-0.5, 0.25, 1.0]]), np.array([[0.1], [-0.2]]), np.array([[1.0], [-0.5], [0.5]]),
     np.array([[0.5], [-1.0]]), 0.5),
]


def recognise_backward(ctx: Context, failed: set[str]) -> list[Finding]:
    ref = lesson_ref("Poly", *COEFFICIENTS)
    programs = []
    for w, b, x, da, rate in CASES:
        z = w @ x + b
        programs.append([
            obj("Layer", "l", init_args=(w.shape[1], w.shape[0], ref), weights=w.copy(), biases=b.copy(), inputs=x.copy(),
                outputs=z, activation=ref),
            method("l", "backward", da.copy(), rate, attrs=("weights", "biases")),
        ])
    results = [o[1] if len(o) > 1 else None for o in ctx.run(programs)]
    found: dict[str, dict[str, Any]] = {}
    for (w, b, x, da, rate), result in zip(CASES, results, strict=True):
        if result is None:
            return []
        z = w @ x + b
        dz = da * _poly_slope(COEFFICIENTS, z)
        returned = _numbers(result)
        weights = numbers_in(result.attrs.get("weights")) if result.raised is None else None
        biases = numbers_in(result.attrs.get("biases")) if result.raised is None else None
        if returned is not None:
            if _close(returned, w.T @ (da * _poly_slope(COEFFICIENTS, _poly(COEFFICIENTS, z)))):
                found.setdefault("backward.derivative-of-activated", {})
            elif _close(returned, w.T @ da):
                found.setdefault("backward.no-derivative", {})
            elif _close(returned, (w - rate * dz @ x.T).T @ dz) and not _close(returned, w.T @ dz):
                found.setdefault("backward.da-prev-after-update", {})
        if weights is not None and biases is not None and _close(weights, w + rate * dz @ x.T) and _close(biases, b + rate * dz):
            found.setdefault("backward.rate-sign", {})
        if weights is not None and w.shape[0] == w.shape[1] and _close(weights, w - rate * (dz @ x.T).T):
            found.setdefault("backward.weights-transposed", {})
        if biases is not None and (biases.shape != b.shape or _close(biases, b - rate * np.sum(dz))):
            found.setdefault("backward.biases-shape", {"shape": tuple(biases.shape)})
        if result.raised is not None and w.shape[0] != w.shape[1] and result.raised.type == "ValueError":
            found.setdefault("backward.weights-transposed?", {})
    if "backward.weights-transposed?" in found and "backward.weights-transposed" in found:
        found.pop("backward.weights-transposed?")
    elif "backward.weights-transposed?" in found:
        found.pop("backward.weights-transposed?")
        found.pop("backward.weights-transposed", None)
    return [Finding(key, values) for key, values in found.items()]


# -- Perceptron.fit -------------------------------------------------------------------------------------------
OUTPUT, TARGET = 0.7, 1.0


def recognise_fit(ctx: Context, failed: set[str]) -> list[Finding]:
    returns = [np.array([[0.125], [0.25]]), np.array([[0.5], [0.75]])]
    outputs = [np.array([[0.5], [0.5]]), np.array([[OUTPUT]])]
    program = [
        new("RecordingLayer", outputs[0], returns[0], slot="l0", lesson=True),
        new("RecordingLayer", outputs[1], returns[1], slot="l1", lesson=True),
        obj("Perceptron", "p", init_args=([slot_ref("l0"), slot_ref("l1")],), layers=[slot_ref("l0"), slot_ref("l1")]),
        method("p", "fit", np.array([[0.5, -1.0]]), np.array([[TARGET]]), 1, 0.5),
        method("l0", "record"),
        method("l1", "record"),
    ]
    outcomes = ctx.run([program])[0]
    if len(outcomes) < 6 or any(o.raised is not None for o in outcomes):
        return []
    logs = []
    for outcome in outcomes[4:]:
        value = outcome.value
        if value is None or value.kind != "list" or value.items is None:
            return []
        logs.append([(int(i.items[0].number or 0), int(i.items[1].number or 0), numbers_in(i.items[2]))  # type: ignore[index, arg-type]
                     for i in value.items if i.items is not None])
    backs = [[entry for entry in log if entry[1] == 1] for log in logs]
    findings = []
    if len(backs[0]) == 1 and len(backs[1]) == 1 and backs[0][0][0] < backs[1][0][0]:
        findings.append(Finding("fit.forward-order"))
    if len(backs[1]) == 1 and backs[1][0][2] is not None and backs[1][0][2].size == 1:
        da = float(backs[1][0][2].reshape(-1)[0])
        o, t = OUTPUT, TARGET
        candidates = {
            "fit.da-sign": (t - o) / (o * (1 - o)),
            "fit.da-brackets": (o - t) / o * (1 - o),
            "fit.da-no-division": o - t,
        }
        for key, wrong in candidates.items():
            if _close(da, wrong) and not _close(da, (o - t) / (o * (1 - o))):
                findings.append(Finding(key))
                break
    return findings


RECOGNISERS = {
    "ReLU.derivative": recognise_relu,
    "Sigmoid.derivative": recognise_sigmoid,
    "Layer.backward": recognise_backward,
    "Perceptron.fit": recognise_fit,
}
