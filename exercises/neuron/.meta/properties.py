"""Properties of the single-neuron lesson. Each object here grades one property id of ``lesson.toml``.

Every expected value is computed here, in the grader's process, from the lesson's definitions; nothing is
compared with the reference solution. The values generated stay within what a neuron really sees.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from grader.api import (
    ATOL,
    CURRENT_USES,
    Context,
    Died,
    ExampleProperty,
    Fail,
    NotImplementedYet,
    Outcome,
    Raised,
    Value,
    call,
    check_current_state,
    check_uniform,
    close,
    current_state_program,
    first_mismatch,
    fmt,
    hnp,
    method,
    new,
    numbers_in,
    obj,
    pure_function,
    set_attrs,
    st,
    unreadable_text,
)
from grader.i18n import _


# -- shared helpers -----------------------------------------------------------------------------------------
def true_sigmoid(z: Any) -> Any:
    """The logistic function, computed without overflow."""
    z = np.asarray(z, dtype=np.float64)
    with np.errstate(over="ignore"):
        e = np.exp(-np.abs(z))
        out = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    return out if out.ndim else float(out)


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
        bad = first_mismatch(actual, expected)
        if bad is not None:
            z, got, want = example[bad], actual[bad], expected[bad]
            what = self.describe(example)
            raise Fail(
                _("{call}: the element for z = {z} is {returned}, but 1 / (1 + e^-z) is {expected}.").format(
                    call=what, z=fmt.num(z), returned=fmt.num(got), expected=fmt.num(want)
                ),
                call=what, returned=fmt.value(outcomes[0].value),
                expected=fmt.value(Value("array", array=expected, shape=expected.shape)),
            )


PYTHON_FLOAT_OVERFLOW = 709.0  # beyond this |z|, e ** -z of a Python float can overflow (math.exp's OverflowError)


def _takes_arrays(ctx: Context) -> bool:
    """Whether sigmoid returns an array for an array at all; if not, that is graded under sigmoid.array alone."""
    key = "sigmoid takes arrays"
    if key not in ctx.memo:
        probe = ctx.run([[call("sigmoid", np.array([-1.0, 0.0, 1.0]))]])[0][0]
        ctx.memo[key] = probe.raised is None and probe.value is not None and probe.value.kind == "array" and probe.value.shape == (3,)
    return bool(ctx.memo[key])


def _in_range(what: str, actual: float, z: float) -> None:
    expected = fmt.num(true_sigmoid(z))
    if math.isnan(actual):
        raise Fail(_("{call} returned nan.").format(call=what), call=what, returned="nan", expected=expected)
    if not 0.0 <= actual <= 1.0:
        raise Fail(
            _("{call} returned {returned}, outside [0, 1].").format(call=what, returned=fmt.num(actual, precise=True)),
            call=what, returned=fmt.num(actual, precise=True), expected=expected,
        )
    if abs(z) <= 30 and not 0.0 < actual < 1.0:
        raise Fail(
            _("{call} returned {returned}; for |z| <= 30 the sigmoid lies strictly between 0 and 1.").format(
                call=what, returned=fmt.num(actual, precise=True)
            ),
            call=what, returned=fmt.num(actual, precise=True), expected=fmt.num(true_sigmoid(z), precise=True),
        )


def _range_raised(what: str, outcome: Outcome, expected: str) -> Fail:
    assert outcome.raised is not None
    return Fail(
        _("{call} raised {type}: {message}. A sigmoid is defined for every number; np.exp only warns when it overflows.").format(
            call=what, type=outcome.raised.type, message=outcome.raised.message
        ),
        call=what, returned=fmt.value(outcome.raised), expected=expected,
    )


class SigmoidRange(ExampleProperty):
    """In [0, 1] and never NaN for every finite z, on what a neuron passes: NumPy floats (np.dot gives one) and
    arrays; and on Python floats, except that overflowing past |z| of about 709 there is only a note."""

    max_examples = 60

    def examples(self) -> st.SearchStrategy[float]:
        return st.floats(allow_nan=False, allow_infinity=False)

    def explicit(self) -> list[float]:
        return [30.0, -30.0, 710.0, -710.0, -745.0, 1000.0, -1000.0, 1e308, -1e308]

    def prepare(self, ctx: Context) -> None:
        self.arrays = _takes_arrays(ctx)

    def describe(self, example: float) -> str:
        return f"sigmoid(np.float64({fmt.arg(example)}))"

    def program(self, example: float) -> list[dict[str, Any]]:
        return [call("sigmoid", example), call("sigmoid", np.float64(example)), call("sigmoid", np.array([example, -example]))]

    def check(self, example: float, outcomes: list[Outcome], ctx: Context) -> None:
        expected = fmt.num(true_sigmoid(example))
        what = self.describe(example)
        on_numpy = outcomes[1]
        if on_numpy.raised is not None:
            raise _range_raised(what, on_numpy, expected)
        _in_range(what, _sigmoid_scalar_check(example, on_numpy), example)
        if getattr(self, "arrays", True) and len(outcomes) > 2:
            z = np.array([example, -example])
            what_array = f"sigmoid({fmt.arg(z)})"
            wanted = np.asarray(true_sigmoid(z))
            if outcomes[2].raised is not None:
                raise _range_raised(what_array, outcomes[2], fmt.value(Value("array", array=wanted, shape=wanted.shape)))
            actual = _array_result("sigmoid", z, outcomes[2], wanted)
            for element, zi in zip(actual, z, strict=True):
                _in_range(what_array, float(element), float(zi))
        what_python = f"sigmoid({fmt.arg(example)})"
        on_python = outcomes[0]
        if on_python.raised is not None:
            if on_python.raised.type == "OverflowError" and abs(example) > PYTHON_FLOAT_OVERFLOW:
                note = _(
                    "For a Python float beyond |z| of about 709, such as {call}, your sigmoid raises OverflowError. What a neuron "
                    "passes it (a NumPy float, or an array) works; np.exp would give the same result for Python floats too."
                ).format(call=what_python)
                if not any(n.startswith(note.split(",")[0]) for n in ctx.notes):
                    ctx.notes.append(note)
                return
            raise _range_raised(what_python, on_python, expected)
        _in_range(what_python, _sigmoid_scalar_check(example, on_python), example)


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


# -- Neuron.__init__ ----------------------------------------------------------------------------------------
def _constructed(n: int, outcome: Outcome) -> dict[str, Any]:
    what = f"Neuron({n})"
    if outcome.raised is not None:
        raise raised_fail(what, outcome)
    return outcome.attrs


WEIGHTS_UNREADABLE = "init.weights-unreadable"  # diagnoses.toml: the one cause of every failure it explains
BIAS_UNREADABLE = "init.bias-unreadable"
BIAS_MISSING = "init.bias-missing"


def unreadable(name: str, n: int, raw: Any, kind: str | None = None) -> Fail:
    """``Neuron(n).<name>`` cannot be read as numbers: the failure of every property that needs it, with one
    cause (a diagnosis of the lesson) and the same words in each, so the report can say it once."""
    what = f"Neuron({n}).{name}"
    shown = raw if isinstance(raw, (Value, Raised)) else None
    kind = kind or unreadable_text(shown)
    cause = WEIGHTS_UNREADABLE if name == "weights" else BIAS_UNREADABLE
    if name == "bias" and isinstance(raw, Value) and raw.kind == "missing":
        cause = BIAS_MISSING
    expected = _("{n} numbers in [-1, 1)").format(n=n) if name == "weights" else _("one number in [-1, 1)")
    return Fail(
        _("self.{name} is {kind}: the grader cannot read it as numbers, so it cannot check it.").format(name=name, kind=kind),
        call=what, returned=fmt.value(shown) if shown is not None else None, expected=expected,
        diagnosis=cause, values={"kind": kind},
    )


def _attribute(n: int, attrs: dict[str, Any], name: str) -> Value:
    raw = attrs.get(name)
    if isinstance(raw, Value) and raw.kind == "ellipsis":
        raise NotImplementedYet
    if not isinstance(raw, Value) or raw.kind == "missing":
        raise unreadable(name, n, raw)
    return raw


def weights_of(n: int, value: Value) -> np.ndarray[Any, Any]:
    """The weights as a 1-D float array, or a Fail saying exactly what is wrong with them."""
    what = f"Neuron({n}).weights"
    expect = _("{n} numbers").format(n=n)
    array = numbers_in(value)
    if array is None:
        raise unreadable("weights", n, value)
    if array.ndim == 0:
        raise Fail(_("{what} is a single number; expected {n} numbers, one per input. Did you forget size=n_inputs?").format(what=what, n=n),
                   call=what, returned=fmt.value(value), expected=expect)
    if array.ndim != 1:
        raise Fail(
            _("{what} has shape {shape}; expected a 1-D array of {n} values, shape ({n},).").format(what=what, shape=array.shape, n=n),
            call=what, returned=fmt.value(value), expected=expect,
        )
    if array.shape[0] != n:
        raise Fail(_("{what} holds {count} values; expected {n}, one per input.").format(what=what, count=array.shape[0], n=n),
                   call=what, returned=fmt.value(value), expected=expect)
    return array


def bias_of(n: int, value: Value) -> float:
    what = f"Neuron({n}).bias"
    numbers = numbers_in(value)
    if numbers is None:
        raise unreadable("bias", n, value)
    if not value.is_number:
        hint = ""
        if numbers.size == 1:
            hint = _(" Draw it without size=, so that it is a number rather than an array.")
        raise Fail(
            _("{what} is {returned}; expected one number.{hint}").format(what=what, returned=fmt.value(value), hint=hint),
            call=what, returned=fmt.value(value), expected=_("one number in [-1, 1)"),
        )
    return value.as_float()


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


SAMPLE_MEMO = "Neuron(8) sample"  # ctx.memo: the outcomes of the uniformity sample, which the diagnoses quote


class _Sample:
    """Many neurons drawn at once: their weights and biases. Every one must be readable as numbers: a property
    that needs them fails, with the one cause, when one is not (it never skips what it cannot read)."""

    def __init__(self, ctx: Context, count: int, n: int, memo: str | None = None) -> None:
        outcomes = [o[0] for o in ctx.run([[new("Neuron", n, attrs=("weights", "bias"))] for _ in range(count)])]
        self.n = n
        self.weights: list[np.ndarray[Any, Any]] = []
        self.biases: list[float] = []
        weights_raw = [o.attrs.get("weights") for o in outcomes if o.raised is None]
        if weights_raw and all(isinstance(w, Value) and w.kind == "ellipsis" for w in weights_raw):
            raise NotImplementedYet
        for outcome in outcomes:
            if outcome.raised is not None:
                raise raised_fail(f"Neuron({n})", outcome)
        if memo is not None:
            ctx.memo[memo] = outcomes
        for outcome in outcomes:
            weights = outcome.attrs.get("weights")
            values = numbers_in(weights) if isinstance(weights, Value) and weights.kind != "missing" else None
            if values is None:
                raise unreadable("weights", n, weights)
            self.weights.append(values.reshape(-1))
        for outcome in outcomes:
            bias = outcome.attrs.get("bias")
            number = numbers_in(bias) if isinstance(bias, Value) and bias.kind != "missing" else None
            if number is None:
                raise unreadable("bias", n, bias)
            if number.size != 1:
                raise unreadable("bias", n, bias, _("{count} numbers instead of one").format(count=fmt.count(number.size)))
            self.biases.append(float(number.reshape(-1)[0]))


class InitRandom:
    def run(self, ctx: Context) -> None:
        sample = _Sample(ctx, 40, 8)
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


class InitUniform:
    """Uniform over [-1, 1): the Kolmogorov-Smirnov distance with the DKW bound, plus both ends reached
    (grader.api.check_uniform), on the weights and on the biases: six tests of alpha each."""

    def __init__(self, neurons: int = 600, alpha: float = 1e-10) -> None:
        self.neurons = neurons
        self.alpha = alpha

    def _test(self, what: str, values: np.ndarray[Any, Any]) -> None:
        call = _("Neuron(8), {count} times").format(count=fmt.count(self.neurons))
        check_uniform(values, what=what, call=call, alpha=self.alpha)

    def run(self, ctx: Context) -> None:
        sample = _Sample(ctx, self.neurons, 8, memo=SAMPLE_MEMO)
        self._test(_("weights"), np.concatenate(sample.weights))
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


OWN = "own"  # an example on the submission's own Neuron(n): its weights and bias are read back, not set
OWN_RTOL = 1e-6  # the submission's own weights may be float32; the point is that activate works with them


def _own_program(inputs: list[float], *calls: Any) -> list[dict[str, Any]]:
    return [new("Neuron", len(inputs), slot="n", attrs=("weights", "bias")), *[method("n", "activate", x) for x in calls]]


def _own_call(inputs: Any) -> str:
    return _("n = Neuron({n}); n.activate({x})").format(n=len(inputs), x=fmt.arg(inputs))


def _own_values(outcome: Outcome, n: int) -> tuple[np.ndarray[Any, Any], float] | None:
    """The weights and bias the submission's own Neuron(n) holds, when they are n numbers and one number."""
    if outcome.raised is not None:
        return None
    weights, bias = numbers_in(outcome.attrs.get("weights")), numbers_in(outcome.attrs.get("bias"))
    if weights is None or bias is None or weights.shape != (n,) or bias.size != 1:
        return None
    if not (np.all(np.isfinite(weights)) and np.isfinite(bias).all()):
        return None
    return weights, float(bias.reshape(-1)[0])


