"""``grader export gradescope OUT``: a lesson's Gradescope autograder, as the zip Gradescope takes.

The zip holds, at its root as Gradescope requires:

- ``setup.sh``, run once when Gradescope builds the image: Python 3 if the image has none, a virtual
  environment, and the grader pinned in ``requirements.txt`` with its dependencies;
- ``requirements.txt``: the pinned grader, checked as ``grader release`` checks it, or the bundled wheel by
  its file name (``--wheel``), so that no index is needed for the grader itself;
- ``run_autograder``, run for every submission: ``grader check /autograder/submission --format gradescope``,
  then :func:`finish` puts the assignment's visibility and the time taken into ``results.json``;
- ``grader-fault.json``: the results ``run_autograder`` writes when the grader could not even write its own
  report (score 0, saying that the grader failed and that the student's code is not to blame);
- the wheel, when one is bundled.

The same inputs always give a byte-identical zip: fixed timestamps and modes, entries sorted by name.
``python -m grader.authoring.gradescope finish ...`` is what ``run_autograder`` calls after grading.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import shlex
import stat
import sys
import tempfile
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import UsageError
from ..i18n import _, current_language, set_language
from ..isolation.modes import MODES
from ..lesson import Lesson, load_lesson
from ..quiz import load_quiz
from ..release import PACKAGE, _fill, requirement_problem
from ..render.gradescope import VISIBILITIES

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "gradescope"
SCRIPTS = ("run_autograder", "setup.sh")  # executable (0755) in the zip
REQUIREMENTS = "requirements.txt"
FAULT_RESULTS = "grader-fault.json"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip can hold: no build date in the archive


@dataclass(frozen=True)
class AutograderFile:
    name: str  # at the zip's root
    data: bytes

    @property
    def executable(self) -> bool:
        return self.name in SCRIPTS


@dataclass(frozen=True)
class Autograder:
    """What ``grader export gradescope`` wrote, for telling the instructor."""

    path: Path
    lesson: str
    points: float  # everything the results can give, the quiz included
    quiz_points: float
    answers: str | None  # the quiz's answers file students upload beside their code


# -- building ------------------------------------------------------------------------------------------------
def _wheel_requirement(wheel: Path, lesson: Lesson) -> tuple[str, str]:
    """(name in the zip, requirement line) for a bundled wheel of the grader; UsageError if it is not one."""
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename

    if not wheel.is_file():
        raise UsageError(_("{path} does not exist.").format(path=wheel))
    try:
        name, _version, _build, _tags = parse_wheel_filename(wheel.name)
    except InvalidWheelFilename as exc:
        raise UsageError(_("{path} is not a wheel: {reason}").format(path=wheel, reason=exc)) from exc
    if name != PACKAGE:
        raise UsageError(_("the requirement is on {name}, not on {package}").format(name=name, package=PACKAGE))
    member = f"grader/_kit/exercises/{lesson.id}/.meta/lesson.toml"
    try:
        with zipfile.ZipFile(wheel) as archive:
            holds = member in archive.namelist()
    except (OSError, zipfile.BadZipFile) as exc:
        raise UsageError(_("{path} is not a wheel: {reason}").format(path=wheel, reason=exc)) from exc
    if not holds:
        raise UsageError(_("{path} does not hold the lesson {lesson}").format(path=wheel, lesson=lesson.id))
    return wheel.name, f"./{wheel.name}"


def _requirement_line(requirement: str | None, wheel: Path | None, lesson: Lesson) -> tuple[str, AutograderFile | None]:
    if requirement is not None and wheel is not None:
        raise UsageError(_("give either --requirement or --wheel, not both"))
    if wheel is not None:
        name, line = _wheel_requirement(wheel, lesson)
        return line, AutograderFile(name, wheel.read_bytes())
    if requirement is None or not requirement.strip():
        raise UsageError(_("the autograder needs the grader pinned: give --requirement SPEC or --wheel PATH (see the README)"))
    problem = requirement_problem(requirement.strip())
    if problem:
        raise UsageError(problem)
    return requirement.strip(), None


def _text(data: str) -> bytes:
    return (data.replace("\r\n", "\n").rstrip("\n") + "\n").encode("utf-8")


def fault_results(lesson: Lesson, visibility: str) -> dict[str, Any]:
    """The results.json of a grading the grader could not finish: every test at 0, the student not to blame."""
    from .._fault import student_message
    from ..engine import empty_report
    from ..model import ReportStatus
    from ..render.gradescope import to_data

    report = empty_report(lesson, "submission", ReportStatus.GRADER_ERROR, student_message())
    return with_visibility(to_data(report), visibility)


def with_visibility(data: dict[str, Any], visibility: str) -> dict[str, Any]:
    """``data`` with ``visibility`` for the whole results and for every test."""
    data = dict(data)
    data["visibility"] = visibility
    data["tests"] = [{**test, "visibility": visibility} for test in data.get("tests", [])]
    return data


def build_autograder(
    lesson: str | Lesson | None = None,
    requirement: str | None = None,
    wheel: str | Path | None = None,
    visibility: str = "visible",
    isolation: str = "auto",
    language: str = "en",
) -> list[AutograderFile]:
    """Every file of the autograder zip, sorted by name."""
    the_lesson = lesson if isinstance(lesson, Lesson) else load_lesson(lesson)
    if visibility not in VISIBILITIES:
        raise UsageError(_("unknown visibility {name} (choose from: {choices})").format(name=visibility, choices=", ".join(VISIBILITIES)))
    if isolation not in MODES:
        raise UsageError(_("unknown isolation {name} (choose from: {choices})").format(name=isolation, choices=", ".join(MODES)))
    line, bundled = _requirement_line(requirement, Path(wheel) if wheel is not None else None, the_lesson)
    quiz = load_quiz(the_lesson.folder)
    values = {
        "grader_version": __version__,
        "lesson": the_lesson.id,
        "file": the_lesson.stub.name,
        "answers": quiz.answers if quiz is not None else "no answers file",
        "lesson_sh": shlex.quote(the_lesson.id),
        "file_sh": shlex.quote(the_lesson.stub.name),
        "isolation_sh": shlex.quote(isolation),
        "visibility_sh": shlex.quote(visibility),
        "lang_sh": shlex.quote(language),
    }
    files = [
        AutograderFile(name, _text(_fill((TEMPLATES / name).read_text(encoding="utf-8"), values))) for name in SCRIPTS
    ]
    files.append(AutograderFile(REQUIREMENTS, _text(
        "# The grader, pinned: setup.sh installs exactly this on Gradescope (written by `grader export gradescope`).\n" + line)))
    previous = current_language()
    set_language(language)
    try:
        fault = fault_results(the_lesson, visibility)
    finally:
        set_language(previous)
    files.append(AutograderFile(FAULT_RESULTS, _text(json.dumps(fault, indent=2, ensure_ascii=False))))
    if bundled is not None:
        files.append(bundled)
    return sorted(files, key=lambda f: f.name)


def zip_bytes(files: Sequence[AutograderFile]) -> bytes:
    """The zip of ``files``: the same bytes for the same files, whenever and wherever it is made."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for item in sorted(files, key=lambda f: f.name):
            info = zipfile.ZipInfo(item.name, date_time=ZIP_DATE)
            info.create_system = 3  # Unix, so that unzip and Gradescope read the modes
            info.external_attr = (stat.S_IFREG | (0o755 if item.executable else 0o644)) << 16
            compressed = not item.name.endswith(".whl")  # a wheel is a zip already
            info.compress_type = zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED
            archive.writestr(info, item.data, compresslevel=9 if compressed else None)
    return buffer.getvalue()


