"""Diagnoses of typical mistakes: each is recognised in a fresh submission that makes it, explained in English
and in Dutch, carried into the JSON and Gradescope reports, and never fires on a correct submission."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.check import check
from grader.cli import main
from grader.diagnosis import load_diagnoses, recognise_submission
from grader.i18n import set_language
from grader.lesson import Lesson, load_lesson
from grader.model import PropertyStatus

from ._mistakes import MISTAKES, VARIANTS, Mistake, submission
from .conftest import REFERENCE, SUBMISSIONS

CORRECT = sorted((SUBMISSIONS / "correct").glob("*.py")) + [REFERENCE]


@pytest.fixture(autouse=True)
def english() -> object:
    set_language("en")
    yield
    set_language("en")


def only(lesson: Lesson, part: str) -> Lesson:
    """The lesson with one part: a mistake in one part is graded without the time the others take."""
    return dataclasses.replace(lesson, parts=[lesson.part(part)], properties=lesson.properties_of(part))


def write(tmp_path: Path, diagnosis: str, mistake: Mistake) -> Path:
    path = tmp_path / "neuron.py"
    path.write_text(submission(diagnosis, mistake), encoding="utf-8")
    return path


def test_every_diagnosis_of_the_lesson_has_a_mistake_here_and_texts(lesson: Lesson) -> None:
    diagnoses = load_diagnoses(lesson.folder, lesson.id)
    assert set(diagnoses.specs) == set(MISTAKES)
    parts = {p.id for p in lesson.parts}
    properties = {p.id for p in lesson.properties}
    for spec in diagnoses.specs.values():
        assert spec.part in parts and set(spec.properties) <= properties, spec.id
        assert spec.explanation.strip() and spec.hint.strip(), spec.id
        assert spec.part == MISTAKES[spec.id].part, spec.id


@pytest.mark.parametrize(("diagnosis", "mistake"), list(MISTAKES.items()) + list(VARIANTS.values()),
                         ids=list(MISTAKES) + [f"{d}:{name}" for name, (d, _m) in VARIANTS.items()])
def test_mistake_yields_its_diagnosis(diagnosis: str, mistake: Mistake, lesson: Lesson, tmp_path: Path) -> None:
    report = check(write(tmp_path, diagnosis, mistake), only(lesson, mistake.part))
    failed = [p for p in report.properties() if p.status is PropertyStatus.FAILED]
    assert failed, f"{diagnosis}: the mistake fails no property"
    diagnosed = [p for p in failed if p.diagnosis == diagnosis]
    assert diagnosed, [(p.id, p.diagnosis, p.message) for p in failed]
    spec = load_diagnoses(lesson.folder, lesson.id).specs[diagnosis]
    for prop in diagnosed:
        assert prop.message and "{" not in prop.message, prop.message  # every placeholder filled in
        assert prop.message.startswith(spec.explanation.split("{")[0])  # the explanation, not the generic message
        assert prop.hint == spec.hint


@pytest.mark.parametrize("diagnosis", ["init.weights-rand", "sigmoid.sign", "relu.leaky", "activate.bias-forgotten", "activate.none"])
def test_diagnosis_in_dutch(diagnosis: str, lesson: Lesson, tmp_path: Path) -> None:
    mistake = MISTAKES[diagnosis]
    path = write(tmp_path, diagnosis, mistake)
    english = check(path, only(lesson, mistake.part))
    set_language("nl")
    dutch_lesson = load_lesson("neuron")
    dutch = check(path, only(dutch_lesson, mistake.part))
    pairs = [(e, d) for e, d in zip(english.properties(), dutch.properties(), strict=True) if e.diagnosis == diagnosis]
    assert pairs
    for en, nl in pairs:
        assert nl.diagnosis == diagnosis
        assert nl.message and en.message and nl.message != en.message
        assert nl.hint and en.hint and nl.hint != en.hint


def test_every_diagnosis_text_is_dutch(lesson: Lesson) -> None:
    from grader.diagnosis import Finding

    specs = load_diagnoses(lesson.folder, lesson.id).specs
    english = {key: spec.text(Finding(key)) for key, spec in specs.items()}
    set_language("nl")
    for key, spec in specs.items():
        explanation, hint = spec.text(Finding(key))
        assert explanation != english[key][0], key
        assert hint != english[key][1], key


def test_the_issue_example_reads_as_promised(lesson: Lesson, tmp_path: Path) -> None:
    report = check(write(tmp_path, "init.weights-rand", MISTAKES["init.weights-rand"]), only(lesson, "Neuron.__init__"))
    prop = next(p for p in report.properties() if p.diagnosis == "init.weights-rand")
    assert prop.message is not None and prop.hint is not None
    assert "never negative" in prop.message and "[0, 1)" in prop.message and "[-1, 1)" in prop.message
    smallest = prop.message.split("the smallest was ")[1].split(".")[0:2]
    assert len(".".join(smallest)) <= 12  # read as a number, not 0.00031415926535897
    assert "np.random.uniform" in prop.hint and "[-1, 1)" in prop.hint  # a pointer; not the line that solves the part


@pytest.mark.parametrize("path", CORRECT, ids=lambda p: p.stem)
def test_no_diagnosis_fires_on_a_correct_submission(path: Path, lesson: Lesson) -> None:
    # every recogniser runs as if each property of its part had failed: none may find a mistake
    found = recognise_submission(path, lesson)
    assert set(found) == {p.id for p in lesson.parts}
    assert all(not findings for findings in found.values()), found


def test_correct_corpus_is_there() -> None:
    assert len(CORRECT) >= 5


def test_a_mistake_in_one_part_is_not_blamed_on_another(lesson: Lesson, tmp_path: Path) -> None:
    # a correct part keeps no diagnosis even when the recogniser of that part is run
    path = write(tmp_path, "relu.abs", MISTAKES["relu.abs"])
    found = recognise_submission(path, lesson)
    assert [f.id for f in found["relu"]] == ["relu.abs"]
    assert all(not found[part] for part in ("sigmoid", "Neuron.__init__", "Neuron.activate"))


def test_json_and_gradescope_carry_the_diagnosis(tmp_path: Path) -> None:
    folder = tmp_path / "sub"
    folder.mkdir()
    write(folder, "sigmoid.tanh", MISTAKES["sigmoid.tanh"])
    runner = CliRunner()
    gradescope = json.loads(runner.invoke(main, ["check", str(folder), "--format", "gradescope"]).output)
    tagged = [t for t in gradescope["tests"] if "diagnosis:sigmoid.tanh" in t.get("tags", [])]
    assert tagged and all(t["name"].startswith("sigmoid: ") for t in tagged)
    assert all(t["status"] == "passed" for t in gradescope["tests"] if not t["name"].startswith("sigmoid: "))
    data = json.loads(runner.invoke(main, ["check", str(folder), "--format", "json"]).output)
    props = [p for part in data["parts"] for p in part["properties"]]
    assert {p["diagnosis"] for p in props if p["status"] == "failed"} == {"sigmoid.tanh"}
    assert all(p["diagnosis"] is None for p in props if p["status"] == "passed")


def test_unrecognised_mistake_keeps_the_generic_message(lesson: Lesson, tmp_path: Path) -> None:
    odd = Mistake("sigmoid", {"sigmoid": "def sigmoid(z):\n    return 1 / (1 + np.exp(-2 * z))\n"})
    report = check(write(tmp_path, "none", odd), only(lesson, "sigmoid"))
    failed = [p for p in report.properties() if not p.passed]
    assert failed and all(p.diagnosis is None for p in failed)
    assert all(p.message and "1 / (1 + e^-z)" in p.message for p in failed if p.id == "sigmoid.scalar")