def _own_unusable(ctx: Context, say: bool) -> None:
    note = _(
        "activate is graded on weights and bias the grader sets only: your own Neuron(n) gives no weights and bias to use "
        "(see Neuron.__init__), and activate is not marked down for that."
    )
    if say and note not in ctx.notes:
        ctx.notes.append(note)


def _with_own(weights: np.ndarray[Any, Any], bias: float) -> str:
    return _("with the weights and bias your Neuron set itself, {w} and {b}").format(
        w=fmt.value(Value("array", array=weights, shape=weights.shape)), b=fmt.num(bias, precise=True)
    )


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
        own = [(OWN, [1.0, 2.0, 3.0]), (OWN, [0.5, -1.5]), (OWN, [0.3, -0.7, 1.1, 2.0, -2.5, 0.9, 1.4, -0.2])]
        return [([0.5, -0.5], 0.25, [1.0, 2.0], False), ([1.0], 0.0, [0.0], True), ([0.2, 0.4, -0.6], -0.5, [1.0, 1.0, 1.0], True), *own]

    def describe(self, example: Any) -> str:
        if example[0] == OWN:
            return _own_call(np.array(example[1]))
        weights, bias, inputs, as_array = example
        return _activate_call(weights, bias, np.array(inputs) if as_array else inputs)

    def program(self, example: Any) -> list[dict[str, Any]]:
        if example[0] == OWN:
            return _own_program(example[1], np.array(example[1]))
        weights, bias, inputs, as_array = example
        use_init = bool(getattr(self, "use_init", True))
        return [
            _setup(len(weights), weights, bias, use_init),
            method("n", "activate", np.array(inputs) if as_array else inputs),
            call("sigmoid", _z(weights, bias, inputs)),
        ]

    def _check_own(self, inputs: list[float], outcomes: list[Outcome], ctx: Context) -> None:
        """activate on the submission's own Neuron(n), against the sigmoid of its own weights and bias."""
        own = _own_values(outcomes[0], len(inputs))
        if own is None:
            _own_unusable(ctx, say=True)
            return
        weights, bias = own
        what = _own_call(np.array(inputs))
        z = float(np.dot(weights, np.array(inputs)) + bias)
        expected = true_sigmoid(z)
        wanted = _("{value} (sigmoid of {z})").format(value=fmt.num(expected), z=fmt.num(z))
        result = outcomes[1] if len(outcomes) > 1 else None
        if result is None:
            return
        if result.raised is None:
            value = plain(result)
            number = one_number(value)
            if number is not None and np.isclose(number, expected, rtol=OWN_RTOL, atol=ATOL):
                return
        theirs = ctx.run([[call("sigmoid", z)]])[0][0]  # the fault may be the submission's own sigmoid's
        if _blame_sigmoid(result, theirs, expected, ctx):
            return
        with_own = _with_own(weights, bias)
        if result.raised is not None:
            raise Fail(
                _("{call} raised {type}: {message} ({own}).").format(
                    call=what, type=result.raised.type, message=result.raised.message, own=with_own
                ),
                call=what, returned=fmt.value(result.raised), expected=wanted,
            )
        value = plain(result)
        raise Fail(
            _("{call} returned {returned} {own}; sigmoid(np.dot(weights, inputs) + bias) is {expected}.").format(
                call=what, returned=fmt.value(value, precise=True), own=with_own, expected=wanted
            ),
            call=what, returned=fmt.value(value, precise=True), expected=wanted,
        )

    def check(self, example: Any, outcomes: list[Outcome], ctx: Context) -> None:
        if example[0] == OWN:
            self._check_own(example[1], outcomes, ctx)
            return
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
        return current_state_program(
            lambda slot, state: _setup(n, state[0], state[1], use_init, slot),
            lambda slot, state: set_attrs(slot, weights=np.array(state[0]), bias=state[1]),
            lambda slot, x: method(slot, "activate", np.array(x)),
            (w1, b1), (w2, b2), xs,
        )

    def check(self, example: Any, outcomes: list[Outcome], ctx: Context) -> None:
        check_current_state(
            outcomes, call=self.describe(example),
            change=_("the weights and bias were changed"), fresh=_("a new neuron with those weights and bias"),
            same=_same_result, raised=lambda what, outcome: raised_fail(what, outcome),
        )


