"""Hypothesis is imported only when a failure is shrunk (or stored examples are stale): the lessons' strategies
are lazy (grader/strategies.py), and what they build and draw is what Hypothesis's own strategies build and draw."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import hypothesis.extra.numpy as real_hnp
import hypothesis.strategies as real_st
import numpy as np
import pytest

from grader._examples import draw
from grader.api import ExampleProperty
from grader.lesson import load_lesson
from grader.strategies import LazyStrategy, Strategy, given, hnp, resolve, st

from .conftest import ROOT, SUBMISSIONS

CHECK = """
import json, sys
from grader.check import check
report = check(sys.argv[1], lesson=sys.argv[2], isolation="basic")
failed = {p.id: p.counterexample.__dict__ if p.counterexample else None for p in report.properties() if not p.passed}
print(json.dumps({"score": report.score, "max": report.max_score, "failed": failed, "hypothesis": "hypothesis" in sys.modules}))
"""


def _check_in_a_fresh_process(path: Path, lesson: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", CHECK, str(path), lesson], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])  # type: ignore[no-any-return]


@pytest.mark.parametrize("lesson", ["neuron", "perceptron", "backpropagation"])
def test_a_reference_gets_full_marks_without_importing_hypothesis(lesson: str) -> None:
    result = _check_in_a_fresh_process(ROOT / "solutions" / lesson / f"{lesson}.py", lesson)
    assert result["score"] == result["max"] and not result["failed"]
    assert result["hypothesis"] is False


def test_a_failure_on_an_explicit_example_is_not_shrunk_and_imports_nothing() -> None:
    result = _check_in_a_fresh_process(SUBMISSIONS / "wrong" / "sigmoid__sign_error.py", "neuron")
    assert result["hypothesis"] is False
    assert result["failed"]["sigmoid.scalar"] == {"call": "sigmoid(1.0)", "returned": "0.268941", "expected": "0.731059"}


GIVES_UP_ABOVE_15 = '''import numpy as np


def sigmoid(z):
    return np.where(np.asarray(z) > 15, 0.5, 1 / (1 + np.exp(-z)))


def relu(z):
    return np.maximum(0, z)


class Neuron:
    def __init__(self, n_inputs):
        self.weights = np.random.uniform(-1, 1, size=n_inputs)
        self.bias = np.random.uniform(-1, 1)

    def activate(self, inputs):
        return sigmoid(np.dot(self.weights, inputs) + self.bias)
'''


def test_a_failure_on_a_drawn_example_imports_hypothesis_and_is_shrunk_as_before(tmp_path: Path) -> None:
    """No explicit example is above 15: the batch fails on a drawn one, Hypothesis shrinks it to 16.0 (the
    counterexamples recorded before the strategies were lazy)."""
    (tmp_path / "neuron.py").write_text(GIVES_UP_ABOVE_15, encoding="utf-8")
    result = _check_in_a_fresh_process(tmp_path / "neuron.py", "neuron")
    assert result["hypothesis"] is True
    assert result["failed"] == {
        "sigmoid.scalar": {"call": "sigmoid(16.0)", "returned": "np.array(0.5)", "expected": "1"},
        "sigmoid.array": {"call": "sigmoid(np.array([16.0]))", "returned": "an array of shape (1,): [0.5]",
                          "expected": "an array of shape (1,): [1]"},
    }


def test_a_flatmapped_failure_is_shrunk_as_before() -> None:
    result = _check_in_a_fresh_process(SUBMISSIONS / "perceptron" / "wrong" / "forward__weights_transposed.py", "perceptron")
    assert result["hypothesis"] is True
    assert result["failed"]["forward.current"] == {
        "call": "layer.weights = np.array([[0.0], [0.0]]); layer.biases = np.array([[0.0], [0.0]]); layer.activation = f; "
                "layer.forward(np.array([0.0])); layer.weights = np.array([[0.0], [0.0]]); layer.biases = np.array([[0.0], [0.0]]); "
                "layer.activation = g; layer.forward(np.array([0.0])); layer.forward(np.array([0.0])), with f(z) = -1.0 * z + 0.0 "
                "and g(z) = -1.0 * z + 0.0",
        "returned": "an error, ValueError: shapes (1,2) and (1,1) not aligned: 2 (dim 1) != 1 (dim 0) (line 17)",
        "expected": None,
    }


def test_describing_strategies_imports_nothing() -> None:
    code = ("import sys; from grader.api import hnp, st; import numpy as np\n"
            "s = st.integers(1, 3).flatmap(lambda n: st.tuples(hnp.arrays(np.float64, (n,)), st.lists(st.floats(), max_size=n)))\n"
            "s = s.map(lambda t: t[0]).filter(lambda a: a.size > 0) | st.just(np.zeros(1))\n"
            "assert isinstance(s, st.SearchStrategy) and 'hypothesis' not in sys.modules\n"
            "from grader.strategies import resolve; resolve(s); assert 'hypothesis' in sys.modules")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


# -- what a lazy strategy builds ---------------------------------------------------------------------------------
def _nested(st: Any, hnp: Any) -> Any:
    """The same strategies written once, built with the lazy st and hnp or with Hypothesis's own."""
    weight = st.floats(-1, 1)
    pairs = st.tuples(st.integers(1, 4), st.integers(1, 3)).flatmap(
        lambda n: st.tuples(
            hnp.arrays(np.float64, (n[1], n[0]), elements=weight),
            st.lists(hnp.arrays(np.float64, (n[0],), elements=st.floats(-5, 5)), min_size=2, max_size=2),
            st.one_of(st.just(0.0), weight),
        )
    )
    return st.tuples(
        pairs,
        st.lists(st.integers(1, 3), min_size=1, max_size=3).map(lambda hidden: [*hidden, 1]),
        st.fixed_dictionaries({"rate": st.floats(0.05, 1.0), "shape": hnp.array_shapes(min_dims=2, max_dims=2, max_side=4)}),
        st.integers(0, 10).filter(lambda k: k % 3 != 1) | st.sampled_from([100, 200]),
        st.integers(1, 3).flatmap(lambda n: st.lists(st.booleans(), min_size=n, max_size=n)),
    )


