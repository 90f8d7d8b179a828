"""Recognisers of the typical mistakes of the single-neuron lesson; their texts are in ``diagnoses.toml``.

Each recogniser runs a few calls in the child and compares what came back with what each mistake would give.
A mistake is recognised only when the submission behaves exactly like it on every probe, so a correct part
never matches one. Nothing here reads the submission's source.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from grader.api import Context, Died, Outcome, Value, call, fmt, method, new, obj, set_attrs
from grader.diagnosis import Finding

RTOL = 1e-7
ATOL = 1e-9


def _sigmoid(z: Any) -> Any:
    z = np.asarray(z, dtype=np.float64)
    with np.errstate(over="ignore"):
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _close(actual: Any, expected: Any) -> bool:
    a = np.asarray(actual, dtype=np.float64)
    b = np.asarray(expected, dtype=np.float64)
    if a.shape != b.shape:
        return False
    with np.errstate(invalid="ignore"):
        return bool(np.all((np.abs(a - b) <= ATOL + RTOL * np.abs(b)) | ((a == b) & np.isfinite(b))))


def _number(outcome: Outcome) -> float | None:
    """The one number a call returned (a float, an int or a 0-d/1-element array), else None."""
    value = outcome.value
    if outcome.raised is not None or value is None:
        return None
    if value.kind in ("int", "float"):
        return float(value.number)  # type: ignore[arg-type]
    if value.kind == "array" and value.array is not None and value.array.size == 1 and value.dtype and value.dtype[0] in "iuf":
        return float(value.array.reshape(-1)[0])
    return None


def _numbers(outcomes: list[Outcome]) -> np.ndarray[Any, Any] | None:
    values = [_number(o) for o in outcomes]
    if any(v is None for v in values):
        return None
    return np.array(values, dtype=np.float64)


def _rounded_digits(got: np.ndarray[Any, Any], exact: np.ndarray[Any, Any]) -> int | None:
    """The number of decimals the results were rounded to, if they are the exact values rounded."""
    if _close(got, exact):
        return None
    for digits in range(0, 9):
        if np.all(np.abs(got - exact) <= 0.5 * 10.0**-digits + 1e-12) and np.allclose(got, np.round(got, digits), rtol=0, atol=1e-12):
            return digits
    return None


def _raised(outcome: Outcome, kind: str, *words: str) -> bool:
    raised = outcome.raised
    if raised is None or raised.type != kind:
        return False
    return not words or any(word in raised.message for word in words)


# -- sigmoid --------------------------------------------------------------------------------------------------
SIGMOID_Z = [-3.0, -1.0, -0.5, 0.5, 1.0, 2.0, 4.0]


def recognise_sigmoid(ctx: Context, failed: set[str]) -> list[Finding]:
    array = np.array([-2.0, -0.5, 0.0, 1.0, 3.0])
    programs = [[call("sigmoid", z)] for z in SIGMOID_Z] + [
        [call("sigmoid", array)],
        [call("sigmoid", np.float64(-1000.0))],  # a NumPy float, as np.dot gives one: e ** -z of a Python float may overflow
        [call("sigmoid", np.float64(1000.0))],
        [call("sigmoid", 0.0)],
    ]
    outcomes = [o[0] for o in ctx.run(programs)]
    scalars, on_array, very_negative = outcomes[: len(SIGMOID_Z)], outcomes[len(SIGMOID_Z)], outcomes[len(SIGMOID_Z) + 1]
    z = np.array(SIGMOID_Z)
    got = _numbers(scalars)
    exact = _sigmoid(z)
    if got is not None and _close(got, exact):
        if _raised(on_array, "TypeError") and _raised(very_negative, "OverflowError"):  # both, as the explanation says
            return [Finding("sigmoid.math-exp")]
        return []
    if got is None:
        return []
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        if np.all(got == got[0]):
            return [Finding("sigmoid.constant", {"value": fmt.num(got[0])})]
        if _close(got, np.tanh(z)):
            return [Finding("sigmoid.tanh", {"z": fmt.num(-1.0), "value": fmt.num(got[1])})]
        if _close(got, 1 / (1 + np.exp(z))):
            at = SIGMOID_Z.index(2.0)
            values = {"value": fmt.num(got[at]), "expected": fmt.num(exact[at])}
            negative = _number(very_negative)
            if negative is not None and math.isnan(negative):
                return [Finding("sigmoid.complement", values)]
            return [Finding("sigmoid.sign", values)]
        if _close(got, 1 / (1 - np.exp(-z))):
            at = SIGMOID_Z.index(-1.0)
            return [Finding("sigmoid.minus", {"value": fmt.num(got[at]), "expected": fmt.num(exact[at])})]
    digits = _rounded_digits(got, exact)
    if digits is not None:
        at = SIGMOID_Z.index(0.5)
        return [Finding("sigmoid.rounded", {"value": fmt.num(got[at], precise=True), "expected": fmt.num(exact[at]), "digits": digits})]
    return []


# -- relu -----------------------------------------------------------------------------------------------------
RELU_Z = [-2.5, -1.0, -0.5, 0.5, 1.5, 3.0]


def recognise_relu(ctx: Context, failed: set[str]) -> list[Finding]:
    array = np.array([-2.0, -0.5, 0.0, 1.5, 3.7])
    programs = [[call("relu", z)] for z in RELU_Z] + [[call("relu", array, watch_args=True)]]
    outcomes = [o[0] for o in ctx.run(programs)]
    scalars, on_array = outcomes[: len(RELU_Z)], outcomes[len(RELU_Z)]
    z = np.array(RELU_Z)
    got = _numbers(scalars)
    exact = np.maximum(0.0, z)
    findings: list[Finding] = []
    if on_array.args_after:
        after = on_array.args_after[0].array
        if after is not None and after.shape == array.shape and not np.array_equal(after, array):
            findings.append(Finding("relu.in-place", {"after": fmt.value(on_array.args_after[0])}))
    if got is not None and _close(got, exact):
        if _raised(on_array, "ValueError", "truth value", "ambiguous"):
            findings.append(Finding("relu.python-max"))
        return findings
    if got is None:
        return findings
    if _close(got, np.abs(z)):
        findings.append(Finding("relu.abs", {"value": fmt.num(got[0])}))
    elif _close(got, np.minimum(0.0, z)):
        findings.append(Finding("relu.minimum", {"value": fmt.num(got[0])}))
    elif _close(got[z > 0], z[z > 0]) and np.all(got[z < 0] < 0):
        slopes = got[z < 0] / z[z < 0]
        if np.allclose(slopes, slopes[0], rtol=1e-6) and 0 < slopes[0] < 1:
            findings.append(Finding("relu.leaky", {"value": fmt.num(got[0]), "slope": fmt.num(slopes[0])}))
    elif np.array_equal(got, np.trunc(exact)):
        findings.append(Finding("relu.int", {"value": fmt.num(got[RELU_Z.index(1.5)])}))
    return findings


# -- Neuron.__init__ ------------------------------------------------------------------------------------------
WEIGHT_PROPERTIES = ("init.weights", "init.random", "init.uniform")
NEURONS = 600  # as init.uniform draws; its sample is reused when it ran, so a diagnosis quotes its counterexample's numbers
SAMPLE_MEMO = "Neuron(8) sample"  # where properties.py keeps that sample in ctx.memo


def _vector(value: Any) -> np.ndarray[Any, Any] | None:
    if not isinstance(value, Value):
        return None
    if value.kind in ("int", "float"):
        return np.array([float(value.number)])  # type: ignore[arg-type]
    values = value.numbers()
    if values is None or (value.dtype is not None and value.dtype[0] not in "iuf"):
        return None
    return np.asarray(values, dtype=np.float64)


def recognise_init(ctx: Context, failed: set[str]) -> list[Finding]:
    sizes = (1, 3, 5, 8)
    programs = [[new("Neuron", n, attrs=("weights", "bias"))] for n in sizes]
    sample = ctx.memo.get(SAMPLE_MEMO)
    if not isinstance(sample, list) or not all(isinstance(o, Outcome) for o in sample):
        programs += [[new("Neuron", 8, attrs=("weights", "bias"))] for _ in range(NEURONS)]
        sample = []
    outcomes = [o[0] for o in ctx.run(programs)] + sample
    if any(o.raised is not None for o in outcomes):
        return []
    findings: list[Finding] = []
    weights_finding = _weights_shape(sizes, outcomes[: len(sizes)])
    if weights_finding is None:
        weights_finding = _weights_values(sizes, outcomes)
    if weights_finding is not None:
        findings.append(weights_finding)
    bias_finding = _bias(outcomes[len(sizes):])
    if bias_finding is not None:
        findings.append(bias_finding)
    return findings


def _weights_shape(sizes: tuple[int, ...], outcomes: list[Outcome]) -> Finding | None:
    values = [o.attrs.get("weights") for o in outcomes]
    if not all(isinstance(v, Value) for v in values):
        return None
    shown = fmt.value(values[1])  # type: ignore[arg-type]
    if all(v.is_number for v in values):  # type: ignore[union-attr]
        return Finding("init.weights-scalar", {"value": shown})
    arrays = [v for v in values if isinstance(v, Value) and v.kind == "array" and v.shape is not None]
    if len(arrays) == len(values):
        shapes = [v.shape for v in arrays]
        if all(shape in ((n, 1), (1, n)) for shape, n in zip(shapes, sizes, strict=True)) and any(n > 1 for n in sizes):
            return Finding("init.weights-matrix", {"shape": str(shapes[1]), "n": sizes[1]})
    lengths = []
    for value in values:
        vector = _vector(value)
        if vector is None or (isinstance(value, Value) and value.kind == "array" and len(value.shape or ()) != 1):
            return None
        lengths.append(vector.size)
    if all(length == n + 1 for length, n in zip(lengths, sizes, strict=True)):
        return Finding("init.weights-size-plus-one", {"count": sizes[1] + 1, "n": sizes[1]})
    return None


def _weights_values(sizes: tuple[int, ...], outcomes: list[Outcome]) -> Finding | None:
    vectors = [_vector(o.attrs.get("weights")) for o in outcomes]
    shaped = [v for v, n in zip(vectors, list(sizes) + [8] * (len(vectors) - len(sizes)), strict=True) if v is not None and v.size == n]
    if len(shaped) < len(vectors) or not shaped:
        return None
    sample = [v for v in shaped[len(sizes):]]
    allw = np.concatenate(sample)
    if not np.all(np.isfinite(allw)):
        return None
    count = fmt.count(allw.size)
    if np.all(allw == 0):
        return Finding("init.weights-zeros")
    if all(np.all(v == v[0]) for v in sample):
        return Finding("init.weights-equal", {"value": fmt.num(sample[0][0])})
    if len({v.tobytes() for v in sample}) == 1:
        three, eight = shaped[sizes.index(3)], shaped[sizes.index(8)]
        if np.array_equal(three, eight[:3]):
            return Finding("init.seeded", {"weights": "[" + ", ".join(fmt.num(float(w)) for w in eight) + "]"})
        return None
    if np.all(allw == np.round(allw)):
        distinct = ", ".join(fmt.num(x) for x in np.unique(allw)[:6])
        return Finding("init.weights-integers", {"count": count, "values": distinct})
    low, high = float(allw.min()), float(allw.max())
    values = {"count": count, "low": fmt.num(low), "high": fmt.num(high), "mean": fmt.num(float(allw.mean()))}
    if low >= 0 and high < 1 and high > 0.9 and 0.45 < allw.mean() < 0.55:
        return Finding("init.weights-rand", values)
    outside = float(np.mean(np.abs(allw) > 1))
    if outside > 0.2 and abs(allw.mean()) < 0.15 and 0.85 < allw.std() < 1.15:
        return Finding("init.weights-randn", {**values, "outside": f"{outside * 100:.0f}%"})
    if high <= 0.5 and low >= -0.5 and low < 0 < high:
        return Finding("init.weights-scaled", values)
    return None


def _bias(outcomes: list[Outcome]) -> Finding | None:
    raw = [o.attrs.get("bias") for o in outcomes]
    if all(isinstance(b, Value) and b.kind == "missing" for b in raw):
        return Finding("init.bias-missing")
    numbers = [b.as_float() for b in raw if isinstance(b, Value) and b.is_number]
    if len(numbers) < len(raw):
        return None
    biases = np.array(numbers)
    if np.all(biases == 0):
        return Finding("init.bias-zero", {"count": fmt.count(biases.size)})
    if len(set(numbers)) > 1 and np.all(biases >= 0) and np.all(biases < 1):
        return Finding("init.bias-nonnegative", {"count": fmt.count(biases.size), "low": fmt.num(float(biases.min()))})
    return None


# -- Neuron.activate ------------------------------------------------------------------------------------------
CASES = [
    ([0.5, -0.3, 0.8], 0.4, [1.0, 2.0, -0.5]),
    ([-0.7, 0.2, 0.1], -0.6, [0.3, -1.5, 2.0]),
    ([0.9, 0.4, -0.2], 0.25, [2.0, 1.0, 3.0]),
]

Sigmoid = Callable[[float], Any]
Model = Callable[[np.ndarray[Any, Any], float, np.ndarray[Any, Any], Sigmoid], Any]

MODELS: list[tuple[str, Model]] = [
    ("activate.bias-forgotten", lambda w, b, x, s: s(float(np.dot(w, x)))),
    ("activate.bias-subtracted", lambda w, b, x, s: s(float(np.dot(w, x)) - b)),
    ("activate.no-activation", lambda w, b, x, s: float(np.dot(w, x)) + b),
    ("activate.relu", lambda w, b, x, s: max(0.0, float(np.dot(w, x)) + b)),
    ("activate.tanh", lambda w, b, x, s: math.tanh(float(np.dot(w, x)) + b)),
    ("activate.mean", lambda w, b, x, s: s(float(np.mean(w * x)) + b)),
    ("activate.bias-after-sigmoid", lambda w, b, x, s: s(float(np.dot(w, x))) + b),
]


def _sums(w: list[float], b: float, x: list[float]) -> list[float]:
    """Every sum a model passes to the sigmoid, for one case."""
    wa, xa = np.array(w), np.array(x)
    dot = float(np.dot(wa, xa))
    return [dot, dot - b, float(np.mean(wa * xa)) + b, dot + b]


def _use_init(ctx: Context) -> bool:
    """Whether Neuron(n) can be built, as the properties found it (the same probe if they did not run)."""
    if "init_works" not in ctx.memo:
        try:
            ctx.memo["init_works"] = ctx.run([[new("Neuron", 3)]])[0][0].raised is None
        except Died:  # the child hung or ended in __init__
            ctx.memo["init_works"] = False
    return bool(ctx.memo["init_works"])


def _neuron(slot: str, weights: list[float], bias: float, use_init: bool) -> dict[str, Any]:
    return obj("Neuron", slot, init_args=(len(weights),) if use_init else None, weights=np.array(weights), bias=bias)


def recognise_activate(ctx: Context, failed: set[str]) -> list[Finding]:
    use_init = _use_init(ctx)
    programs = [[_neuron("n", w, b, use_init), method("n", "activate", np.array(x))] for w, b, x in CASES]
    (w1, b1, x1), (w2, b2, x2) = CASES[0], CASES[1]
    programs.append([
        _neuron("n", w1, b1, use_init),
        method("n", "activate", np.array(x1)),
        set_attrs("n", weights=np.array(w2), bias=b2),
        method("n", "activate", np.array(x2)),
    ])
    sums = sorted({z for case in CASES for z in _sums(*case)})
    programs += [[call("sigmoid", z)] for z in sums]  # the submission's own sigmoid, which activate may call
    results = ctx.run(programs)
    theirs = {z: _number(r[0]) for z, r in zip(sums, results[len(CASES) + 1:], strict=True)}
    results = results[: len(CASES) + 1]
    outcomes = [r[1] for r in results[: len(CASES)]]
    if any(o.raised is not None or o.value is None for o in outcomes):
        return []
    values: list[Value] = [o.value for o in outcomes]  # type: ignore[misc]
    exact = [float(_sigmoid(np.dot(w, x) + b)) for w, b, x in CASES]
    first = {"value": fmt.value(values[0]), "expected": fmt.num(exact[0])}
    if all(v.kind == "none" for v in values):
        return [Finding("activate.none")]
    if all(v.kind == "bool" for v in values):
        return [Finding("activate.threshold", first)]
    if all(v.kind == "array" and v.shape == (3,) for v in values):
        if all(_close(v.array, _sigmoid(np.array(w) * np.array(x) + b)) for v, (w, b, x) in zip(values, CASES, strict=True)):
            return [Finding("activate.elementwise", first)]
        return []
    got = _numbers(outcomes)
    if got is None:
        return []
    if _close(got, exact):
        cached = results[-1]
        again, fresh = _number(cached[3]), float(_sigmoid(np.dot(w2, x2) + b2))
        if again is not None and not _close(again, fresh) and _close(again, exact[0]):
            return [Finding("activate.cached", {"value": fmt.num(again), "expected": fmt.num(fresh)})]
        return []
    sigmoids: list[Sigmoid] = [lambda z: float(_sigmoid(z))]
    if all(value is not None for value in theirs.values()):
        sigmoids.append(lambda z: theirs[z])  # a wrong sigmoid is graded under sigmoid, not here
    for diagnosis, model in MODELS:
        for sigmoid in sigmoids:
            expected = [float(model(np.array(w), b, np.array(x), sigmoid)) for w, b, x in CASES]
            if _close(got, expected):
                return [Finding(diagnosis, first)]
    digits = _rounded_digits(got, np.array(exact))
    if digits is not None:
        return [Finding("activate.rounded", {**first, "value": fmt.num(got[0], precise=True), "digits": digits})]
    return []


RECOGNISERS: dict[str, Callable[[Context, set[str]], list[Finding]]] = {
    "sigmoid": recognise_sigmoid,
    "relu": recognise_relu,
    "Neuron.__init__": recognise_init,
    "Neuron.activate": recognise_activate,
}
