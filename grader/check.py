"""``check``: grade one submission file or folder and return the report."""

from __future__ import annotations

from pathlib import Path

from .engine import empty_report, grade, limits_for
from .errors import SubmissionError
from .lesson import Lesson, load_lesson
from .model import Report, ReportStatus
from .submission import read_submission


def check(path: str | Path, lesson: str | Lesson = "neuron", limits: dict[str, float] | None = None) -> Report:
    """Grade the submission at ``path`` (a .py file, or a folder holding the lesson's file).

    A submission that cannot be read gets a report too, with every part at 0 and one sentence saying why.
    """
    the_lesson = lesson if isinstance(lesson, Lesson) else load_lesson(lesson)
    path = Path(path)
    try:
        submission = read_submission(path, f"{the_lesson.module}.py")
    except SubmissionError as exc:
        return empty_report(the_lesson, str(path), ReportStatus.UNREADABLE, str(exc))
    return grade(submission, the_lesson, limits_for(the_lesson, limits))
