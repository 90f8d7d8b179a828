"""``grader grade`` on a folder of mixed submissions: gradebook, per-student files, reruns, isolation, Ctrl-C."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.grade import FEEDBACK, GRADEBOOK, STATE, ClassResult, Graded, Job, Options, grade_class, run_local, summary_tables
from grader.model import Report, ReportStatus

from .conftest import REFERENCE, STUB

LIMITS = {"call_seconds": 0.5, "import_seconds": 5.0}
HOSTILE = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n"


def _notebook(source: str) -> str:
    cell: dict[str, object] = {"cell_type": "code", "id": "c1", "execution_count": None, "metadata": {}, "outputs": [], "source": source.splitlines(keepends=True)}
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def make_class(root: Path) -> Path:
    reference = REFERENCE.read_text()
    (root / "bob").mkdir(parents=True)
    (root / "alice.py").write_text(reference)
    shutil.copy(STUB, root / "bob" / "neuron.py")
    (root / "carol.py").write_text(reference.replace("np.exp(-z)", "np.exp(z)"))
    (root / "dave.py").write_text("def sigmoid(z:\n")
    (root / "eve.py").write_text(reference.replace('    """Squash z', "    while True:\n        pass\n    \"\"\"Squash z"))
    (root / "frank.ipynb").write_text(_notebook(reference))
    (root / "mallory.py").write_text(HOSTILE + reference)
    return root


def _gradebook(out: Path) -> dict[str, dict[str, str]]:
    with open(out / GRADEBOOK, newline="", encoding="utf-8") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, ClassResult]:
    root = make_class(tmp_path_factory.mktemp("class") / "class")
    out = tmp_path_factory.mktemp("out")
    result = grade_class([root], Options(out=out, formats=["json", "junit", "gradescope", "github", "classroom", "csv"], jobs=2, limits=LIMITS))
    return root, out, result


def test_gradebook_of_a_mixed_class(graded: tuple[Path, Path, ClassResult]) -> None:
    _root, out, result = graded
    book = _gradebook(out)
    assert set(book) == {"alice", "bob", "carol", "dave", "eve", "frank", "mallory"}
    assert list(next(iter(book.values()))) == [
        "student", "status", "total", "maximum", "sigmoid", "relu", "Neuron.__init__", "Neuron.activate", "submission", "message",
        "timeouts", "maximum_note"]
    assert book["alice"]["status"] == "graded" and book["alice"]["total"] == book["alice"]["maximum"] == "17"
    assert book["frank"]["total"] == "17"  # the same code as a notebook
    assert book["bob"]["status"] == "graded" and book["bob"]["total"] == "0"
    assert book["carol"]["status"] == "graded" and 0 < float(book["carol"]["total"]) < 17 and book["carol"]["sigmoid"] != "4"
    assert book["dave"]["status"] == "did_not_import" and "syntax" in book["dave"]["message"]
    assert book["eve"]["status"] == "graded" and book["eve"]["sigmoid"] == "0" and book["eve"]["relu"] == "3"
    assert int(book["eve"]["timeouts"]) > 0 and book["alice"]["timeouts"] == "0"  # graded, with time-outs
    assert book["mallory"]["total"] == "0"  # whatever it did, it got nothing, and nobody else lost anything
    assert result.total == 7 and not result.interrupted and len(result.graded) == 7
    for row in book.values():
        parts = sum(float(row[p]) for p in ("sigmoid", "relu", "Neuron.__init__", "Neuron.activate"))
        assert parts == float(row["total"])


def test_per_student_files(graded: tuple[Path, Path, ClassResult]) -> None:
    _root, out, _result = graded
    for student in ("alice", "carol", "dave"):
        folder = out / student
        names = {p.name for p in folder.iterdir()}
        assert {FEEDBACK, "report.json", "junit.xml", "results.json", "summary.md", "classroom.b64", "results.csv", STATE} <= names
        assert not any(name.endswith(".tmp") for name in names)
        assert json.loads((folder / "report.json").read_text())["submission"].endswith(f"{student}.py")
        assert "execution_time" in json.loads((folder / "results.json").read_text())
    assert "Total: 17/17" in (out / "alice" / FEEDBACK).read_text()
    assert "sigmoid" in (out / "carol" / "summary.md").read_text()
    assert "grader-grade-" not in (out / "dave" / FEEDBACK).read_text()  # named as given, not by a temporary copy


