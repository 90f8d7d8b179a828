"""The small API a lesson's ``properties.py`` is written against.

A property is an object with a ``run(ctx)`` method, or, for the common case, an :class:`ExampleProperty`:
a Hypothesis strategy of examples (written with ``st`` and ``hnp`` from here, lazy look-alikes of
``hypothesis.strategies`` and ``hypothesis.extra.numpy`` that import Hypothesis only when a strategy is built; see
:mod:`grader.strategies`), the calls to make for one example (a *program* of operations run in the
child), and a ``check`` that raises :class:`Fail` when the outcomes are wrong. The engine runs every
generated example in one batch, and only when one fails does it re-run the property example by example so
that Hypothesis can shrink it to a minimal counterexample.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from . import _format as fmt
from .i18n import _
from .isolation import limits as _limits
from .isolation.limits import Limits
from .isolation.runner import ChildDied, Outcome, Raised
from .isolation.values import ChildRef, Value, encode_arg
from .strategies import Strategy, hnp, st

__all__ = [
    "Context",
    "Died",
    "ExampleProperty",
    "Fail",
    "NotImplementedYet",
    "Outcome",
    "Pass",
    "Raised",
    "Strategy",
    "Value",
    "call",
    "fmt",
    "hnp",
    "lesson_ref",
    "method",
    "numbers_in",
    "unreadable_text",
    "new",
    "obj",
    "set_attrs",
    "slot_ref",
    "st",
]

Op = dict[str, Any]
Program = list[Op]


# -- operations the child can run ---------------------------------------------------------------------------
def lesson_ref(name: str, *args: Any) -> ChildRef:
    """An argument (or attribute value) that is the lesson's own object ``name`` in the child, from the module named
    in lesson.toml's ``[child] module`` (trusted lesson code: fakes, activations the student cannot special-case);
    with ``args``, what calling it with them returns there (``lesson_ref("Affine", 2.0, -1.0)``)."""
    return ChildRef("lesson", name, tuple(args) if args else None)


def slot_ref(slot: str) -> ChildRef:
    """An argument (or attribute value) that is the object an earlier operation of the same program kept in ``slot``."""
    return ChildRef("slot", slot)


def call(fn: str, *args: Any, watch_args: bool = False, lesson: bool = False) -> Op:
    """Call the submission's function ``fn`` (a dotted name is allowed; the lesson's child module's with
    ``lesson``) with ``args``; ``watch_args`` reports the arguments as they are after the call."""
    return {"op": "call", "fn": fn, "args": [encode_arg(a) for a in args], "watch_args": watch_args, "lesson": lesson}


def new(cls: str, *args: Any, slot: str | None = None, attrs: tuple[str, ...] = (), lesson: bool = False) -> Op:
    """Instantiate the submission's class (the lesson's child module's with ``lesson``), report ``attrs`` of the
    new object (dotted paths with list indices allowed: ``"layers.0.weights"``), keep it in ``slot``."""
    return {"op": "new", "cls": cls, "args": [encode_arg(a) for a in args], "slot": slot, "attrs": list(attrs), "lesson": lesson}


def obj(cls: str, slot: str, init_args: tuple[Any, ...] | None = None, lesson: bool = False, **attrs: Any) -> Op:
    """An instance whose attributes the grader sets itself; built with ``init_args`` if that works, else bare."""
    return {
        "op": "obj",
        "cls": cls,
        "slot": slot,
        "init_args": None if init_args is None else [encode_arg(a) for a in init_args],
        "set": {name: encode_arg(v) for name, v in attrs.items()},
        "lesson": lesson,
    }


def set_attrs(slot: str, **attrs: Any) -> Op:
    return {"op": "set", "slot": slot, "attrs": {name: encode_arg(v) for name, v in attrs.items()}}


def method(slot: str, name: str, *args: Any, attrs: tuple[str, ...] = (), watch_args: bool = False) -> Op:
    """Call method ``name`` of the object in ``slot``; report ``attrs`` of it afterwards, and with ``watch_args``
    the arguments as they are after the call."""
    return {"op": "method", "slot": slot, "name": name, "args": [encode_arg(a) for a in args], "attrs": list(attrs),
            "watch_args": watch_args}


# -- verdicts -----------------------------------------------------------------------------------------------
class Fail(Exception):
    """A property does not hold. Say what was called, what came back, and what was expected."""

    def __init__(
        self,
        message: str,
        *,
        call: str | None = None,
        returned: str | None = None,
        expected: str | None = None,
        diagnosis: str | None = None,
        values: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.call = call
        self.returned = returned
        self.expected = expected
        # the cause, as the id of one of the lesson's diagnoses: when the lesson defines it, the report explains
        # the failure with that diagnosis (filled in with ``values``) instead of ``message``, so that several
        # properties failing for one cause say it in the same words and a renderer can group them by the id
        self.diagnosis = diagnosis
        self.values = dict(values or {})


class NotImplementedYet(Exception):
    """The code still holds the stub's placeholder (it returned ``...``)."""


@dataclass
class Pass:
    """A property held; ``notes`` are told to the student all the same."""

    notes: list[str] = field(default_factory=list)


class Context(Protocol):
    """What a property sees of the engine."""

    part: str
    seed: int
    notes: list[str]
    memo: dict[str, Any]  # shared by the properties of one submission, e.g. whether Neuron(n) can be built

    def run(self, programs: list[Program]) -> list[list[Outcome]]:
        """Run programs in the child. Raises :class:`Died` if it hangs or ends."""
        ...


