"""The lesson's quiz: questions as lesson data, answers in a file beside the code, graded as the part `quiz`."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.check import check
from grader.cli import main
from grader.i18n import _, set_language
from grader.lesson import Lesson
from grader.model import PropertyStatus
from grader.quiz import grade_quiz, load_quiz

from .conftest import REFERENCE, STUB

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@pytest.fixture(autouse=True)
def english() -> object:
    set_language("en")
    yield
    set_language("en")


def folder_with(tmp_path: Path, answers: str | None, code: Path = REFERENCE) -> Path:
    folder = tmp_path / "student"
    folder.mkdir(parents=True)
    shutil.copy(code, folder / "neuron.py")
    if answers is not None:
        (folder / "quiz.toml").write_text(answers, encoding="utf-8")
    return folder


def quiz_part(report: object) -> object:
    return next(p for p in report.parts if p.id == "quiz")  # type: ignore[attr-defined]


def test_the_lesson_has_two_multiple_choice_questions_in_english_and_dutch(lesson: Lesson) -> None:
    quiz = load_quiz(lesson.folder)
    assert quiz is not None and [q.id for q in quiz.questions] == ["bias", "init"]
    texts = []
    for question in quiz.questions:
        assert 3 <= len(question.options) <= 4
        assert 0 <= question.answer < len(question.options)
        assert question.hints
        # every wrong option says why it is wrong; the right one has nothing to explain
        assert [bool(why) for why in question.wrong] == [i != question.answer for i in range(len(question.options))]
        texts += [question.title, question.question, *question.options, *question.hints, *filter(None, question.wrong)]
    set_language("nl")
    for text in texts:
        assert _(text) != text, text


def test_the_stub_folder_has_an_empty_answers_file_that_matches_the_questions(lesson: Lesson) -> None:
    quiz = load_quiz(lesson.folder)
    assert quiz is not None
    answers = STUB.parent / quiz.answers
    assert tomllib.loads(answers.read_text(encoding="utf-8")) == {q.id: "" for q in quiz.questions}
    comments = " ".join(line.lstrip("# ").strip() for line in answers.read_text(encoding="utf-8").splitlines() if line.startswith("#"))
    for question in quiz.questions:
        assert question.question in comments
        for letter, option in zip(question.letters, question.options, strict=True):
            assert f"{letter}) {option}" in comments, option


def test_reference_with_its_answers_gets_full_marks(lesson: Lesson) -> None:
    report = check(REFERENCE, lesson)
    assert report.full_marks and report.score == report.max_score == 19
    assert quiz_part(report).points == 2  # type: ignore[attr-defined]
    result = CliRunner().invoke(main, ["check", str(REFERENCE)])
    assert result.exit_code == 0 and "Quiz  2/2" in result.output


def test_a_lone_file_without_answers_has_no_quiz_part(lesson: Lesson, tmp_path: Path) -> None:
    folder = folder_with(tmp_path, None)
    report = check(folder / "neuron.py", lesson)
    assert [p.id for p in report.parts] == [p.id for p in lesson.parts]
    assert report.full_marks and report.max_score == 17


def test_right_answers_in_any_spelling(lesson: Lesson, tmp_path: Path) -> None:
    part = grade_quiz(lesson.folder, folder_with(tmp_path, 'bias = "B"\ninit = " c) "\n'))
    assert part is not None and part.passed and part.points == 2


@pytest.mark.parametrize("language", ["en", "nl"])
def test_a_wrong_answer_is_explained_without_giving_the_right_one_away(lesson: Lesson, tmp_path: Path, language: str) -> None:
    quiz = load_quiz(lesson.folder)
    assert quiz is not None
    set_language(language)
    for question in quiz.questions:
        right = question.letters[question.answer]
        for chosen, letter in enumerate(question.letters):
            if letter == right:
                continue
            others = {q.id: q.letters[q.answer] for q in quiz.questions if q is not question}
            answers = "".join(f'{key} = "{value}"\n' for key, value in {question.id: letter, **others}.items())
            part = grade_quiz(lesson.folder, folder_with(tmp_path / f"{question.id}-{letter}-{language}", answers))
            assert part is not None
            result = next(p for p in part.properties if p.id == question.property_id)
            assert result.status is PropertyStatus.FAILED and result.points == 0
            assert all(p.passed for p in part.properties if p is not result)
            assert result.message is not None and result.hint == _(question.hints[0])
            assert _("You answered {letter}) {option}").format(letter=letter, option=_(question.options[chosen])) in result.message
            assert _(question.wrong[chosen]) in result.message  # why this choice is wrong
            # nothing names the right answer: not its letter, not its text
            assert f"{right})" not in result.message and _(question.options[question.answer]) not in result.message


def test_unanswered_and_invalid_answers_show_the_question(lesson: Lesson, tmp_path: Path) -> None:
    part = grade_quiz(lesson.folder, folder_with(tmp_path, 'bias = ""\ninit = "e"\n'))
    assert part is not None
    bias, init = part.properties
    assert bias.message and "Not answered yet" in bias.message and "What does the bias do" in bias.message
    assert "  d) " in bias.message and bias.hint
    assert init.message and '"e" is not one of the letters a, b, c' in init.message and "  c) " in init.message


def test_a_typo_names_its_line_and_the_other_answers_are_graded(lesson: Lesson, tmp_path: Path) -> None:
    part = grade_quiz(lesson.folder, folder_with(tmp_path, '# my answers\nbias = b\ninit = "c"\n'))
    assert part is not None
    bias, init = part.properties
    assert init.passed and part.points == 1
    assert bias.message is not None and bias.message.startswith("line 2 of quiz.toml is not valid TOML (")
    assert 'as bias = "a"' in bias.message and "column" not in bias.message.splitlines()[0]
    # and the other way round: each message names its own key
    part = grade_quiz(lesson.folder, folder_with(tmp_path / "b", 'bias = "b"\ninit = c)\n'))
    assert part is not None
    bias, init = part.properties
    assert bias.passed and init.message is not None
    assert init.message.startswith("line 2 of quiz.toml is not valid TOML") and 'as init = "a"' in init.message
    assert "bias =" not in init.message


def test_unanswered_and_unreadable_lines_each_name_their_own_key(lesson: Lesson, tmp_path: Path) -> None:
    part = grade_quiz(lesson.folder, folder_with(tmp_path, 'b\n'))
    assert part is not None and part.points == 0
    for prop, key in zip(part.properties, ["bias", "init"], strict=True):
        assert prop.message is not None and f'as {key} = "a"' in prop.message and "(line 1 of quiz.toml cannot be read.)" in prop.message
        other = "init" if key == "bias" else "bias"
        assert f"{other} =" not in prop.message


def test_an_answer_given_twice_is_not_graded(lesson: Lesson, tmp_path: Path) -> None:
    part = grade_quiz(lesson.folder, folder_with(tmp_path, 'bias = "b"\nbias = "a"\ninit = "c"\n'))
    assert part is not None
    bias, init = part.properties
    assert init.passed and not bias.passed
    assert bias.message is not None and "answered more than once (line 1 of quiz.toml, line 2 of quiz.toml)" in bias.message


def test_the_quiz_is_graded_in_dutch(lesson: Lesson, tmp_path: Path) -> None:
    folder = folder_with(tmp_path, 'bias = "a"\n')
    result = CliRunner().invoke(main, ["check", str(folder), "--lang", "nl"])
    assert "Jouw antwoord: a)" in result.output and "Inputs schalen doen de gewichten" in result.output
    assert "Het goede antwoord" not in result.output
    assert "Nog niet beantwoord" in result.output and "Waarom beginnen de gewichten" in result.output


def test_quiz_in_json_and_gradescope(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, 'bias = "b"\ninit = "a"\n')
    runner = CliRunner()
    data = json.loads(runner.invoke(main, ["check", str(folder), "--format", "json"]).output)
    quiz = next(p for p in data["parts"] if p["id"] == "quiz")
    assert [p["status"] for p in quiz["properties"]] == ["passed", "failed"]
    result = runner.invoke(main, ["check", str(folder), "--format", "gradescope"])
    assert result.exit_code == 1
    tests = {t["name"]: t for t in json.loads(result.output)["tests"]}
    assert tests["quiz: the role of the bias"]["score"] == 1
    assert tests["quiz: why the weights start small and random"]["status"] == "failed"


def test_the_quiz_is_graded_even_when_the_code_does_not_import(lesson: Lesson, tmp_path: Path) -> None:
    folder = folder_with(tmp_path, 'bias = "b"\ninit = "c"\n')
    (folder / "neuron.py").write_text("def sigmoid(z)\n    return z\n", encoding="utf-8")
    report = check(folder, lesson)
    assert not report.full_marks and quiz_part(report).points == 2  # type: ignore[attr-defined]


def test_the_quiz_part_is_driven_by_lesson_data(tmp_path: Path) -> None:
    lesson_folder = tmp_path / "lesson"
    (lesson_folder / ".meta").mkdir(parents=True)
    (lesson_folder / ".meta" / "quiz.toml").write_text(
        'answers = "antwoorden.toml"\n'
        '[[questions]]\nid = "q1"\ntitle = "first"\npoints = 2\nquestion = "Q?"\noptions = ["x", "y"]\nanswer = "b"\n'
        '[[questions.wrong]]\noption = "a"\nexplanation = "Because."\n'
        '[[questions]]\nid = "q2"\ntitle = "second"\nquestion = "R?"\noptions = ["x", "y", "z"]\nanswer = "a"\n'
        '[[questions.wrong]]\noption = "b"\nexplanation = "So."\n[[questions.wrong]]\noption = "c"\nexplanation = "No."\n',
        encoding="utf-8",
    )
    submission = tmp_path / "work" / "code.py"
    submission.parent.mkdir()
    assert grade_quiz(lesson_folder, submission) is None  # no answers file: no quiz part
    (submission.parent / "antwoorden.toml").write_text('q1 = "b"\nq2 = "b"\n', encoding="utf-8")
    part = grade_quiz(lesson_folder, submission)
    assert part is not None and part.max_points == 3 and part.points == 2
    assert [p.id for p in part.properties] == ["quiz.q1", "quiz.q2"]
