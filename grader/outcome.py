"""What a report says about itself, in the same words in every output of a class (the gradebook, the terminal
summary, ``report.html`` and each ``feedback.html``): why its maximum is what it is, and its time-outs.

What "timed out" means, everywhere:

- status ``timed_out``: importing the submission did not finish in time, so nothing of it was graded (0 points);
- a submission that imported but some of whose calls did not finish in time keeps the status ``graded``: each
  property whose call timed out failed with a sentence that says so and got 0 points, every other property got
  its points. ``Report.timeouts`` counts those properties; every output shows that count and counts such
  submissions as "graded, with time-outs".
"""

from __future__ import annotations

from .i18n import _
from .model import Report


def points(value: float) -> str:
    return f"{value:g}"


def maximum_note(report: Report) -> str:
    """One sentence: why the report is out of its maximum (which parts of the lesson were not counted, and why)."""
    maximum = points(report.max_score)
    if not report.skipped_parts:
        return _("Out of {maximum}: every part of the lesson counts.").format(maximum=maximum)
    full = points(report.max_score + sum(part.max_points for part in report.skipped_parts))
    reasons = "; ".join(
        _("{part} ({points} points) is not counted: {reason}").format(part=part.title, points=points(part.max_points), reason=part.reason)
        for part in report.skipped_parts
    )
    return _("Out of {maximum}, not {full}: {reasons}.").format(maximum=maximum, full=full, reasons=reasons)


def with_timeouts() -> str:
    """The name of the graded submissions with time-outs, wherever they are counted."""
    return _("graded, with time-outs")


def timeouts_sentence(count: int) -> str:
    return _("Properties that failed because a call timed out: {count}.").format(count=count)


def timeouts_note(report: Report) -> str | None:
    """How many properties of ``report`` failed because a call timed out, when any did; None otherwise."""
    return timeouts_sentence(report.timeouts) if report.timeouts else None
