"""A lesson's quiz: multiple-choice questions graded as a part of their own, ``quiz``, of kind ``quiz``: the engine
grades it with the code's parts (:func:`quiz_part`), its properties being the questions.

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
    hints = ["..."]                       # for `grader hint quiz`, and the first one after a wrong answer
    [[questions.wrong]]                   # one for every wrong option: why it is wrong, shown when it is chosen
    option = "a"
    explanation = "..."                   # never names the right letter nor gives the right option away

The student writes ``bias = "b"`` in the answers file, or in a notebook's quiz cell (see :mod:`grader.notebook`).
A wrong answer is told why it is wrong, never which answer is right, so the points are earned on the next run
only by thinking again. An answers file that is not valid TOML is read line by line: each line that cannot be
read is named, and the answers on the other lines are graded. A submission without an answers file beside it (a lone
``.py`` file, as a test suite or a batch run passes it) has no quiz part at all: its score is that of its code,
and the report names the quiz among its ``skipped_parts`` (so every output can say why its maximum is lower).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from .errors import LessonError
from .i18n import _
from .model import PartResult, PropertyResult, PropertyStatus, SkippedPart

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
    wrong: tuple[str, ...]  # for every option, why it is wrong ("" for the right one)
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
            wrong = {str(entry["option"]).strip().lower(): str(entry["explanation"]) for entry in item.get("wrong", [])}
            expected = set(LETTERS[: len(options)]) - {answer}
            if set(wrong) != expected or not all(wrong.values()):
                raise ValueError(f"question {item['id']!r}: [[questions.wrong]] must explain each wrong option "
                                 f"({', '.join(sorted(expected))}), and only those")
            questions.append(
                Question(
                    id=str(item["id"]),
                    title=str(item["title"]),
                    points=float(item.get("points", 1)),
                    question=str(item["question"]),
                    options=options,
                    answer=LETTERS.index(answer),
                    wrong=tuple(wrong.get(letter, "") for letter in LETTERS[: len(options)]),
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


@dataclass
class Answers:
    """What could be read of an answers text: the answers by key, and the lines that could not be read."""

    values: dict[str, object]
    bad_lines: list[tuple[int, str | None, str]]  # (line, the key it seems to answer or None, why it cannot be read)
    twice: dict[str, list[int]]  # keys answered on more than one line


_KEY = re.compile(r"^\s*[\"']?([A-Za-z0-9_-]+)[\"']?\s*=")
_AT = re.compile(r"\s*\(at line \d+, column \d+\)|\s*\(at end of document\)")


def read_answers(text: str) -> Answers:
    """Parse an answers text; when it is not valid TOML as a whole, line by line."""
    try:
        return Answers(dict(tomllib.loads(text)), [], {})
    except tomllib.TOMLDecodeError:
        pass
    values: dict[str, object] = {}
    lines: dict[str, list[int]] = {}
    bad: list[tuple[int, str | None, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            parsed = tomllib.loads(line)
        except tomllib.TOMLDecodeError as exc:
            key = _KEY.match(line)
            bad.append((number, key.group(1) if key else None, _AT.sub("", str(exc)).strip()))
            continue
        for key, value in parsed.items():
            values.setdefault(key, value)
            lines.setdefault(key, []).append(number)
    return Answers(values, bad, {key: found for key, found in lines.items() if len(found) > 1})


def grade_answers(quiz: Quiz, path: Path) -> PartResult:
    """Grade the answers file at ``path`` (which exists)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problem = _("{file} cannot be read: {reason}.").format(file=path.name, reason=getattr(exc, "strerror", None) or exc)
        return PartResult(id=PART, title=_(quiz.title), properties=[_result(q, False, problem + "\n" + q.text()) for q in quiz.questions])
    return grade_text(quiz, text, path.name, lambda line: _("line {line} of {file}").format(line=line, file=path.name))


