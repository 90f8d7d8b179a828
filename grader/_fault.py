"""The grader's own faults: told as such, never as the student's, and never as a traceback.

The traceback goes to a file that the person running the grader can attach to a bug report; the student
(and a results.json) sees one sentence saying that the grader failed and that their code is not to blame.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
import traceback
from typing import TYPE_CHECKING

from . import __version__
from .i18n import _

if TYPE_CHECKING:
    from .lesson import Lesson
    from .model import Report


def save_details(exc: BaseException, argv: list[str] | None = None) -> str | None:
    """Write what a bug report needs (versions, command, traceback) to a file; return its path, or None."""
    lines = [
        f"grader {__version__}",
        f"python {sys.version.split()[0]} ({sys.executable})",
        f"platform {platform.platform()}",
        f"command {' '.join(argv if argv is not None else sys.argv)}",
        f"time {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}",
        "",
        "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
    ]
    try:
        handle, path = tempfile.mkstemp(prefix="grader-fault-", suffix=".txt")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write("\n".join(lines))
        return path
    except OSError:
        return None


def student_message() -> str:
    """The one sentence a student sees when the grader itself failed."""
    return _("The grader itself failed while grading this submission; this is not a fault in your code. "
             "Your teacher has been told how to report it.")


def operator_message(exc: BaseException, details: str | None) -> str:
    """What the person who ran the grader sees on stderr: what happened and what to put in a bug report."""
    from .errors import ChildStartError

    if isinstance(exc, ChildStartError):  # the environment, not a bug: the sentence says what to do
        return f"grader: {exc}"
    where = (_("The details are in {path}.").format(path=details) if details
             else _("Run the same command again with PYTHONFAULTHANDLER=1 and keep its output."))
    return _("grader: internal error ({kind}). This is a fault in the grader, not in the submission. {where} "
             "Please report it with that file, the command you ran, the grader's version ({version}) and, if you may share it, "
             "the submission.").format(kind=type(exc).__name__, where=where, version=__version__)


def grader_fault_report(exc: BaseException, lesson: Lesson, submission: str) -> Report:
    """A report (in any format) for a submission whose grading failed through the grader's fault: every part
    at 0 with the student's sentence. The operator's message, with the file of details, goes to stderr."""
    from .engine import empty_report
    from .model import ReportStatus

    print(operator_message(exc, save_details(exc)), file=sys.stderr)
    return empty_report(lesson, submission, ReportStatus.GRADER_ERROR, student_message())
