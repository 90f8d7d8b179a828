"""``check``: grade one submission file or folder and return the report."""

from __future__ import annotations

from pathlib import Path

from .engine import empty_report, grade, limits_for
from .errors import SubmissionError, UsageError
from .i18n import _
from .isolation import modes as _sandbox
from .lesson import Lesson, load_lesson
from .model import Report, ReportStatus
from .quiz import add_quiz
from .submission import read_submission


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


def check(path: str | Path, lesson: str | Lesson = "neuron", limits: dict[str, float] | None = None, isolation: str = "auto") -> Report:
    """Grade the submission at ``path`` (a .py file, or a folder holding the lesson's file).

    A submission that cannot be read gets a report too, with every part at 0 and one sentence saying why.
    The lesson's quiz is graded as the part ``quiz`` when its answers file is beside the submission.
    ``isolation`` is auto (the sandbox where bubblewrap can start, basic isolation otherwise), sandbox or basic;
    asking for the sandbox where it cannot start raises UsageError.
    """
    the_lesson = lesson if isinstance(lesson, Lesson) else load_lesson(lesson)
    chosen = resolve_isolation(isolation)
    try:
        the_limits = limits_for(the_lesson, limits)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    path = Path(path)
    try:
        submission = read_submission(path, f"{the_lesson.module}.py")
    except SubmissionError as exc:
        return add_quiz(empty_report(the_lesson, str(path), ReportStatus.UNREADABLE, str(exc), chosen.label), the_lesson.folder, path)
    return add_quiz(grade(submission, the_lesson, the_limits, chosen), the_lesson.folder, path)
