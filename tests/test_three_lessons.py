"""The kit's three lessons together: a class that handed in all of them gets one correct gradebook per lesson and
a combined one whose totals are their sums; every lesson's reference and stub grade as they should."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from grader.check import check
from grader.grade import Options, grade_class
from grader.lesson import load_lesson

from .conftest import ROOT

LESSONS = sorted(p.parent.parent.name for p in (ROOT / "exercises").glob("*/.meta/lesson.toml"))


def _book(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


def test_the_kit_has_the_three_lessons_of_the_course() -> None:
    assert LESSONS == ["backpropagation", "neuron", "perceptron"]


@pytest.mark.parametrize("lesson_id", LESSONS)
def test_each_lessons_reference_gets_full_marks_and_its_stub_zero(lesson_id: str) -> None:
    lesson = load_lesson(lesson_id)
    assert lesson.reference is not None
    reference = check(lesson.reference.parent, lesson_id)  # the folder: the quiz answers beside the code count
    assert reference.full_marks and reference.score == reference.max_score == lesson.max_points, \
        [(p.id, p.message) for p in reference.properties() if not p.passed]
    stub = check(lesson.stub, lesson_id)
    assert stub.score == 0 and stub.max_score > 0


def test_a_class_that_handed_in_all_three_lessons(tmp_path: Path) -> None:
    lessons = {lesson_id: load_lesson(lesson_id) for lesson_id in LESSONS}
    root = tmp_path / "class"
    for student in ("ann", "bo"):
        (root / student).mkdir(parents=True)
    for lesson in lessons.values():  # ann: every reference, with its quiz answers
        assert lesson.reference is not None
        shutil.copyfile(lesson.reference, root / "ann" / lesson.reference.name)
    shutil.copyfile(lessons["perceptron"].reference, root / "bo" / "perceptron.py")  # type: ignore[arg-type]
    shutil.copyfile(lessons["neuron"].stub, root / "bo" / "neuron.py")
    out = tmp_path / "out"
    result = grade_class([root], Options(out=out, jobs=2, formats=[]))
    assert result.several and sorted(lesson.id for lesson in result.lessons) == LESSONS
    combined = _book(out / "gradebook.csv")
    books = {lesson_id: _book(out / lesson_id / "gradebook.csv") for lesson_id in LESSONS}
    code_points = {lesson_id: sum(p.points for p in lesson.properties) for lesson_id, lesson in lessons.items()}
    for lesson_id in LESSONS:
        assert float(books[lesson_id]["ann"]["total"]) == code_points[lesson_id], (lesson_id, books[lesson_id]["ann"])
        assert float(combined["ann"][lesson_id]) == float(books[lesson_id]["ann"]["total"])
    assert float(combined["ann"]["total"]) == sum(code_points.values())
    assert float(books["perceptron"]["bo"]["total"]) == code_points["perceptron"]
    assert float(books["neuron"]["bo"]["total"]) == 0
    assert "bo" not in books["backpropagation"] and combined["bo"]["backpropagation"] == ""
    assert float(combined["bo"]["total"]) == code_points["perceptron"]
