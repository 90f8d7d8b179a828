"""``grader check --watch``: grade a submission again every time it is saved, the report redrawn in place.

The files watched are the submission (for a folder, the lesson's file inside it, as :func:`grader.check.check`
finds it) and, when the lesson has a quiz, the answers file beside it. They are polled (modification time, size
and a hash of the content) every ``poll`` seconds; a change is graded once the files have stayed the same for
one more poll, so that an editor's save in several writes is graded once. Each round forks a warm child
(:mod:`grader.isolation.warm`), so a round costs little more than the grading itself.

On a terminal the screen is cleared and the report drawn under a header line; without one (output piped) the
reports follow one another, separated by a rule. Ctrl-C ends the watch: one line of goodbye, no traceback.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from rich.console import Console

from .check import check
from .errors import UsageError
from .i18n import _
from .lesson import Lesson
from .model import Report

POLL_SECONDS = 0.3

FileState = tuple[int, int, str] | None  # (mtime in ns, size, sha256 of the content), None when missing
Fingerprint = tuple[FileState, ...]


def watched_files(target: Path, lesson: Lesson) -> list[Path]:
    """The files whose saves re-grade ``target``: the submission first, then the quiz's answers file if any.

    For a folder, the submission is the lesson's file inside it (its notebook when only that is there), as
    :func:`grader.submission.locate` picks it; the answers file is where :func:`grader.quiz.answers_path` looks.
    """
    if target.is_dir():
        submission = target / lesson.filename
        notebook = submission.with_suffix(".ipynb")
        if not submission.is_file() and notebook.is_file():
            submission = notebook
    else:
        submission = target
    files = [submission]
    if lesson.quiz_parts:
        from .quiz import answers_path, load_quiz

        quiz = load_quiz(lesson.folder)
        if quiz is not None:
            answers = answers_path(quiz, target)
            if answers != submission:
                files.append(answers)
    return files


def file_state(path: Path) -> FileState:
    """What tells one save of ``path`` from another; None when it is missing or cannot be read."""
    try:
        stat = path.stat()
        if not path.is_file():
            return None
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size, digest


def fingerprint(files: list[Path]) -> Fingerprint:
    return tuple(file_state(path) for path in files)


def grade_once(target: Path, lesson: Lesson, limits: dict[str, float] | None, isolation: str) -> Report:
    """One round: the report, or, when the grader itself failed, the fault report ``grader check`` shows (the
    operator's message goes to stderr). A usage error (an isolation that cannot be used here) is raised."""
    try:
        return check(target, lesson, limits=limits, isolation=isolation)
    except (UsageError, KeyboardInterrupt):
        raise
    except Exception as exc:  # noqa: BLE001 - the grader's fault: reported, and the watch goes on
        from ._fault import grader_fault_report

        return grader_fault_report(exc, lesson, str(target))


def _show(out: Console, report: Report, name: str, when: datetime, first: bool) -> None:
    from .render.text import build

    header = _("Watching {file} — graded {time} — save the file to grade again, Ctrl-C to stop").format(
        file=name, time=when.strftime("%H:%M:%S"))
    if out.is_terminal:
        out.clear()
    elif not first:
        out.rule()
    out.print(header, style="bold", markup=False, highlight=False)
    out.print()
    out.print(build(report))


def watch(target: Path, lesson: Lesson, limits: dict[str, float] | None = None, isolation: str = "auto", *,
          rounds: int | None = None, poll: float = POLL_SECONDS, out: Console | None = None,
          clock: Callable[[], datetime] = datetime.now, sleep: Callable[[float], None] | None = None) -> Report | None:
    """Grade ``target`` now and again after every save, until Ctrl-C (or, with ``rounds``, after that many
    gradings, the first included). Returns the last report (None if interrupted before the first).

    ``out`` is the console the reports go to (a terminal is redrawn in place); ``clock`` gives the time in the
    header and ``sleep`` waits between polls (both injectable for tests). Warm children are on for the watch
    and shut down when it ends. A usage error (an isolation that cannot be used here) is raised as it is.
    """
    from .isolation import warm

    console = out if out is not None else Console(highlight=False, soft_wrap=True)
    wait = sleep if sleep is not None else time.sleep
    files = watched_files(target, lesson)
    name = files[0].name
    was_enabled = warm.enabled()
    warm.set_enabled(True)
    last: Report | None = None
    graded = 0
    try:
        seen = fingerprint(files)
        last = grade_once(target, lesson, limits, isolation)
        graded += 1
        _show(console, last, name, clock(), first=True)
        pending: Fingerprint | None = None
        gone = False
        while rounds is None or graded < rounds:
            wait(poll)
            files = watched_files(target, lesson)  # a folder's notebook may have become its .py, or back
            name = files[0].name
            now = fingerprint(files)
            if now == seen:
                pending = None
                continue
            if now != pending:  # changed since the last poll: wait until it holds still for one poll
                pending = now
                continue
            pending = None
            seen = now
            if now[0] is None:
                if not gone:
                    console.print(_("{file} is gone; waiting for it to come back").format(file=name), markup=False, highlight=False)
                    gone = True
                continue
            gone = False
            last = grade_once(target, lesson, limits, isolation)
            graded += 1
            _show(console, last, name, clock(), first=False)
    except KeyboardInterrupt:
        # Straight to the file, not through rich: a Ctrl-C in the middle of a print leaves that report in the
        # console's buffer, and the next print would write it out a second time.
        goodbye = _("Stopped watching {file}.").format(file=name)
        console.file.write(("\n" if console.is_terminal else "") + goodbye + "\n")  # on a terminal: past the ^C it echoed
        console.file.flush()
    finally:
        try:
            warm.shutdown()
        except KeyboardInterrupt:  # a second Ctrl-C while the warm children end: they are ended at exit anyway
            pass
        warm.set_enabled(was_enabled)
    return last
