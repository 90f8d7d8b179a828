"""Progressive hints: ``grader hint [PATH] [PART]`` grades the submission and shows the next hint for the first
part that is not yet right (or for PART).

A part's hints go from a question or a pointer to a more concrete one: first every failed property's first
hint in ``lesson.toml``, then every second hint, and so on; last, the hint of a diagnosed mistake, which is the
most concrete (it is also what the report shows). For the quiz, each question's hints. None of them holds the
line of code that solves the part (``tests/test_hint.py`` compares them with the reference, statement by
statement). After a part's last hint, the next call goes on to the next part that is not yet right.

Which hints were shown is remembered per submission and part in a small JSON file in the user's cache folder
(``$XDG_CACHE_HOME/neuron-grader/hints.json``), as digests of the hints' texts: a hint that becomes relevant
later (a new mistake in the same part) is shown then. Hints come from the lesson's metadata: the reference
solution is never read here.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError
from .i18n import _
from .lesson import Lesson
from .model import PartResult, PropertyResult, PropertyStatus
from .quiz import PART as QUIZ
from .quiz import answers_path, grade_quiz, load_quiz

STATE_NAME = "hints.json"


def state_file() -> Path:
    """Where shown hints are remembered."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "neuron-grader" / STATE_NAME


def _load_state(path: Path) -> dict[str, list[str]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): [str(d) for d in v] for k, v in data.items() if isinstance(v, list)}  # older files held counts: ignored


def _save_state(path: Path, state: dict[str, list[str]]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(state, indent=1, sort_keys=True), encoding="utf-8")
        temporary.replace(path)
    except OSError:
        pass  # a hint is still shown; it is only not remembered


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass
class Hint:
    """The outcome of asking for a hint."""

    part: str | None = None  # the part id the hint is for; None when everything asked about is right
    part_title: str = ""
    test: str = ""  # the title of the property the hint is about
    text: str | None = None
    number: int = 0  # 1-based, in the part's hints
    total: int = 0  # the part's hints
    more: bool = False  # this part has hints not shown yet
    following: str = ""  # the title of the next part not yet right that has hints not shown yet
    blocked: str | None = None  # the submission could not be graded: why (the report's sentence)
    exhausted: bool = False  # every hint of the parts not yet right was shown already


def known_parts(lesson: Lesson) -> list[str]:
    return [p.id for p in lesson.parts] + ([QUIZ] if load_quiz(lesson.folder) is not None else [])


def split_arguments(arguments: tuple[str, ...] | list[str], path: Path | None, lesson: Lesson) -> tuple[Path | None, str | None]:
    """The PATH and PART of ``grader hint [PATH] [PART]``, in either order (``-s PATH`` is the old spelling).

    A lesson's part id is the part; an argument that names a file or a folder, or looks like a path, is the
    submission; anything else is taken as a part (and refused with the list of parts).
    """
    parts = known_parts(lesson)
    part: str | None = None
    for argument in arguments:
        looks_like_path = os.sep in argument or "/" in argument or Path(argument).suffix in (".py", ".ipynb") or Path(argument).exists()
        if argument in parts and part is None:
            part = argument
        elif path is None and looks_like_path:
            path = Path(argument)
        elif part is None and not looks_like_path:
            part = argument
        else:
            raise UsageError(_("unexpected argument {argument}: grader hint takes one PATH and one PART").format(argument=argument))
    return path, part


def _lesson_hints(prop: PropertyResult, lesson: Lesson) -> list[str]:
    if prop.part == QUIZ:
        quiz = load_quiz(lesson.folder)
        question = quiz.question(prop.id) if quiz else None
        return [_(h) for h in question.hints] if question else []
    return [h for spec in lesson.properties if spec.id == prop.id for h in spec.hints]


def part_hints(part: PartResult, lesson: Lesson) -> list[tuple[str, str]]:
    """The hints of a part that is not yet right, as (property title, hint), from the vaguest to the most
    concrete: each failed property's first hint, then each one's second, ...; a diagnosed mistake's hint last."""
    failed = [prop for prop in part.properties if not prop.passed]
    listed = [(prop, _lesson_hints(prop, lesson)) for prop in failed]
    hints: list[tuple[str, str]] = []
    seen: set[str] = set()
    for level in range(max((len(h) for _prop, h in listed), default=0)):
        for prop, own in listed:
            if level < len(own) and own[level] not in seen:
                seen.add(own[level])
                hints.append((prop.title, own[level]))
    for prop in failed:
        if prop.diagnosis is not None and prop.hint and prop.hint not in seen:
            seen.add(prop.hint)
            hints.append((prop.title, prop.hint))
    return hints


