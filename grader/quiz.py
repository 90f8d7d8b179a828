"""A lesson's quiz: multiple-choice questions graded as a part of their own, ``quiz``.

The questions are lesson data, in ``.meta/quiz.toml`` (English; other languages come from the lesson's
catalogue)::

    answers = "quiz.toml"                 # the file beside the student's code that holds the answers
    [[questions]]
    id = "bias"                           # the key the student answers under; the property id is quiz.<id>
    title = "the role of the bias"        # the test's name in reports
    points = 1
    question = "What does the bias do?"
    options = ["...", "...", "..."]       # 2 to 8 options: a, b, c, ...
    answer = "b"
    explanation = "..."                   # shown after a wrong answer
    hints = ["..."]                       # for `grader hint quiz`

The student writes ``bias = "b"`` in the answers file. A submission without an answers file beside it (a lone
``.py`` file, as a test suite or a batch run passes it) has no quiz part at all: its score is that of its code.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from .errors import LessonError
from .i18n import _
from .model import PartResult, PropertyResult, PropertyStatus, Report

PART = "quiz"
LETTERS = "abcdefgh"


@dataclass(frozen=True)
class Question:
    id: str
    title: str
    points: float
    question: str
    options: tuple[str, ...]
    answer: int  # index into options
    explanation: str
    hints: tuple[str, ...]

    @property
    def property_id(self) -> str:
        return f"{PART}.{self.id}"

    @property
    def letters(self) -> str:
        return LETTERS[: len(self.options)]

    def text(self) -> str:
        """The question and its options in the current language, one per line."""
        lines = [_(self.question)]
        lines += [f"  {letter}) {_(option)}" for letter, option in zip(self.letters, self.options, strict=True)]
        return "\n".join(lines)


@dataclass(frozen=True)
class Quiz:
    title: str
    answers: str  # the name of the answers file beside the submission
    questions: tuple[Question, ...]

    def question(self, question_id: str) -> Question | None:
        for question in self.questions:
            if question.id == question_id or question.property_id == question_id:
                return question
        return None


def load_quiz(folder: Path) -> Quiz | None:
    """The quiz of the lesson in ``folder``, or None if it has none."""
    path = folder / ".meta" / "quiz.toml"
    if not path.is_file():
        return None
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        questions = []
        for item in raw["questions"]:
            options = tuple(str(option) for option in item["options"])
            answer = str(item["answer"]).strip().lower()
            if not 2 <= len(options) <= len(LETTERS) or answer not in LETTERS[: len(options)]:
                raise ValueError(f"question {item['id']!r}: 2 to {len(LETTERS)} options and an answer among their letters")
            questions.append(
                Question(
                    id=str(item["id"]),
                    title=str(item["title"]),
                    points=float(item.get("points", 1)),
                    question=str(item["question"]),
                    options=options,
                    answer=LETTERS.index(answer),
                    explanation=str(item["explanation"]),
                    hints=tuple(str(h) for h in item.get("hints", [])),
                )
            )
        return Quiz(title=str(raw.get("title", "Quiz")), answers=str(raw.get("answers", "quiz.toml")), questions=tuple(questions))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise LessonError(f"{path}: {exc}") from exc


def answers_path(quiz: Quiz, submission: Path) -> Path:
    """Where the answers are for a submission: beside the file, or inside the folder."""
    folder = submission if submission.is_dir() else submission.parent
    return folder / quiz.answers


def _normalise(answer: object) -> str:
    text = str(answer).strip().lower()
    return text.rstrip(").").strip()


def _result(question: Question, passed: bool, message: str | None = None, hint: str | None = None) -> PropertyResult:
    return PropertyResult(
        id=question.property_id,
        part=PART,
        title=_(question.title),
        max_points=question.points,
        points=question.points if passed else 0.0,
        status=PropertyStatus.PASSED if passed else PropertyStatus.FAILED,
        message=message,
        hint=hint,
    )


def grade_answers(quiz: Quiz, path: Path) -> PartResult:
    """Grade the answers file at ``path`` (which exists)."""
    answers: dict[str, object] = {}
    problem = None
    try:
        answers = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        problem = _("{file} cannot be read: {reason}.").format(file=path.name, reason=getattr(exc, "strerror", None) or exc)
    except tomllib.TOMLDecodeError as exc:
        example = quiz.questions[0].id if quiz.questions else "answer"
        problem = _("{file} is not valid TOML ({reason}); answer like this: {key} = \"a\".").format(file=path.name, reason=exc, key=example)
    results = []
    for question in quiz.questions:
        first_hint = _(question.hints[0]) if question.hints else None
        if problem is not None:
            results.append(_result(question, False, problem + "\n" + question.text()))
            continue
        given = _normalise(answers.get(question.id, ""))
        if not given:
            message = _("Not answered yet. Write the letter of your answer in {file}, as {key} = \"a\".").format(file=path.name, key=question.id)
            results.append(_result(question, False, message + "\n" + question.text(), first_hint))
        elif len(given) != 1 or given not in question.letters:
            message = _("Your answer \"{answer}\" is not one of the letters {letters}.").format(
                answer=given, letters=", ".join(question.letters))
            results.append(_result(question, False, message + "\n" + question.text(), first_hint))
        elif question.letters.index(given) == question.answer:
            results.append(_result(question, True))
        else:
            chosen = question.letters.index(given)
            right = question.letters[question.answer]
            message = "\n".join([
                _("You answered {letter}) {option}").format(letter=given, option=_(question.options[chosen])),
                _("The right answer is {letter}) {option}").format(letter=right, option=_(question.options[question.answer])),
                _(question.explanation),
            ])
            results.append(_result(question, False, message))
    return PartResult(id=PART, title=_(quiz.title), properties=results)


def grade_quiz(folder: Path, submission: Path) -> PartResult | None:
    """The quiz part for a submission of the lesson in ``folder``; None without a quiz or an answers file."""
    quiz = load_quiz(folder)
    if quiz is None:
        return None
    path = answers_path(quiz, submission)
    if not path.is_file():
        return None
    return grade_answers(quiz, path)


def add_quiz(report: Report, folder: Path, submission: Path) -> Report:
    """Append the quiz part to a report when the submission has an answers file beside it."""
    part = grade_quiz(folder, submission)
    if part is not None:
        report.parts.append(part)
    return report
