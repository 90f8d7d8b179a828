"""The backpropagation lesson: the reference scores full marks, the stub 0 with "not implemented" everywhere, and
its corpus is graded right: each wrong submission (one classic mistake, ``<part>__<mistake>.py``) loses points in
its own part only, and each correct one, written in its own way, gets full marks."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.check import check
from grader.lesson import Lesson, load_lesson
from grader.model import PropertyStatus
from grader.quiz import PART as QUIZ
from grader.validate import signatures, validate

from ._corpus import assert_loses_points_in_its_own_part_only
from .conftest import ROOT, SUBMISSIONS

FOLDER = ROOT / "exercises" / "backpropagation"
STUB = FOLDER / "backpropagation.py"
REFERENCE = ROOT / "solutions" / "backpropagation" / "backpropagation.py"
CORPUS = SUBMISSIONS / "backpropagation"
PART_OF_PREFIX = {"relu": "ReLU.derivative", "sigmoid": "Sigmoid.derivative", "backward": "Layer.backward", "fit": "Perceptron.fit"}
WRONG = sorted((CORPUS / "wrong").glob("*.py"))
CORRECT = sorted((CORPUS / "correct").glob("*.py"))


@pytest.fixture(scope="module")
def lesson() -> Lesson:
    return load_lesson("backpropagation")


def test_validate_passes(lesson: Lesson) -> None:
    result = validate("backpropagation")
    assert result.ok, [f.what for f in result.findings if not f.ok]


def test_stub_mirrors_the_reference_and_the_course() -> None:
    stub, reference = signatures(STUB.read_text()), signatures(REFERENCE.read_text())
    assert stub == reference
    assert stub["Layer.backward"] == ["self", "da", "learning_rate"]
    assert stub["Perceptron.fit"] == ["self", "training_data", "labels", "epochs", "learning_rate"]
    text = STUB.read_text()
    for line in ("relu = ReLU()", "sigmoid = Sigmoid()", "dz = ...", "d_weights = ...", "d_biases = ...", "da_prev = ...",
                 "self.inputs = np.array(inputs).reshape(-1, 1)", "return da_prev"):
        assert line in text


def test_the_reference_gets_full_marks(lesson: Lesson) -> None:
    report = check(REFERENCE.parent, lesson)
    assert report.full_marks, [(p.id, p.message) for p in report.properties() if not p.passed]
    assert report.max_score == 22  # 20 for the code, 2 for the quiz beside it


def test_the_stub_gets_nothing_and_says_not_implemented(lesson: Lesson) -> None:
    report = check(STUB, lesson)
    assert report.score == 0
    code = [p for p in report.properties() if p.part != QUIZ]
    assert code and all(p.status is PropertyStatus.NOT_IMPLEMENTED for p in code)


def test_corpus_sizes() -> None:
    assert len(WRONG) >= 20
    assert len(CORRECT) >= 8
    assert {p.stem.split("__")[0] for p in WRONG} == set(PART_OF_PREFIX)


@pytest.mark.parametrize("path", WRONG, ids=lambda p: p.stem)
def test_wrong_submission_loses_points_in_its_own_part_only(path: Path, lesson: Lesson) -> None:
    report = check(path, lesson)
    wrong_part = PART_OF_PREFIX[path.stem.split("__")[0]]
    assert_loses_points_in_its_own_part_only(report, wrong_part, path.stem)


@pytest.mark.parametrize("path", CORRECT, ids=lambda p: p.stem)
def test_correct_submission_gets_full_marks(path: Path, lesson: Lesson) -> None:
    report = check(path, lesson)
    assert report.full_marks, [(p.id, p.message) for p in report.properties() if not p.passed]


# the mistakes whose cause the report names, and the diagnosis it names
NAMED = {
    "relu__returns_z": "relu.returns-z",
    "sigmoid__is_sigmoid": "sigmoid.is-sigmoid",
    "sigmoid__of_activated_output": "sigmoid.of-output",
    "backward__derivative_of_activated": "backward.derivative-of-activated",
    "backward__da_prev_after_update": "backward.da-prev-after-update",
    "backward__rate_sign": "backward.rate-sign",
    "backward__weights_not_transposed": "backward.weights-transposed",
    "backward__bias_sum_axis0": "backward.biases-shape",
    "fit__no_shuffle": "fit.no-shuffle",
    "fit__shuffle_once": "fit.shuffle-once",
    "fit__shuffled_apart": "fit.shuffled-apart",
    "fit__forward_order": "fit.forward-order",
    "fit__da_sign": "fit.da-sign",
    "fit__epochs_plus_one": "fit.epochs-off-by-one",
}


@pytest.mark.parametrize("name", sorted(NAMED))
def test_classic_mistakes_are_diagnosed(name: str, lesson: Lesson) -> None:
    report = check(CORPUS / "wrong" / f"{name}.py", lesson)
    diagnoses = {p.diagnosis for p in report.properties() if not p.passed}
    assert NAMED[name] in diagnoses, diagnoses


@pytest.mark.parametrize("path", CORRECT[:3], ids=lambda p: p.stem)
def test_no_diagnosis_on_a_correct_submission(path: Path, lesson: Lesson) -> None:
    from grader.diagnosis import recognise_submission

    found = recognise_submission(path, lesson)
    assert all(not findings for findings in found.values()), found


def test_the_notebook_is_up_to_date(lesson: Lesson) -> None:
    from grader.nbgrader.export import student_notebook_text

    assert (FOLDER / "backpropagation.ipynb").read_text(encoding="utf-8") == student_notebook_text(lesson)
