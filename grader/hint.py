"""Progressive hints: ``grader hint [PART]`` grades the submission and shows the next hint for the first test
that is not yet right (in PART, or in the first part that is not fully right).

The hints come from the lesson's metadata: a diagnosed mistake's hint first (it is what the report shows),
then the property's hints in ``lesson.toml`` in order; for the quiz, each question's hints. Which hints were
shown is remembered per submission and test in a small JSON file in the user's cache folder
(``$XDG_CACHE_HOME/neuron-grader/hints.json``), so each call goes one step further. Hints come before a
solution: the reference solution is never read here.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError
from .i18n import _
from .lesson import Lesson
from .model import PartResult, PropertyResult
from .quiz import PART as QUIZ
from .quiz import answers_path, grade_quiz, load_quiz

STATE_NAME = "hints.json"


def state_file() -> Path:
    """Where shown hints are remembered."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "neuron-grader" / STATE_NAME


def _load_state(path: Path) -> dict[str, int]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): int(v) for k, v in data.items() if isinstance(v, int)}


def _save_state(path: Path, state: dict[str, int]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(state, indent=1, sort_keys=True), encoding="utf-8")
        temporary.replace(path)
    except OSError:
        pass  # a hint is still shown; it is only not remembered


@dataclass
class Hint:
    """The outcome of asking for a hint."""

    part: str | None = None  # the part id the hint is for; None when everything asked about is right
    part_title: str = ""
    test: str = ""  # the property's title
    text: str | None = None
    number: int = 0  # 1-based
    total: int = 0


def _hints_for(prop: PropertyResult, lesson: Lesson) -> list[str]:
    hints: list[str] = []
    if prop.hint:
        hints.append(prop.hint)
    if prop.part == QUIZ:
        quiz = load_quiz(lesson.folder)
        question = quiz.question(prop.id) if quiz else None
        more = [_(h) for h in question.hints] if question else []
    else:
        more = [h for spec in lesson.properties if spec.id == prop.id for h in spec.hints]
    for hint in more:
        if hint not in hints:
            hints.append(hint)
    return hints


def _graded_parts(path: Path, lesson: Lesson, part: str | None, isolation: str) -> list[PartResult]:
    from .check import check

    if part == QUIZ:
        quiz = load_quiz(lesson.folder)
        if quiz is None:
            raise UsageError(_("the lesson {lesson} has no quiz").format(lesson=lesson.id))
        result = grade_quiz(lesson.folder, path)
        if result is None:
            raise UsageError(_("no quiz answers found: {file} does not exist").format(file=answers_path(quiz, path)))
        return [result]
    if part is not None:
        lesson = dataclasses.replace(lesson, parts=[lesson.part(part)], properties=lesson.properties_of(part))
    report = check(path, lesson, isolation=isolation)
    return [p for p in report.parts if part is None or p.id == part]


def next_hint(path: Path, lesson: Lesson, part: str | None = None, isolation: str = "auto", remember: bool = True) -> Hint:
    """Grade the submission at ``path`` and return the next hint for the first test that is not yet right."""
    known = [p.id for p in lesson.parts] + ([QUIZ] if load_quiz(lesson.folder) is not None else [])
    if part is not None and part not in known:
        raise UsageError(_("unknown part {part}; the parts are: {parts}").format(part=part, parts=", ".join(known)))
    for graded in _graded_parts(path, lesson, part, isolation):
        for prop in graded.properties:
            if prop.passed:
                continue
            hints = _hints_for(prop, lesson)
            hint = Hint(part=graded.id, part_title=graded.title, test=prop.title, total=len(hints))
            if not hints:
                return hint
            store = state_file()
            state = _load_state(store)
            key = f"{path.resolve()}|{lesson.id}|{prop.id}"
            shown = state.get(key, 0)
            index = min(shown, len(hints) - 1)
            hint.text, hint.number = hints[index], index + 1
            if remember:
                state[key] = min(shown + 1, len(hints))
                _save_state(store, state)
            return hint
    return Hint(part=None, part_title=part or "")


def forget(path: Path, lesson: Lesson) -> int:
    """Forget which hints were shown for this submission; returns how many tests had hints shown."""
    store = state_file()
    state = _load_state(store)
    prefix = f"{path.resolve()}|{lesson.id}|"
    kept = {k: v for k, v in state.items() if not k.startswith(prefix)}
    _save_state(store, kept)
    return len(state) - len(kept)


def render(hint: Hint) -> str:
    """The hint as the few lines ``grader hint`` prints."""
    if hint.part is None:
        if hint.part_title:
            return _("{part} is right: no hint needed.").format(part=hint.part_title) + "\n"
        return _("Everything is right: no hint needed.") + "\n"
    lines = [f"{hint.part_title} · {hint.test}"]
    if hint.text is None:
        lines.append(_("There is no hint for this test; the report of grader check says what went wrong."))
        return "\n".join(lines) + "\n"
    lines.append(_("Hint {number} of {total}: {hint}").format(number=hint.number, total=hint.total, hint=hint.text))
    if hint.number < hint.total:
        lines.append(_("Run grader hint again for the next hint."))
    else:
        lines.append(_("That was the last hint for this test."))
    return "\n".join(lines) + "\n"
