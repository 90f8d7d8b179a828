"""GitHub Classroom's autograding reporter, its figures re-implemented from its published source.

classroom-resources/autograding-grading-reporter v1 (``src/main.js``, ``src/helpers/test-helpers.js``,
``src/console-results.js``, ``src/aggregate-results.js``, ``src/notify-classroom.js``):

- each runner's results come from ``process.env[`${runner.trim().toUpperCase()}_RESULTS`]``, base64 JSON;
- ``getTestScore``: (tests with status "pass") / tests.length × (max_score || 0); it is the table row and, as
  ``score.toFixed(2)``, the line "Total points for <runner>: <score>/<max_score>" (printed when max_score != 0);
- the table's last row: "Total: ", the sum of the rows' scores, the sum of their max scores;
- ``NotifyClassroom``: for each runner with a truthy max_score, maxPoints += max_score and totalPoints += every
  test's ``score``; the notice "Points <totalPoints>/<maxPoints>" (the figure Classroom records);
- the step fails when a runner's status is "fail" or "error".

Numbers are JavaScript numbers printed with ``String(x)``: :func:`js` prints a float the same way.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any


def js(number: float) -> str:
    """``String(number)`` in JavaScript, for the numbers the reporter prints (no exponents here)."""
    value = float(number)
    return str(int(value)) if value.is_integer() else repr(value)


def js_fixed2(number: float) -> str:
    """``number.toFixed(2)``."""
    return f"{float(number):.2f}"


@dataclass
class Reporter:
    rows: list[tuple[str, float, float]] = field(default_factory=list)  # the table: runner, score, max score
    total_lines: list[str] = field(default_factory=list)  # "Total points for <runner>: ..."
    table_total: tuple[float, float] = (0.0, 0.0)
    notice: str = ""  # "Points X/Y"
    failed: bool = False

    @property
    def notified(self) -> tuple[float, float]:
        points, maximum = self.notice.removeprefix("Points ").split("/")
        return float(points), float(maximum)


def run(runners: str, env: dict[str, str]) -> Reporter:
    """What the reporter prints and sends for its ``runners`` input and its environment."""
    results: list[tuple[str, dict[str, Any]]] = []
    for runner in runners.split(","):
        encoded = env[f"{runner.strip().upper()}_RESULTS"]
        results.append((runner, json.loads(base64.b64decode(encoded).decode("utf-8"))))
    out = Reporter()
    for runner, result in results:
        max_score = result.get("max_score") or 0
        passed = sum(1 for test in result["tests"] if test["status"] == "pass")
        score = passed / len(result["tests"]) * max_score
        if max_score != 0:
            out.total_lines.append(f"Total points for {runner}: {js_fixed2(score)}/{js(max_score)}")
        out.rows.append((runner.strip(), score, max_score))
    total = 0.0
    maximum = 0.0
    for _name, score, max_score in out.rows:
        total += score
        maximum += max_score
    out.table_total = (total, maximum)
    points = 0.0
    max_points = 0.0
    for _runner, result in results:
        if not result.get("max_score"):
            continue
        max_points += result["max_score"]
        for test in result["tests"]:
            points += test["score"]
    if max_points:
        out.notice = f"Points {js(points)}/{js(max_points)}"
    out.failed = any(result["status"] in ("fail", "error") for _runner, result in results)
    return out