def _graded(path: Path, lesson: Lesson, part: str | None, isolation: str) -> tuple[str | None, list[PartResult]]:
    """The sentence that says why the code could not be graded (None if it could), and the graded parts."""
    from .check import check

    if part == QUIZ:
        quiz = load_quiz(lesson.folder)
        if quiz is None:
            raise UsageError(_("the lesson {lesson} has no quiz").format(lesson=lesson.id))
        result = grade_quiz(lesson.folder, path)
        if result is None:
            raise UsageError(_("no quiz answers found: {file} does not exist").format(file=answers_path(quiz, path)))
        return None, [result]
    if part is not None:
        lesson = dataclasses.replace(lesson, parts=[lesson.part(part)], properties=lesson.properties_of(part))
    report = check(path, lesson, isolation=isolation)
    blocked = None
    if any(prop.status is PropertyStatus.NOT_GRADED for prop in report.properties()):
        blocked = report.message or _("not graded")
    return blocked, [p for p in report.parts if part is None or p.id == part]


def next_hint(path: Path, lesson: Lesson, part: str | None = None, isolation: str = "auto", remember: bool = True) -> Hint:
    """Grade the submission at ``path`` and return the next hint for the first part that is not yet right."""
    known = known_parts(lesson)
    if part is not None and part not in known:
        raise UsageError(_("unknown part {part}; the parts are: {parts}").format(part=part, parts=", ".join(known)))
    blocked, graded = _graded(path, lesson, part, isolation)
    if blocked is not None:
        return Hint(part=None, blocked=blocked)
    failing = [(p, part_hints(p, lesson)) for p in graded if not p.passed]
    if not failing:
        return Hint(part=None, part_title=part or "")
    store = state_file()
    state = _load_state(store)
    prefix = f"{path.resolve()}|{lesson.id}|"
    unseen = [[i for i, (_test, text) in enumerate(hints) if _digest(text) not in state.get(prefix + p.id, [])] for p, hints in failing]
    for position, ((graded_part, hints), left) in enumerate(zip(failing, unseen, strict=True)):
        if not left:
            continue
        index = left[0]
        test, text = hints[index]
        later = [p.title for (p, _h), rest in zip(failing[position + 1:], unseen[position + 1:], strict=True) if rest]
        if remember:
            state.setdefault(prefix + graded_part.id, []).append(_digest(text))
            _save_state(store, state)
        return Hint(part=graded_part.id, part_title=graded_part.title, test=test, text=text, number=index + 1, total=len(hints),
                    more=len(left) > 1, following=later[0] if later else "")
    first, hints = failing[0]
    title = next((p.title for p in first.properties if not p.passed), "")
    return Hint(part=first.id, part_title=first.title, test=title, total=len(hints), exhausted=any(h for _p, h in failing))


def forget(path: Path, lesson: Lesson) -> int:
    """Forget which hints were shown for this submission; returns how many parts had hints shown."""
    store = state_file()
    state = _load_state(store)
    prefix = f"{path.resolve()}|{lesson.id}|"
    kept = {k: v for k, v in state.items() if not k.startswith(prefix)}
    _save_state(store, kept)
    return len(state) - len(kept)


def render(hint: Hint) -> str:
    """The hint as the few lines ``grader hint`` prints."""
    if hint.blocked is not None:
        return hint.blocked + "\n" + _("Your code could not be graded, so there is no hint yet: fix this first.") + "\n"
    if hint.part is None:
        if hint.part_title:
            return _("{part} is right: no hint needed.").format(part=hint.part_title) + "\n"
        return _("Everything is right: no hint needed.") + "\n"
    if hint.exhausted:
        return _("You have seen every hint for what is not right yet; the report of grader check says what went wrong, "
                 "and grader hint --reset starts the hints over.") + "\n"
    lines = [f"{hint.part_title} · {hint.test}"]
    if hint.text is None:
        lines.append(_("There is no hint for this test; the report of grader check says what went wrong."))
        return "\n".join(lines) + "\n"
    lines.append(_("Hint {number} of {total}: {hint}").format(number=hint.number, total=hint.total, hint=hint.text))
    if hint.more:
        lines.append(_("Run grader hint again for the next hint."))
    elif hint.following:
        lines.append(_("That was the last hint for this part; run grader hint again for a hint on {part}.").format(part=hint.following))
    else:
        lines.append(_("That was the last hint for this part."))
    return "\n".join(lines) + "\n"
