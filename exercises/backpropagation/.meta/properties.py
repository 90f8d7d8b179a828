"""Properties of the backpropagation lesson. Each object here grades one property id of ``lesson.toml``.

Every expected value is computed here, in the grader's process: derivatives and gradients by central finite
differences of the grader's own functions, never from the reference solution. ``Layer.backward`` is graded on
layers whose weights, biases, stored inputs and outputs the grader sets, with activations of its own from the
lesson's child module (``child.py``: polynomials and sine waves drawn per example), so a wrong derivative of the
student's costs nothing there. ``Perceptron.fit`` is graded with the child module's recording layers, and with
its working layers for the check that the loss falls, so a wrong ``backward`` costs nothing there.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from grader.api import (
    Context,
    ExampleProperty,
    Fail,
    NotImplementedYet,
    Outcome,
    Value,
    check_unchanged,
    fmt,
    hnp,
    lesson_ref,
    method,
    new,
    numbers_in,
    obj,
    pure_function,
    slot_ref,
    st,
)
from grader.api import call as call_op
from grader.i18n import _

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

_META = tomllib.loads((Path(__file__).resolve().parent / "lesson.toml").read_text(encoding="utf-8"))
ABS = float(_META["tolerance"]["absolute"])  # |actual - expected| <= ABS + REL * |expected|
REL = float(_META["tolerance"]["relative"])
SHUFFLE_EXAMPLES = int(_META["statistics"]["examples"])
SHUFFLE_EPOCHS = int(_META["statistics"]["epochs"])


# -- shared helpers -----------------------------------------------------------------------------------------
def near(actual: Any, expected: Any) -> np.ndarray[Any, Any]:
    """Element-wise: within the lesson's tolerance (the shapes must agree)."""
    a, b = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        return np.asarray(np.abs(a - b) <= ABS + REL * np.abs(b))


def all_near(actual: Any, expected: Any) -> bool:
    a, b = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    return a.shape == b.shape and bool(np.all(near(a, b)))


def readable(value: Value | None) -> np.ndarray[Any, Any] | None:
    """The numbers a value holds, as float64 (bools read as 0 and 1: a slope of True is 1), else None."""
    if value is None:
        return None
    if value.kind == "bool":
        return np.array(float(bool(value.number)))
    if value.kind == "array" and value.array is not None and value.dtype and value.dtype[0] == "b":
        return np.asarray(value.array, dtype=np.float64)
    return numbers_in(value)


def placeholder(outcome: Outcome) -> None:
    if outcome.value is not None and outcome.value.kind == "ellipsis":
        raise NotImplementedYet


def raised_fail(what: str, outcome: Outcome, expected: str | None = None) -> Fail:
    assert outcome.raised is not None
    return Fail(
        _("{call} raised {type}: {message}").format(call=what, type=outcome.raised.type, message=outcome.raised.message),
        call=what, returned=fmt.value(outcome.raised), expected=expected,
    )


def array_text(values: Any) -> str:
    values = np.asarray(values, dtype=np.float64)
    return fmt.value(Value("array", array=values, shape=values.shape))


