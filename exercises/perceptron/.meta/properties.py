"""Properties of the multilayer-perceptron lesson. Each object here grades one property id of ``lesson.toml``.

Every expected value is computed here, in the grader's process; nothing is compared with the reference. Layer.forward
is graded on weights, biases and an activation the grader sets itself (``Affine(a, c)`` of child.py, a * z + c with
a and c drawn per example, so that it cannot be special-cased and applying it twice or not at all shows), and
Perceptron.forward on fake layers (``FakeLayer`` of child.py) that record what they got: so a bug of one part costs
nothing in another. Results must match within |actual - expected| <= FORWARD_ATOL + RTOL * |expected|.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.api import (
    RTOL,
    Context,
    Died,
    ExampleProperty,
    Fail,
    NotImplementedYet,
    Outcome,
    Raised,
    Value,
    check_current_state,
    check_unchanged,
    check_uniform,
    close,
    current_state_program,
    fmt,
    hnp,
    lesson_ref,
    method,
    new,
    numbers_in,
    obj,
    set_attrs,
    slot_ref,
    st,
    unreadable_text,
)
from grader.i18n import _

FORWARD_ATOL = 1e-9  # absolute tolerance of Layer.forward's results (a loop sums in another order than np.dot)
Op = dict[str, Any]


# -- shared helpers -----------------------------------------------------------------------------------------
def _array_text(a: np.ndarray[Any, Any]) -> str:
    return fmt.value(Value("array", array=a, shape=a.shape))


def _raised_fail(what: str, outcome: Outcome, expected: str | None = None) -> Fail:
    assert outcome.raised is not None
    return Fail(
        _("{call} raised {type}: {message}").format(call=what, type=outcome.raised.type, message=outcome.raised.message),
        call=what, returned=fmt.value(outcome.raised), expected=expected,
    )


def _placeholder(value: Value | Raised | None) -> bool:
    return isinstance(value, Value) and value.kind == "ellipsis"


def _returned(what: str, outcome: Outcome, expected: str | None = None) -> Value:
    """The value a call returned; raises the failure for an exception, NotImplementedYet for a placeholder."""
    if outcome.raised is not None:
        raise _raised_fail(what, outcome, expected)
    if outcome.value is None or _placeholder(outcome.value):
        raise NotImplementedYet
    if outcome.value.kind == "none":
        raise Fail(_("{call} returned None. Did you forget return?").format(call=what), call=what, returned="None", expected=expected)
    return outcome.value


def _numbers(what: str, value: Value, expected: str | None) -> np.ndarray[Any, Any]:
    numbers = numbers_in(value)
    if numbers is None:
        raise Fail(
            _("{call} returned {kind}: the grader cannot read it as numbers.").format(call=what, kind=unreadable_text(value)),
            call=what, returned=fmt.value(value), expected=expected,
        )
    return numbers


def _affine(a: float, c: float, z: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    return a * z + c


# -- Layer.__init__ -----------------------------------------------------------------------------------------
def _layer_call(n_in: int, n_out: int) -> str:
    return f"Layer({n_in}, {n_out}, f)"


def _attribute(what: str, attrs: dict[str, Any], name: str, expected: str) -> np.ndarray[Any, Any]:
    raw = attrs.get(name)
    if _placeholder(raw):
        raise NotImplementedYet
    numbers = numbers_in(raw) if isinstance(raw, Value) and raw.kind != "missing" else None
    if numbers is None:
        shown = raw if isinstance(raw, (Value, Raised)) else None
        raise Fail(
            _("self.{name} is {kind}: the grader cannot read it as numbers, so it cannot check it.").format(
                name=name, kind=unreadable_text(shown)
            ),
            call=f"{what}.{name}", returned=fmt.value(shown) if shown is not None else None, expected=expected,
            diagnosis="init.unreadable", values={"name": name, "kind": unreadable_text(shown)},
        )
    return numbers


def _built(what: str, outcome: Outcome) -> dict[str, Any]:
    if outcome.raised is not None:
        raise _raised_fail(what, outcome)
    return outcome.attrs


sizes = st.tuples(st.integers(1, 8), st.integers(1, 8))


class InitZeros(ExampleProperty):
    max_examples = 12

    def examples(self) -> st.SearchStrategy[tuple[int, int]]:
        return sizes

    def explicit(self) -> list[tuple[int, int]]:
        return [(3, 2), (1, 1), (2, 5)]

    def describe(self, example: tuple[int, int]) -> str:
        return _layer_call(*example)

    def program(self, example: tuple[int, int]) -> list[Op]:
        n_in, n_out = example
        return [new("Layer", n_in, n_out, lesson_ref("Affine", 1.0, 0.0), attrs=("inputs", "outputs"))]

    def check(self, example: tuple[int, int], outcomes: list[Outcome], ctx: Context) -> None:
        n_in, n_out = example
        what = self.describe(example)
        attrs = _built(what, outcomes[0])
        for name, n in (("inputs", n_in), ("outputs", n_out)):
            expected = _("zeros of shape ({n}, 1)").format(n=n)
            values = _attribute(what, attrs, name, expected)
            if values.shape != (n, 1) or np.any(values != 0):
                raise Fail(
                    _("{call}.{name} is {value}; expected {expected}, a column.").format(
                        call=what, name=name, value=fmt.value(attrs[name]), expected=expected
                    ),
                    call=f"{what}.{name}", returned=fmt.value(attrs[name]), expected=expected,
                )


class InitShapes(ExampleProperty):
    max_examples = 15

    def examples(self) -> st.SearchStrategy[tuple[int, int]]:
        return sizes

    def explicit(self) -> list[tuple[int, int]]:
        return [(3, 2), (2, 3), (4, 4), (1, 1)]

    def describe(self, example: tuple[int, int]) -> str:
        return _layer_call(*example)

    def program(self, example: tuple[int, int]) -> list[Op]:
        n_in, n_out = example
        return [new("Layer", n_in, n_out, lesson_ref("Affine", 1.0, 0.0), attrs=("weights", "biases"))]

    def check(self, example: tuple[int, int], outcomes: list[Outcome], ctx: Context) -> None:
        n_in, n_out = example
        what = self.describe(example)
        attrs = _built(what, outcomes[0])
        weights = _attribute(what, attrs, "weights", f"({n_out}, {n_in})")
        if weights.shape != (n_out, n_in):
            diagnosis = "init.weights-transposed" if weights.shape == (n_in, n_out) and n_in != n_out else None
            raise Fail(
                _("{call}.weights has shape {shape}; expected ({n_out}, {n_in}): one row of {n_in} weights per neuron.").format(
                    call=what, shape=weights.shape, n_out=n_out, n_in=n_in
                ),
                call=f"{what}.weights", returned=fmt.value(attrs["weights"]), expected=f"({n_out}, {n_in})",
                diagnosis=diagnosis, values={"shape": weights.shape, "expected": (n_out, n_in)},
            )
        biases = _attribute(what, attrs, "biases", f"({n_out}, 1)")
        if biases.shape != (n_out, 1):
            diagnosis = "init.biases-flat" if biases.shape == (n_out,) and n_out > 1 else None
            raise Fail(
                _("{call}.biases has shape {shape}; expected a column of shape ({n_out}, 1).").format(call=what, shape=biases.shape, n_out=n_out),
                call=f"{what}.biases", returned=fmt.value(attrs["biases"]), expected=f"({n_out}, 1)",
                diagnosis=diagnosis, values={"n": n_out},
            )


class InitRange(ExampleProperty):
    max_examples = 12

    def examples(self) -> st.SearchStrategy[tuple[int, int]]:
        return sizes

    def explicit(self) -> list[tuple[int, int]]:
        return [(3, 2), (8, 8)]

    def describe(self, example: tuple[int, int]) -> str:
        return _layer_call(*example)

    def program(self, example: tuple[int, int]) -> list[Op]:
        n_in, n_out = example
        return [new("Layer", n_in, n_out, lesson_ref("Affine", 1.0, 0.0), attrs=("weights", "biases"))]

    def check(self, example: tuple[int, int], outcomes: list[Outcome], ctx: Context) -> None:
        what = self.describe(example)
        attrs = _built(what, outcomes[0])
        expected = _("numbers in [-1, 1)")
        for name in ("weights", "biases"):
            values = _attribute(what, attrs, name, expected).reshape(-1)
            outside = values[~np.isfinite(values) | (values < -1) | (values >= 1)]
            if outside.size:
                raise Fail(
                    _("{call}.{name} holds {value}, outside [-1, 1).").format(call=what, name=name, value=fmt.num(outside[0])),
                    call=f"{what}.{name}", returned=fmt.value(attrs[name]), expected=expected,
                )


SAMPLE_MEMO = "Layer(8, 8) sample"


SAMPLE_LAYERS = 75  # lesson.toml's [statistics] layers: 4,800 weights and 600 biases


def _sample(ctx: Context) -> tuple[list[np.ndarray[Any, Any]], list[np.ndarray[Any, Any]]]:
    """The weights and biases of SAMPLE_LAYERS layers Layer(8, 8), each readable as numbers, else the failure; drawn once
    per submission and shared by init.random and init.uniform."""
    if SAMPLE_MEMO not in ctx.memo:
        programs = [[new("Layer", 8, 8, lesson_ref("Affine", 1.0, 0.0), attrs=("weights", "biases"))] for _n in range(SAMPLE_LAYERS)]
        ctx.memo[SAMPLE_MEMO] = [o[0] for o in ctx.run(programs)]
    outcomes: list[Outcome] = ctx.memo[SAMPLE_MEMO]
    weights, biases = [], []
    for outcome in outcomes:
        attrs = _built("Layer(8, 8, f)", outcome)
        weights.append(_attribute("Layer(8, 8, f)", attrs, "weights", _("numbers in [-1, 1)")))
        biases.append(_attribute("Layer(8, 8, f)", attrs, "biases", _("numbers in [-1, 1)")))
    return weights, biases


class InitRandom:
    def run(self, ctx: Context) -> None:
        weights, biases = _sample(ctx)
        call = _("Layer(8, 8, f), {count} times").format(count=len(weights))
        if len({w.tobytes() for w in weights}) == 1:
            raise Fail(
                _("Every Layer(8, 8, f) gets the same weights. Is the random generator seeded inside __init__, or are the weights fixed?"),
                call=call, returned=_("identical weights every time"), expected=_("different random weights"),
            )
        if len({b.tobytes() for b in biases}) == 1:
            raise Fail(
                _("Every Layer(8, 8, f) gets the same biases; the biases must be random too."),
                call=call, returned=_("identical biases every time"), expected=_("different random biases"),
            )
        for name, values in ((_("weights"), weights[0]), (_("biases"), biases[0])):
            flat = values.reshape(values.shape[0], -1) if values.ndim else values.reshape(1, 1)
            if flat.shape[0] > 1 and np.all(flat == flat[0]):
                raise Fail(
                    _("All neurons of one layer get the same {what}: {value}. Each neuron needs values of its own.").format(
                        what=name, value=_array_text(values)
                    ),
                    call="Layer(8, 8, f)", returned=_array_text(values), expected=_("different random numbers for every neuron"),
                )


class InitUniform:
    """Uniform over [-1, 1) (grader.api.check_uniform) on the weights and on the biases: six tests of alpha each."""

    def __init__(self, alpha: float = 1e-10) -> None:
        self.alpha = alpha

    def run(self, ctx: Context) -> None:
        weights, biases = _sample(ctx)
        call = _("Layer(8, 8, f), {count} times").format(count=fmt.count(len(weights)))
        check_uniform(np.concatenate([w.reshape(-1) for w in weights]), what=_("weights"), call=call, alpha=self.alpha)
        check_uniform(np.concatenate([b.reshape(-1) for b in biases]), what=_("biases"), call=call, alpha=self.alpha)


class InitActivation(ExampleProperty):
    max_examples = 8

    def examples(self) -> st.SearchStrategy[tuple[float, float]]:
        return st.tuples(st.floats(1.5, 3), st.floats(-1, 1))

    def explicit(self) -> list[tuple[float, float]]:
        return [(2.0, 0.5)]

    def describe(self, example: tuple[float, float]) -> str:
        return _("layer = Layer(2, 3, f); layer.activation(z), with f(z) = {a} * z + {c}").format(a=fmt.num(example[0]), c=fmt.num(example[1]))

    def program(self, example: tuple[float, float]) -> list[Op]:
        a, c = example
        return [new("Layer", 2, 3, lesson_ref("Affine", a, c), slot="l", attrs=("activation",)),
                method("l", "activation", np.array([[1.0], [-2.0], [0.5]]))]

    def check(self, example: tuple[float, float], outcomes: list[Outcome], ctx: Context) -> None:
        a, c = example
        what = self.describe(example)
        attrs = _built("Layer(2, 3, f)", outcomes[0])
        if _placeholder(attrs.get("activation")):
            raise NotImplementedYet
        z = np.array([[1.0], [-2.0], [0.5]])
        expected = _affine(a, c, z)
        if len(outcomes) < 2 or outcomes[1].raised is not None:
            kind = unreadable_text(attrs.get("activation"))
            raise Fail(
                _("self.activation is {kind}, not the function the layer was given.").format(kind=kind),
                call=what, returned=kind, expected=_("the function f itself"), diagnosis="init.activation-lost", values={"kind": kind},
            )
        got = numbers_in(outcomes[1].value)
        if got is None or not close(got, expected):
            raise Fail(
                _("self.activation is not the function the layer was given: layer.activation(z) gave {returned}, f(z) is {expected}.").format(
                    returned=fmt.value(outcomes[1].value), expected=_array_text(expected)
                ),
                call=what, returned=fmt.value(outcomes[1].value), expected=_array_text(expected),
            )


# -- Layer.forward ------------------------------------------------------------------------------------------
INIT_MEMO = "Layer init works"


def _init_works(ctx: Context) -> bool:
    """Whether Layer(...) can be built; if not (it hangs or ends the child), forward is graded on bare objects."""
    if INIT_MEMO not in ctx.memo:
        try:
            ctx.run([[new("Layer", 2, 3, lesson_ref("Affine", 1.0, 0.0))]])
            ctx.memo[INIT_MEMO] = True
        except Died:
            ctx.memo[INIT_MEMO] = False
    return bool(ctx.memo[INIT_MEMO])


def _layer(slot: str, weights: np.ndarray[Any, Any], biases: np.ndarray[Any, Any], a: float, c: float, use_init: bool) -> Op:
    n_out, n_in = weights.shape
    init = (n_in, n_out, lesson_ref("Affine", a, c)) if use_init else None
    return obj("Layer", slot, init_args=init, weights=weights, biases=biases, activation=lesson_ref("Affine", a, c))


slopes = st.one_of(st.floats(-3, -0.5), st.floats(1.5, 3))  # never 1: applying f twice or not at all must show


def _forward_example(max_side: int = 6) -> st.SearchStrategy[Any]:
    return st.tuples(st.integers(1, max_side), st.integers(1, max_side)).flatmap(
        lambda n: st.tuples(
            hnp.arrays(np.float64, (n[1], n[0]), elements=st.floats(-1, 1)),
            hnp.arrays(np.float64, (n[1], 1), elements=st.floats(-1, 1)),
            slopes,
            st.floats(-1, 1),
            hnp.arrays(np.float64, (n[0],), elements=st.floats(-5, 5)),
        )
    )


FORWARD_EXPLICIT = [
    (np.array([[0.5, -0.25, 1.0], [0.75, 0.5, -0.5]]), np.array([[0.1], [-0.2]]), 2.0, 0.5, np.array([1.0, 2.0, -1.0])),
    (np.array([[0.5, -0.5], [0.25, 1.0]]), np.array([[0.25], [-0.75]]), -1.5, 0.25, np.array([2.0, -3.0])),
    (np.array([[0.3], [0.6], [-0.9]]), np.array([[0.0], [0.5], [-0.5]]), 2.5, -1.0, np.array([2.0])),
]


def _z(example: Any) -> np.ndarray[Any, Any]:
    weights, biases, _a, _c, x = example
    return np.asarray(weights @ x.reshape(-1, 1) + biases)


def _forward_call(example: Any, inputs: Any = None) -> str:
    weights, biases, a, c, x = example
    return _("layer.weights = {w}; layer.biases = {b}; layer.activation = f, f(z) = {a} * z + {c}; layer.forward({x})").format(
        w=fmt.arg(weights), b=fmt.arg(biases), a=fmt.num(a), c=fmt.num(c), x=fmt.arg(x if inputs is None else inputs)
    )


class _Forward(ExampleProperty):
    max_examples = 40

    def prepare(self, ctx: Context) -> None:
        self.use_init = _init_works(ctx)

    def examples(self) -> st.SearchStrategy[Any]:
        return _forward_example()

    def explicit(self) -> list[Any]:
        return list(FORWARD_EXPLICIT)

    def describe(self, example: Any) -> str:
        return _forward_call(example)

    def setup(self, example: Any, slot: str = "l") -> Op:
        weights, biases, a, c, _x = example
        return _layer(slot, weights, biases, a, c, bool(getattr(self, "use_init", True)))


class ForwardValue(_Forward):
    def program(self, example: Any) -> list[Op]:
        return [self.setup(example), method("l", "forward", example[4])]

    def check(self, example: Any, outcomes: list[Outcome], ctx: Context) -> None:
        weights, biases, a, c, x = example
        what = self.describe(example)
        z = _z(example)
        expected = _affine(a, c, z)
        wanted = _array_text(expected)
        got = _numbers(what, _returned(what, outcomes[1], wanted), wanted)
        if got.size == expected.size and close(got.reshape(expected.shape), expected, RTOL, FORWARD_ATOL):
            return  # the shape is forward.shape's to judge
        diagnosis, values = None, {}
        if got.size == expected.size:
            flat = got.reshape(expected.shape)
            causes = (
                ("forward.no-activation", z),
                ("forward.activation-twice", _affine(a, c, _affine(a, c, z))),
                ("forward.bias-forgotten", _affine(a, c, weights @ x.reshape(-1, 1))),
                ("forward.bias-after-activation", _affine(a, c, weights @ x.reshape(-1, 1)) + biases),
            )
            for cause, value in causes:
                if close(flat, value, RTOL, FORWARD_ATOL):
                    diagnosis, values = cause, {"returned": fmt.value(outcomes[1].value), "expected": wanted}
                    break
        raise Fail(
            _("{call} returned {returned}, but f(weights · inputs + biases) is {expected}.").format(
                call=what, returned=fmt.value(outcomes[1].value), expected=wanted
            ),
            call=what, returned=fmt.value(outcomes[1].value), expected=wanted, diagnosis=diagnosis, values=values,
        )


class ForwardShape(_Forward):
    max_examples = 25

    def program(self, example: Any) -> list[Op]:
        return [self.setup(example), method("l", "forward", example[4]), method("l", "forward", list(example[4]))]

    def check(self, example: Any, outcomes: list[Outcome], ctx: Context) -> None:
        n_out = example[0].shape[0]
        for outcome, inputs in ((outcomes[1], example[4]), (outcomes[2], list(example[4]))):
            what = _forward_call(example, inputs)
            expected = _("a column of shape ({n}, 1)").format(n=n_out)
            value = _returned(what, outcome, expected)
            got = _numbers(what, value, expected)
            if got.shape == (n_out, 1):
                continue
            diagnosis = "forward.broadcast" if got.ndim == 2 and got.shape[0] == n_out and got.shape[1] > 1 else None
            raise Fail(
                _("{call} returned an array of shape {shape}; expected {expected}.").format(call=what, shape=got.shape, expected=expected),
                call=what, returned=fmt.value(value), expected=expected, diagnosis=diagnosis, values={"shape": got.shape, "n": n_out},
            )


class ForwardStores(_Forward):
    max_examples = 25

    def program(self, example: Any) -> list[Op]:
        return [self.setup(example), method("l", "forward", example[4], attrs=("inputs", "outputs"))]

    def check(self, example: Any, outcomes: list[Outcome], ctx: Context) -> None:
        weights, biases, a, c, x = example
        what = self.describe(example)
        result = outcomes[1]
        if result.raised is not None:
            raise _raised_fail(what, result)
        if _placeholder(result.value) or _placeholder(result.attrs.get("inputs")) or _placeholder(result.attrs.get("outputs")):
            raise NotImplementedYet
        column = x.reshape(-1, 1)
        z = _z(example)
        for name, wanted in (("inputs", column), ("outputs", z)):
            raw = result.attrs.get(name)
            got = numbers_in(raw)
            if got is not None and got.shape == wanted.shape and close(got, wanted, RTOL, FORWARD_ATOL):
                continue
            diagnosis = None
            if name == "outputs" and got is not None and got.size == z.size and close(got.reshape(z.shape), _affine(a, c, z), RTOL, FORWARD_ATOL):
                diagnosis = "forward.outputs-activated"
            if name == "inputs" and got is not None and got.size == column.size and close(got.reshape(-1), x, RTOL, FORWARD_ATOL):
                diagnosis = "forward.inputs-not-column"
            shown = fmt.value(raw) if isinstance(raw, (Value, Raised)) else _("not set")
            what_attr = _("after {call}, self.{name}").format(call=what, name=name)
            raise Fail(
                _("After the call, self.{name} is {returned}; expected {expected}.").format(name=name, returned=shown, expected=_array_text(wanted)),
                call=what_attr, returned=shown, expected=_array_text(wanted), diagnosis=diagnosis,
                values={"returned": shown, "expected": _array_text(wanted)},
            )


class ForwardInputs(_Forward):
    max_examples = 20

    def program(self, example: Any) -> list[Op]:
        x = example[4]
        return [self.setup(example), method("l", "forward", list(x)), method("l", "forward", x), method("l", "forward", x.reshape(-1, 1))]

    def check(self, example: Any, outcomes: list[Outcome], ctx: Context) -> None:
        x = example[4]
        results = []
        for outcome, given, kind in ((outcomes[1], list(x), _("a list")), (outcomes[2], x, _("a flat array")),
                                     (outcomes[3], x.reshape(-1, 1), _("a column"))):
            what = _forward_call(example, given)
            if outcome.raised is not None:
                raise Fail(
                    _("forward fails when the inputs are {kind}: {call} raised {type}: {message}").format(
                        kind=kind, call=what, type=outcome.raised.type, message=outcome.raised.message
                    ),
                    call=what, returned=fmt.value(outcome.raised), expected=_("the same result for a list, a flat array and a column"),
                )
            results.append((kind, _returned(what, outcome)))
        first_kind, first = results[0]
        a = numbers_in(first)
        for kind, value in results[1:]:
            b = numbers_in(value)
            if a is not None and b is not None and a.shape == b.shape and close(a, b, RTOL, FORWARD_ATOL):
                continue
            if a is None and b is None and first == value:
                continue
            raise Fail(
                _("forward gives {first} for the inputs as {first_kind} but {other} for the same inputs as {kind}.").format(
                    first=fmt.value(first), first_kind=first_kind, other=fmt.value(value), kind=kind
                ),
                call=self.describe(example), returned=fmt.value(value), expected=fmt.value(first),
            )


class ForwardPure(_Forward):
    max_examples = 20

    def program(self, example: Any) -> list[Op]:
        x = example[4]
        return [self.setup(example), method("l", "forward", x, watch_args=True), self.setup(example, "m"),
                method("m", "forward", x.reshape(-1, 1), watch_args=True)]

    def check(self, example: Any, outcomes: list[Outcome], ctx: Context) -> None:
        x = example[4]
        for outcome, given in ((outcomes[1], x), (outcomes[3], x.reshape(-1, 1))):
            what = _forward_call(example, given)
            if outcome.raised is not None:
                raise _raised_fail(what, outcome)
            if _placeholder(outcome.value):
                raise NotImplementedYet
            check_unchanged(what, "forward", [given], outcome, ["inputs"])


class ForwardCurrent(_Forward):
    max_examples = 20

    def examples(self) -> st.SearchStrategy[Any]:
        return st.tuples(st.integers(1, 5), st.integers(1, 5)).flatmap(
            lambda n: st.tuples(
                *[hnp.arrays(np.float64, shape, elements=st.floats(-1, 1)) for shape in ((n[1], n[0]), (n[1], 1), (n[1], n[0]), (n[1], 1))],
                slopes, st.floats(-1, 1), slopes, st.floats(-1, 1),
                st.lists(hnp.arrays(np.float64, (n[0],), elements=st.floats(-5, 5)), min_size=3, max_size=3),
            )
        )

    def explicit(self) -> list[Any]:
        w1, b1 = np.array([[0.5, -0.5], [0.25, 1.0]]), np.array([[0.25], [-0.75]])
        w2, b2 = np.array([[-0.5, 0.75], [1.0, -0.25]]), np.array([[-0.5], [0.5]])
        return [(w1, b1, w2, b2, 2.0, 0.5, -1.5, -0.25, [np.array([1.0, 2.0]), np.array([2.0, 1.0]), np.array([-1.0, 0.5])])]

    def describe(self, example: Any) -> str:
        w1, b1, w2, b2, a1, c1, a2, c2, xs = example
        return _("layer.weights = {w1}; layer.biases = {b1}; layer.activation = f; layer.forward({x1}); layer.weights = {w2}; "
                 "layer.biases = {b2}; layer.activation = g; layer.forward({x2}); layer.forward({x3}), with f(z) = {a1} * z + {c1} "
                 "and g(z) = {a2} * z + {c2}").format(
            w1=fmt.arg(w1), b1=fmt.arg(b1), x1=fmt.arg(xs[0]), w2=fmt.arg(w2), b2=fmt.arg(b2), x2=fmt.arg(xs[1]), x3=fmt.arg(xs[2]),
            a1=fmt.num(a1), c1=fmt.num(c1), a2=fmt.num(a2), c2=fmt.num(c2),
        )

    def program(self, example: Any) -> list[Op]:
        w1, b1, w2, b2, a1, c1, a2, c2, xs = example
        use_init = bool(getattr(self, "use_init", True))
        return current_state_program(
            lambda slot, state: _layer(slot, state[0], state[1], state[2], state[3], use_init),
            lambda slot, state: set_attrs(slot, weights=state[0], biases=state[1], activation=lesson_ref("Affine", state[2], state[3])),
            lambda slot, x: method(slot, "forward", x),
            (w1, b1, a1, c1), (w2, b2, a2, c2), xs,
        )

    def check(self, example: Any, outcomes: list[Outcome], ctx: Context) -> None:
        check_current_state(
            outcomes, call=self.describe(example),
            change=_("the weights, biases and activation were changed"), fresh=_("a new layer with those weights, biases and activation"),
            same=_same_result, raised=lambda what, outcome: _raised_fail(what, outcome),
        )


def _same_result(stale: Outcome, fresh: Outcome) -> bool:
    a, b = numbers_in(stale.value), numbers_in(fresh.value)
    if a is None or b is None:
        return stale.value == fresh.value
    return a.shape == b.shape and close(a, b, RTOL, FORWARD_ATOL)


# -- Perceptron.forward -------------------------------------------------------------------------------------
def _network_example() -> st.SearchStrategy[Any]:
    """Fake layers M_i · x + c_i between sizes d_0, ..., d_k, and inputs of size d_0 given in one of three forms."""
    return st.lists(st.integers(1, 4), min_size=2, max_size=5).flatmap(
        lambda dims: st.tuples(
            st.tuples(*[
                st.tuples(hnp.arrays(np.float64, (dims[i + 1], dims[i]), elements=st.floats(-2, 2)),
                          hnp.arrays(np.float64, (dims[i + 1],), elements=st.floats(-1, 1)))
                for i in range(len(dims) - 1)
            ]),
            hnp.arrays(np.float64, (dims[0],), elements=st.floats(-3, 3)),
            st.integers(0, 2),
        )
    )


NETWORK_EXPLICIT = [
    (((np.array([[1.0, -1.0], [0.5, 2.0], [1.5, 0.0]]), np.array([0.5, -1.0, 0.25])),
      (np.array([[1.0, 0.5, -1.0]]), np.array([2.0]))), np.array([1.0, 2.0]), 1),
    (((np.array([[2.0]]), np.array([1.0])),), np.array([3.0]), 0),
    (((np.array([[1.0, 2.0], [-1.0, 0.5]]), np.array([0.5, -0.5])), (np.array([[0.5, 1.0], [2.0, -1.0]]), np.array([1.0, 0.0])),
      (np.array([[1.0, -2.0], [0.5, 0.5]]), np.array([-1.0, 2.0]))), np.array([1.0, -1.0]), 2),
]


def _given(example: Any) -> Any:
    _layers, x, form = example
    return list(x) if form == 0 else x if form == 1 else x.reshape(-1, 1)


def _network_program(example: Any) -> list[Op]:
    layers, _x, _form = example
    ops = [new("FakeLayer", m, c, slot=f"l{i}", lesson=True) for i, (m, c) in enumerate(layers)]
    ops.append(obj("Perceptron", "p", layers=[slot_ref(f"l{i}") for i in range(len(layers))]))
    ops.append(method("p", "forward", _given(example), watch_args=True))
    ops += [method(f"l{i}", "report") for i in range(len(layers))]
    return ops


def _network_call(example: Any) -> str:
    layers, _x, _form = example
    fakes = "; ".join(
        _("layer {i}: x -> {m} · x + {c}").format(i=i + 1, m=fmt.arg(m), c=fmt.arg(c.reshape(-1, 1))) for i, (m, c) in enumerate(layers)
    )
    return _("Perceptron([layer 1, ..., layer {k}]).forward({x}), with {fakes}").format(k=len(layers), x=fmt.arg(_given(example)), fakes=fakes)


def _expected_inputs(example: Any) -> list[np.ndarray[Any, Any]]:
    """What each fake layer must receive, as columns, and last what the network must return."""
    layers, x, _form = example
    seen = [x.reshape(-1, 1)]
    for m, c in layers:
        seen.append(m @ seen[-1] + c.reshape(-1, 1))
    return seen


class _Network(ExampleProperty):
    max_examples = 30

    def examples(self) -> st.SearchStrategy[Any]:
        return _network_example()

    def explicit(self) -> list[Any]:
        return list(NETWORK_EXPLICIT)

    def describe(self, example: Any) -> str:
        return _network_call(example)

    def program(self, example: Any) -> list[Op]:
        return _network_program(example)

    def result(self, example: Any, outcomes: list[Outcome]) -> Outcome:
        layers = example[0]
        forward = outcomes[len(layers) + 1]
        if forward.raised is not None:
            raise _raised_fail(self.describe(example), forward)
        if _placeholder(forward.value):
            raise NotImplementedYet
        return forward


class NetworkOrder(_Network):
    def check(self, example: Any, outcomes: list[Outcome], ctx: Context) -> None:
        layers = example[0]
        self.result(example, outcomes)
        expected = _expected_inputs(example)
        what = self.describe(example)
        for i in range(len(layers)):
            report = outcomes[len(layers) + 2 + i].value
            items = report.items if report is not None and report.items is not None else ()
            calls = int(items[0].number) if items and items[0].number is not None else -1  # type: ignore[arg-type]
            if calls != 1:
                diagnosis = "network.layer-skipped" if calls == 0 else None
                raise Fail(
                    _("Layer {i} of {k} was called {calls} times; every layer must run exactly once.").format(i=i + 1, k=len(layers), calls=calls),
                    call=what, returned=_("layer {i} called {calls} times").format(i=i + 1, calls=calls), expected=_("once"),
                    diagnosis=diagnosis, values={"i": i + 1, "calls": calls},
                )
            seen = items[1].items if len(items) > 1 and items[1].items else ()
            got = numbers_in(seen[0]) if seen else None
            wanted = expected[i]
            if got is not None and got.size == wanted.size and close(got.reshape(-1), wanted.reshape(-1)):
                continue
            source = _("the network's inputs") if i == 0 else _("the output of layer {j}").format(j=i)
            diagnosis = None
            if i > 0 and got is not None and got.size == expected[0].size and close(got.reshape(-1), expected[0].reshape(-1)):
                diagnosis = "network.same-inputs"
            raise Fail(
                _("Layer {i} got {got}; expected {source}, {expected}.").format(
                    i=i + 1, got=fmt.value(seen[0]) if seen else _("nothing"), source=source, expected=_array_text(wanted)
                ),
                call=what, returned=fmt.value(seen[0]) if seen else _("nothing"), expected=_array_text(wanted), diagnosis=diagnosis,
            )


class NetworkValue(_Network):
    def check(self, example: Any, outcomes: list[Outcome], ctx: Context) -> None:
        forward = self.result(example, outcomes)
        what = self.describe(example)
        wanted = _expected_inputs(example)[-1]
        if forward.value is not None and forward.value.kind == "none":
            raise Fail(_("{call} returned None. Did you forget return?").format(call=what), call=what, returned="None", expected=_array_text(wanted))
        got = numbers_in(forward.value)
        if got is not None and got.shape == wanted.shape and close(got, wanted):
            return
        raise Fail(
            _("{call} returned {returned}; the last layer returned {expected}.").format(
                call=what, returned=fmt.value(forward.value), expected=_array_text(wanted)
            ),
            call=what, returned=fmt.value(forward.value), expected=_array_text(wanted),
        )


class NetworkPure(_Network):
    max_examples = 20

    def check(self, example: Any, outcomes: list[Outcome], ctx: Context) -> None:
        forward = self.result(example, outcomes)
        check_unchanged(self.describe(example), "forward", [_given(example)], forward, ["inputs"])


PROPERTIES: dict[str, Any] = {
    "init.zeros": InitZeros(),
    "init.shapes": InitShapes(),
    "init.range": InitRange(),
    "init.random": InitRandom(),
    "init.uniform": InitUniform(),
    "init.activation": InitActivation(),
    "forward.value": ForwardValue(),
    "forward.shape": ForwardShape(),
    "forward.stores": ForwardStores(),
    "forward.inputs": ForwardInputs(),
    "forward.pure": ForwardPure(),
    "forward.current": ForwardCurrent(),
    "network.order": NetworkOrder(),
    "network.value": NetworkValue(),
    "network.pure": NetworkPure(),
}
