"""The small API a lesson's ``properties.py`` is written against.

A property is an object with a ``run(ctx)`` method, or, for the common case, an :class:`ExampleProperty`:
a Hypothesis strategy of examples, the calls to make for one example (a *program* of operations run in the
child), and a ``check`` that raises :class:`Fail` when the outcomes are wrong. The engine runs every
generated example in one batch, and only when one fails does it re-run the property example by example so
that Hypothesis can shrink it to a minimal counterexample.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from hypothesis import strategies as st

from . import _format as fmt
from .isolation import limits as _limits
from .isolation.limits import Limits
from .isolation.runner import ChildDied, Outcome, Raised
from .isolation.values import Value, encode_arg

__all__ = [
    "Context",
    "Died",
    "ExampleProperty",
    "Fail",
    "NotImplementedYet",
    "Outcome",
    "Pass",
    "Raised",
    "Value",
    "call",
    "fmt",
    "method",
    "new",
    "obj",
    "set_attrs",
    "st",
]

Op = dict[str, Any]
Program = list[Op]


# -- operations the child can run ---------------------------------------------------------------------------
def call(fn: str, *args: Any, watch_args: bool = False) -> Op:
    """Call the submission's function ``fn`` (a dotted name is allowed) with ``args``."""
    return {"op": "call", "fn": fn, "args": [encode_arg(a) for a in args], "watch_args": watch_args}


def new(cls: str, *args: Any, slot: str | None = None, attrs: tuple[str, ...] = ()) -> Op:
    """Instantiate the submission's class, report ``attrs`` of the new object, keep it in ``slot``."""
    return {"op": "new", "cls": cls, "args": [encode_arg(a) for a in args], "slot": slot, "attrs": list(attrs)}


def obj(cls: str, slot: str, init_args: tuple[Any, ...] | None = None, **attrs: Any) -> Op:
    """An instance whose attributes the grader sets itself; built with ``init_args`` if that works, else bare."""
    return {
        "op": "obj",
        "cls": cls,
        "slot": slot,
        "init_args": None if init_args is None else [encode_arg(a) for a in init_args],
        "set": {name: encode_arg(v) for name, v in attrs.items()},
    }


def set_attrs(slot: str, **attrs: Any) -> Op:
    return {"op": "set", "slot": slot, "attrs": {name: encode_arg(v) for name, v in attrs.items()}}


def method(slot: str, name: str, *args: Any, attrs: tuple[str, ...] = ()) -> Op:
    return {"op": "method", "slot": slot, "name": name, "args": [encode_arg(a) for a in args], "attrs": list(attrs)}


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
    ) -> None:
        super().__init__(message)
        self.message = message
        self.call = call
        self.returned = returned
        self.expected = expected
        self.diagnosis = diagnosis


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

    def examples(self) -> st.SearchStrategy[Any]:
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


def returned_placeholder(outcome: Outcome) -> bool:
    return outcome.value is not None and outcome.value.kind == "ellipsis"


def describe_death(died: ChildDied, limit: float, limits: Limits | None = None) -> str:
    """One sentence for a call that hung, ended the process or broke a limit (see ``grader._limits``)."""
    return _limits.describe_death(died.kind, limit, died.detail, limits)