def grade_text(quiz: Quiz, text: str, where: str, locate: Callable[[int], str]) -> PartResult:
    """Grade the answers in ``text``, which comes from ``where`` (a file's name, or a notebook's quiz cell);
    ``locate`` names one of its lines ("line 2 of quiz.toml", "cell 9, line 2")."""
    answers = read_answers(text)
    results = []
    for question in quiz.questions:
        key = question.id
        first_hint = _(question.hints[0]) if question.hints else None
        bad = [(line, reason) for line, line_key, reason in answers.bad_lines if line_key == key]
        unknown = [line for line, line_key, _reason in answers.bad_lines if line_key not in {q.id for q in quiz.questions}]
        if key in answers.twice:
            message = _("{key} is answered more than once ({lines}): keep one answer.").format(
                key=key, lines=", ".join(locate(line) for line in answers.twice[key]))
            results.append(_result(question, False, message + "\n" + question.text(), first_hint))
            continue
        if key not in answers.values and bad:
            line, reason = bad[0]
            message = _("{where} is not valid TOML ({reason}): write the letter between quotes, as {key} = \"a\".").format(
                where=locate(line), reason=reason, key=key)
            results.append(_result(question, False, message + "\n" + question.text(), first_hint))
            continue
        given = _normalise(answers.values.get(key, ""))
        if not given:
            message = _("Not answered yet. Write the letter of your answer in {file}, as {key} = \"a\".").format(file=where, key=key)
            if unknown:
                message += " " + _("({lines} cannot be read.)").format(lines=", ".join(locate(line) for line in unknown))
            results.append(_result(question, False, message + "\n" + question.text(), first_hint))
        elif len(given) != 1 or given not in question.letters:
            message = _("Your answer \"{answer}\" is not one of the letters {letters}.").format(
                answer=given, letters=", ".join(question.letters))
            results.append(_result(question, False, message + "\n" + question.text(), first_hint))
        elif question.letters.index(given) == question.answer:
            results.append(_result(question, True))
        else:
            chosen = question.letters.index(given)
            message = "\n".join([
                _("You answered {letter}) {option}").format(letter=given, option=_(question.options[chosen])),
                _(question.wrong[chosen]),
                _("Think again and choose another answer."),
            ])
            results.append(_result(question, False, message, first_hint))
    return PartResult(id=PART, title=_(quiz.title), properties=results)


def grade_quiz(folder: Path, submission: Path) -> PartResult | None:
    """The quiz part for a submission of the lesson in ``folder``: from a notebook's quiz cell, else from the answers
    file beside it; None without a quiz, or with neither."""
    quiz = load_quiz(folder)
    if quiz is None:
        return None
    path = answers_path(quiz, submission)
    notebook = submission if submission.suffix == ".ipynb" else None
    if notebook is None and submission.is_dir() and not path.is_file():
        found = sorted(submission.glob("*.ipynb"))
        notebook = found[0] if len(found) == 1 else None
    if notebook is not None and notebook.is_file():
        from .notebook import notebook_quiz

        cell = notebook_quiz(notebook)
        if cell is not None:
            number, text = cell
            return grade_text(quiz, text, _("the quiz cell (cell {cell})").format(cell=number),
                              lambda line: _("cell {cell}, line {line}").format(cell=number, line=line))
    if not path.is_file():
        return None
    return grade_answers(quiz, path)


def quiz_part(folder: Path, submission: Path | None, reason: str | None = None) -> PartResult | SkippedPart | None:
    """The quiz part of a submission of the lesson in ``folder``, as the engine grades a part of kind ``quiz``:
    graded from the answers beside ``submission``; without answers (or without a submission to look beside, when
    ``reason`` says why) a :class:`SkippedPart`, not counted in the maximum; None when the lesson has no quiz."""
    quiz = load_quiz(folder)
    if quiz is None:
        return None
    if submission is not None:
        part = grade_quiz(folder, submission)
        if part is not None:
            return part
        reason = _("there is no {file} beside the code").format(file=quiz.answers)
    return SkippedPart(PART, _(quiz.title), sum(q.points for q in quiz.questions), reason or _("the submission was not graded"))