def test_resolve_builds_what_hypothesis_builds() -> None:
    lazy = _nested(st, hnp)
    assert isinstance(lazy, LazyStrategy)
    built = resolve(lazy)
    direct = _nested(real_st, real_hnp)
    assert isinstance(built, real_st.SearchStrategy)
    assert repr(built) == repr(direct)
    assert resolve(lazy) is built  # built once


def test_resolved_strategies_draw_what_hypothesis_draws() -> None:
    """Derandomized, as the grader draws: the same examples, so the lessons' stored examples are unchanged."""
    lazy, direct = draw(_nested(st, hnp), 30), draw(_nested(real_st, real_hnp), 30)
    assert repr(lazy) == repr(direct)
    assert all(isinstance(value[0][0], np.ndarray) for value in lazy)


def test_given_takes_lazy_strategies() -> None:
    seen: list[int] = []

    @given(st.integers(1, 3).flatmap(lambda n: st.lists(st.just(n), min_size=n, max_size=n)))
    def lists_of_their_length(values: list[int]) -> None:
        assert len(values) == values[0]
        seen.append(len(values))

    lists_of_their_length()
    assert seen


def test_resolve_leaves_other_values_as_they_are() -> None:
    array, plain = np.arange(3.0), ([1, (2, 3)], {"a": np.float64})
    assert resolve(array) is array and resolve(plain) is plain and resolve(None) is None
    real = real_st.integers()
    assert resolve([real]) [0] is real
    mixed = resolve({"x": [st.booleans(), 1], "y": (real,)})
    assert isinstance(mixed["x"][0], real_st.SearchStrategy) and mixed["x"][1] == 1 and mixed["y"][0] is real


def test_a_misspelt_name_fails_when_the_strategy_is_built() -> None:
    lazy = st.flaots(0, 1)
    assert "st.flaots(0, 1)" == repr(lazy)
    with pytest.raises(AttributeError):
        resolve(lazy)
    with pytest.raises(AttributeError):
        st._private  # noqa: B018 - private names are not recorded (copy, pickle and inspect look for them)


def test_the_lessons_annotations_stay_strings_and_their_strategies_are_lazy() -> None:
    """``st.SearchStrategy[...]`` in a lesson's annotations is never evaluated (``from __future__ import
    annotations``); at run time it names LazyStrategy, and Strategy is either kind."""
    assert st.SearchStrategy is LazyStrategy and st.SearchStrategy[float] is not None
    assert Strategy[int] is not None
    for name in ("neuron", "perceptron", "backpropagation"):
        for prop in load_lesson(name).implementations().values():
            if isinstance(prop, ExampleProperty):
                assert isinstance(type(prop).examples.__annotations__["return"], str)
                assert isinstance(prop.examples(), LazyStrategy), (name, type(prop).__name__)
