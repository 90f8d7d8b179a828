"""What a notebook's test cell runs, inside the student's kernel.

A test cell does not grade anything in the kernel. It collects the code cells the kernel has run (the same
cleaning as ``grader check notebook.ipynb``: code only, IPython magics and shell escapes dropped, test cells
skipped), starts the kit's grader as a new Python process (``python -m grader.nbgrader.run``), and reads back
plain JSON. The grader process runs the properties and imports the student's code in its own child process,
exactly as ``grader check`` does, so a notebook cell that patches NumPy, the random generator or builtins in
the kernel changes nothing the grader computes.

What this cannot guarantee: the test cell itself runs in the student's kernel, so code the student ran before
it could replace this function, ``subprocess`` or ``print``. Under ``nbgrader autograde`` the test cells'
source is restored from the gradebook, but the kernel state is still the student's. The authoritative grade
of a notebook is ``grader check``/``grader grade`` run on the submitted ``.ipynb`` file.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from typing import Any

from ..i18n import _
from ..notebook import source_from_cells

# Reports already computed in this kernel, by code and lesson: the test cells of one notebook share one grading.
_reports: dict[str, dict[str, Any]] = {}


class GradingFailed(RuntimeError):
    """The grader process could not grade the notebook (a fault of the grader, not of the student's code)."""


def kernel_code() -> str:
    """The Python source of the cells this IPython kernel has run, in order, as ``grader check`` reads a notebook."""
    try:
        from IPython import get_ipython
    except ImportError as exc:  # pragma: no cover - a test cell always runs in IPython
        raise GradingFailed(_("This runs only inside a Jupyter notebook (IPython is missing).")) from exc
    shell = get_ipython()
    if shell is None:
        raise GradingFailed(_("This runs only inside a Jupyter notebook or IPython."))
    history = list(shell.history_manager.input_hist_raw)
    return source_from_cells((str(cell), None) for cell in history[1:] if str(cell).strip()).source


def _grader_environment() -> dict[str, str]:
    """The kernel's environment without the variables that would let it steer the grader's Python."""
    return {key: value for key, value in os.environ.items() if not key.startswith("PYTHON") or key == "PYTHONIOENCODING"}


def grade_code(source: str, lesson: str, language: str | None = None, isolation: str = "auto") -> dict[str, Any]:
    """Grade ``source`` against ``lesson`` in a new grader process; its JSON result (see grader.nbgrader.run)."""
    key = hashlib.sha256(f"{lesson}\0{language}\0{isolation}\0{source}".encode()).hexdigest()
    if key in _reports:
        return _reports[key]
    argv = [sys.executable, "-E", "-m", "grader.nbgrader.run", "--lesson", lesson, "--isolation", isolation]
    if language:
        argv += ["--lang", language]
    with tempfile.TemporaryDirectory(prefix="grader-nb-") as cwd:  # an empty folder: nothing of the student's on sys.path
        try:
            done = subprocess.run(
                argv, input=source.encode("utf-8"), capture_output=True, cwd=cwd, env=_grader_environment(), check=False
            )
        except OSError as exc:
            raise GradingFailed(_("The grader could not be started: {reason}").format(reason=exc)) from exc
    try:
        result = json.loads(done.stdout.decode("utf-8"))
        if not isinstance(result, dict) or not isinstance(result.get("parts"), list):
            raise ValueError("no parts")
    except ValueError as exc:
        detail = done.stderr.decode("utf-8", errors="replace").strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
        raise GradingFailed(_("The grader could not grade this notebook: {reason}").format(reason=detail[0])) from exc
    _reports[key] = result
    return result


def grade_part(part: str, lesson: str = "neuron", language: str | None = None, isolation: str = "auto") -> float:
    """Grade the code this kernel has run and report one part: print its feedback, return its points.

    nbgrader reads the returned number (the cell's value) as the cell's partial credit.
    """
    result = grade_code(kernel_code(), lesson, language, isolation)
    for entry in result["parts"]:
        if isinstance(entry, dict) and entry.get("id") == part:
            print(str(entry.get("feedback", "")).rstrip("\n"))
            return float(entry["points"])
    raise GradingFailed(_("The lesson {lesson} has no part {part}.").format(lesson=lesson, part=part))