def central_difference(f: Any, z: np.ndarray[Any, Any], step: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    with np.errstate(over="ignore", invalid="ignore"):
        return np.asarray((f(z + step) - f(z - step)) / (2 * step))


# the grader's own functions, computed without overflow
def true_relu(z: Any) -> Any:
    return np.maximum(0.0, np.asarray(z, dtype=np.float64))


def true_sigmoid(z: Any) -> Any:
    z = np.asarray(z, dtype=np.float64)
    with np.errstate(over="ignore"):
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def relu_slope(z: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """The slope of max(0, z) by central differences, with steps that stay on one side of the kink; NaN at 0,
    where either 0 or 1 is right."""
    z = np.asarray(z, dtype=np.float64)
    step = np.where(z == 0, 1.0, np.minimum(1e-5 * np.maximum(1.0, np.abs(z)), np.abs(z) / 2))
    slope = central_difference(true_relu, z, step)
    return np.where(z == 0, np.nan, slope)


def sigmoid_slope(z: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    z = np.asarray(z, dtype=np.float64)
    return central_difference(true_sigmoid, z, 1e-5 * np.maximum(1.0, np.abs(z)))


def slope_ok(actual: np.ndarray[Any, Any], expected: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Element-wise; where the expected slope is NaN (ReLU at exactly 0), 0 and 1 are both right."""
    at_kink = np.isnan(expected)
    with np.errstate(invalid="ignore"):
        kink_ok = (actual == 0.0) | (actual == 1.0)
    return np.where(at_kink, kink_ok, near(actual, np.where(at_kink, 0.0, expected)))


def slope_text(expected: float) -> str:
    return _("0.0 or 1.0") if math.isnan(expected) else fmt.num(expected)


# -- ReLU.derivative and Sigmoid.derivative -----------------------------------------------------------------
class Derivative:
    """What the two derivative parts share: the name the grader calls and the grader's slope of the function."""

    def __init__(self, name: str, function: str, slope: Any) -> None:
        self.name = name  # "relu.derivative": the method of the instance the module defines
        self.function = function  # "max(0, z)", as the messages name it
        self.slope = slope


RELU = Derivative("relu.derivative", "max(0, z)", relu_slope)
SIGMOID = Derivative("sigmoid.derivative", "1 / (1 + e^-z)", sigmoid_slope)


class Slope(ExampleProperty):
    """On single numbers (NumPy floats, as indexing a layer's outputs gives them): the slope of the function."""

    max_examples = 50

    def __init__(self, of: Derivative, numbers: st.SearchStrategy[float], first: list[float]) -> None:
        self.of = of
        self.numbers = numbers
        self.first = first

    def examples(self) -> st.SearchStrategy[float]:
        return self.numbers

    def explicit(self) -> list[float]:
        return list(self.first)

    def describe(self, example: float) -> str:
        return f"{self.of.name}(np.float64({fmt.arg(example)}))"

    def program(self, example: float) -> list[dict[str, Any]]:
        return [call_op(self.of.name, np.float64(example))]

    def check(self, example: float, outcomes: list[Outcome], ctx: Context) -> None:
        what = self.describe(example)
        expected = float(self.of.slope(np.array(example)))
        wanted = slope_text(expected)
        outcome = outcomes[0]
        if outcome.raised is not None:
            raise raised_fail(what, outcome, wanted)
        placeholder(outcome)
        value = outcome.value
        assert value is not None
        if value.kind == "none":
            raise Fail(_("{call} returned None. Did you forget return?").format(call=what), call=what, returned="None", expected=wanted)
        numbers = readable(value)
        if numbers is None or not (value.is_number or value.kind == "bool"):
            raise Fail(
                _("{call} returned {returned}; expected a single number.").format(call=what, returned=fmt.value(value)),
                call=what, returned=fmt.value(value), expected=wanted,
            )
        got = float(numbers.reshape(-1)[0])
        if bool(slope_ok(np.array(got), np.array(expected))):
            return
        raise Fail(
            _("{call} returned {returned}, but the slope of {function} at z = {z} is {expected} (by finite differences).").format(
                call=what, returned=fmt.num(got), function=self.of.function, z=fmt.num(example), expected=wanted
            ),
            call=what, returned=fmt.value(value), expected=wanted,
        )


def _shapes() -> st.SearchStrategy[tuple[int, ...]]:
    return st.one_of(
        hnp.array_shapes(min_dims=1, max_dims=1, max_side=8),
        st.integers(1, 6).map(lambda n: (n, 1)),  # a layer's outputs: a column
        hnp.array_shapes(min_dims=2, max_dims=2, max_side=4),
    )


class Elementwise(ExampleProperty):
    """On arrays: the same shape back, and the slope at every element."""

    max_examples = 40

    def __init__(self, of: Derivative, arrays: st.SearchStrategy[np.ndarray[Any, Any]], first: list[np.ndarray[Any, Any]]) -> None:
        self.of = of
        self.arrays = arrays
        self.first = first

    def examples(self) -> st.SearchStrategy[np.ndarray[Any, Any]]:
        return self.arrays

    def explicit(self) -> list[np.ndarray[Any, Any]]:
        return list(self.first)

    def describe(self, example: np.ndarray[Any, Any]) -> str:
        return f"{self.of.name}({fmt.arg(example)})"

    def program(self, example: np.ndarray[Any, Any]) -> list[dict[str, Any]]:
        return [call_op(self.of.name, example)]

    def check(self, example: np.ndarray[Any, Any], outcomes: list[Outcome], ctx: Context) -> None:
        what = self.describe(example)
        expected = self.of.slope(example)
        wanted = _("an array of shape {shape}, one slope per element").format(shape=tuple(example.shape))
        outcome = outcomes[0]
        if outcome.raised is not None:
            raise raised_fail(what, outcome, wanted)
        placeholder(outcome)
        value = outcome.value
        assert value is not None
        numbers = readable(value)
        if value.kind != "array" or numbers is None:
            raise Fail(
                _("{call} returned {returned}; expected a NumPy array of shape {shape}.").format(
                    call=what, returned=fmt.value(value), shape=tuple(example.shape)
                ),
                call=what, returned=fmt.value(value), expected=wanted,
            )
        if numbers.shape != example.shape:
            raise Fail(
                _("{call} returned an array of shape {got}; expected the shape of z, {shape}.").format(
                    call=what, got=tuple(numbers.shape), shape=tuple(example.shape)
                ),
                call=what, returned=fmt.value(value), expected=wanted,
            )
        good = slope_ok(numbers, expected)
        if bool(np.all(good)):
            return
        bad = tuple(int(i) for i in np.unravel_index(int(np.argmin(good)), good.shape))
        raise Fail(
            _("{call}: the element for z = {z} is {returned}, but the slope of {function} there is {expected}.").format(
                call=what, z=fmt.num(example[bad]), returned=fmt.num(numbers[bad]), function=self.of.function,
                expected=slope_text(float(expected[bad])),
            ),
            call=what, returned=fmt.value(value), expected=wanted,
        )


def _with_zeros(elements: st.SearchStrategy[float]) -> st.SearchStrategy[float]:
    return st.one_of(st.just(0.0), elements)


relu_numbers = st.floats(-1e6, 1e6)
relu_arrays = hnp.arrays(np.float64, _shapes(), elements=_with_zeros(st.floats(-1e3, 1e3)))
sigmoid_numbers = st.floats(-40, 40)
sigmoid_arrays = hnp.arrays(np.float64, _shapes(), elements=st.floats(-40, 40))
RELU_FIRST = [-2.0, -0.5, 0.0, 0.5, 3.0, -1e-3, 1e-3]
SIGMOID_FIRST = [0.0, 1.0, -1.0, 2.0, -3.0, 10.0, -20.0]
RELU_ARRAYS = [np.array([-1.0, 0.0, 2.0]), np.array([[0.5], [-1.5], [2.0]]), np.array([[1.5, -2.0], [-0.5, 3.0]])]
SIGMOID_ARRAYS = [np.array([-1.0, 0.0, 2.0]), np.array([[0.5], [-1.5], [2.0]]), np.array([[0.0, 2.0], [-2.0, 4.0]])]


# -- Layer.backward ------------------------------------------------------------------------------------------
POLY, WAVE = 0, 1
STEP = 1e-4  # the step of the central differences of the loss (the losses are polynomials or sines of size about 1)


def activation(kind: int, params: tuple[float, ...]) -> Any:
    """The grader's own copy of the activation the child module builds from the same parameters."""
    if kind == POLY:
        c0, c1, c2, c3 = params
        return lambda z: c0 + z * (c1 + z * (c2 + z * c3))
    a, w, p = params
    return lambda z: a * np.sin(w * z + p)


def activation_ref(kind: int, params: tuple[float, ...]) -> Any:
    return lesson_ref("Poly" if kind == POLY else "Wave", *params)


def activation_text(kind: int, params: tuple[float, ...]) -> str:
    if kind == POLY:
        c0, c1, c2, c3 = (fmt.num(c) for c in params)
        return _("f(z) = {c0} + {c1} z + {c2} z² + {c3} z³").format(c0=c0, c1=c1, c2=c2, c3=c3)
    a, w, p = (fmt.num(c) for c in params)
    return _("f(z) = {a} sin({w} z + {p})").format(a=a, w=w, p=p)


def gradient(loss: Any, value: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Central differences of ``loss(value)`` in every element of ``value``."""
    grad = np.zeros_like(value)
    for index in np.ndindex(value.shape):
        up, down = value.copy(), value.copy()
        up[index] += STEP
        down[index] -= STEP
        grad[index] = (loss(up) - loss(down)) / (2 * STEP)
    return grad


class Case:
    """One call of backward: the layer the grader sets up, and the gradients of L = sum(da * f(W x + b))."""

    def __init__(self, example: Any) -> None:
        kind, params, weights, biases, inputs, da, rate = example
        self.kind, self.params = int(kind), tuple(float(p) for p in params)
        self.weights = np.asarray(weights, dtype=np.float64)
        self.biases = np.asarray(biases, dtype=np.float64)
        self.inputs = np.asarray(inputs, dtype=np.float64)
        self.da = np.asarray(da, dtype=np.float64)
        self.rate = float(rate)
        self.outputs = self.weights @ self.inputs + self.biases
        f = activation(self.kind, self.params)

        def loss(w: np.ndarray[Any, Any], b: np.ndarray[Any, Any], x: np.ndarray[Any, Any]) -> float:
            return float(np.sum(self.da * f(w @ x + b)))

        self.d_weights = gradient(lambda w: loss(w, self.biases, self.inputs), self.weights)
        self.d_biases = gradient(lambda b: loss(self.weights, b, self.inputs), self.biases)
        self.da_prev = gradient(lambda x: loss(self.weights, self.biases, x), self.inputs)

    @property
    def n_inputs(self) -> int:
        return int(self.weights.shape[1])

    @property
    def n_neurons(self) -> int:
        return int(self.weights.shape[0])

    def program(self) -> list[dict[str, Any]]:
        ref = activation_ref(self.kind, self.params)
        return [
            obj("Layer", "l", init_args=(self.n_inputs, self.n_neurons, ref), weights=self.weights.copy(),
                biases=self.biases.copy(), inputs=self.inputs.copy(), outputs=self.outputs.copy(), activation=ref),
            method("l", "backward", self.da.copy(), self.rate, attrs=("weights", "biases", "inputs"), watch_args=True),
        ]

    def describe(self) -> str:
        return _(
            "layer.weights = {w}; layer.biases = {b}; layer.inputs = {x}; layer.outputs = weights · inputs + biases; "
            "layer.activation = {f}; layer.backward({da}, {rate})"
        ).format(w=fmt.arg(self.weights), b=fmt.arg(self.biases), x=fmt.arg(self.inputs), f=activation_text(self.kind, self.params),
                 da=fmt.arg(self.da), rate=fmt.num(self.rate, precise=True))


def _column(n: int, low: float, high: float) -> st.SearchStrategy[np.ndarray[Any, Any]]:
    return hnp.arrays(np.float64, (n, 1), elements=st.floats(low, high))


def _activations() -> st.SearchStrategy[tuple[int, tuple[float, ...]]]:
    coefficient = st.floats(-1, 1)
    poly = st.tuples(st.just(POLY), st.tuples(coefficient, st.floats(0.2, 1.5), coefficient, st.floats(-0.5, 0.5)))
    wave = st.tuples(st.just(WAVE), st.tuples(st.floats(0.5, 2), st.floats(0.5, 2), st.floats(-3, 3)))
    return st.one_of(poly, wave)


def backward_examples() -> st.SearchStrategy[Any]:
    def build(sizes: tuple[int, int]) -> st.SearchStrategy[Any]:
        n_in, n_out = sizes
        return _activations().flatmap(
            lambda act: st.tuples(
                st.just(act[0]), st.just(act[1]),
                hnp.arrays(np.float64, (n_out, n_in), elements=st.floats(-1, 1)),
                _column(n_out, -1, 1), _column(n_in, -1, 1), _column(n_out, -2, 2), st.floats(0.05, 1.0),
            )
        )

    return st.tuples(st.integers(1, 4), st.integers(1, 4)).flatmap(build)


BACKWARD_FIRST: list[Any] = [
    (POLY, (0.5, 1.0, 0.5, 0.25), np.array([[0.5, -0.25, 0.75], [-0.5, 0.25, 1.0]]), np.array([[0.1], [-0.2]]),
     np.array([[1.0], [-0.5], [0.5]]), np.array([[0.5], [-1.0]]), 0.5),
    (WAVE, (1.0, 1.5, 0.5), np.array([[0.5, -0.75], [0.25, 1.0]]), np.array([[0.3], [-0.4]]),
     np.array([[-1.0], [0.5]]), np.array([[1.0], [2.0]]), 0.25),
    (POLY, (0.0, 1.0, 0.5, 0.0), np.array([[0.5, -0.5]]), np.array([[0.25]]), np.array([[1.0], [2.0]]), np.array([[1.5]]), 1.0),
]


class _Backward(ExampleProperty):
    max_examples = 40

    def examples(self) -> st.SearchStrategy[Any]:
        return backward_examples()

    def explicit(self) -> list[Any]:
        return list(BACKWARD_FIRST)

    def describe(self, example: Any) -> str:
        return Case(example).describe()

    def program(self, example: Any) -> list[dict[str, Any]]:
        return Case(example).program()

    def outcome(self, case: Case, outcomes: list[Outcome]) -> Outcome:
        what = case.describe()
        if outcomes[0].raised is not None:
            raise raised_fail(what, outcomes[0])
        result = outcomes[1]
        placeholder(result)
        if result.raised is not None:
            raise raised_fail(what, result)
        return result

    def check(self, example: Any, outcomes: list[Outcome], ctx: Context) -> None:
        case = Case(example)
        self.verify(case, self.outcome(case, outcomes))

    def verify(self, case: Case, result: Outcome) -> None:
        raise NotImplementedError


def _matrix(value: Value | Any) -> np.ndarray[Any, Any] | None:
    return numbers_in(value) if isinstance(value, Value) and value.kind == "array" else None


class BackwardDaPrev(_Backward):
    def verify(self, case: Case, result: Outcome) -> None:
        what = case.describe()
        wanted = _("{value} (of shape ({n}, 1))").format(value=array_text(case.da_prev), n=case.n_inputs)
        value = result.value
        assert value is not None
        if value.kind == "none":
            raise Fail(_("{call} returned None. Did you forget return da_prev?").format(call=what), call=what, returned="None",
                       expected=wanted)
        got = _matrix(value)
        if got is None:
            raise Fail(_("{call} returned {returned}; expected a NumPy array of shape ({n}, 1).").format(
                call=what, returned=fmt.value(value), n=case.n_inputs), call=what, returned=fmt.value(value), expected=wanted)
        if got.shape != (case.n_inputs, 1):
            raise Fail(
                _("{call} returned an array of shape {got}; da_prev has one value per input of the layer, shape ({n}, 1).").format(
                    call=what, got=tuple(got.shape), n=case.n_inputs),
                call=what, returned=fmt.value(value), expected=wanted,
            )
        if not all_near(got, case.da_prev):
            raise Fail(
                _("{call} returned {returned}, but the loss sum(da * f(weights · inputs + biases)) changes with the inputs by "
                  "{expected} (by finite differences, with the weights before the update).").format(
                    call=what, returned=fmt.value(value), expected=array_text(case.da_prev)),
                call=what, returned=fmt.value(value), expected=wanted,
            )


class BackwardParameter(_Backward):
    """The weights (or the biases) after the call: before, minus learning_rate times the gradient, same shape."""

    def __init__(self, name: str) -> None:
        self.name = name

    def verify(self, case: Case, result: Outcome) -> None:
        what = case.describe()
        before = case.weights if self.name == "weights" else case.biases
        grad = case.d_weights if self.name == "weights" else case.d_biases
        expected = before - case.rate * grad
        wanted = _("{value} (of shape {shape})").format(value=array_text(expected), shape=tuple(before.shape))
        raw = result.attrs.get(self.name)
        after = _matrix(raw)
        if after is None:
            shown = fmt.value(raw) if isinstance(raw, Value) else _("nothing")
            raise Fail(_("After {call}, layer.{name} is {value}; expected a NumPy array of shape {shape}.").format(
                call=what, name=self.name, value=shown, shape=tuple(before.shape)), call=what, returned=shown, expected=wanted)
        if after.shape != before.shape:
            raise Fail(
                _("After {call}, layer.{name} has shape {got}; it must keep its shape {shape}. Did an update of another shape "
                  "broadcast into it?").format(call=what, name=self.name, got=tuple(after.shape), shape=tuple(before.shape)),
                call=what, returned=fmt.value(raw), expected=wanted,
            )
        if all_near(after, expected):
            return
        if np.array_equal(after, before):
            message = _("After {call}, layer.{name} is unchanged; it must take a step of -learning_rate × its gradient, to {expected}.")
        else:
            message = _("After {call}, layer.{name} is {returned}; a step of -learning_rate × the gradient of the loss "
                        "sum(da * f(weights · inputs + biases)) (by finite differences) gives {expected}.")
        raise Fail(message.format(call=what, name=self.name, returned=fmt.value(raw), expected=array_text(expected)),
                   call=what, returned=fmt.value(raw), expected=wanted)


class BackwardPure(_Backward):
    max_examples = 20

    def verify(self, case: Case, result: Outcome) -> None:
        what = case.describe()
        check_unchanged(what, "backward", [case.da], result, ["da"])
        raw = result.attrs.get("inputs")
        after = _matrix(raw)
        if after is None or after.shape != case.inputs.shape or not np.array_equal(after, case.inputs):
            shown = fmt.value(raw) if isinstance(raw, Value) else _("nothing")
            raise Fail(
                _("{call} changed layer.inputs: afterwards it is {after}. backward must leave what forward stored as it was.").format(
                    call=what, after=shown),
                call=what, returned=_("layer.inputs became {after}").format(after=shown),
                expected=_("layer.inputs unchanged: {before}").format(before=fmt.arg(case.inputs, precise=False)),
            )


# -- Perceptron.fit --------------------------------------------------------------------------------------------
FORWARD, BACKWARD = 0, 1


class Step:
    """One recorded call of a recording layer."""

    def __init__(self, tick: int, kind: int, array: np.ndarray[Any, Any] | None, rate: float) -> None:
        self.tick, self.kind, self.array, self.rate = tick, kind, array, rate


def records(value: Value | None) -> list[Step] | None:
    """A recording layer's record(): its calls in order; None if it cannot be read."""
    if value is None or value.kind != "list" or value.items is None:
        return None
    steps = []
    for item in value.items:
        if item.kind != "tuple" or item.items is None or len(item.items) != 4:
            return None
        tick, kind, array, rate = item.items
        numbers = numbers_in(array) if array.kind == "array" else None
        steps.append(Step(int(tick.number or 0), int(kind.number or 0), numbers,  # type: ignore[arg-type]
                          float(rate.number) if rate.kind == "float" else math.nan))  # type: ignore[arg-type]
    return steps


class Network:
    """Recording layers for fit: layer k records its calls; forward returns ``outputs[k]``, backward ``returns[k]``."""

    def __init__(self, sizes: list[int], output: float) -> None:
        self.sizes = sizes  # sizes[0] inputs, sizes[k + 1] neurons of layer k; the last is 1
        self.count = len(sizes) - 1
        self.outputs = [np.full((sizes[k + 1], 1), 0.5) for k in range(self.count)]
        self.outputs[-1] = np.array([[output]])
        self.returns = [0.125 * (k + 1) + 0.01 * np.arange(sizes[k], dtype=np.float64).reshape(-1, 1) for k in range(self.count)]
        self.output = output

    def program(self, data: np.ndarray[Any, Any], labels: np.ndarray[Any, Any], epochs: int, rate: float) -> list[dict[str, Any]]:
        layers = [new("RecordingLayer", self.outputs[k], self.returns[k], slot=f"l{k}", lesson=True) for k in range(self.count)]
        refs = [slot_ref(f"l{k}") for k in range(self.count)]
        return [
            *layers,
            obj("Perceptron", "p", init_args=(refs,), layers=refs),
            method("p", "fit", data.copy(), labels.copy(), epochs, rate, watch_args=True),
            *[method(f"l{k}", "record") for k in range(self.count)],
        ]

    def describe(self, data: np.ndarray[Any, Any], labels: np.ndarray[Any, Any], epochs: int, rate: float) -> str:
        return _(
            "p = Perceptron({layers}); p.fit({data}, {labels}, {epochs}, {rate}), with recording layers whose forward returns a "
            "fixed output (the last one {output})"
        ).format(layers=_("[{count} layers]").format(count=self.count), data=fmt.arg(data), labels=fmt.arg(labels), epochs=epochs,
                 rate=fmt.num(rate, precise=True), output=fmt.num(self.output))


def fit_examples(distinct: bool) -> st.SearchStrategy[Any]:
    """(sizes, output, data, labels, epochs, rate): identical examples (a correct shuffle of them changes nothing)."""
    def build(args: tuple[list[int], int]) -> st.SearchStrategy[Any]:
        sizes, n = args
        return st.tuples(
            st.just(sizes), st.floats(0.05, 0.95),
            hnp.arrays(np.float64, (sizes[0],), elements=st.floats(-2, 2)), st.sampled_from([0.0, 1.0]),
            st.just(n), st.integers(1, 3), st.floats(0.01, 1.0),
        )

    sizes = st.lists(st.integers(1, 3), min_size=1, max_size=3).map(lambda hidden: [*hidden, 1])
    return st.tuples(sizes, st.integers(1, 4)).flatmap(build)


def _identical(example: Any) -> tuple[Network, np.ndarray[Any, Any], np.ndarray[Any, Any], int, float]:
    sizes, output, row, label, n, epochs, rate = example
    data = np.tile(np.asarray(row, dtype=np.float64), (int(n), 1))
    labels = np.full((int(n), 1), float(label))
    return Network(list(sizes), float(output)), data, labels, int(epochs), float(rate)


FIT_FIRST: list[Any] = [
    ([2, 3, 1], 0.7, np.array([0.5, -1.0]), 1.0, 3, 2, 0.5),
    ([3, 2, 2, 1], 0.25, np.array([1.0, 0.0, -1.0]), 0.0, 2, 3, 0.1),
    ([2, 1], 0.6, np.array([1.5, 0.5]), 1.0, 1, 1, 1.0),  # a single example, once
    ([1, 2, 1], 0.4, np.array([2.0]), 0.0, 1, 3, 0.25),  # a single example, three epochs
]


class _Fit(ExampleProperty):
    max_examples = 20

    def examples(self) -> st.SearchStrategy[Any]:
        return fit_examples(False)

    def explicit(self) -> list[Any]:
        return list(FIT_FIRST)

    def describe(self, example: Any) -> str:
        net, data, labels, epochs, rate = _identical(example)
        return net.describe(data, labels, epochs, rate)

    def program(self, example: Any) -> list[dict[str, Any]]:
        net, data, labels, epochs, rate = _identical(example)
        return net.program(data, labels, epochs, rate)

    def check(self, example: Any, outcomes: list[Outcome], ctx: Context) -> None:
        net, data, labels, epochs, rate = _identical(example)
        what = net.describe(data, labels, epochs, rate)
        steps = recorded(what, net, outcomes)
        self.verify(what, net, data, labels, epochs, rate, steps)

    def verify(self, what: str, net: Network, data: np.ndarray[Any, Any], labels: np.ndarray[Any, Any], epochs: int, rate: float,
               steps: list[list[Step]]) -> None:
        raise NotImplementedError


def recorded(what: str, net: Network, outcomes: list[Outcome]) -> list[list[Step]]:
    """Every recording layer's calls, after fit ran; fit's own failure first."""
    for outcome in outcomes[: net.count + 1]:
        if outcome.raised is not None:
            raise raised_fail(_("building the network for the call {call}").format(call=what), outcome)
    fit = outcomes[net.count + 1]
    placeholder(fit)
    if fit.raised is not None:
        raise raised_fail(what, fit)
    steps = []
    for outcome in outcomes[net.count + 2:]:
        found = records(outcome.value) if outcome.raised is None else None
        if found is None:
            raise Fail(_("After {call}, the grader could not read what its recording layers saw.").format(call=what), call=what)
        steps.append(found)
    return steps


def of_kind(steps: list[Step], kind: int) -> list[Step]:
    return [s for s in steps if s.kind == kind]


class FitCalls(_Fit):
    def verify(self, what: str, net: Network, data: np.ndarray[Any, Any], labels: np.ndarray[Any, Any], epochs: int, rate: float,
               steps: list[list[Step]]) -> None:
        want = epochs * data.shape[0]
        for k, layer in enumerate(steps):
            for kind, name in ((FORWARD, "forward"), (BACKWARD, "backward")):
                got = len(of_kind(layer, kind))
                if got != want:
                    n = data.shape[0]
                    off = n > 0 and all(len(of_kind(layer_, kind)) == got for layer_ in steps) and got in ((epochs - 1) * n, (epochs + 1) * n)
                    raise Fail(
                        _("{call}: layer {k}'s {name} ran {got} times; with {n} examples and {epochs} epochs it must run "
                          "{want} times, once per example and epoch.").format(
                            call=what, k=k, name=name, got=got, n=data.shape[0], epochs=epochs, want=want),
                        call=what, returned=_("{got} calls of {name}").format(got=got, name=name),
                        expected=_("{want} calls of {name}").format(want=want, name=name),
                        diagnosis="fit.epochs-off-by-one" if off else None, values={"got": got // max(n, 1), "epochs": epochs},
                    )


class FitOrder(_Fit):
    def verify(self, what: str, net: Network, data: np.ndarray[Any, Any], labels: np.ndarray[Any, Any], epochs: int, rate: float,
               steps: list[list[Step]]) -> None:
        backs = [of_kind(layer, BACKWARD) for layer in steps]
        forwards = [of_kind(layer, FORWARD) for layer in steps]
        last = net.count - 1
        rounds = min(len(b) for b in backs)
        if rounds == 0 and epochs * data.shape[0] > 0:
            raise Fail(_("{call}: no layer's backward ran, or not every layer's.").format(call=what), call=what,
                       returned=_("no backward pass"), expected=_("backward through every layer, from the last to the first"))
        for j in range(rounds):
            if j < len(forwards[last]) and forwards[last][j].tick > backs[last][j].tick:
                raise Fail(_("{call}: a backward pass ran before the forward pass of its example.").format(call=what), call=what,
                           expected=_("forward, then backward, for every example"))
            for k in range(last, 0, -1):
                later, earlier = backs[k][j], backs[k - 1][j]
                if earlier.tick < later.tick:
                    raise Fail(
                        _("{call}: layer {early}'s backward ran before layer {late}'s. The error goes back from the last layer "
                          "to the first.").format(call=what, early=k - 1, late=k),
                        call=what, returned=_("layer {early} before layer {late}").format(early=k - 1, late=k),
                        expected=_("layer {late} before layer {early}").format(early=k - 1, late=k),
                    )
                passed = net.returns[k]
                got = earlier.array
                if got is None or got.size != passed.size or not all_near(got.reshape(-1), passed.reshape(-1)):
                    shown = array_text(got) if got is not None else _("something that is not an array of numbers")
                    raise Fail(
                        _("{call}: layer {early}'s backward got da = {got}, but layer {late}'s backward returned {passed}: "
                          "each layer gets what the layer after it returned.").format(
                            call=what, early=k - 1, late=k, got=shown, passed=array_text(passed)),
                        call=what, returned=shown, expected=array_text(passed),
                    )


def cross_entropy_da(output: float, target: float) -> float:
    return (output - target) / (output * (1 - output))


class FitDa(_Fit):
    def verify(self, what: str, net: Network, data: np.ndarray[Any, Any], labels: np.ndarray[Any, Any], epochs: int, rate: float,
               steps: list[list[Step]]) -> None:
        target = float(labels[0, 0]) if labels.size else 0.0
        expected = cross_entropy_da(net.output, target)
        for step in of_kind(steps[-1], BACKWARD):
            got = step.array
            if got is None or got.size != 1 or not bool(near(got.reshape(-1)[0], expected)):
                shown = array_text(got) if got is not None else _("something that is not an array of numbers")
                raise Fail(
                    _("{call}: the last layer's backward got da = {got}; for the output {output} and the target {target}, "
                      "(output - target) / (output * (1 - output)) is {expected}.").format(
                        call=what, got=shown, output=fmt.num(net.output), target=fmt.num(target), expected=fmt.num(expected)),
                    call=what, returned=shown, expected=fmt.num(expected),
                )
        for k, layer in enumerate(steps):
            for step in of_kind(layer, BACKWARD):
                if step.rate != rate:
                    raise Fail(
                        _("{call}: layer {k}'s backward got the learning rate {got}; fit must pass learning_rate = {rate} on "
                          "as it is.").format(call=what, k=k, got=fmt.num(step.rate, precise=True), rate=fmt.num(rate, precise=True)),
                        call=what, returned=fmt.num(step.rate, precise=True), expected=fmt.num(rate, precise=True),
                    )


def shuffle_set(seed_row: np.ndarray[Any, Any]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """SHUFFLE_EXAMPLES different examples (row i starts with i) and different labels."""
    n = SHUFFLE_EXAMPLES
    data = np.column_stack([np.arange(n, dtype=np.float64), np.resize(np.asarray(seed_row, dtype=np.float64), n)])
    labels = (np.arange(n, dtype=np.float64) / (n - 1)).reshape(-1, 1)
    return data, labels


class _Distinct(ExampleProperty):
    """fit on different examples with different labels, SHUFFLE_EPOCHS epochs, two recording layers."""

    max_examples = 5

    def examples(self) -> st.SearchStrategy[Any]:
        return st.tuples(hnp.arrays(np.float64, (3,), elements=st.floats(-1, 1)), st.floats(0.05, 1.0))

    def explicit(self) -> list[Any]:
        return [(np.array([0.5, -0.5, 0.25]), 0.5)]

    def _setup(self, example: Any) -> tuple[Network, np.ndarray[Any, Any], np.ndarray[Any, Any], float]:
        row, rate = example
        data, labels = shuffle_set(row)
        return Network([2, 2, 1], 0.7), data, labels, float(rate)

    def describe(self, example: Any) -> str:
        net, data, labels, rate = self._setup(example)
        return net.describe(data, labels, SHUFFLE_EPOCHS, rate)

    def program(self, example: Any) -> list[dict[str, Any]]:
        net, data, labels, rate = self._setup(example)
        return net.program(data, labels, SHUFFLE_EPOCHS, rate)


class FitShuffle(_Distinct):
    def check(self, example: Any, outcomes: list[Outcome], ctx: Context) -> None:
        net, data, labels, rate = self._setup(example)
        what = net.describe(data, labels, SHUFFLE_EPOCHS, rate)
        steps = recorded(what, net, outcomes)
        n = data.shape[0]
        seen = [s.array for s in of_kind(steps[0], FORWARD)]
        das = [s.array for s in of_kind(steps[-1], BACKWARD)]
        order: list[int] = []
        for x in seen:
            match = [i for i in range(n) if x is not None and x.size == data.shape[1] and np.array_equal(x.reshape(-1), data[i])]
            if not match:
                raise Fail(_("{call}: the first layer got {got}, which is none of the examples.").format(
                    call=what, got=array_text(x) if x is not None else "?"), call=what)
            order.append(match[0])
        epochs = [order[e * n:(e + 1) * n] for e in range(len(order) // n)]
        if len(epochs) < 2:
            raise Fail(_("{call}: fit presented {count} examples, fewer than two epochs' worth, so the grader cannot see it "
                         "shuffle.").format(call=what, count=len(order)), call=what)
        for e, epoch in enumerate(epochs):
            if sorted(epoch) != list(range(n)):
                raise Fail(
                    _("{call}: epoch {e} presented the examples {order}; every epoch presents each example exactly once.").format(
                        call=what, e=e + 1, order=", ".join(str(i) for i in epoch)),
                    call=what, returned=", ".join(str(i) for i in epoch), expected=_("each of the {n} examples once").format(n=n),
                )
        if all(epoch == list(range(n)) for epoch in epochs):
            raise Fail(_("{call}: every epoch presented the examples in their first order, 0 to {last}: they are not shuffled.").format(
                call=what, last=n - 1), call=what, returned=_("the first order every epoch"), expected=_("a new random order every epoch"),
                diagnosis="fit.no-shuffle")
        if all(epoch == epochs[0] for epoch in epochs):
            raise Fail(
                _("{call}: every epoch presented the examples in the same order, {order}: shuffle in every epoch, not once.").format(
                    call=what, order=", ".join(str(i) for i in epochs[0])),
                call=what, returned=_("one order for all epochs"), expected=_("a new random order every epoch"),
                diagnosis="fit.shuffle-once", values={"order": ", ".join(str(i) for i in epochs[0])},
            )
        by_example: dict[int, np.ndarray[Any, Any]] = {}
        for index, da in zip(order, das, strict=False):
            if da is None:
                continue
            if index in by_example and not all_near(by_example[index].reshape(-1), da.reshape(-1)):
                raise Fail(
                    _("{call}: example {i} led to da = {a} in one epoch and to da = {b} in another, with the same output: it "
                      "was paired with different labels. Shuffle the examples and their labels together.").format(
                        call=what, i=index, a=array_text(by_example[index]), b=array_text(da)),
                    call=what, returned=_("example {i} with different labels").format(i=index),
                    expected=_("every example with its own label"), diagnosis="fit.shuffled-apart",
                )
            by_example.setdefault(index, da)


class FitPure(_Distinct):
    def check(self, example: Any, outcomes: list[Outcome], ctx: Context) -> None:
        net, data, labels, rate = self._setup(example)
        what = net.describe(data, labels, SHUFFLE_EPOCHS, rate)
        recorded(what, net, outcomes)
        check_unchanged(what, "fit", [data, labels], outcomes[net.count + 1], ["training_data", "labels"])


# a small separable set: the label is 1 where x0 + x1 > 0
LEARN_DATA = np.array([[1.0, 0.5], [0.5, 1.0], [-1.0, -0.5], [-0.5, -1.0], [1.0, -0.5], [-1.0, 0.5], [0.75, 0.75], [-0.75, -0.75]])
LEARN_LABELS = (LEARN_DATA.sum(axis=1) > 0).astype(np.float64).reshape(-1, 1)
LEARN_START = (
    (np.array([[0.3, -0.2], [-0.4, 0.1], [0.2, 0.5]]), np.array([[0.1], [-0.1], [0.05]])),
    (np.array([[0.2, -0.3, 0.1]]), np.array([[0.0]])),
)
LEARN_EPOCHS, LEARN_RATE = 40, 0.5


def _logistic(z: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    return np.asarray(true_sigmoid(z))


def network_loss(parameters: list[tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]]) -> float:
    """The mean binary cross-entropy of the network on the learning set, computed by the grader."""
    total = 0.0
    for x, t in zip(LEARN_DATA, LEARN_LABELS, strict=True):
        a = x.reshape(-1, 1)
        for weights, biases in parameters:
            a = _logistic(weights @ a + biases)
        o = float(np.clip(a.reshape(-1)[0], 1e-12, 1 - 1e-12))
        total += -(t[0] * math.log(o) + (1 - t[0]) * math.log(1 - o))
    return total / len(LEARN_DATA)


class FitLearns:
    """fit trains a network of the child module's working layers: the grader's cross-entropy must fall by a tenth."""

    def run(self, ctx: Context) -> None:
        what = _("p = Perceptron([2 inputs → 3 sigmoid neurons → 1 sigmoid neuron]); p.fit(X, y, {epochs}, {rate}) on 8 points whose "
                 "label is 1 where x0 + x1 > 0").format(epochs=LEARN_EPOCHS, rate=LEARN_RATE)
        program = [
            *[new("NumericLayer", w, b, lesson_ref("logistic"), slot=f"l{k}", lesson=True) for k, (w, b) in enumerate(LEARN_START)],
            obj("Perceptron", "p", init_args=([slot_ref("l0"), slot_ref("l1")],), layers=[slot_ref("l0"), slot_ref("l1")]),
            method("p", "fit", LEARN_DATA.copy(), LEARN_LABELS.copy(), LEARN_EPOCHS, LEARN_RATE),
            method("l0", "parameters"),
            method("l1", "parameters"),
        ]
        outcomes = ctx.run([program])[0]
        for outcome in outcomes[:3]:
            if outcome.raised is not None:
                raise raised_fail(_("building the network for the call {call}").format(call=what), outcome)
        fit = outcomes[3]
        placeholder(fit)
        if fit.raised is not None:
            raise raised_fail(what, fit)
        parameters = []
        for outcome in outcomes[4:]:
            value = outcome.value
            pair = value.items if value is not None and value.kind == "tuple" and value.items else None
            arrays = [numbers_in(v) for v in pair] if pair else []
            if len(arrays) != 2 or any(a is None for a in arrays):
                raise Fail(_("After {call}, the grader could not read the layers' weights.").format(call=what), call=what)
            parameters.append((arrays[0], arrays[1]))
        before = network_loss(list(LEARN_START))
        after = network_loss(parameters)  # type: ignore[arg-type]
        if not math.isfinite(after) or after > 0.9 * before:
            raise Fail(
                _("{call}: the cross-entropy went from {before} to {after}; training must make it fall, here by at least a "
                  "tenth.").format(call=what, before=fmt.num(before), after=fmt.num(after)),
                call=what, returned=_("loss {after}").format(after=fmt.num(after)),
                expected=_("loss below {limit}").format(limit=fmt.num(0.9 * before)),
            )


PROPERTIES: dict[str, Any] = {
    "relu.slope": Slope(RELU, relu_numbers, RELU_FIRST),
    "relu.array": Elementwise(RELU, relu_arrays, RELU_ARRAYS),
    "relu.pure": pure_function("relu.derivative", relu_arrays, np.array([-1.0, 0.0, 2.0])),
    "sigmoid.slope": Slope(SIGMOID, sigmoid_numbers, SIGMOID_FIRST),
    "sigmoid.array": Elementwise(SIGMOID, sigmoid_arrays, SIGMOID_ARRAYS),
    "sigmoid.pure": pure_function("sigmoid.derivative", sigmoid_arrays, np.array([-1.0, 0.0, 2.0])),
    "backward.da-prev": BackwardDaPrev(),
    "backward.weights": BackwardParameter("weights"),
    "backward.biases": BackwardParameter("biases"),
    "backward.pure": BackwardPure(),
    "fit.calls": FitCalls(),
    "fit.order": FitOrder(),
    "fit.da": FitDa(),
    "fit.shuffle": FitShuffle(),
    "fit.pure": FitPure(),
    "fit.learns": FitLearns(),
}
