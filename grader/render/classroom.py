"""GitHub Classroom: the result that its autograding reporter reads, base64-encoded JSON on one line.

A grading step writes it to its outputs (``echo "result=$(grader check --format classroom)" >> "$GITHUB_OUTPUT"``)
and the reporter step gets it through ``<STEP-ID>_RESULTS``. The JSON has the shape the Classroom graders send:
``version``, ``status`` (``pass``, ``fail`` or ``error``), ``max_score`` and one test per property with its own
``score``, so the reporter's total is the kit's total.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from ..model import PropertyStatus, Report, ReportStatus
from .github import source_file
from .text import property_feedback


def _status(report: Report) -> str:
    if report.status is not ReportStatus.GRADED:
        return "error"
    return "pass" if report.full_marks else "fail"


def to_data(report: Report) -> dict[str, Any]:
    filename = source_file(report)
    tests = []
    for part in report.parts:
        for prop in part.properties:
            status = "pass" if prop.passed else ("error" if prop.status is PropertyStatus.NOT_GRADED else "fail")
            tests.append({
                "name": prop.name,
                "status": status,
                "score": prop.points,
                "message": property_feedback(prop) if not prop.passed else "",
                "test_code": prop.id,
                "filename": filename,
                "line_no": part.line or 0,
                "duration": round(prop.duration * 1000),
            })
    return {"version": 1, "status": _status(report), "max_score": report.max_score, "tests": tests}


def render(report: Report) -> str:
    data = json.dumps(to_data(report), ensure_ascii=False, separators=(",", ":"))
    return base64.b64encode(data.encode("utf-8")).decode("ascii") + "\n"
