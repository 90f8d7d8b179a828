"""The property building blocks of grader.api on their own: uniformity, element-wise matching, unchanged
arguments and the current state, without a lesson."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from grader.api import (
    ATOL,
    CURRENT_USES,
    RTOL,
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
    dkw_epsilon,
    first_mismatch,
    interval_text,
    ks_distance,
    pure_function,
    reach_delta,
    st,
)


# -- element-wise matching ------------------------------------------------------------------------------------------
def test_close_uses_the_stated_tolerance() -> None:
    assert (RTOL, ATOL) == (1e-9, 1e-12)
    assert close(1.0, 1.0 + 0.5e-9)
    assert not close(1.0, 1.0 + 2e-9)
    assert close(0.0, 0.5e-12) and not close(0.0, 2e-12)
    assert close(np.array([1.0, np.nan, np.inf]), np.array([1.0, np.nan, np.inf]))
    assert not close(np.array([1.0, 2.0]), np.array([[1.0, 2.0]])), "a shape that differs never matches"
    assert not close(np.array([np.nan]), np.array([1.0]))
    assert close(1.0, 1.1, rtol=0.2)


def test_first_mismatch_names_the_element() -> None:
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    b = a.copy()
    assert first_mismatch(a, b) is None
    b[1, 0] = 3.5
    assert first_mismatch(a, b) == (1, 0)
    with pytest.raises(ValueError):
        first_mismatch(a, a.reshape(-1))


# -- uniformity ---------------------------------------------------------------------------------------------------
def test_the_bounds_are_the_stated_probabilities() -> None:
    n, alpha = 4800, 1e-10
    eps = dkw_epsilon(n, alpha)
    assert math.isclose(2 * math.exp(-2 * n * eps**2), alpha)
    delta = reach_delta(n, alpha)
    assert math.isclose((1 - delta / 2) ** n, alpha)
    assert math.isclose(reach_delta(n, alpha, 0.0, 4.0), 2 * delta)


def test_ks_distance() -> None:
    assert ks_distance(np.array([0.0])) == pytest.approx(0.5)
    grid = (np.arange(1000) + 0.5) / 1000 * 2 - 1
    assert ks_distance(grid) == pytest.approx(0.0005)
    assert ks_distance(np.array([2.0]), low=0.0, high=4.0) == pytest.approx(0.5)


def test_uniform_draws_pass_on_many_seeds() -> None:
    for seed in range(30):
        rng = np.random.default_rng(seed)
        check_uniform(rng.uniform(-1, 1, 600), what="weights", call="f()", alpha=1e-10)
        check_uniform(rng.uniform(2, 5, 600), what="weights", call="f()", alpha=1e-10, low=2.0, high=5.0)


@pytest.mark.parametrize(
    ("values", "words"),
    [
        (np.random.default_rng(1).uniform(0, 1, 4800), "not uniform over [-1, 1)"),
        (np.random.default_rng(2).normal(0, 0.5, 4800), "not uniform"),
        (np.random.default_rng(3).uniform(-0.99, 0.99, 4800), "do not reach the ends of [-1, 1)"),
        (np.random.default_rng(4).integers(-1, 1, 4800).astype(float), "all whole numbers"),
        (np.array([0.1, np.nan, 0.3]), "not finite"),
    ],
)
def test_what_is_not_uniform_fails_saying_why(values: np.ndarray[Any, Any], words: str) -> None:
    with pytest.raises(Fail) as caught:
        check_uniform(values, what="weights", call="Layer(8, 8), 75 times", alpha=1e-10)
    assert words in caught.value.message
    assert caught.value.call == "Layer(8, 8), 75 times"
    assert caught.value.expected == "values spread evenly over [-1, 1)"


def test_an_other_interval_is_named() -> None:
    assert interval_text(-1, 1) == "[-1, 1)" and interval_text(0.0, 0.5) == "[0, 0.5)"
    with pytest.raises(Fail) as caught:
        check_uniform(np.random.default_rng(5).uniform(-1, 1, 2000), what="draws", call="f()", alpha=1e-10, low=0.0, high=1.0)
    assert "[0, 1)" in caught.value.message
    check_uniform(np.array([]), what="draws", call="f()", alpha=1e-10)  # nothing drawn: nothing to blame


# -- leaves its arguments unchanged --------------------------------------------------------------------------------
def _outcome(value: Value | None = None, after: list[Value] | None = None, raised: Raised | None = None) -> Outcome:
    return Outcome(value=value, raised=raised, args_after=None if after is None else tuple(after))


def _array(a: np.ndarray[Any, Any]) -> Value:
    return Value("array", array=a, shape=a.shape, dtype=str(a.dtype))


def test_check_unchanged() -> None:
    x = np.array([1.0, -2.0])
    check_unchanged("f(x)", "f", [x], _outcome(after=[_array(x.copy())]), ["x"])
    check_unchanged("f(x)", "f", [x], _outcome(after=None), ["x"])  # nothing reported: nothing to blame
    with pytest.raises(Fail) as caught:
        check_unchanged("layer.forward(x)", "forward", [x], _outcome(after=[_array(np.array([1.0, 0.0]))]), ["inputs"])
    assert caught.value.message.startswith("layer.forward(x) changed inputs: afterwards inputs is")
    assert "forward must leave its argument as it was" in caught.value.message
    with pytest.raises(Fail):  # reshaped in place counts as changed
        check_unchanged("f(x)", "f", [x], _outcome(after=[_array(x.reshape(2, 1))]), ["x"])
    items = [Value("float", number=1.0), Value("float", number=5.0)]
    with pytest.raises(Fail):
        check_unchanged("f(x)", "f", [[1.0, 2.0]], _outcome(after=[Value("list", items=tuple(items), length=2)]), ["x"])


NO_CONTEXT: Any = None  # the pure property reads nothing of its context


def test_pure_function_is_an_example_property() -> None:
    prop = pure_function("relu", st.just(np.array([1.0])), np.array([-1.0, 2.0]))
    assert isinstance(prop, ExampleProperty)
    assert prop.explicit()[0].tolist() == [-1.0, 2.0]
    op = prop.program(np.array([-1.0, 2.0]))[0]
    assert op["op"] == "call" and op["fn"] == "relu" and op["watch_args"] is True
    example = np.array([-1.0, 2.0])
    prop.check(example, [_outcome(_array(example), [_array(example.copy())])], NO_CONTEXT)
    with pytest.raises(Fail):
        prop.check(example, [_outcome(_array(example), [_array(np.array([0.0, 2.0]))])], NO_CONTEXT)
    with pytest.raises(NotImplementedYet):
        prop.check(example, [_outcome(Value("ellipsis"), [_array(example)])], NO_CONTEXT)


# -- the current state on every call ----------------------------------------------------------------------------------
def _program() -> list[dict[str, Any]]:
    return current_state_program(
        lambda slot, state: {"op": "make", "slot": slot, "state": state},
        lambda slot, state: {"op": "change", "slot": slot, "state": state},
        lambda slot, x: {"op": "use", "slot": slot, "x": x},
        "old", "new", ["x0", "x1", "x2"],
    )


def test_current_state_program_layout() -> None:
    ops = _program()
    assert [(o["op"], o["slot"]) for o in ops] == [
        ("make", "a"), ("use", "a"), ("change", "a"), ("use", "a"), ("use", "a"),
        ("make", "b"), ("use", "b"), ("make", "c"), ("use", "c"),
    ]
    assert [i for i, o in enumerate(ops) if o["op"] == "use"] == list(CURRENT_USES)
    assert ops[3]["x"] == ops[6]["x"] == "x1" and ops[4]["x"] == ops[8]["x"] == "x2"
    assert ops[5]["state"] == ops[7]["state"] == ops[2]["state"] == "new"


def _run(results: list[float]) -> list[Outcome]:
    """Outcomes of a current_state_program whose uses returned ``results`` (in the order of CURRENT_USES)."""
    outcomes = [_outcome(Value("none")) for _ in range(9)]
    for index, number in zip(CURRENT_USES, results, strict=True):
        outcomes[index] = _outcome(Value("float", number=number))
    return outcomes


def _same(a: Outcome, b: Outcome) -> bool:
    return a.value == b.value


def _raised(what: str, outcome: Outcome) -> Exception:
    return Fail(f"{what} raised")


def test_check_current_state() -> None:
    kwargs: dict[str, Any] = dict(call="the calls", change="the weights were changed", fresh="a new layer with those weights",
                                  same=_same, raised=_raised)
    check_current_state(_run([0.1, 0.5, 0.7, 0.5, 0.7]), **kwargs)
    with pytest.raises(Fail) as caught:
        check_current_state(_run([0.1, 0.1, 0.7, 0.5, 0.7]), **kwargs)
    assert caught.value.message == (
        "After the weights were changed, call 2 gave 0.1, but a new layer with those weights gives 0.5. "
        "That is the result of the first call: is an old result kept?"
    )
    with pytest.raises(Fail) as caught:
        check_current_state(_run([0.1, 0.5, 0.9, 0.5, 0.7]), **kwargs)
    assert "call 3 gave 0.9" in caught.value.message and "first call" not in caught.value.message
    outcomes = _run([0.1, 0.5, 0.7, 0.5, 0.7])
    outcomes[4] = _outcome(raised=Raised("ValueError", "no"))
    with pytest.raises(Fail, match="the calls raised"):
        check_current_state(outcomes, **kwargs)
    outcomes[4] = _outcome(Value("ellipsis"))
    with pytest.raises(NotImplementedYet):
        check_current_state(outcomes, **kwargs)