def autograder_path(out: str | Path, lesson: Lesson) -> Path:
    """``out`` itself, or ``out/<lesson>-autograder.zip`` when ``out`` is a folder."""
    target = Path(out)
    if target.is_dir() or str(out).endswith(("/", os.sep)):
        return target / f"{lesson.id}-autograder.zip"
    return target


def write_autograder(
    out: str | Path,
    lesson: str | Lesson | None = None,
    requirement: str | None = None,
    wheel: str | Path | None = None,
    visibility: str = "visible",
    isolation: str = "auto",
    language: str = "en",
) -> Autograder:
    """Write the autograder zip to ``out`` (a file, or a folder for ``<lesson>-autograder.zip``), atomically."""
    the_lesson = lesson if isinstance(lesson, Lesson) else load_lesson(lesson)
    data = zip_bytes(build_autograder(the_lesson, requirement, wheel, visibility, isolation, language))
    target = autograder_path(out, the_lesson)
    if target.suffix.lower() != ".zip":
        raise UsageError(_("{path}: the autograder is a .zip file").format(path=target))
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    quiz = load_quiz(the_lesson.folder)
    quiz_points = sum(p.points for p in the_lesson.quiz_properties)
    return Autograder(target, the_lesson.id, the_lesson.max_points, quiz_points, quiz.answers if quiz is not None else None)


# -- after grading, on Gradescope ----------------------------------------------------------------------------
GRADED_EXIT_CODES = (0, 1, 3)  # full marks, not full marks, the grader's fault (with its own report)


def _is_results(data: object) -> bool:
    if not isinstance(data, dict) or not isinstance(data.get("tests"), list) or not data["tests"]:
        return False
    if not isinstance(data.get("score"), (int, float)) or isinstance(data.get("score"), bool) or not math.isfinite(data["score"]):
        return False
    return all(isinstance(t, dict) and isinstance(t.get("name"), str) and isinstance(t.get("score"), (int, float))
               for t in data["tests"])


def finish_results(raw: bytes, exit_code: int, visibility: str, started: float | None = None,
                   now: float | None = None) -> dict[str, Any] | None:
    """The results.json Gradescope gets from what ``grader check --format gradescope`` printed, or None when
    that is not a results document (the grader failed before it could write one)."""
    if exit_code not in GRADED_EXIT_CODES or visibility not in VISIBILITIES:
        return None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not _is_results(data):
        return None
    data = with_visibility(data, visibility)
    if started is not None:
        data["execution_time"] = round(max(0.0, (time.time() if now is None else now) - started), 3)
    return data


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def finish(check_output: Path, results: Path, exit_code: int, visibility: str, started: float | None = None) -> bool:
    """Write ``results`` from the grader's output; False (nothing written) when there is no usable output."""
    try:
        raw = check_output.read_bytes()
    except OSError:
        return False
    data = finish_results(raw, exit_code, visibility, started)
    if data is None:
        return False
    _write_atomically(results, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return True


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.authoring.gradescope")
    commands = parser.add_subparsers(dest="command", required=True)
    done = commands.add_parser("finish", help="write results.json from the output of grader check --format gradescope")
    done.add_argument("check_output", type=Path)
    done.add_argument("results", type=Path)
    done.add_argument("--exit-code", type=int, required=True)
    done.add_argument("--visibility", choices=VISIBILITIES, default="visible")
    done.add_argument("--started", type=float, default=None, help="when grading started (seconds since the epoch)")
    args = parser.parse_args(argv)
    if finish(args.check_output, args.results, args.exit_code, args.visibility, args.started):
        return 0
    print(_("grader: no usable results from grader check (exit code {code})").format(code=args.exit_code), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
