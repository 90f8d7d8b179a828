"""Diagnoses of typical mistakes: each is recognised in a fresh submission that makes it, explained in English
and in Dutch, carried into the JSON and Gradescope reports, and never fires on a correct submission."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.check import check
from grader.cli import main
from grader.diagnosis import load_diagnoses, recognise_submission
from grader.i18n import set_language
from grader.lesson import Lesson, load_lesson
from grader.model import PropertyStatus

from ._mistakes import MISTAKES, UNREADABLE, VARIANTS, Mistake, submission, unreadable
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


# -- a ✓ is a fact: values that cannot be read fail the properties that need them, with one cause ---------------
INIT_AND_ACTIVATE = ("Neuron.__init__", "Neuron.activate")
NEEDS = {"weights": {"init.weights", "init.random", "init.uniform"}, "bias": {"init.bias", "init.random", "init.uniform"}}


def parts(lesson: Lesson, *ids: str) -> Lesson:
    return dataclasses.replace(lesson, parts=[lesson.part(p) for p in ids], properties=[s for p in ids for s in lesson.properties_of(p)])


@pytest.mark.parametrize("which", ["weights", "bias"])
@pytest.mark.parametrize("kind", list(UNREADABLE))
def test_unreadable_values_fail_what_needs_them_with_one_cause(which: str, kind: str, lesson: Lesson, tmp_path: Path) -> None:
    path = tmp_path / "neuron.py"
    path.write_text(unreadable(which, kind), encoding="utf-8")
    report = check(path, parts(lesson, *INIT_AND_ACTIVATE))
    init, activate = report.parts
    failed = {p.id for p in init.properties if not p.passed}
    assert failed == NEEDS[which], [(p.id, p.message) for p in init.properties]
    causes = {p.diagnosis for p in init.properties if not p.passed}
    assert causes == {f"init.{which}-unreadable"}, causes
    messages = {p.message for p in init.properties if not p.passed}
    assert len(messages) == 1, messages  # one cause, said in the same words: the report can say it once
    message = messages.pop()
    assert message is not None and f"self.{which} is " in message and "cannot read" in message, message
    # activate is graded on values the grader sets, says that it could not use the student's own, and loses nothing
    assert activate.points == activate.max_points, [(p.id, p.message) for p in activate.properties]
    assert any("your own Neuron(n) gives no weights and bias" in note for p in activate.properties for note in p.notes)


# -- activate on the student's own Neuron(n) --------------------------------------------------------------------
LIST_WEIGHTS = "        self.weights = [np.random.uniform(-1, 1) for _ in range(n_inputs)]\n        self.bias = np.random.uniform(-1, 1)\n"
OWN_LIST_WEIGHTS = {
    "sum-of-products": "        return sigmoid(sum(self.weights * inputs) + self.bias)\n",
    "matmul": "        return sigmoid(self.weights @ inputs + self.bias)\n",
    "np-sum-of-products": "        return sigmoid(np.sum(self.weights * inputs) + self.bias)\n",
}


@pytest.mark.parametrize("activate", list(OWN_LIST_WEIGHTS.values()), ids=list(OWN_LIST_WEIGHTS))
def test_activate_with_its_own_list_weights_loses_points_in_activate_only(activate: str, lesson: Lesson, tmp_path: Path) -> None:
    path = tmp_path / "neuron.py"
    path.write_text(submission("own list weights", Mistake("Neuron.activate", {"init": LIST_WEIGHTS, "activate": activate})), encoding="utf-8")
    report = check(path, parts(lesson, *INIT_AND_ACTIVATE))
    init, on_activate = report.parts
    assert init.points == init.max_points
    failed = [p for p in on_activate.properties if not p.passed]
    assert [p.id for p in failed] == ["activate.inputs"], [(p.id, p.message) for p in failed]
    assert failed[0].message and "TypeError" in failed[0].message and "Neuron(" in failed[0].message
    assert failed[0].counterexample is not None and failed[0].counterexample.call.startswith("n = Neuron(")


def test_activate_with_its_own_list_weights_done_right_passes(lesson: Lesson, tmp_path: Path) -> None:
    path = tmp_path / "neuron.py"
    path.write_text(submission("own list weights", Mistake("Neuron.activate", {"init": LIST_WEIGHTS})), encoding="utf-8")
    report = check(path, parts(lesson, *INIT_AND_ACTIVATE))
    assert report.full_marks, [(p.id, p.message) for p in report.properties() if not p.passed]
    assert not any("gives no weights and bias" in note for p in report.properties() for note in p.notes)


# -- sigmoid at the extremes, and left unchanged --------------------------------------------------------------------
OVERFLOWING = {
    "e-power": "def sigmoid(z):\n    return 1 / (1 + np.e ** (-z))\n",
    "pow-math-e": "def sigmoid(z):\n    return 1 / (1 + pow(math.e, -z))\n",
}


@pytest.mark.parametrize("sigmoid", list(OVERFLOWING.values()), ids=list(OVERFLOWING))
def test_a_sigmoid_that_overflows_only_for_python_floats_gets_full_marks_with_a_note(sigmoid: str, lesson: Lesson, tmp_path: Path) -> None:
    path = tmp_path / "neuron.py"
    path.write_text(submission("overflow", Mistake("sigmoid", {"sigmoid": sigmoid})), encoding="utf-8")
    report = check(path, only(lesson, "sigmoid"))
    assert report.full_marks, [(p.id, p.message) for p in report.properties() if not p.passed]
    notes = [note for p in report.properties() for note in p.notes]
    assert any("OverflowError" in note and "Python float" in note for note in notes), notes
    assert all(p.diagnosis is None for p in report.properties())


def test_math_exp_still_fails_range_on_numpy_floats(lesson: Lesson, tmp_path: Path) -> None:
    report = check(write(tmp_path, "sigmoid.math-exp", MISTAKES["sigmoid.math-exp"]), only(lesson, "sigmoid"))
    by_id = {p.id: p for p in report.properties()}
    assert not by_id["sigmoid.range"].passed and not by_id["sigmoid.array"].passed
    assert by_id["sigmoid.range"].counterexample is not None and "np.float64" in by_id["sigmoid.range"].counterexample.call
    assert by_id["sigmoid.scalar"].passed and by_id["sigmoid.pure"].passed


def test_a_sigmoid_that_writes_into_its_argument_loses_the_pure_property_only(lesson: Lesson, tmp_path: Path) -> None:
    in_place = "def sigmoid(z):\n    if isinstance(z, np.ndarray):\n        np.negative(z, out=z)\n        np.exp(z, out=z)\n        z += 1\n" \
               "        np.reciprocal(z, out=z)\n        return z\n    return 1 / (1 + np.exp(-z))\n"
    path = tmp_path / "neuron.py"
    path.write_text(submission("in place", Mistake("sigmoid", {"sigmoid": in_place})), encoding="utf-8")
    report = check(path, only(lesson, "sigmoid"))
    assert [p.id for p in report.properties() if not p.passed] == ["sigmoid.pure"]
    failed = next(p for p in report.properties() if not p.passed)
    assert failed.message and "changed z" in failed.message


# -- diagnoses agree with every result beside them ------------------------------------------------------------------
WRONG = sorted((SUBMISSIONS / "wrong").glob("*.py"))


@pytest.fixture(scope="module")
def wrong_reports(lesson: Lesson) -> dict[str, object]:
    return {path.stem: check(path, lesson) for path in WRONG}


@pytest.mark.parametrize("path", WRONG, ids=lambda p: p.stem)
def test_a_diagnosis_is_given_only_where_every_result_agrees(path: Path, lesson: Lesson, wrong_reports: dict[str, object]) -> None:
    report = wrong_reports[path.stem]
    specs = load_diagnoses(lesson.folder, lesson.id).specs
    for part in report.parts:  # type: ignore[attr-defined]
        failed = {p.id for p in part.properties if p.status is PropertyStatus.FAILED}
        for prop in part.properties:
            if prop.diagnosis is None:
                continue
            spec = specs[prop.diagnosis]
            assert prop.status is PropertyStatus.FAILED and spec.part == part.id
            assert set(spec.requires) <= failed, (prop.diagnosis, spec.requires, failed)
            assert spec.explains(prop.id), (prop.diagnosis, prop.id)


NUMBER_AFTER = {"count": re.compile(r"over ([\d,.]+) "), "smallest": re.compile(r"the smallest(?: bias)? was (-?[\d.e-]+\d)")}


@pytest.mark.parametrize("path", WRONG, ids=lambda p: p.stem)
def test_a_diagnosis_quotes_the_sample_of_the_counterexample_beside_it(path: Path, wrong_reports: dict[str, object]) -> None:
    report = wrong_reports[path.stem]
    for prop in report.properties():  # type: ignore[attr-defined]
        if prop.diagnosis is None or prop.counterexample is None or not prop.counterexample.returned:
            continue
        for name, pattern in NUMBER_AFTER.items():
            said, shown = pattern.search(prop.message or ""), pattern.search(prop.counterexample.returned)
            if said and shown:
                assert said.group(1) == shown.group(1), (prop.id, name, prop.message, prop.counterexample.returned)


def test_the_nonnegative_diagnoses_quote_their_counterexample(wrong_reports: dict[str, object]) -> None:
    quoted = 0
    for stem in ("init__rand", "init__uniform_0_1", "init__bias_positive"):
        for prop in wrong_reports[stem].properties():  # type: ignore[attr-defined]
            if prop.diagnosis in ("init.weights-rand", "init.bias-nonnegative") and prop.counterexample is not None:
                assert NUMBER_AFTER["smallest"].search(prop.message) and NUMBER_AFTER["smallest"].search(prop.counterexample.returned)
                quoted += 1
    assert quoted >= 3
