"""Hypothesis strategies for a lesson's properties, described when the lesson loads and built only when needed.

A lesson's ``properties.py`` takes ``st`` and ``hnp`` from :mod:`grader.api` (which re-exports them from here) and
writes strategies as it would with ``hypothesis.strategies`` and ``hypothesis.extra.numpy``::

    from grader.api import hnp, st

    float_arrays = hnp.arrays(np.float64, hnp.array_shapes(max_dims=1), elements=st.floats(-50, 50))
    sizes = st.tuples(st.integers(1, 8), st.integers(1, 8)).flatmap(lambda n: st.lists(st.floats(), min_size=n[0]))

Nothing of Hypothesis is imported for that: ``st.floats(-50, 50)`` only records the call and returns a
:class:`LazyStrategy`. Grading a submission that passes needs no strategy at all (its examples are stored in
the lesson's ``.meta/examples.json``), so ``grader check`` does not pay for importing Hypothesis (about 0.4 s)
unless a property fails and its counterexample must be shrunk, or the stored examples are stale and must be
drawn. Then :func:`resolve` builds the real strategy: it imports Hypothesis, calls the recorded functions with
their arguments resolved (lazy strategies in them, and in lists, tuples and dicts of them, are built first) and
keeps the result, so that a lazy strategy is built once.

A lazy strategy has the methods lessons use: ``.map``, ``.flatmap``, ``.filter``, ``|`` and, for trying one out
in a shell, ``.example()``. What the function of a ``map`` or ``flatmap`` (and of ``st.deferred`` and
``st.recursive``) returns is resolved too, so a ``flatmap`` can return a lazy strategy; a ``filter`` predicate is
handed to Hypothesis as it is (it returns a truth value, and Hypothesis reads some predicates, such as
``lambda x: x > 0``, to draw within bounds). Any other name of ``st`` or ``hnp`` is recorded as it is written and
looked up when the strategy is built: a misspelt name fails then, with Hypothesis's own ``AttributeError``.
``st.composite`` does not work lazily (its function would ``draw`` from lazy strategies): a lesson that needs it
imports Hypothesis inside its ``examples()`` method. ``st.SearchStrategy`` is :class:`LazyStrategy`, so
annotations such as ``st.SearchStrategy[float]`` read as they did (and :data:`Strategy` is either kind).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar, Union, overload

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

__all__ = ["LazyStrategy", "Strategy", "given", "hnp", "resolve", "st"]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

_UNBUILT = object()


class LazyStrategy(Generic[T_co]):
    """A Hypothesis strategy not built yet: a function of ``hypothesis.strategies`` or ``hypothesis.extra.numpy``
    (``owner`` is the module's name), or a method of another lazy strategy (``owner`` is that strategy), with
    the arguments it is to be called with. :func:`resolve` builds it."""

    __slots__ = ("_args", "_built", "_kwargs", "_name", "_owner")

    def __init__(self, owner: str | LazyStrategy[Any], name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self._owner = owner
        self._name = name
        self._args = args
        self._kwargs = kwargs
        self._built: Any = _UNBUILT

    def map(self, pack: Callable[[T_co], T]) -> LazyStrategy[T]:
        return LazyStrategy(self, "map", (pack,), {})

    def flatmap(self, expand: Callable[[T_co], Any]) -> LazyStrategy[Any]:
        return LazyStrategy(self, "flatmap", (expand,), {})

    def filter(self, condition: Callable[[T_co], Any]) -> LazyStrategy[T_co]:
        return LazyStrategy(self, "filter", (condition,), {})

    def __or__(self, other: Any) -> LazyStrategy[Any]:
        return LazyStrategy(self, "__or__", (other,), {})

    def example(self) -> T_co:
        """One example of the built strategy, as Hypothesis's ``.example()`` gives it: for a shell, not for grading."""
        return resolve(self).example()  # type: ignore[no-any-return]

    def _build(self) -> Any:
        if self._built is _UNBUILT:
            args, kwargs = resolve(self._args), resolve(self._kwargs)
            if isinstance(self._owner, str):
                function = getattr(importlib.import_module(self._owner), self._name)
            else:
                function = getattr(resolve(self._owner), self._name)
            if self._name in _RESOLVING:
                args = tuple(_Resolving(a) if _may_return_lazy(a) else a for a in args)
                kwargs = {k: _Resolving(v) if _may_return_lazy(v) else v for k, v in kwargs.items()}
            self._built = function(*args, **kwargs)
        return self._built

    def __repr__(self) -> str:
        owner = _SHORT.get(self._owner, self._owner) if isinstance(self._owner, str) else repr(self._owner)
        if self._name == "__or__":
            return f"({owner} | {self._args[0]!r})"
        shown = [repr(a) for a in self._args] + [f"{k}={v!r}" for k, v in self._kwargs.items()]
        return f"{owner}.{self._name}({', '.join(shown)})"


if TYPE_CHECKING:
    # what ExampleProperty.examples returns: a lazy strategy, or a strategy a lesson built with Hypothesis itself
    Strategy = LazyStrategy[T] | SearchStrategy[T]
else:  # the same at run time, without importing Hypothesis
    Strategy = Union[LazyStrategy[T], "SearchStrategy[T]"]  # noqa: UP007


# the functions and methods whose function arguments may return lazy strategies: those arguments are wrapped so
# that what they return is resolved (``filter`` is not among them: see the module's docstring)
_RESOLVING = frozenset({"map", "flatmap", "deferred", "recursive"})


def _may_return_lazy(function: Any) -> bool:
    """Whether ``function`` is a function whose results must be resolved: not a class (``.map(tuple)``), whose
    instances are never lazy strategies and which Hypothesis treats specially, nor a builtin, nor a strategy."""
    return callable(function) and not isinstance(function, type) and not type(function).__name__.startswith("builtin_")


class _Resolving:
    """A ``map`` or ``flatmap`` function whose results are resolved; Hypothesis shows it as the function itself."""

    __slots__ = ("function",)

    def __init__(self, function: Callable[..., Any]) -> None:
        self.function = function

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return resolve(self.function(*args, **kwargs))

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # Hypothesis's repr of a mapped strategy
        printer.pretty(self.function)

    def __repr__(self) -> str:
        return repr(self.function)


def given(*strategies: Any, **named: Any) -> Any:
    """``hypothesis.given`` that takes lazy strategies too (resolving them, so importing Hypothesis): for a
    lesson's own tests of its strategies, and for the grader's drawing and shrinking."""
    from hypothesis import given as hypothesis_given

    return hypothesis_given(*resolve(strategies), **resolve(named))


@overload
def resolve(obj: LazyStrategy[T]) -> SearchStrategy[T]: ...
@overload
def resolve(obj: T) -> T: ...
def resolve(obj: Any) -> Any:
    """The real Hypothesis strategy of a lazy one (built once, importing Hypothesis then); lists, tuples and dicts
    with lazy strategies in them as new lists, tuples and dicts of the real ones; anything else as it is."""
    if isinstance(obj, LazyStrategy):
        return obj._build()
    kind = type(obj)
    if kind is list or kind is tuple:
        items = [resolve(item) for item in obj]
        return obj if all(new is old for new, old in zip(items, obj, strict=True)) else kind(items)
    if kind is dict:
        values = {key: resolve(value) for key, value in obj.items()}
        return obj if all(values[key] is value for key, value in obj.items()) else values
    return obj


class _Namespace:
    """``st`` or ``hnp``: every public name is a function that records its call as a :class:`LazyStrategy`."""

    SearchStrategy = LazyStrategy  # for annotations (``st.SearchStrategy[float]``) and isinstance checks

    def __init__(self, module: str) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Callable[..., LazyStrategy[Any]]:
        if name.startswith("_"):
            raise AttributeError(name)
        module = self._module

        def record(*args: Any, **kwargs: Any) -> LazyStrategy[Any]:
            return LazyStrategy(module, name, args, kwargs)

        record.__name__ = record.__qualname__ = name
        return record

    def __repr__(self) -> str:
        return f"<lazy {self._module}>"


_SHORT = {"hypothesis.strategies": "st", "hypothesis.extra.numpy": "hnp"}

st = _Namespace("hypothesis.strategies")
"""``hypothesis.strategies``, lazily: ``st.floats(-1, 1)`` is a :class:`LazyStrategy`."""

hnp = _Namespace("hypothesis.extra.numpy")
"""``hypothesis.extra.numpy``, lazily: ``hnp.arrays(np.float64, (3,))`` is a :class:`LazyStrategy`."""