def test_summary_tables(graded: tuple[Path, Path, ClassResult]) -> None:
    from rich.console import Console

    _root, _out, result = graded
    console = Console(file=io.StringIO(), width=120, color_system=None)
    for table in summary_tables(result):
        console.print(table)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "Score distribution" in text and "17/17" in text
    assert "did_not_import" in text
    assert "sigmoid: matches 1 / (1 + e^-z) on single numbers" in text


def test_a_rerun_skips_what_did_not_change(graded: tuple[Path, Path, ClassResult], tmp_path: Path) -> None:
    root, out, _result = graded
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    before = {p: p.stat().st_mtime_ns for p in copy.rglob(STATE)}
    (root / "carol.py").write_text(REFERENCE.read_text())  # carol fixed her code
    try:
        again = grade_class([root], Options(out=copy, formats=["json", "junit", "gradescope", "github", "classroom", "csv"], jobs=2,
                                            limits=LIMITS))
    finally:
        (root / "carol.py").write_text(REFERENCE.read_text().replace("np.exp(-z)", "np.exp(z)"))
    reused = {g.student for g in again.graded if g.reused}
    assert {"alice", "bob", "dave", "eve", "frank"} <= reused
    assert "carol" not in reused
    assert _gradebook(copy)["carol"]["total"] == "17"
    assert (copy / "alice" / STATE).stat().st_mtime_ns == before[copy / "alice" / STATE]
    # a different grading setting is a different key: nothing is reused
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(root / "dave.py", alone / "dave.py")
    first = grade_class([alone], Options(out=copy, jobs=1, limits=LIMITS))
    assert [g.reused for g in first.graded] == [True]
    forced = grade_class([alone], Options(out=copy, jobs=1, limits=LIMITS, force=True))
    assert [g.reused for g in forced.graded] == [False]
    other = grade_class([alone], Options(out=copy, jobs=1, limits={"call_seconds": 0.7}))
    assert [g.reused for g in other.graded] == [False]


def test_ctrl_c_leaves_a_consistent_gradebook(tmp_path: Path) -> None:
    root = tmp_path / "class"
    root.mkdir()
    for name in ("a", "b", "c", "d"):
        (root / f"{name}.py").write_text("def sigmoid(z:\n")  # fast to grade: does not import
    (root / "e.py").write_text(REFERENCE.read_text())
    out = tmp_path / "out"
    seen: list[str] = []

    def progress(total: int):  # type: ignore[no-untyped-def]
        def tick(item: Graded) -> None:
            seen.append(item.student)
            if len(seen) == 2:
                raise KeyboardInterrupt

        return tick

    result = grade_class([root], Options(out=out, jobs=2, limits=LIMITS), progress)
    assert result.interrupted
    book = _gradebook(out)
    assert set(book) == set(seen) == {g.student for g in result.graded}
    for student in book:
        assert (out / student / STATE).is_file() and (out / student / FEEDBACK).is_file()
    assert not list(out.rglob("*.tmp"))
    again = grade_class([root], Options(out=out, jobs=2, limits=LIMITS))
    assert not again.interrupted and set(_gradebook(out)) == {"a", "b", "c", "d", "e"}
    assert {g.student for g in again.graded if g.reused} == set(seen)


