"""``--isolation`` for ``grader grade``, ``grader hint`` and ``grader export nbgrader``, as ``grader check`` has it:
the choices are the modes of grader.isolation.modes, a mode that cannot be used here is a usage error of one
sentence (exit 2), and the class outputs name the isolation the run used."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from grader import grade as grade_module
from grader.cli import main
from grader.grade import GRADEBOOK, Job, Options, grade_class
from grader.isolation import modes
from grader.isolation.modes import MODES
from grader.model import Report, ReportStatus

LIMITS = {"call_seconds": 0.5, "import_seconds": 5.0}
BASIC = "basic (chosen with --isolation basic)"


def _no_bubblewrap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(modes, "sandbox_problem", lambda: "bubblewrap not available")


def _class(root: Path) -> Path:
    root.mkdir()
    (root / "dave.py").write_text("def sigmoid(z:\n")  # quick: does not import
    (root / "empty.py").write_text("")  # unreadable: reported by the parent, nothing runs
    (root / "nobody").mkdir()
    (root / "nobody" / "notes.txt").write_text("no code here\n")
    return root


@pytest.mark.parametrize("command", [["check"], ["grade"], ["hint"], ["export", "nbgrader"]])
def test_the_choices_are_the_isolation_modes(command: list[str]) -> None:
    group: click.Command = main
    for name in command:
        assert isinstance(group, click.Group)
        group = group.commands[name]
    option = next(p for p in group.params if p.name == "isolation")
    assert isinstance(option.type, click.Choice) and list(option.type.choices) == list(MODES)
    assert option.default == "auto"


def test_grade_with_basic_isolation_names_it_in_every_output(tmp_path: Path) -> None:
    root = _class(tmp_path / "class")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["grade", str(root), "--out", str(out), "--quiet", "--jobs", "1", "--isolation", "basic"])
    assert result.exit_code == 0, result.output
    assert f"isolation: {BASIC}" in result.output
    with open(out / GRADEBOOK, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["student"] for row in rows} >= {"dave", "empty"}
    for row in rows:  # graded in a worker, or reported by the parent without running anything: the same isolation
        report = json.loads((out / row["student"] / "report.json").read_text(encoding="utf-8"))
        assert report["isolation"] == BASIC, row["student"]
    page = (out / "report.html").read_text(encoding="utf-8")
    assert f"<dd>{BASIC}</dd>" in page and "sandbox" not in page


def test_grade_refuses_a_mode_that_cannot_be_used_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _no_bubblewrap(monkeypatch)
    root = _class(tmp_path / "class")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["grade", str(root), "--out", str(out), "--isolation", "sandbox"])
    assert result.exit_code == 2
    assert "--isolation sandbox cannot be used here: bubblewrap not available." in result.output
    assert "Traceback" not in result.output
    assert not out.exists()  # refused before anything was written


def test_a_rerun_under_another_isolation_grades_again(tmp_path: Path) -> None:
    chosen = modes.resolve("auto")
    if chosen.mode == "basic":
        pytest.skip(f"auto is basic here ({chosen.reason}): no second mode to compare with")
    root = tmp_path / "class"
    root.mkdir()
    (root / "dave.py").write_text("def sigmoid(z:\n")
    out = tmp_path / "out"
    first = grade_class([root], Options(out=out, jobs=1, limits=LIMITS, isolation="basic"))
    assert first.isolation == BASIC and [g.reused for g in first.graded] == [False]
    same = grade_class([root], Options(out=out, jobs=1, limits=LIMITS, isolation="basic"))
    assert [g.reused for g in same.graded] == [True]
    other = grade_class([root], Options(out=out, jobs=1, limits=LIMITS, isolation="auto"))
    assert other.isolation == chosen.label and [g.reused for g in other.graded] == [False]
    assert other.graded[0].report.isolation == chosen.label


def test_hint_takes_isolation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    submission = tmp_path / "neuron.py"
    submission.write_text("def sigmoid(z:\n")
    shown = CliRunner().invoke(main, ["hint", "--submission", str(submission), "--isolation", "basic", "--lang", "en"])
    assert shown.exit_code == 0, shown.output
    _no_bubblewrap(monkeypatch)
    refused = CliRunner().invoke(main, ["hint", "--submission", str(submission), "--isolation", "sandbox", "--lang", "en"])
    assert refused.exit_code == 2
    assert "--isolation sandbox cannot be used here: bubblewrap not available." in refused.output


def test_export_nbgrader_puts_the_isolation_in_the_test_cells(tmp_path: Path) -> None:
    def test_cells(folder: Path) -> list[str]:
        notebook = json.loads(next(folder.glob("source/*/*.ipynb")).read_text(encoding="utf-8"))
        return ["".join(cell["source"]) for cell in notebook["cells"] if "grade_part(" in "".join(cell["source"])]

    chosen = CliRunner().invoke(main, ["export", "nbgrader", str(tmp_path / "basic"), "--lesson", "neuron", "--isolation", "basic"])
    assert chosen.exit_code == 0, chosen.output
    cells = test_cells(tmp_path / "basic")
    assert cells and all(cell.rstrip().endswith(", isolation='basic')") for cell in cells)
    default = CliRunner().invoke(main, ["export", "nbgrader", str(tmp_path / "auto"), "--lesson", "neuron"])
    assert default.exit_code == 0, default.output
    assert not any("isolation" in cell for cell in test_cells(tmp_path / "auto"))  # auto: as before, for the machine that runs it


def test_a_notebook_cell_asking_for_an_unusable_mode_gets_one_sentence(monkeypatch: pytest.MonkeyPatch,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    from grader.nbgrader import run

    _no_bubblewrap(monkeypatch)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"x = 1\n")))
    assert run.main(["--isolation", "sandbox", "--lang", "en"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == "--isolation sandbox cannot be used here: bubblewrap not available."


def test_workers_get_the_isolation(tmp_path: Path) -> None:
    """Options.isolation reaches grade_job in the worker (here a stand-in that reports what it got)."""
    from grader.grade import run_local
    from grader.lesson import load_lesson

    lesson = load_lesson("neuron")
    jobs = [Job(student="a", display="a.py", filename="a.py", data=b"x = 1\n", key="a")]
    results = list(run_local(jobs, Options(out=tmp_path, isolation="basic"), lesson, 1, work=_echo_isolation))
    assert [report.message for _job, report in results] == ["basic"]
    assert grade_module.job_key(b"x", lesson, None, None, (), "basic") != grade_module.job_key(b"x", lesson, None, None, (), "sandbox")


def _echo_isolation(job: Job, lesson_ref: str, language: str | None, limits: dict[str, float] | None, isolation: str = "auto") -> Report:
    from grader.engine import empty_report
    from grader.lesson import load_lesson

    return empty_report(load_lesson(lesson_ref), "a.py", ReportStatus.UNREADABLE, isolation)