class Died(BaseException):
    """The child hung or ended during a program. A BaseException, so Hypothesis stops at once and does not shrink."""

    def __init__(self, died: ChildDied, program: Program | None, example: Any = None) -> None:
        super().__init__(died.kind)
        self.died = died
        self.program = program
        self.example = example


class ExampleProperty:
    """A property checked on generated examples: override ``examples``, ``program`` and ``check``."""

    max_examples: int = 60

    def examples(self) -> Strategy[Any]:
        """The examples: a strategy made with ``st`` and ``hnp`` (or with Hypothesis itself), drawn from only when
        the lesson's stored examples are stale and when a failure is shrunk."""
        raise NotImplementedError

    def explicit(self) -> list[Any]:
        """Examples that are always tried first."""
        return []

    def program(self, example: Any) -> Program:
        raise NotImplementedError

    def describe(self, example: Any) -> str:
        """The call this example makes, as Python source, for a report of a hang or crash."""
        return repr(example)

    def check(self, example: Any, outcomes: list[Outcome], ctx: Context) -> None:
        """Raise :class:`Fail` if the outcomes are wrong, :class:`NotImplementedYet` on a placeholder."""
        raise NotImplementedError


# -- reading values -------------------------------------------------------------------------------------------
def numbers_in(value: Value | Raised | None) -> np.ndarray[Any, Any] | None:
    """The numbers a value holds, as a float64 array of its shape, when it holds plain numbers only, else None.

    Plain numbers are ints and floats (NumPy's included, bools not), arrays of an integer or float dtype, and
    lists or tuples of them, nested to any rectangular shape. Anything else (None, a missing attribute, a bool,
    a string, a dict, a generator, an object-dtype array, an ``np.matrix``, a subclass of float, an array too
    big to send, a ragged list) cannot be read as numbers: a property that needs the numbers fails then, rather
    than skip them.
    """
    if not isinstance(value, Value):
        return None
    if value.kind in ("int", "float"):
        return np.array(float(value.number), dtype=np.float64)  # type: ignore[arg-type]
    if value.kind == "array":
        if value.array is None or not value.dtype or value.dtype[0] not in "iuf":
            return None
        return np.asarray(value.array, dtype=np.float64)
    if value.kind in ("list", "tuple") and value.items is not None:
        inner = [numbers_in(item) for item in value.items]
        if any(item is None for item in inner):
            return None
        if not inner:
            return np.zeros(0, dtype=np.float64)
        shapes = {item.shape for item in inner}  # type: ignore[union-attr]
        if len(shapes) != 1:
            return None
        return np.stack(inner).astype(np.float64)  # type: ignore[arg-type]
    return None


def unreadable_text(value: Value | Raised | None) -> str:
    """What a value is, in a few words that do not change from one draw to the next, for saying that it
    cannot be read as numbers: "None", "a str", "an object of type numpy.matrix", "an array of dtype object"."""
    if value is None:
        return _("nothing")
    if isinstance(value, Raised):
        return _("an attribute that raises {type} when it is read").format(type=value.type)
    kind = value.kind
    if kind == "none":
        return "None"
    if kind == "missing":
        return _("not set")
    if kind == "ellipsis":
        return "... (Ellipsis)"
    if kind == "bool":
        return _("a bool, {value}").format(value=repr(bool(value.number)))
    if kind == "other":
        name = value.type_name or "?"
        if name in ("str", "dict", "set", "bytes", "generator", "complex"):
            return _("a {type}").format(type=name)
        return _("an object of type {type}").format(type=name)
    if kind == "array":
        if value.dtype and value.dtype[0] not in "iuf":
            return _("an array of dtype {dtype}").format(dtype=value.dtype)
        return _("an array of {count} values, too many to read").format(count=fmt.count(value.length or 0))
    if kind in ("list", "tuple"):
        if value.items is None:
            return _("a {kind} of {count} values, too many to read").format(kind=kind, count=fmt.count(value.length or 0))
        for item in value.items:
            if numbers_in(item) is None:
                return _("a {kind} holding {item}").format(kind=kind, item=unreadable_text(item))
        return _("a {kind} of rows of different lengths").format(kind=kind)
    return fmt.value(value)


def returned_placeholder(outcome: Outcome) -> bool:
    return outcome.value is not None and outcome.value.kind == "ellipsis"


def describe_death(died: ChildDied, limit: float, limits: Limits | None = None) -> str:
    """One sentence for a call that hung, ended the process or broke a limit (see ``grader._limits``)."""
    return _limits.describe_death(died.kind, limit, died.detail, limits)


# -- building blocks that several lessons' properties use (grader/_blocks.py) --------------------------------
from ._blocks import (  # noqa: E402 - re-exported here; grader/_blocks.py reads this module only when called
    ATOL,
    CURRENT_USES,
    RTOL,
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
    uniform_summary,
)

__all__ += [
    "ATOL",
    "CURRENT_USES",
    "RTOL",
    "check_current_state",
    "check_unchanged",
    "check_uniform",
    "close",
    "current_state_program",
    "dkw_epsilon",
    "first_mismatch",
    "interval_text",
    "ks_distance",
    "pure_function",
    "reach_delta",
    "uniform_summary",
]