def test_cli_grade(tmp_path: Path) -> None:
    root = tmp_path / "class"
    root.mkdir()
    (root / "dave.py").write_text("def sigmoid(z:\n")
    (root / "zip-me").mkdir()
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["grade", str(root), "--out", str(out), "--formats", "csv,junit", "--quiet", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert (out / "dave" / "results.csv").is_file() and (out / "dave" / "junit.xml").is_file()
    assert not (out / "dave" / "report.json").exists()
    assert "gradebook" in result.output
    bad = CliRunner().invoke(main, ["grade", str(root), "--out", str(out), "--formats", "pdf"])
    assert bad.exit_code == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = CliRunner().invoke(main, ["grade", str(empty), "--out", str(out)])
    assert nothing.exit_code == 2


def test_one_hostile_submission_does_not_touch_the_others(graded: tuple[Path, Path, ClassResult]) -> None:
    _root, out, result = graded
    mallory = next(g.report for g in result.graded if g.student == "mallory")
    assert mallory.score == 0
    if mallory.status is ReportStatus.GRADER_ERROR:
        assert "worker" in (mallory.message or "")
    alice = next(g.report for g in result.graded if g.student == "alice")
    assert alice.full_marks
    assert os.path.exists(out / GRADEBOOK)


def crashing_work(job: Job, lesson_ref: str, language: str | None, limits: dict[str, float] | None, isolation: str = "auto") -> Report:
    """A stand-in for grade_job in the pool's workers: "boom" ends its worker process, the rest pass quickly."""
    from grader.engine import empty_report
    from grader.lesson import load_lesson

    if job.student == "boom":
        os._exit(70)
    return empty_report(load_lesson(lesson_ref), job.display, ReportStatus.UNREADABLE, f"fake report for {job.student}")


def test_a_dying_worker_costs_only_its_own_submission(tmp_path: Path) -> None:
    from grader.lesson import load_lesson

    lesson = load_lesson("neuron")
    names = ["a", "b", "boom", "c", "d", "e", "f"]
    jobs = [Job(student=n, display=f"{n}.py", filename=f"{n}.py", data=b"x = 1\n", key=n) for n in names]
    results = dict((job.student, report) for job, report in run_local(jobs, Options(out=tmp_path), lesson, 2, work=crashing_work))
    assert set(results) == set(names)
    assert results["boom"].status is ReportStatus.GRADER_ERROR and "worker" in (results["boom"].message or "")
    for name in names:
        if name != "boom":
            assert results[name].status is ReportStatus.UNREADABLE and results[name].message == f"fake report for {name}"


def test_quiz_answers_beside_the_code_are_graded(tmp_path: Path) -> None:
    from grader.quiz import load_quiz

    lesson_folder = Path(__file__).resolve().parent.parent / "exercises" / "neuron"
    quiz = load_quiz(lesson_folder)
    if quiz is None:
        pytest.skip("the lesson has no quiz")
    root = tmp_path / "class"
    for student in ("ann", "ben"):
        (root / student).mkdir(parents=True)
        (root / student / "neuron.py").write_text("def sigmoid(z:\n")  # fast: does not import
    answers = "\n".join(f'{q.id} = "{q.letters[q.answer]}"' for q in quiz.questions) + "\n"
    (root / "ann" / quiz.answers).write_text(answers)
    (root / "lone.py").write_text("def sigmoid(z:\n")
    (root / quiz.answers).write_text(answers)  # beside a lone file among others: nobody's answers
    out = tmp_path / "out"
    grade_class([root], Options(out=out, jobs=1, limits=LIMITS))
    book = _gradebook(out)
    quiz_points = sum(q.points for q in quiz.questions)
    assert float(book["ann"]["quiz"]) == quiz_points and float(book["ann"]["total"]) == quiz_points
    assert book["ben"]["quiz"] == "" and book["ben"]["total"] == "0"  # no answers: no quiz, and not in the maximum
    assert float(book["ann"]["maximum"]) == float(book["ben"]["maximum"]) + quiz_points
    assert "quiz.toml" in book["ben"]["maximum_note"] and "quiz.toml" not in book["ann"]["maximum_note"]
    assert book["lone"]["total"] == "0"
    # changing only the answers is a change: the student is graded again
    (root / "ann" / quiz.answers).write_text("")
    again = grade_class([root], Options(out=out, jobs=1, limits=LIMITS))
    assert {g.student for g in again.graded if not g.reused} == {"ann"}


def test_nothing_is_left_running(tmp_path: Path) -> None:
    psutil = pytest.importorskip("psutil")
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    root = tmp_path / "class"
    root.mkdir()
    (root / "a.py").write_text("def sigmoid(z:\n")
    grade_class([root], Options(out=tmp_path / "out", jobs=1, limits=LIMITS))
    left = [p for p in psutil.Process().children(recursive=True) if p.pid not in before and p.status() != psutil.STATUS_ZOMBIE]
    assert not left, [" ".join(p.cmdline())[:100] for p in left]
