"""``python -m grader.nbgrader.run --lesson L``: grade Python source read from stdin, for a notebook's test cells.

This is the grader's own process, started fresh by :func:`grader.nbgrader.grade_part`; the student's code runs
in the child process that :func:`grader.check.check` starts, as for ``grader check``. It writes one JSON object
to stdout: the score, and for every part its points, its maximum and its feedback as plain text.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from ..check import check
from ..errors import UsageError
from ..i18n import _, set_language
from ..isolation.modes import MODES
from ..lesson import load_lesson
from ..model import Report
from ..render import render


def result_of(report: Report) -> dict[str, Any]:
    """The plain data a test cell needs: points per part and the text report of each part alone."""
    parts = []
    for part in report.parts:
        alone = dataclasses.replace(report, parts=[part])
        parts.append({"id": part.id, "points": part.points, "max_points": part.max_points, "feedback": render(alone, "text")})
    return {"score": report.score, "max_score": report.max_score, "status": report.status.value, "parts": parts}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.nbgrader.run", description=__doc__)
    parser.add_argument("--lesson", default="neuron")
    parser.add_argument("--lang", default=None)
    parser.add_argument("--isolation", default="auto", choices=MODES)
    args = parser.parse_args(argv)
    set_language(args.lang)
    lesson = load_lesson(args.lesson)
    source = sys.stdin.buffer.read()
    with tempfile.TemporaryDirectory(prefix="grader-nb-") as folder:
        path = Path(folder) / f"{lesson.module}.py"
        path.write_bytes(source)
        try:
            report = check(path, lesson, isolation=args.isolation)
        except UsageError as exc:  # the mode the notebook asks for cannot be used on this machine: one sentence
            sys.stderr.write(f"{exc}\n")
            return 2
    report.submission = _("the code cells of this notebook")
    sys.stdout.write(json.dumps(result_of(report)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
