"""``check``: grade one submission file or folder and return the report."""

from __future__ import annotations

from pathlib import Path

from .engine import grade_path, limits_for
from .errors import UsageError
from .i18n import _
from .isolation import modes as _sandbox
from .lesson import Lesson, default_submission, lesson_for_path, load_lesson
from .model import Report


def resolve_isolation(requested: str = "auto") -> _sandbox.Isolation:
    """The isolation ``requested`` (one of :data:`grader.isolation.modes.MODES`) stands for here; UsageError, with
    one sentence, when it cannot be used or is not a mode."""
    try:
        return _sandbox.resolve(requested)
    except _sandbox.IsolationUnavailable as exc:
        raise UsageError(_("--isolation {mode} cannot be used here: {reason}.").format(mode=requested, reason=exc)) from exc
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


class PathNotFound(UsageError):
    """The path given on the command line names nothing: a usage error of one sentence, not a report."""


def require_path(path: str | Path) -> Path:
    """``path``, if it names something (a file, a folder or a link, even a broken one); PathNotFound otherwise.

    For the student commands: a path that does not exist is a typing mistake, not a submission to grade. A
    library caller of :func:`check` still gets a report that says so (``grader grade`` relies on it).
    """
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        raise PathNotFound(_("{path} does not exist.").format(path=path))
    return path


def resolve_target(path: str | Path | None, lesson: str | Path | None = None) -> tuple[Lesson, Path]:
    """The lesson and the path ``grader check [PATH] [--lesson L]`` grades: ``--lesson`` when given (PATH defaulting
    to its stub), else the lesson PATH is for (:func:`grader.lesson.lesson_for_path`), else the stub of the lesson
    here or the kit's only one. PathNotFound when PATH names nothing; LessonNotFound (one sentence listing the
    lessons) when no lesson or several fit."""
    from .lesson import stub_path

    if lesson is not None:
        the_lesson = load_lesson(lesson)
        return the_lesson, require_path(path if path is not None else stub_path(the_lesson))
    if path is None:
        the_lesson, target = default_submission()
        return the_lesson, require_path(target)
    target = require_path(path)
    return lesson_for_path(target), target


def check(path: str | Path, lesson: str | Lesson | None = None, limits: dict[str, float] | None = None, isolation: str = "auto") -> Report:
    """Grade the submission at ``path`` (a .py file, or a folder holding the lesson's file).

    ``lesson`` defaults to the lesson ``path`` is for (its file's name; see :func:`resolve_target`). A submission
    that cannot be read gets a report too, with every part at 0 and one sentence saying why. The lesson's quiz is
    graded as the part ``quiz`` when its answers file is beside the submission. ``isolation`` is auto (the sandbox
    where bubblewrap can start, basic isolation otherwise), sandbox or basic; asking for the sandbox where it cannot
    start raises UsageError.
    """
    if isinstance(lesson, Lesson):
        the_lesson = lesson
    elif lesson is None:
        the_lesson = lesson_for_path(Path(path))
    else:
        the_lesson = load_lesson(lesson)
    chosen = resolve_isolation(isolation)
    try:
        the_limits = limits_for(the_lesson, limits)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    return grade_path(Path(path), the_lesson, the_limits, chosen)
