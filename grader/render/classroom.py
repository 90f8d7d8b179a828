"""GitHub Classroom: the results its autograding reporter reads, one *runner* per property.

The reporter (``classroom-resources/autograding-grading-reporter``) takes a list of runners and, for each,
base64-encoded JSON in the environment variable ``<RUNNER>_RESULTS``. It prints and sends three figures, by
three formulas (``src/helpers/test-helpers.js``, ``src/console-results.js``, ``src/notify-classroom.js``):

- the table row and the line "Total points for <runner>": passed tests / all tests × the runner's ``max_score``;
- the table's "Total" row: the sum of those rows;
- the notification "Points X/Y" that Classroom records: X is the sum of every test's ``score``, Y the sum of the
  runners' ``max_score``.

One runner holding tests of unequal points cannot make the first equal the second (14 tests, 4 of them
failing, is not 13/17 of the points). With one runner per property, each holding that property's one test and
its points as ``max_score``, all three are the kit's: a property's points are all or nothing, so passed/all ×
max is exactly its points.

The output is one ``<runner>=<base64>`` line per property, ready to be appended to ``$GITHUB_OUTPUT``; the
released workflow (``grader/templates/release/classroom.yml``) hands each to the reporter through its own
``<RUNNER>_RESULTS``. :func:`runner_names` gives the names; the release lists them from the lesson.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Sequence
from typing import Any

from ..model import PropertyResult, PropertyStatus, Report, ReportStatus
from .github import source_file
from .text import property_feedback


def runner_names(property_ids: Sequence[str]) -> list[str]:
    """A runner name for each property id, in order: lower-case letters and digits only (the reporter's own
    check of its ``runners`` input allows nothing else), starting with a letter, and unique."""
    names: list[str] = []
    for prop_id in property_ids:
        base = re.sub(r"[^a-z0-9]", "", prop_id.lower()) or "check"
        if not base[0].isalpha():
            base = "p" + base
        name, number = base, 2
        while name in names:
            name, number = f"{base}{number}", number + 1
        names.append(name)
    return names


def _status(report: Report, prop: PropertyResult) -> str:
    if prop.passed:
        return "pass"
    if report.status is not ReportStatus.GRADED or prop.status is PropertyStatus.NOT_GRADED:
        return "error"
    return "fail"


def _message(report: Report, prop: PropertyResult) -> str:
    """The test's message; a test that was not graded says why with the report's sentence (each runner stands alone)."""
    if prop.passed:
        return ""
    if prop.status is PropertyStatus.NOT_GRADED and report.message:
        return report.message
    return property_feedback(prop)


def _test(report: Report, prop: PropertyResult, filename: str, line: int | None) -> dict[str, Any]:
    return {
        "name": prop.name,
        "status": _status(report, prop),
        "score": prop.points,
        "message": _message(report, prop),
        "test_code": prop.id,
        "filename": filename,
        "line_no": line or 0,
        "duration": round(prop.duration * 1000),
    }


def to_runners(report: Report) -> list[tuple[str, dict[str, Any]]]:
    """``(runner, result)`` for every property of the report, in the report's order."""
    filename = source_file(report)
    props = [(prop, part.line) for part in report.parts for prop in part.properties]
    names = runner_names([prop.id for prop, _line in props])
    runners = []
    for name, (prop, line) in zip(names, props, strict=True):
        status = _status(report, prop)
        runners.append((name, {"version": 1, "status": status, "max_score": prop.max_points,
                               "tests": [_test(report, prop, filename, line)]}))
    return runners


def encode(result: dict[str, Any]) -> str:
    data = json.dumps(result, ensure_ascii=False, separators=(",", ":"))
    return base64.b64encode(data.encode("utf-8")).decode("ascii")


def render(report: Report) -> str:
    return "".join(f"{name}={encode(result)}\n" for name, result in to_runners(report))
