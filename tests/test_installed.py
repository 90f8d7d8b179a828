"""The kit as users install it: its wheel in a fresh venv (``tests/installed.py``), run from a folder outside
the checkout, with a clean environment (no PYTHONPATH, no dev venv).

Expected scores come from the lesson as the dev environment loads it, never from the installed grader, so a
wheel that grades differently from the checkout (or grades everything 0, as it once did) fails here.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from grader.isolation import modes
from grader.lesson import load_lesson

from .installed import InstalledGrader

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "solutions" / "neuron" / "neuron.py"
STUB = ROOT / "exercises" / "neuron" / "neuron.py"
# The reference with relu wrong: abs(z) is right for z >= 0 only; relu's value checks fail, nothing else does.
WRONG = REFERENCE.read_text(encoding="utf-8").replace("return np.maximum(0, z)", "return np.abs(z)")
WRONG_FAILS = {"relu.scalar", "relu.array"}


def code_points(ids: set[str] | None = None) -> float:
    """The points of the lesson's code checks (a lone .py file has no quiz), or of those in ``ids``."""
    return sum(p.points for p in load_lesson("neuron").properties if ids is None or p.id in ids)


def unavailable(mode: str) -> str | None:
    """Why ``mode`` cannot run on this machine, as the kit itself decides (None: it can)."""
    problem = getattr(modes, f"{mode}_problem", None)
    return problem() if callable(problem) else None


def check_json(installed: InstalledGrader, source: Path, folder: Path, mode: str) -> tuple[int, dict[str, Any]]:
    folder.mkdir()
    shutil.copyfile(source, folder / "neuron.py")
    done = installed.run(["grader", "check", "neuron.py", "--isolation", mode, "--format", "json"], cwd=folder, timeout=120)
    assert done.returncode in (0, 1), f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.returncode, json.loads(done.stdout)


MODE_PARAMS = [
    pytest.param("sandbox", id="sandbox"),
    pytest.param("landlock", id="landlock"),
    pytest.param("basic", id="basic"),
]


