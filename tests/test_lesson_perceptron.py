"""The perceptron lesson: the reference gets full marks, the stub 0 with "not implemented" everywhere, every wrong
submission of its corpus loses points in its own part only, every correct one gets full marks."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.check import check
from grader.lesson import Lesson, load_lesson
from grader.model import PropertyStatus
from grader.quiz import PART as QUIZ
from grader.validate import validate

from ._corpus import assert_loses_points_in_its_own_part_only
from .conftest import ROOT, SUBMISSIONS

CORPUS = SUBMISSIONS / "perceptron"
PART_OF_PREFIX = {"init": "Layer.__init__", "forward": "Layer.forward", "network": "Perceptron.forward"}
WRONG = sorted((CORPUS / "wrong").glob("*.py"))
CORRECT = sorted((CORPUS / "correct").glob("*.py"))


@pytest.fixture(scope="module")
def perceptron() -> Lesson:
    return load_lesson("perceptron")


def test_corpus_sizes() -> None:
    assert len(WRONG) >= 20
    assert len(CORRECT) >= 8
    assert {p.stem.split("__")[0] for p in WRONG} == set(PART_OF_PREFIX)


def test_the_reference_gets_full_marks(perceptron: Lesson) -> None:
    report = check(ROOT / "solutions" / "perceptron", perceptron)
    assert report.full_marks, [(p.id, p.message) for p in report.properties() if not p.passed]
    assert report.max_score == 20


def test_the_stub_gets_zero_and_says_not_implemented(perceptron: Lesson) -> None:
    report = check(ROOT / "exercises" / "perceptron" / "perceptron.py", perceptron)
    assert report.score == 0
    assert all(p.status is PropertyStatus.NOT_IMPLEMENTED for p in report.properties() if p.part != QUIZ)


def test_validate(perceptron: Lesson) -> None:
    result = validate("perceptron")
    assert result.ok, [f.what for f in result.findings if not f.ok]


@pytest.mark.parametrize("path", WRONG, ids=lambda p: p.stem)
def test_wrong_submission_loses_points_in_its_own_part_only(path: Path, perceptron: Lesson) -> None:
    report = check(path, perceptron)
    wrong_part = PART_OF_PREFIX[path.stem.split("__")[0]]
    assert_loses_points_in_its_own_part_only(report, wrong_part, path.stem)


@pytest.mark.parametrize("path", CORRECT, ids=lambda p: p.stem)
def test_correct_submission_gets_full_marks(path: Path, perceptron: Lesson) -> None:
    report = check(path, perceptron)
    assert report.full_marks, [(p.id, p.message) for p in report.properties() if not p.passed]
