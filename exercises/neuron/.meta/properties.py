"""Properties of the single-neuron lesson. Each object here grades one property id of ``lesson.toml``.

Every expected value is computed here, in the grader's process, from the lesson's definitions; nothing is
compared with the reference solution. The values generated stay within what a neuron really sees.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis.extra import numpy as hnp

from grader.api import (
    Context,
    Died,
    ExampleProperty,
    Fail,
    NotImplementedYet,
    Outcome,
    Pass,
    Value,
    call,
    fmt,
    method,
    new,
    obj,
    set_attrs,
    st,
)
from grader.i18n import _

RTOL = 1e-9  # relative tolerance for floating-point results
ATOL = 1e-12  # absolute tolerance, for results near 0


# -- shared helpers -----------------------------------------------------------------------------------------
def true_sigmoid(z: Any) -> Any:
    """The logistic function, computed without overflow."""
    z = np.asarray(z, dtype=np.float64)
    with np.errstate(over="ignore"):
        e = np.exp(-np.abs(z))
        out = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    return out if out.ndim else float(out)


def close(actual: Any, expected: Any) -> bool:
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if actual.shape != expected.shape:
        return False
    with np.errstate(invalid="ignore", over="ignore"):
        near = np.abs(actual - expected) <= ATOL + RTOL * np.abs(expected)
        same = (actual == expected) | (np.isnan(actual) & np.isnan(expected))
        return bool(np.all(near | same))


def shown(returned: Value | None, expected: float) -> tuple[str, str]:
    """Returned and expected values as text, with all digits when the short forms would look equal."""
    text_r, text_e = fmt.value(returned), fmt.num(expected)
    if text_r == text_e:
        text_r, text_e = fmt.value(returned, precise=True), fmt.num(expected, precise=True)
    return text_r, text_e


def plain(outcome: Outcome) -> Value:
    """The returned value; a placeholder means the code is not written yet."""
    if outcome.value is not None and outcome.value.kind == "ellipsis":
        raise NotImplementedYet
    assert outcome.value is not None
    return outcome.value


def raised_fail(what: str, outcome: Outcome, expected: str | None = None) -> Fail:
    assert outcome.raised is not None
    return Fail(
        _("{call} raised {type}: {message}").format(call=what, type=outcome.raised.type, message=outcome.raised.message),
        call=what,
        returned=fmt.value(outcome.raised),
        expected=expected,
    )


def one_number(value: Value) -> float | None:
    """The single number a value holds (a float, an int, a NumPy scalar, or a one-element array), else None."""
    if value.kind in ("int", "float"):
        return float(value.number)  # type: ignore[arg-type]
    if value.kind == "array" and value.array is not None and value.array.size == 1 and value.dtype and value.dtype[0] in "iuf":
        return float(value.array.reshape(-1)[0])
    if value.kind in ("list", "tuple") and value.items is not None and len(value.items) == 1:
        return one_number(value.items[0])
    return None


# -- sigmoid ------------------------------------------------------------------------------------------------
def _sigmoid_scalar_check(z: float, outcome: Outcome) -> float:
    what = f"sigmoid({fmt.arg(z)})"
    if outcome.raised is not None:
        raise raised_fail(what, outcome, fmt.num(true_sigmoid(z)))
    value = plain(outcome)
    if value.kind == "none":
        raise Fail(_("{call} returned None. Did you forget return?").format(call=what), call=what, returned="None",
                   expected=fmt.num(true_sigmoid(z)))
    if not value.is_number:
        raise Fail(
            _("{call} returned {returned}; expected a single number.").format(call=what, returned=fmt.value(value)),
            call=what, returned=fmt.value(value), expected=fmt.num(true_sigmoid(z)),
        )
    return value.as_float()


class SigmoidScalar(ExampleProperty):
    def examples(self) -> st.SearchStrategy[float]:
        return st.floats(-700, 700, allow_nan=False)

    def explicit(self) -> list[float]:
        return [0.0, 1.0, -1.0, 2.0, -3.0, 10.0, -30.0]

    def describe(self, example: float) -> str:
        return f"sigmoid({fmt.arg(example)})"

    def program(self, example: float) -> list[dict[str, Any]]:
        return [call("sigmoid", example)]

    def check(self, example: float, outcomes: list[Outcome], ctx: Context) -> None:
        actual = _sigmoid_scalar_check(example, outcomes[0])
        expected = true_sigmoid(example)
        if not close(actual, expected):
            returned, wanted = shown(outcomes[0].value, expected)
            what = self.describe(example)
            raise Fail(
                _("{call} returned {returned}, but 1 / (1 + e^-z) is {expected}.").format(call=what, returned=returned, expected=wanted),
                call=what, returned=returned, expected=wanted,
            )


float_arrays = hnp.arrays(
    np.float64,
    st.one_of(hnp.array_shapes(min_dims=1, max_dims=1, max_side=12), hnp.array_shapes(min_dims=2, max_dims=2, max_side=4)),
    elements=st.floats(-50, 50),
)


def _array_result(name: str, z: np.ndarray[Any, Any], outcome: Outcome, expected: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    what = f"{name}({fmt.arg(z)})"
    if outcome.raised is not None:
        raise raised_fail(what, outcome, fmt.value(Value("array", array=expected, shape=expected.shape)))
    value = plain(outcome)
    wanted = fmt.value(Value("array", array=expected, shape=expected.shape))
    if value.kind != "array" or value.array is None:
        raise Fail(
            _("{call} returned {returned}; expected a NumPy array of shape {shape}.").format(
                call=what, returned=fmt.value(value), shape=tuple(z.shape)
            ),
            call=what, returned=fmt.value(value), expected=wanted,
        )
    if value.shape != z.shape:
        raise Fail(
            _("{call} returned an array of shape {got}; expected the shape of z, {shape}.").format(
                call=what, got=value.shape, shape=tuple(z.shape)
            ),
            call=what, returned=fmt.value(value), expected=wanted,
        )
    return value.array


class SigmoidArray(ExampleProperty):
    max_examples = 40

    def examples(self) -> st.SearchStrategy[np.ndarray[Any, Any]]:
        return float_arrays

    def explicit(self) -> list[np.ndarray[Any, Any]]:
        return [np.array([-1.0, 0.0, 1.0]), np.array([[0.0, 2.0], [-2.0, 4.0]])]

    def describe(self, example: np.ndarray[Any, Any]) -> str:
        return f"sigmoid({fmt.arg(example)})"

    def program(self, example: np.ndarray[Any, Any]) -> list[dict[str, Any]]:
        return [call("sigmoid", example)]

    def check(self, example: np.ndarray[Any, Any], outcomes: list[Outcome], ctx: Context) -> None:
        expected = np.asarray(true_sigmoid(example))
        actual = _array_result("sigmoid", example, outcomes[0], expected)
        if not close(actual, expected):
            bad = int(np.argmax(np.abs(actual - expected) > ATOL + RTOL * np.abs(expected)))
            z = example.reshape(-1)[bad]
            got, want = actual.reshape(-1)[bad], expected.reshape(-1)[bad]
            what = self.describe(example)
            raise Fail(
                _("{call}: the element for z = {z} is {returned}, but 1 / (1 + e^-z) is {expected}.").format(
                    call=what, z=fmt.num(z), returned=fmt.num(got), expected=fmt.num(want)
                ),
                call=what, returned=fmt.value(outcomes[0].value),
                expected=fmt.value(Value("array", array=expected, shape=expected.shape)),
            )


class SigmoidRange(ExampleProperty):
    max_examples = 60

    def examples(self) -> st.SearchStrategy[float]:
        return st.floats(allow_nan=False, allow_infinity=False)

    def explicit(self) -> list[float]:
        return [30.0, -30.0, 710.0, -710.0, -745.0, 1000.0, -1000.0, 1e308, -1e308]

    def describe(self, example: float) -> str:
        return f"sigmoid({fmt.arg(example)})"

    def program(self, example: float) -> list[dict[str, Any]]:
        return [call("sigmoid", example)]

    def check(self, example: float, outcomes: list[Outcome], ctx: Context) -> None:
        what = self.describe(example)
        if outcomes[0].raised is not None:
            raise Fail(
                _("{call} raised {type}: {message}. A sigmoid is defined for every number; np.exp only warns when it overflows.").format(
                    call=what, type=outcomes[0].raised.type, message=outcomes[0].raised.message
                ),
                call=what, returned=fmt.value(outcomes[0].raised), expected=fmt.num(true_sigmoid(example)),
            )
        actual = _sigmoid_scalar_check(example, outcomes[0])
        expected = fmt.num(true_sigmoid(example))
        if math.isnan(actual):
            raise Fail(_("{call} returned nan.").format(call=what), call=what, returned="nan", expected=expected)
        if not 0.0 <= actual <= 1.0:
            raise Fail(
                _("{call} returned {returned}, outside [0, 1].").format(call=what, returned=fmt.num(actual, precise=True)),
                call=what, returned=fmt.num(actual, precise=True), expected=expected,
            )
        if abs(example) <= 30 and not 0.0 < actual < 1.0:
            raise Fail(
                _("{call} returned {returned}; for |z| <= 30 the sigmoid lies strictly between 0 and 1.").format(
                    call=what, returned=fmt.num(actual, precise=True)
                ),
                call=what, returned=fmt.num(actual, precise=True), expected=fmt.num(true_sigmoid(example), precise=True),
            )


# -- relu ---------------------------------------------------------------------------------------------------
class ReluScalar(ExampleProperty):
    def examples(self) -> st.SearchStrategy[float]:
        return st.floats(-1e6, 1e6)

    def explicit(self) -> list[float]:
        return [-1.0, 0.0, 1.0, -0.5, 2.5, -3.0]

    def describe(self, example: float) -> str:
        return f"relu({fmt.arg(example)})"

    def program(self, example: float) -> list[dict[str, Any]]:
        return [call("relu", example)]

    def check(self, example: float, outcomes: list[Outcome], ctx: Context) -> None:
        what = self.describe(example)
        expected = max(0.0, example)
        if outcomes[0].raised is not None:
            raise raised_fail(what, outcomes[0], fmt.num(expected))
        value = plain(outcomes[0])
        if value.kind == "none":
            raise Fail(_("{call} returned None. Did you forget return?").format(call=what), call=what, returned="None",
                       expected=fmt.num(expected))
        if not value.is_number:
            raise Fail(
                _("{call} returned {returned}; expected a single number.").format(call=what, returned=fmt.value(value)),
                call=what, returned=fmt.value(value), expected=fmt.num(expected),
            )
        if value.as_float() != expected:
            returned, wanted = shown(value, expected)
            raise Fail(
                _("{call} returned {returned}, but max(0, z) is {expected}.").format(call=what, returned=returned, expected=wanted),
                call=what, returned=returned, expected=wanted,
            )


relu_arrays = hnp.arrays(
    np.float64,
    st.one_of(hnp.array_shapes(min_dims=1, max_dims=1, max_side=12), hnp.array_shapes(min_dims=2, max_dims=2, max_side=4)),
    elements=st.floats(-1e6, 1e6),
)


class ReluArray(ExampleProperty):
    max_examples = 40

    def examples(self) -> st.SearchStrategy[np.ndarray[Any, Any]]:
        return relu_arrays

    def explicit(self) -> list[np.ndarray[Any, Any]]:
        return [np.array([-1.0, 0.0, 2.0]), np.array([[1.5, -2.0], [-0.5, 3.0]])]

    def describe(self, example: np.ndarray[Any, Any]) -> str:
        return f"relu({fmt.arg(example)})"

    def program(self, example: np.ndarray[Any, Any]) -> list[dict[str, Any]]:
        return [call("relu", example)]

    def check(self, example: np.ndarray[Any, Any], outcomes: list[Outcome], ctx: Context) -> None:
        expected = np.maximum(0.0, example)
        actual = _array_result("relu", example, outcomes[0], expected)
        if not np.array_equal(actual, expected):
            bad = int(np.argmax(actual != expected))
            z, got = example.reshape(-1)[bad], actual.reshape(-1)[bad]
            what = self.describe(example)
            raise Fail(
                _("{call}: the element for z = {z} is {returned}, but max(0, z) is {expected}.").format(
                    call=what, z=fmt.num(z), returned=fmt.num(got), expected=fmt.num(max(0.0, z))
                ),
                call=what, returned=fmt.value(outcomes[0].value),
                expected=fmt.value(Value("array", array=expected, shape=expected.shape)),
            )


class ReluPure(ExampleProperty):
    max_examples = 20

    def examples(self) -> st.SearchStrategy[np.ndarray[Any, Any]]:
        return relu_arrays

    def explicit(self) -> list[np.ndarray[Any, Any]]:
        return [np.array([-1.0, 0.0, 2.0])]

    def describe(self, example: np.ndarray[Any, Any]) -> str:
        return f"z = {fmt.arg(example)}; relu(z)"

    def program(self, example: np.ndarray[Any, Any]) -> list[dict[str, Any]]:
        return [call("relu", example, watch_args=True)]

    def check(self, example: np.ndarray[Any, Any], outcomes: list[Outcome], ctx: Context) -> None:
        after = outcomes[0].args_after
        if outcomes[0].value is not None and outcomes[0].value.kind == "ellipsis":
            raise NotImplementedYet
        if after is None or not after:
            return
        changed = after[0].array
        if changed is None or changed.shape != example.shape or not np.array_equal(changed, example):
            what = self.describe(example)
            raise Fail(
                _("{call} changed z: afterwards z is {after}. relu must leave its argument as it was.").format(
                    call=what, after=fmt.value(after[0])
                ),
                call=what, returned=_("z became {after}").format(after=fmt.value(after[0])),
                expected=_("z unchanged: {before}").format(before=fmt.arg(example, precise=False)),
            )


# -- Neuron.__init__ ----------------------------------------------------------------------------------------
def _constructed(n: int, outcome: Outcome) -> dict[str, Any]:
    what = f"Neuron({n})"
    if outcome.raised is not None:
        raise raised_fail(what, outcome)
    return outcome.attrs


def _attribute(n: int, attrs: dict[str, Any], name: str) -> Value:
    what = f"Neuron({n}).{name}"
    raw = attrs.get(name)
    if raw is None or not isinstance(raw, Value):
        if raw is not None:
            raise Fail(_("Reading {what} raised {type}.").format(what=what, type=raw.type), call=what)
        raise Fail(_("{what} is not set.").format(what=what), call=what)
    if raw.kind == "missing":
        raise Fail(_("{what} is not set: __init__ must assign self.{name}.").format(what=what, name=name), call=what,
                   returned=_("no attribute {name}").format(name=name))
    if raw.kind == "ellipsis":
        raise NotImplementedYet
    return raw


def weights_of(n: int, value: Value) -> np.ndarray[Any, Any]:
    """The weights as a 1-D float array, or a Fail saying exactly what is wrong with their form."""
    what = f"Neuron({n}).weights"
    expect = _("{n} numbers").format(n=n)
    if value.kind == "array":
        if value.array is None:
            raise Fail(_("{what} is an array of {count} values; expected {n}, one per input.").format(what=what, count=value.length, n=n),
                       call=what, returned=fmt.value(value), expected=expect)
        if value.dtype and value.dtype[0] not in "iuf":
            raise Fail(_("{what} holds values of type {dtype}; expected numbers.").format(what=what, dtype=value.dtype),
                       call=what, returned=fmt.value(value), expected=expect)
        if value.shape == ():
            raise Fail(_("{what} is a single number; expected {n} numbers, one per input. Did you forget size=n_inputs?").format(what=what, n=n),
                       call=what, returned=fmt.value(value), expected=expect)
        if len(value.shape or ()) != 1:
            raise Fail(
                _("{what} has shape {shape}; expected a 1-D array of {n} values, shape ({n},).").format(what=what, shape=value.shape, n=n),
                call=what, returned=fmt.value(value), expected=expect,
            )
        array = value.array
    elif value.kind in ("list", "tuple"):
        array = value.numbers()
        if array is None:
            raise Fail(_("{what} is a {kind} that does not hold plain numbers.").format(what=what, kind=value.kind),
                       call=what, returned=fmt.value(value), expected=expect)
    elif value.kind in ("int", "float"):
        raise Fail(_("{what} is a single number; expected {n} numbers, one per input. Did you forget size=n_inputs?").format(what=what, n=n),
                   call=what, returned=fmt.value(value), expected=expect)
    else:
        raise Fail(_("{what} is {returned}; expected {n} numbers in an array or a list.").format(what=what, returned=fmt.value(value), n=n),
                   call=what, returned=fmt.value(value), expected=expect)
    if array.shape[0] != n:
        raise Fail(_("{what} holds {count} values; expected {n}, one per input.").format(what=what, count=array.shape[0], n=n),
                   call=what, returned=fmt.value(value), expected=expect)
    return array


def bias_of(n: int, value: Value) -> float:
    what = f"Neuron({n}).bias"
    number = None
    if value.is_number:
        number = value.as_float()
    if number is None:
        hint = ""
        if value.kind == "array" and value.array is not None and value.array.size == 1:
            hint = _(" Draw it without size=, so that it is a number rather than an array.")
        raise Fail(
            _("{what} is {returned}; expected one number.{hint}").format(what=what, returned=fmt.value(value), hint=hint),
            call=what, returned=fmt.value(value), expected=_("one number in [-1, 1)"),
        )
    return number


class InitWeights(ExampleProperty):
    max_examples = 15

    def examples(self) -> st.SearchStrategy[int]:
        return st.integers(1, 30)

    def explicit(self) -> list[int]:
        return [1, 2, 3, 10]

    def describe(self, example: int) -> str:
        return f"Neuron({example})"

    def program(self, example: int) -> list[dict[str, Any]]:
        return [new("Neuron", example, attrs=("weights",))]

    def check(self, example: int, outcomes: list[Outcome], ctx: Context) -> None:
        attrs = _constructed(example, outcomes[0])
        value = _attribute(example, attrs, "weights")
        array = weights_of(example, value)
        what = f"Neuron({example}).weights"
        if not np.all(np.isfinite(array)):
            raise Fail(_("{what} holds values that are not finite.").format(what=what), call=what, returned=fmt.value(value))
        outside = array[(array < -1) | (array >= 1)]
        if outside.size:
            raise Fail(
                _("{what} holds {value}, outside [-1, 1).").format(what=what, value=fmt.num(outside[0])),
                call=what, returned=fmt.value(value), expected=_("{n} numbers in [-1, 1)").format(n=example),
            )


class InitBias(ExampleProperty):
    max_examples = 10

    def examples(self) -> st.SearchStrategy[int]:
        return st.integers(1, 30)

    def explicit(self) -> list[int]:
        return [1, 3]

    def describe(self, example: int) -> str:
        return f"Neuron({example})"

    def program(self, example: int) -> list[dict[str, Any]]:
        return [new("Neuron", example, attrs=("bias",))]

    def check(self, example: int, outcomes: list[Outcome], ctx: Context) -> None:
        attrs = _constructed(example, outcomes[0])
        value = _attribute(example, attrs, "bias")
        number = bias_of(example, value)
        what = f"Neuron({example}).bias"
        if not math.isfinite(number) or not -1 <= number < 1:
            raise Fail(
                _("{what} is {value}, outside [-1, 1).").format(what=what, value=fmt.num(number)),
                call=what, returned=fmt.num(number), expected=_("one number in [-1, 1)"),
            )


class _Sample:
    """Many neurons drawn at once: their weights (where well formed) and biases (where numbers)."""

    def __init__(self, ctx: Context, count: int, n: int) -> None:
        outcomes = ctx.run([[new("Neuron", n, attrs=("weights", "bias"))] for _ in range(count)])
        self.n = n
        self.weights: list[np.ndarray[Any, Any]] = []
        self.biases: list[float] = []
        placeholders = 0
        for (outcome,) in outcomes:
            if outcome.raised is not None:
                raise raised_fail(f"Neuron({n})", outcome)
            weights = outcome.attrs.get("weights")
            bias = outcome.attrs.get("bias")
            if isinstance(weights, Value) and weights.kind == "ellipsis":
                placeholders += 1
            if isinstance(weights, Value):
                values = weights.numbers()
                if values is None and weights.is_number:
                    values = np.array([weights.as_float()])
                if values is not None:
                    self.weights.append(values.reshape(-1))
            if isinstance(bias, Value) and bias.is_number:
                self.biases.append(bias.as_float())
        if placeholders == len(outcomes):
            raise NotImplementedYet


class InitRandom:
    def run(self, ctx: Context) -> None:
        sample = _Sample(ctx, 40, 8)
        if sample.weights:
            vectors = {w.tobytes() for w in sample.weights}
            if len(vectors) == 1 and len(sample.weights) > 1:
                raise Fail(
                    _("Every Neuron(8) gets the same weights, {weights}. Is the random generator seeded inside __init__, or are the weights fixed?").format(
                        weights=fmt.value(Value("array", array=sample.weights[0], shape=sample.weights[0].shape))
                    ),
                    call=_("Neuron(8), 40 times"), returned=_("identical weights every time"), expected=_("different random weights"),
                )
            for w in sample.weights:
                if w.size > 1 and np.all(w == w[0]):
                    raise Fail(
                        _("All weights of one neuron are equal ({value}); each weight must be drawn separately.").format(value=fmt.num(w[0])),
                        call="Neuron(8).weights", returned=fmt.value(Value("array", array=w, shape=w.shape)),
                        expected=_("8 different random numbers"),
                    )
        if len(sample.biases) > 1 and len(set(sample.biases)) == 1:
            raise Fail(
                _("Every Neuron(8) gets the same bias, {bias}; the bias must be random too.").format(bias=fmt.num(sample.biases[0])),
                call=_("Neuron(8).bias, 40 times"), returned=_("{bias} every time").format(bias=fmt.num(sample.biases[0])),
                expected=_("different random numbers in [-1, 1)"),
            )


def dkw_epsilon(count: int, alpha: float) -> float:
    """Dvoretzky-Kiefer-Wolfowitz (Massart): P(sup |F_n - F| > eps) <= 2 exp(-2 n eps^2) = alpha."""
    return math.sqrt(math.log(2 / alpha) / (2 * count))


def reach_delta(count: int, alpha: float) -> float:
    """Uniform on [-1, 1): P(all of count draws stay above -1 + delta) = (1 - delta/2)^count = alpha."""
    return 2 * (1 - alpha ** (1 / count))


def ks_distance(values: np.ndarray[Any, Any]) -> float:
    x = np.sort(values)
    n = x.size
    cdf = np.clip((x + 1) / 2, 0, 1)
    upper = np.arange(1, n + 1) / n - cdf
    lower = cdf - np.arange(0, n) / n
    return float(max(upper.max(), lower.max()))


class InitUniform:
    """Kolmogorov-Smirnov distance with the DKW bound, plus both ends reached: five tests of alpha each."""

    def __init__(self, neurons: int = 600, alpha: float = 1e-10) -> None:
        self.neurons = neurons
        self.alpha = alpha

    def _describe(self, what: str, values: np.ndarray[Any, Any]) -> str:
        negative = float(np.mean(values < 0)) * 100
        return _("over {count} {what}, {negative}% were negative (expected about 50%), the smallest was {low} and the largest {high}").format(
            count=fmt.count(values.size), what=what, negative=f"{negative:.0f}", low=fmt.num(values.min()), high=fmt.num(values.max())
        )

    def _test(self, what: str, values: np.ndarray[Any, Any]) -> None:
        count = values.size
        if count == 0:
            return
        values = values[np.isfinite(values)]
        summary = self._describe(what, values) if values.size else ""
        call = _("Neuron(8), {count} times").format(count=fmt.count(self.neurons))
        expected = _("values spread evenly over [-1, 1)")
        if values.size < count:
            raise Fail(_("Some {what} are not finite numbers.").format(what=what), call=call, expected=expected)
        if np.all(values == np.round(values)):
            raise Fail(_("The {what} are all whole numbers: {summary}. Draw real numbers from [-1, 1), not integers.").format(what=what, summary=summary),
                       call=call, returned=summary, expected=expected)
        distance = ks_distance(values)
        if distance > dkw_epsilon(values.size, self.alpha):
            raise Fail(_("The {what} are not uniform over [-1, 1): {summary}.").format(what=what, summary=summary),
                       call=call, returned=summary, expected=expected)
        delta = reach_delta(values.size, self.alpha)
        if values.min() > -1 + delta or values.max() < 1 - delta:
            raise Fail(
                _("The {what} do not reach the ends of [-1, 1): {summary}; uniform draws this many times come within {delta} of -1 and of 1.").format(
                    what=what, summary=summary, delta=fmt.num(delta)
                ),
                call=call, returned=summary, expected=expected,
            )

    def run(self, ctx: Context) -> None:
        sample = _Sample(ctx, self.neurons, 8)
        if sample.weights:
            self._test(_("weights"), np.concatenate(sample.weights))
        if sample.biases:
            self._test(_("biases"), np.array(sample.biases))


# -- Neuron.activate ----------------------------------------------------------------------------------------
def _neuron_example(max_inputs: int, input_bound: float) -> st.SearchStrategy[tuple[list[float], float, list[float], bool]]:
    weight = st.floats(-1, 1)
    value = st.floats(-input_bound, input_bound)
    return st.integers(1, max_inputs).flatmap(
        lambda n: st.tuples(
            st.lists(weight, min_size=n, max_size=n),
            weight,
            st.lists(value, min_size=n, max_size=n),
            st.booleans(),
        )
    )


def _init_works(ctx: Context) -> bool:
    """Whether Neuron(n) can be built; if not, activate is graded on an object built without __init__."""
    cache = getattr(ctx, "memo", None)
    if isinstance(cache, dict) and "init_works" in cache:
        return bool(cache["init_works"])
    try:
        outcomes = ctx.run([[new("Neuron", 3)]])
        works = outcomes[0][0].raised is None
    except Died:  # the child hung or ended in __init__
        works = False
    if isinstance(cache, dict):
        cache["init_works"] = works
    return works


def _setup(n: int, weights: list[float], bias: float, use_init: bool, slot: str = "n") -> dict[str, Any]:
    return obj("Neuron", slot, init_args=(n,) if use_init else None, weights=np.array(weights), bias=bias)


def _activate_call(weights: list[float], bias: float, inputs: Any) -> str:
    return _("n.weights = {w}; n.bias = {b}; n.activate({x})").format(w=fmt.arg(np.array(weights)), b=fmt.arg(bias), x=fmt.arg(inputs))


def _z(weights: list[float], bias: float, inputs: list[float]) -> float:
    return float(np.dot(np.array(weights), np.array(inputs)) + bias)


def _blame_sigmoid(result: Outcome, sigmoid_outcome: Outcome, expected: float, ctx: Context) -> bool:
    """True if activate gave exactly what the submission's own sigmoid gives for the same sum, and that
    sigmoid is what is wrong. Then activate is right, and the fault is graded under sigmoid only."""
    theirs, mine = sigmoid_outcome.value, result.value
    if sigmoid_outcome.raised is not None or result.raised is not None:
        same = (
            sigmoid_outcome.raised is not None
            and result.raised is not None
            and sigmoid_outcome.raised.type == result.raised.type
            and sigmoid_outcome.raised.message == result.raised.message
        )
    elif theirs is None or mine is None or theirs.kind == "ellipsis":
        same = False
    else:
        a, b = one_number(theirs), one_number(mine)
        if a is not None and b is not None and theirs.kind == mine.kind:
            sigmoid_right = close(a, expected) and theirs.kind == "float"
            same = not sigmoid_right and close(a, b)
        else:
            same = theirs == mine
    if not same:
        return False
    note = _("activate passes its sum correctly to your sigmoid, which is wrong (see sigmoid); activate is not marked down for it.")
    if note not in ctx.notes:
        ctx.notes.append(note)
    return True


class _WithInit(ExampleProperty):
    """Probe once whether Neuron(n) works before building the objects activate is called on."""

    use_init = True

    def prepare(self, ctx: Context) -> None:
        self.use_init = _init_works(ctx)


class ActivateValue(_WithInit):
    max_examples = 60

    def examples(self) -> st.SearchStrategy[Any]:
        return _neuron_example(10, 10)

    def explicit(self) -> list[Any]:
        return [([0.5, -0.5], 0.25, [1.0, 2.0], False), ([1.0], 0.0, [0.0], True), ([0.2, 0.4, -0.6], -0.5, [1.0, 1.0, 1.0], True)]

    def describe(self, example: Any) -> str:
        weights, bias, inputs, as_array = example
        return _activate_call(weights, bias, np.array(inputs) if as_array else inputs)

    def program(self, example: Any) -> list[dict[str, Any]]:
        weights, bias, inputs, as_array = example
        use_init = bool(getattr(self, "use_init", True))
        return [
            _setup(len(weights), weights, bias, use_init),
            method("n", "activate", np.array(inputs) if as_array else inputs),
            call("sigmoid", _z(weights, bias, inputs)),
        ]

    def check(self, example: Any, outcomes: list[Outcome], ctx: Context) -> None:
        weights, bias, inputs, as_array = example
        what = self.describe(example)
        z = _z(weights, bias, inputs)
        expected = true_sigmoid(z)
        wanted = _("{value} (sigmoid of {z})").format(value=fmt.num(expected), z=fmt.num(z))
        if outcomes[0].raised is not None:
            raise raised_fail("n = Neuron(...)", outcomes[0])
        result = outcomes[1]
        if _blame_sigmoid(result, outcomes[2], expected, ctx):
            return
        if result.raised is not None:
            raise raised_fail(what, result, wanted)
        value = plain(result)
        if value.kind == "none":
            raise Fail(_("{call} returned None. Did you forget return output?").format(call=what), call=what, returned="None", expected=wanted)
        number = one_number(value)
        if number is None:
            raise Fail(_("{call} returned {returned}; expected one number.").format(call=what, returned=fmt.value(value)),
                       call=what, returned=fmt.value(value), expected=wanted)
        if close(number, expected):
            return
        returned, _unused = shown(value, expected)
        raise Fail(
            _("{call} returned {returned}, but sigmoid(np.dot(weights, inputs) + bias) is {expected}.").format(
                call=what, returned=returned, expected=wanted
            ),
            call=what, returned=returned, expected=wanted,
        )


class ActivateFloat(_WithInit):
    max_examples = 30

    def examples(self) -> st.SearchStrategy[Any]:
        return _neuron_example(10, 2)

    def explicit(self) -> list[Any]:
        return [([0.5, -0.5], 0.25, [1.0, 2.0], False), ([1.0, 1.0], 0.5, [2.0, 2.0], True)]

    def describe(self, example: Any) -> str:
        weights, bias, inputs, as_array = example
        return _activate_call(weights, bias, np.array(inputs) if as_array else inputs)

    def program(self, example: Any) -> list[dict[str, Any]]:
        weights, bias, inputs, as_array = example
        use_init = bool(getattr(self, "use_init", True))
        return [
            _setup(len(weights), weights, bias, use_init),
            method("n", "activate", np.array(inputs) if as_array else inputs),
            call("sigmoid", _z(weights, bias, inputs)),
        ]

    def check(self, example: Any, outcomes: list[Outcome], ctx: Context) -> None:
        weights, bias, inputs, as_array = example
        what = self.describe(example)
        expected = _("one float strictly between 0 and 1")
        if outcomes[0].raised is not None:
            raise raised_fail("n = Neuron(...)", outcomes[0])
        result = outcomes[1]
        if result.raised is not None:
            if _blame_sigmoid(result, outcomes[2], true_sigmoid(_z(weights, bias, inputs)), ctx):
                return
            raise raised_fail(what, result, expected)
        value = plain(result)
        is_float = value.kind == "float" or (value.kind == "array" and value.shape == () and bool(value.dtype) and str(value.dtype)[0] == "f")
        problem = None
        if value.kind == "none":
            problem = _("{call} returned None. Did you forget return output?")
        elif value.kind == "bool":
            problem = _("{call} returned a bool, {returned}; expected the probability itself, not a decision.")
        elif not is_float:
            problem = _("{call} returned {returned}; expected one float.")
        else:
            number = value.as_float()
            if not 0.0 < number < 1.0:
                problem = _("{call} returned {returned}; expected a float strictly between 0 and 1.")
        if problem is None:
            return
        if _blame_sigmoid(result, outcomes[2], true_sigmoid(_z(weights, bias, inputs)), ctx):
            return
        raise Fail(problem.format(call=what, returned=fmt.value(value)), call=what, returned=fmt.value(value), expected=expected)


class ActivateCurrent(_WithInit):
    max_examples = 25

    def examples(self) -> st.SearchStrategy[Any]:
        weight = st.floats(-1, 1)
        value = st.floats(-5, 5)
        return st.integers(1, 6).flatmap(
            lambda n: st.tuples(
                st.lists(weight, min_size=n, max_size=n),
                weight,
                st.lists(weight, min_size=n, max_size=n),
                weight,
                st.lists(st.lists(value, min_size=n, max_size=n), min_size=3, max_size=3),
            )
        )

    def explicit(self) -> list[Any]:
        return [([0.5, -0.5], 0.25, [-0.5, 0.5], -0.25, [[1.0, 2.0], [2.0, 1.0], [-1.0, 0.5]])]

    def describe(self, example: Any) -> str:
        w1, b1, w2, b2, xs = example
        return _(
            "n.weights = {w1}; n.bias = {b1}; n.activate({x1}); n.weights = {w2}; n.bias = {b2}; n.activate({x2}); n.activate({x3})"
        ).format(w1=fmt.arg(np.array(w1)), b1=fmt.arg(b1), x1=fmt.arg(xs[0]), w2=fmt.arg(np.array(w2)), b2=fmt.arg(b2),
                 x2=fmt.arg(xs[1]), x3=fmt.arg(xs[2]))

    def program(self, example: Any) -> list[dict[str, Any]]:
        w1, b1, w2, b2, xs = example
        use_init = bool(getattr(self, "use_init", True))
        n = len(w1)
        return [
            _setup(n, w1, b1, use_init, "a"),
            method("a", "activate", np.array(xs[0])),
            set_attrs("a", weights=np.array(w2), bias=b2),
            method("a", "activate", np.array(xs[1])),
            method("a", "activate", np.array(xs[2])),
            _setup(n, w2, b2, use_init, "b"),
            method("b", "activate", np.array(xs[1])),
            _setup(n, w2, b2, use_init, "c"),
            method("c", "activate", np.array(xs[2])),
        ]

    def check(self, example: Any, outcomes: list[Outcome], ctx: Context) -> None:
        if len(outcomes) < 9:
            failed = outcomes[-1]
            if failed.raised is not None:
                raise raised_fail(self.describe(example), failed)
            return
        for index in (1, 3, 4, 6, 8):
            if outcomes[index].raised is not None:
                raise raised_fail(self.describe(example), outcomes[index])
            plain(outcomes[index])
        what = self.describe(example)
        pairs = ((outcomes[3], outcomes[6], 1), (outcomes[4], outcomes[8], 2))
        for stale, fresh, which in pairs:
            a, b = one_number(stale.value), one_number(fresh.value)  # type: ignore[arg-type]
            if a is None or b is None:
                if stale.value == fresh.value:
                    continue
            elif close(a, b):
                continue
            returned = fmt.value(stale.value)
            expected = fmt.value(fresh.value)
            first = fmt.value(outcomes[1].value)
            same = returned == first
            message = _(
                "After the weights and bias were changed, call {which} gave {returned}, but a new neuron with those weights and bias gives {expected}."
            ).format(which=which + 1, returned=returned, expected=expected)
            if same:
                message += " " + _("That is the result of the first call: is an old result kept?")
            raise Fail(message, call=what, returned=returned, expected=expected)


class ActivateInputs(_WithInit):
    max_examples = 20

    def examples(self) -> st.SearchStrategy[Any]:
        return _neuron_example(8, 5)

    def explicit(self) -> list[Any]:
        return [([0.5, -0.5], 0.25, [1.0, 2.0], False)]

    def describe(self, example: Any) -> str:
        weights, bias, inputs, _as_array = example
        return _("n.weights = {w}; n.bias = {b}; n.activate({x}); n.activate({xa})").format(
            w=fmt.arg(np.array(weights)), b=fmt.arg(bias), x=fmt.arg(inputs), xa=fmt.arg(np.array(inputs))
        )

    def program(self, example: Any) -> list[dict[str, Any]]:
        weights, bias, inputs, _as_array = example
        use_init = bool(getattr(self, "use_init", True))
        return [
            _setup(len(weights), weights, bias, use_init),
            method("n", "activate", list(inputs)),
            method("n", "activate", np.array(inputs)),
        ]

    def check(self, example: Any, outcomes: list[Outcome], ctx: Context) -> None:
        weights, bias, inputs, _as_array = example
        if outcomes[0].raised is not None:
            raise raised_fail("n = Neuron(...)", outcomes[0])
        kinds = ((outcomes[1], _("a list"), fmt.arg(inputs)), (outcomes[2] if len(outcomes) > 2 else None, _("an array"), fmt.arg(np.array(inputs))))
        for outcome, kind, shown_inputs in kinds:
            if outcome is None:
                continue
            what = _activate_call(weights, bias, inputs if kind == _("a list") else np.array(inputs))
            if outcome.raised is not None:
                raise Fail(
                    _("activate fails when the inputs are {kind}: {call} raised {type}: {message}").format(
                        kind=kind, call=what, type=outcome.raised.type, message=outcome.raised.message
                    ),
                    call=what, returned=fmt.value(outcome.raised), expected=_("the same result for a list and for an array"),
                )
            plain(outcome)
        a = one_number(outcomes[1].value)  # type: ignore[arg-type]
        b = one_number(outcomes[2].value)  # type: ignore[arg-type]
        if (a is None and b is None and outcomes[1].value == outcomes[2].value) or (a is not None and b is not None and close(a, b)):
            return
        what = self.describe(example)
        raise Fail(
            _("activate gives {list_result} for the inputs as a list but {array_result} for the same inputs as an array.").format(
                list_result=fmt.value(outcomes[1].value), array_result=fmt.value(outcomes[2].value)
            ),
            call=what, returned=fmt.value(outcomes[1].value), expected=fmt.value(outcomes[2].value),
        )


PROPERTIES: dict[str, Any] = {
    "sigmoid.scalar": SigmoidScalar(),
    "sigmoid.array": SigmoidArray(),
    "sigmoid.range": SigmoidRange(),
    "relu.scalar": ReluScalar(),
    "relu.array": ReluArray(),
    "relu.pure": ReluPure(),
    "init.weights": InitWeights(),
    "init.bias": InitBias(),
    "init.random": InitRandom(),
    "init.uniform": InitUniform(),
    "activate.value": ActivateValue(),
    "activate.float": ActivateFloat(),
    "activate.current": ActivateCurrent(),
    "activate.inputs": ActivateInputs(),
}
