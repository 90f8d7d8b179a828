"""Gradescope's results.json: one test per property, named "<part>: <property>"."""

from __future__ import annotations

import json
from typing import Any

from .. import _format as fmt
from ..i18n import _
from ..model import PropertyResult, Report
from .text import property_feedback

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")  # Gradescope's, most open first


def _test(prop: PropertyResult) -> dict[str, Any]:
    test: dict[str, Any] = {
        "name": prop.name,
        "score": prop.points,
        "max_score": prop.max_points,
        "status": "passed" if prop.passed else "failed",
        "output": property_feedback(prop),
        "visibility": "visible",
    }
    if prop.diagnosis:
        test["tags"] = [f"diagnosis:{prop.diagnosis}"]
    return test


def to_data(report: Report, timings: bool = False) -> dict[str, Any]:
    """The results.json document; ``timings`` adds ``execution_time`` (seconds), left out by default so that
    the same submission always gives the same document."""
    output = [_("Graded {submission}: {score} of {max_score} points.").format(
        submission=report.submission, score=f"{report.score:g}", max_score=f"{report.max_score:g}")]
    if report.message:
        output.append(report.message)
    if report.output:  # what the code printed, already cut to the lesson's output_bytes
        output += ["", _("Your code printed:"), report.output.rstrip("\n")]
        if report.output_truncated:
            output.append(_("(output cut to the first {count} characters; it printed {total} bytes in all)").format(
                count=len(report.output), total=fmt.count(report.output_total)))
    data: dict[str, Any] = {
        "score": report.score,
        "output": "\n".join(output),
        "output_format": "text",  # plain text: nothing a submission prints is read as HTML or Markdown
        "test_output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [_test(prop) for prop in report.properties()],
    }
    if timings:
        data["execution_time"] = round(report.duration, 3)
    return data


def render(report: Report) -> str:
    return json.dumps(to_data(report), indent=2, ensure_ascii=False) + "\n"
