"""Building blocks of properties that several lessons use; re-exported by :mod:`grader.api`.

- **uniformity**: draws that must be uniform over an interval ``[low, high)``, checked with the
  Dvoretzky-Kiefer-Wolfowitz bound of the Kolmogorov-Smirnov distance and by reaching close to both ends;
  :func:`check_uniform` runs three tests (the distance, the low end, the high end), each of which rejects a
  truly uniform sample with probability at most ``alpha``, so at most ``3 * alpha`` in all;
- **matches a function element-wise**: :func:`close` and :func:`first_mismatch`, with the tolerance
  ``|actual - expected| <= ATOL + RTOL * |expected|`` (equal values, infinities and NaN where NaN is expected
  always match);
- **leaves its arguments unchanged**: :func:`check_unchanged` on what a ``watch_args=True`` call reports,
  and :func:`pure_function`, the whole property for a function of one array;
- **uses the current state on every call**: :func:`current_state_program` builds one object, uses it, changes
  its state and uses it again, beside fresh objects built with the new state; :func:`check_current_state`
  compares the two.

Nothing here names a lesson: the lesson passes in the names and the phrases that are its own.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import _format as fmt
from .i18n import _
from .isolation.runner import Outcome
from .isolation.values import Value
from .strategies import Strategy

RTOL = 1e-9  # the default relative tolerance for floating-point results
ATOL = 1e-12  # the default absolute tolerance, for results near 0

Op = dict[str, Any]


# -- matches a function element-wise ---------------------------------------------------------------------------
def _mismatches(actual: Any, expected: Any, rtol: float, atol: float) -> np.ndarray[Any, Any] | None:
    """A boolean array, True where ``actual`` differs from ``expected``; None when the shapes differ."""
    a = np.asarray(actual, dtype=np.float64)
    b = np.asarray(expected, dtype=np.float64)
    if a.shape != b.shape:
        return None
    with np.errstate(invalid="ignore", over="ignore"):
        near = np.abs(a - b) <= atol + rtol * np.abs(b)
        same = (a == b) | (np.isnan(a) & np.isnan(b))
        return np.asarray(~(near | same))


def close(actual: Any, expected: Any, rtol: float = RTOL, atol: float = ATOL) -> bool:
    """Whether ``actual`` has the shape of ``expected`` and matches it element by element, within the tolerance."""
    wrong = _mismatches(actual, expected, rtol, atol)
    return wrong is not None and not bool(np.any(wrong))


def first_mismatch(actual: Any, expected: Any, rtol: float = RTOL, atol: float = ATOL) -> tuple[int, ...] | None:
    """The index of the first element where ``actual`` does not match ``expected`` (the shapes must agree), else None."""
    wrong = _mismatches(actual, expected, rtol, atol)
    if wrong is None:
        raise ValueError("first_mismatch needs arrays of the same shape")
    if not np.any(wrong):
        return None
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(wrong)), wrong.shape))


# -- uniform over an interval ----------------------------------------------------------------------------------
def dkw_epsilon(count: int, alpha: float) -> float:
    """Dvoretzky-Kiefer-Wolfowitz (Massart): P(sup |F_n - F| > eps) <= 2 exp(-2 n eps^2) = alpha."""
    return math.sqrt(math.log(2 / alpha) / (2 * count))


def reach_delta(count: int, alpha: float, low: float = -1.0, high: float = 1.0) -> float:
    """Uniform on [low, high): P(all of count draws stay above low + delta) = (1 - delta / width)^count = alpha,
    and the same for staying below high - delta."""
    return (high - low) * (1 - alpha ** (1 / count))


def ks_distance(values: np.ndarray[Any, Any], low: float = -1.0, high: float = 1.0) -> float:
    """The Kolmogorov-Smirnov distance of the sample from the uniform distribution on [low, high)."""
    x = np.sort(np.asarray(values, dtype=np.float64).reshape(-1))
    n = x.size
    cdf = np.clip((x - low) / (high - low), 0, 1)
    upper = np.arange(1, n + 1) / n - cdf
    lower = cdf - np.arange(0, n) / n
    return float(max(upper.max(), lower.max()))


def _bound(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else fmt.num(x)


def interval_text(low: float, high: float) -> str:
    """The half-open interval as the lessons write it: "[-1, 1)"."""
    return f"[{_bound(low)}, {_bound(high)})"


def uniform_summary(what: str, values: np.ndarray[Any, Any], low: float = -1.0, high: float = 1.0) -> str:
    """A few words on a sample: how many, the share below the middle, the smallest and the largest."""
    middle = (low + high) / 2
    below = float(np.mean(values < middle)) * 100
    if middle == 0:
        return _("over {count} {what}, {negative}% were negative (expected about 50%), the smallest was {low} and the largest {high}").format(
            count=fmt.count(values.size), what=what, negative=f"{below:.0f}", low=fmt.num(values.min()), high=fmt.num(values.max())
        )
    return _("over {count} {what}, {below}% were below {middle} (expected about 50%), the smallest was {low} and the largest {high}").format(
        count=fmt.count(values.size), what=what, below=f"{below:.0f}", middle=fmt.num(middle), low=fmt.num(values.min()),
        high=fmt.num(values.max()),
    )


def check_uniform(values: Any, *, what: str, call: str, alpha: float, low: float = -1.0, high: float = 1.0) -> None:
    """Raise :class:`grader.api.Fail` unless ``values`` look like independent uniform draws from [low, high).

    Three tests, each rejecting a truly uniform sample with probability at most ``alpha``: the Kolmogorov-Smirnov
    distance against the DKW bound, and coming within :func:`reach_delta` of each end. Values that are not
    finite, and samples of whole numbers only, fail with a sentence of their own. An empty sample passes.
    """
    from .api import Fail

    values = np.asarray(values, dtype=np.float64).reshape(-1)
    count = values.size
    if count == 0:
        return
    finite = values[np.isfinite(values)]
    summary = uniform_summary(what, finite, low, high) if finite.size else ""
    interval = interval_text(low, high)
    expected = _("values spread evenly over {interval}").format(interval=interval)
    if finite.size < count:
        raise Fail(_("Some {what} are not finite numbers.").format(what=what), call=call, expected=expected)
    if np.all(finite == np.round(finite)):
        raise Fail(
            _("The {what} are all whole numbers: {summary}. Draw real numbers from {interval}, not integers.").format(
                what=what, summary=summary, interval=interval
            ),
            call=call, returned=summary, expected=expected,
        )
    if ks_distance(finite, low, high) > dkw_epsilon(count, alpha):
        raise Fail(_("The {what} are not uniform over {interval}: {summary}.").format(what=what, interval=interval, summary=summary),
                   call=call, returned=summary, expected=expected)
    delta = reach_delta(count, alpha, low, high)
    if finite.min() > low + delta or finite.max() < high - delta:
        raise Fail(
            _("The {what} do not reach the ends of {interval}: {summary}; uniform draws this many times come within {delta} of {low} "
              "and of {high}.").format(what=what, interval=interval, summary=summary, delta=fmt.num(delta), low=_bound(low),
                                       high=_bound(high)),
            call=call, returned=summary, expected=expected,
        )


# -- leaves its arguments unchanged -----------------------------------------------------------------------------
def _same_value(before: Any, after: Value) -> bool:
    if isinstance(before, np.ndarray):
        return after.array is not None and after.shape == before.shape and bool(np.array_equal(after.array, before))
    if isinstance(before, (list, tuple)):
        if after.items is None or len(after.items) != len(before) or after.kind != ("list" if isinstance(before, list) else "tuple"):
            return False
        return all(_same_value(b, a) for b, a in zip(before, after.items, strict=True))
    if isinstance(before, (int, float)) and not isinstance(before, bool):
        return after.kind in ("int", "float") and after.number == before
    return True  # what the grader cannot compare it does not blame


def check_unchanged(call: str, name: str, before: Sequence[Any], outcome: Outcome, arg_names: Sequence[str]) -> None:
    """Raise :class:`grader.api.Fail` if a ``watch_args=True`` call changed one of its arguments.

    ``before`` are the arguments as the grader sent them, ``arg_names`` their names as the student's code
    calls them (``z``, ``inputs``), ``name`` the function or method; placeholders are the caller's to handle.
    """
    from .api import Fail

    after = outcome.args_after
    if not after:
        return
    for given, now, arg in zip(before, after, arg_names, strict=False):
        if not isinstance(now, Value) or _same_value(given, now):
            continue
        raise Fail(
            _("{call} changed {arg}: afterwards {arg} is {after}. {name} must leave its argument as it was.").format(
                call=call, arg=arg, after=fmt.value(now), name=name
            ),
            call=call, returned=_("{arg} became {after}").format(arg=arg, after=fmt.value(now)),
            expected=_("{arg} unchanged: {before}").format(arg=arg, before=fmt.arg(given, precise=False)),
        )


def pure_function(name: str, arrays: Strategy[np.ndarray[Any, Any]], first: np.ndarray[Any, Any], arg: str = "z",
                  max_examples: int = 20) -> Any:
    """An :class:`grader.api.ExampleProperty`: ``name(arg)`` leaves the array ``arg`` as it was, on ``first`` and
    on draws of ``arrays``. (Made here, not at import, because :mod:`grader.api` imports this module.)"""
    from .api import ExampleProperty, NotImplementedYet, call

    class _Pure(ExampleProperty):
        def examples(self) -> Strategy[np.ndarray[Any, Any]]:
            return arrays

        def explicit(self) -> list[np.ndarray[Any, Any]]:
            return [first]

        def describe(self, example: np.ndarray[Any, Any]) -> str:
            return f"{arg} = {fmt.arg(example)}; {name}({arg})"

        def program(self, example: np.ndarray[Any, Any]) -> list[Op]:
            return [call(name, example, watch_args=True)]

        def check(self, example: np.ndarray[Any, Any], outcomes: list[Outcome], ctx: Any) -> None:
            if outcomes[0].value is not None and outcomes[0].value.kind == "ellipsis":
                raise NotImplementedYet
            check_unchanged(self.describe(example), name, [example], outcomes[0], [arg])

    prop = _Pure()
    prop.max_examples = max_examples
    return prop


# -- uses the current state on every call -----------------------------------------------------------------------
def current_state_program(make: Callable[[str, Any], Op], change: Callable[[str, Any], Op], use: Callable[[str, Any], Op],
                          first: Any, second: Any, inputs: Sequence[Any]) -> list[Op]:
    """Calls that show whether an object's method reads its state afresh on every call.

    Object ``a`` is made with state ``first`` and used on ``inputs[0]``; its state is changed to ``second`` and it
    is used on ``inputs[1]`` and ``inputs[2]``; fresh objects ``b`` and ``c``, made with ``second``, are used on
    ``inputs[1]`` and on ``inputs[2]``. ``make(slot, state)``, ``change(slot, state)`` and ``use(slot, x)`` give
    the operations. :func:`check_current_state` reads the outcomes.
    """
    return [
        make("a", first), use("a", inputs[0]), change("a", second), use("a", inputs[1]), use("a", inputs[2]),
        make("b", second), use("b", inputs[1]), make("c", second), use("c", inputs[2]),
    ]


CURRENT_USES = (1, 3, 4, 6, 8)  # the outcomes of the uses in a current_state_program


def check_current_state(outcomes: list[Outcome], *, call: str, change: str, fresh: str, same: Callable[[Outcome, Outcome], bool],
                        raised: Callable[[str, Outcome], Exception]) -> None:
    """Raise :class:`grader.api.Fail` if the changed object ``a`` did not give what the fresh ones give.

    ``change`` says what changed ("the weights and bias were changed"), ``fresh`` what the fresh object is ("a new
    neuron with those weights and bias"), both in the lesson's words; ``same(stale, fresh)`` compares two uses;
    ``raised(call, outcome)`` is the failure for a use that raised. A placeholder raises NotImplementedYet.
    """
    from .api import Fail, NotImplementedYet

    if len(outcomes) < 9:
        failed = outcomes[-1] if outcomes else None
        if failed is not None and failed.raised is not None:
            raise raised(call, failed)
        return
    for index in CURRENT_USES:
        if outcomes[index].raised is not None:
            raise raised(call, outcomes[index])
        value = outcomes[index].value
        if value is not None and value.kind == "ellipsis":
            raise NotImplementedYet
    for stale, new, which in ((outcomes[3], outcomes[6], 1), (outcomes[4], outcomes[8], 2)):
        if same(stale, new):
            continue
        returned, expected, first = fmt.value(stale.value), fmt.value(new.value), fmt.value(outcomes[1].value)
        message = _("After {change}, call {which} gave {returned}, but {fresh} gives {expected}.").format(
            change=change, which=which + 1, returned=returned, fresh=fresh, expected=expected
        )
        if returned == first:
            message += " " + _("That is the result of the first call: is an old result kept?")
        raise Fail(message, call=call, returned=returned, expected=expected)