def test_the_installed_grader_is_the_wheel_not_the_checkout(installed: InstalledGrader, tmp_path: Path) -> None:
    site = installed.site_packages().resolve()
    assert site.is_relative_to(installed.venv.resolve())
    done = installed.run(["python", "-c", "import sys, grader, numpy, hypothesis; print(grader.__file__); "
                          "print(numpy.__file__); print(hypothesis.__file__); print(sys.prefix)"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    grader_file, numpy_file, hypothesis_file, prefix = (Path(line).resolve() for line in done.stdout.splitlines())
    # The grader and its dependencies side by side in the venv's site-packages, as pip installs them for users.
    for module in (grader_file, numpy_file, hypothesis_file):
        assert module.is_relative_to(site), module
        assert not module.is_relative_to(ROOT), f"{module} comes from the checkout"
    assert prefix == installed.venv.resolve()
    # Nothing leads back to the checkout: no .pth file names it, no system site-packages.
    for pth in site.glob("*.pth"):
        assert str(ROOT) not in pth.read_text(encoding="utf-8", errors="replace"), pth
    assert "include-system-site-packages = false" in (installed.venv / "pyvenv.cfg").read_text(encoding="utf-8")
    # The wheel's grader is the one on PATH, and it runs.
    assert installed.grader.is_file()
    version = installed.run(["grader", "--version"], cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.strip(), version.stderr
    assert "PYTHONPATH" not in installed.env() and "VIRTUAL_ENV" not in installed.env()


@pytest.mark.parametrize("mode", MODE_PARAMS)
def test_check_from_the_wheel_grades_reference_and_stub(installed: InstalledGrader, tmp_path: Path, mode: str) -> None:
    problem = unavailable(mode)
    if problem is not None:
        pytest.skip(f"--isolation {mode} is unavailable on this machine: {problem}")
    full = code_points()
    assert full > 0
    code, report = check_json(installed, REFERENCE, tmp_path / "reference", mode)
    assert (report["status"], report["score"], report["max_score"]) == ("graded", full, full), report.get("message")
    assert code == 0
    assert report["isolation"].split()[0] == mode
    code, report = check_json(installed, STUB, tmp_path / "stub", mode)
    assert (report["status"], report["score"], report["max_score"]) == ("graded", 0, full), report.get("message")
    assert code == 1
    assert report["isolation"].split()[0] == mode


def test_grade_from_the_wheel_writes_the_gradebook(installed: InstalledGrader, tmp_path: Path) -> None:
    work = tmp_path / "course"
    (work / "class").mkdir(parents=True)
    shutil.copyfile(REFERENCE, work / "class" / "alice.py")
    (work / "class" / "bob.py").write_text(WRONG, encoding="utf-8")
    shutil.copyfile(STUB, work / "class" / "carol.py")
    done = installed.run(["grader", "grade", "class", "--out", "grades"], cwd=work, timeout=240)
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    with (work / "grades" / "gradebook.csv").open(encoding="utf-8", newline="") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    full = code_points()
    assert {name: (row["status"], float(row["total"]), float(row["maximum"])) for name, row in rows.items()} == {
        "alice": ("graded", full, full),
        "bob": ("graded", full - code_points(WRONG_FAILS), full),
        "carol": ("graded", 0.0, full),
    }
    assert all((work / "grades" / name / "feedback.txt").is_file() for name in rows)


LESSONS = sorted(p.parent.parent.name for p in (ROOT / "exercises").glob("*/.meta/lesson.toml"))


@pytest.mark.parametrize("lesson_id", LESSONS)
def test_every_lesson_grades_from_the_wheel(installed: InstalledGrader, tmp_path: Path, lesson_id: str) -> None:
    """Each lesson's reference gets full marks and its stub 0 from the wheel, the lesson found from the file's name."""
    lesson = load_lesson(lesson_id)
    assert lesson.reference is not None
    full = sum(p.points for p in lesson.properties)
    for source, expected, exit_code in ((lesson.reference, full, 0), (lesson.stub, 0.0, 1)):
        folder = tmp_path / f"{lesson_id}-{exit_code}"
        folder.mkdir()
        shutil.copyfile(source, folder / lesson.stub.name)
        done = installed.run(["grader", "check", lesson.stub.name, "--format", "json"], cwd=folder, timeout=180)
        assert done.returncode == exit_code, f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        report = json.loads(done.stdout)
        assert (report["lesson"], report["score"], report["max_score"]) == (lesson_id, expected, full), report.get("message")


def test_a_release_of_every_lesson_works_from_the_wheel(installed: InstalledGrader, tmp_path: Path) -> None:
    """A student repository with all the lessons, pinned to the wheel: each lesson's stub as released grades 0 with the
    installed grader, and each reference put in its place (with its quiz answers) gets full marks."""
    from grader.release import write_release

    repo = tmp_path / "course"
    write_release(repo, None, f"neuron-grader @ {installed.wheel.as_uri()}", local=True)
    for lesson_id in LESSONS:
        lesson = load_lesson(lesson_id)
        assert lesson.reference is not None
        stub = Path("exercises") / lesson_id / lesson.stub.name
        assert (repo / stub).is_file(), stub
        done = installed.run(["grader", "check", str(stub), "--format", "json"], cwd=repo, timeout=180)
        assert done.returncode == 1 and json.loads(done.stdout)["score"] == 0, done.stdout[-2000:] + done.stderr[-2000:]
        shutil.copyfile(lesson.reference, repo / stub)
        answers = lesson.reference.with_name("quiz.toml")
        if answers.is_file():
            shutil.copyfile(answers, (repo / stub).with_name("quiz.toml"))
        done = installed.run(["grader", "check", str(stub), "--format", "json"], cwd=repo, timeout=180)
        report = json.loads(done.stdout)
        assert done.returncode == 0 and report["score"] == report["max_score"] > 0, done.stdout[-2000:] + done.stderr[-2000:]