def _same_result(stale: Outcome, fresh: Outcome) -> bool:
    a, b = one_number(stale.value), one_number(fresh.value)  # type: ignore[arg-type]
    if a is None or b is None:
        return stale.value == fresh.value
    return close(a, b)


assert CURRENT_USES == (1, 3, 4, 6, 8)  # the uses current_state_program makes, as check_current_state reads them


class ActivateInputs(_WithInit):
    max_examples = 20

    def examples(self) -> st.SearchStrategy[Any]:
        return _neuron_example(8, 5)

    def explicit(self) -> list[Any]:
        return [([0.5, -0.5], 0.25, [1.0, 2.0], False), (OWN, [1.0, 2.0, 3.0]), (OWN, [0.5, -1.5, 2.0, 0.25, -0.75])]

    def describe(self, example: Any) -> str:
        if example[0] == OWN:
            inputs = example[1]
            return _("n = Neuron({n}); n.activate({x}); n.activate({xa})").format(
                n=len(inputs), x=fmt.arg(inputs), xa=fmt.arg(np.array(inputs))
            )
        weights, bias, inputs, _as_array = example
        return _("n.weights = {w}; n.bias = {b}; n.activate({x}); n.activate({xa})").format(
            w=fmt.arg(np.array(weights)), b=fmt.arg(bias), x=fmt.arg(inputs), xa=fmt.arg(np.array(inputs))
        )

    def program(self, example: Any) -> list[dict[str, Any]]:
        if example[0] == OWN:
            return _own_program(example[1], list(example[1]), np.array(example[1]))
        weights, bias, inputs, _as_array = example
        use_init = bool(getattr(self, "use_init", True))
        return [
            _setup(len(weights), weights, bias, use_init),
            method("n", "activate", list(inputs)),
            method("n", "activate", np.array(inputs)),
        ]

    def check(self, example: Any, outcomes: list[Outcome], ctx: Context) -> None:
        own = example[0] == OWN
        if own:
            inputs = example[1]
            values = _own_values(outcomes[0], len(inputs))
            if values is None:
                _own_unusable(ctx, say=False)  # said once, under activate.value
                return
            with_own = " (" + _with_own(*values) + ")"
        else:
            weights, bias, inputs, _as_array = example
            with_own = ""
            if outcomes[0].raised is not None:
                raise raised_fail("n = Neuron(...)", outcomes[0])
        kinds = ((outcomes[1], _("a list"), list(inputs)), (outcomes[2] if len(outcomes) > 2 else None, _("an array"), np.array(inputs)))
        for outcome, kind, given in kinds:
            if outcome is None:
                continue
            what = _own_call(given) if own else _activate_call(weights, bias, given)
            if outcome.raised is not None:
                raise Fail(
                    _("activate fails when the inputs are {kind}: {call} raised {type}: {message}").format(
                        kind=kind, call=what, type=outcome.raised.type, message=outcome.raised.message
                    ) + with_own,
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
    "sigmoid.pure": pure_function("sigmoid", float_arrays, np.array([-1.0, 0.0, 2.0])),
    "relu.scalar": ReluScalar(),
    "relu.array": ReluArray(),
    "relu.pure": pure_function("relu", relu_arrays, np.array([-1.0, 0.0, 2.0])),
    "init.weights": InitWeights(),
    "init.bias": InitBias(),
    "init.random": InitRandom(),
    "init.uniform": InitUniform(),
    "activate.value": ActivateValue(),
    "activate.float": ActivateFloat(),
    "activate.current": ActivateCurrent(),
    "activate.inputs": ActivateInputs(),
}
