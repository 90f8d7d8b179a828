"""Right and fair: every wrong submission loses points in its own part only; every correct one gets full marks.

The wrong corpus holds one classic mistake per file, named ``<part>__<mistake>.py``; every other part of the
file is written correctly. The correct corpus holds correct submissions written in different ways.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.check import check
from grader.lesson import Lesson

from ._corpus import assert_loses_points_in_its_own_part_only
from .conftest import SUBMISSIONS

PART_OF_PREFIX = {"sigmoid": "sigmoid", "relu": "relu", "init": "Neuron.__init__", "activate": "Neuron.activate"}
WRONG = sorted((SUBMISSIONS / "wrong").glob("*.py"))
CORRECT = sorted((SUBMISSIONS / "correct").glob("*.py"))


def test_corpus_sizes() -> None:
    assert len(WRONG) >= 30
    assert len(CORRECT) >= 10
    assert {p.stem.split("__")[0] for p in WRONG} == set(PART_OF_PREFIX)


@pytest.mark.parametrize("path", WRONG, ids=lambda p: p.stem)
def test_wrong_submission_loses_points_in_its_own_part_only(path: Path, lesson: Lesson) -> None:
    report = check(path, lesson)
    wrong_part = PART_OF_PREFIX[path.stem.split("__")[0]]
    assert_loses_points_in_its_own_part_only(report, wrong_part, path.stem)


@pytest.mark.parametrize("path", CORRECT, ids=lambda p: p.stem)
def test_correct_submission_gets_full_marks(path: Path, lesson: Lesson) -> None:
    report = check(path, lesson)
    failures = [(p.id, p.message) for p in report.properties() if not p.passed]
    assert report.full_marks, failures
    assert report.score == report.max_score


# -- the same corpus, the same scores, in every isolation mode ------------------------------------------------------
def _gradebook_of_the_corpus(mode: str, out: Path) -> dict[str, dict[str, str]]:
    """Grade both corpora as a class (``grader grade --isolation MODE``): student -> the gradebook's row."""
    import csv

    from grader.grade import Options, run_grade

    code = run_grade([SUBMISSIONS / "correct", SUBMISSIONS / "wrong"], Options(out=out, formats=[], jobs=2, isolation=mode), quiet=True)
    assert code == 0
    with (out / "gradebook.csv").open(newline="", encoding="utf-8") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def corpus_by_mode(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, dict[str, str]]]:
    from grader.isolation import modes

    usable = [m for m in modes.MODES[1:] if (modes.sandbox_problem() if m == "sandbox" else modes.landlock_problem() if m == "landlock"
                                             else None) is None]
    return {mode: _gradebook_of_the_corpus(mode, tmp_path_factory.mktemp(f"corpus-{mode}")) for mode in usable}


def test_the_corpus_scores_the_same_in_every_isolation_mode(corpus_by_mode: dict[str, dict[str, dict[str, str]]]) -> None:
    assert "basic" in corpus_by_mode
    students = {p.stem for p in CORRECT + WRONG}
    reference_mode, reference = next(iter(corpus_by_mode.items()))
    assert set(reference) == students
    for mode, rows in corpus_by_mode.items():
        for student in sorted(students):
            ours, theirs = rows[student], reference[student]
            assert ours["status"] == "graded", (mode, student, ours)
            kept = {k: v for k, v in ours.items() if k not in ("submission", "path")}
            assert kept == {k: v for k, v in theirs.items() if k not in ("submission", "path")}, (mode, reference_mode, student)
    for path in CORRECT:
        row = reference[path.stem]
        assert float(row["total"]) == float(row["maximum"]), path.stem
