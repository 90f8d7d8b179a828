"""Every command works for several lessons: a kit of two (the neuron lesson and ``cell``, a copy of it under another
id and module name), graded, released, exported and validated; and the quiz as a part of kind ``quiz``."""

from __future__ import annotations

import csv
import json
import shutil
import zipfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from grader import lesson as lesson_module
from grader.cli import main
from grader.errors import LessonError
from grader.lesson import Lesson, lesson_for_path, load_lesson

from .conftest import REFERENCE, ROOT

PINNED = "neuron-grader @ https://github.com/course/neuron/releases/download/v0.1.0/neuron_grader-0.1.0-py3-none-any.whl"
BROKEN = "def sigmoid(z:\n"  # does not import: graded at once, every code part 0


def _answers(lesson: Lesson) -> str:
    from grader.quiz import load_quiz

    quiz = load_quiz(lesson.folder)
    assert quiz is not None
    return "".join(f'{q.id} = "{q.letters[q.answer]}"\n' for q in quiz.questions)


@pytest.fixture()
def kit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A kit whose exercises/ holds neuron (the real folder) and cell (a copy: module cell, stub cell.py)."""
    from grader._examples import fingerprint

    exercises = tmp_path / "kit" / "exercises"
    exercises.mkdir(parents=True)
    (exercises / "neuron").symlink_to(ROOT / "exercises" / "neuron", target_is_directory=True)
    cell = exercises / "cell"
    shutil.copytree(ROOT / "exercises" / "neuron", cell, ignore=shutil.ignore_patterns("__pycache__"))
    (cell / "neuron.py").rename(cell / "cell.py")
    (cell / "neuron.ipynb").rename(cell / "cell.ipynb")
    solution = tmp_path / "kit" / "solutions" / "cell" / "cell.py"
    solution.parent.mkdir(parents=True)
    shutil.copy(REFERENCE, solution)
    toml = cell / ".meta" / "lesson.toml"
    text = toml.read_text(encoding="utf-8")
    for old, new in (('id = "neuron"', 'id = "cell"'), ('module = "neuron"', 'module = "cell"'), ('stub = "neuron.py"', 'stub = "cell.py"'),
                     ("solutions/neuron/neuron.py", "solutions/cell/cell.py")):
        assert old in text
        text = text.replace(old, new)
    toml.write_text(text, encoding="utf-8")
    examples = cell / ".meta" / "examples.json"  # the same properties: the stored examples hold, under the new metadata
    data = json.loads(examples.read_text(encoding="utf-8"))
    data["fingerprint"] = fingerprint(load_lesson(cell))
    examples.write_text(json.dumps(data, separators=(",", ":"), sort_keys=True) + "\n", encoding="utf-8")
    monkeypatch.setattr(lesson_module, "lessons_dir", lambda: exercises)
    return exercises


def _check(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", *args])
    return result.exit_code, result.output


# -- grader check: the lesson from the file or the folder ---------------------------------------------------------
def test_check_finds_the_lesson_from_the_file_or_folder(kit: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    (work / "mine").mkdir(parents=True)
    (work / "cell.py").write_text(BROKEN)
    (work / "mine" / "cell.py").write_text(BROKEN)
    (work / "neuron.py").write_text(BROKEN)
    for path, lesson in ((work / "cell.py", "cell"), (work / "mine", "cell"), (work / "neuron.py", "neuron"), (kit / "cell", "cell")):
        code, output = _check([str(path), "--format", "json"])
        assert code == 1, output
        assert json.loads(output)["lesson"] == lesson, path
    notebook = work / "nb" / "cell.ipynb"
    notebook.parent.mkdir()
    shutil.copy(kit / "cell" / "cell.ipynb", notebook)
    assert lesson_for_path(notebook).id == "cell"


def test_an_unknown_or_ambiguous_file_is_one_sentence_listing_the_lessons(kit: Path, tmp_path: Path) -> None:
    (tmp_path / "alice.py").write_text(BROKEN)
    both = tmp_path / "both"
    both.mkdir()
    (both / "cell.py").write_text(BROKEN)
    (both / "neuron.py").write_text(BROKEN)
    for path in (tmp_path / "alice.py", both):
        code, output = _check([str(path)])
        assert code == 2
        assert len(output.strip().splitlines()) == 1, output
        assert "cell" in output and "neuron" in output and "--lesson" in output
    code, output = _check([str(tmp_path / "alice.py"), "--lesson", "cell", "--format", "json"])  # --lesson overrides
    assert code == 1 and json.loads(output)["lesson"] == "cell"


def test_check_without_a_path(kit: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, output = _check([])
    assert code == 2 and "cell (cell.py)" in output and "neuron (neuron.py)" in output
    (tmp_path / "exercises" / "cell").mkdir(parents=True)
    (tmp_path / "exercises" / "cell" / "cell.py").write_text(BROKEN)  # a student repository with one of the lessons
    code, output = _check(["--format", "json"])
    assert code == 1 and json.loads(output)["lesson"] == "cell"


# -- the quiz is a part of kind "quiz" --------------------------------------------------------------------------
def test_the_quiz_is_a_part_of_the_lesson(lesson: Lesson, tmp_path: Path) -> None:
    from grader.engine import grade_path

    assert [(part.id, part.kind) for part in lesson.quiz_parts] == [("quiz", "quiz")]
    assert [p.id for p in lesson.all_parts][-1] == "quiz" and "quiz" not in lesson.names
    assert [p.id for p in lesson.quiz_properties] == ["quiz.bias", "quiz.init"]
    assert lesson.max_points == sum(p.points for p in lesson.properties) + 2 == 19
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "neuron.py").write_text(BROKEN)
    (folder / "quiz.toml").write_text(_answers(lesson))
    report = grade_path(folder, lesson)  # the engine grades every part: the code's (none import here) and the quiz
    assert report.status.value == "did_not_import"
    assert [part.id for part in report.parts] == [*lesson.names, "quiz"]
    assert report.score == 2 and report.max_score == 19
    (folder / "quiz.toml").unlink()
    alone = grade_path(folder, lesson)
    assert alone.max_score == 17 and [s.id for s in alone.skipped_parts] == ["quiz"]


def test_a_quiz_part_declared_in_lesson_toml(kit: Path) -> None:
    toml = kit / "cell" / ".meta" / "lesson.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text + '\n[[parts]]\nid = "quiz"\ntitle = "Two questions"\nkind = "quiz"\n', encoding="utf-8")
    cell = load_lesson("cell")
    assert [(p.id, p.title, p.kind) for p in cell.quiz_parts] == [("quiz", "Two questions", "quiz")]
    assert cell.names == load_lesson("neuron").names
    toml.write_text(text + '\n[[parts]]\nid = "questions"\nkind = "quiz"\n', encoding="utf-8")
    with pytest.raises(LessonError):
        load_lesson("cell")
    toml.write_text(text + '\n[[parts]]\nid = "quiz"\nkind = "quiz"\n', encoding="utf-8")
    (kit / "cell" / ".meta" / "quiz.toml").unlink()
    with pytest.raises(LessonError):
        load_lesson("cell")


# -- grader grade: a class that handed in two lessons -----------------------------------------------------------
def _book(path: Path) -> dict[str, dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


def test_grade_a_class_with_two_lessons(kit: Path, tmp_path: Path) -> None:
    from grader.grade import Options, grade_class

    cell = load_lesson("cell")
    root = tmp_path / "class"
    (root / "ann").mkdir(parents=True)
    (root / "bo").mkdir()
    (root / "ann" / "neuron.py").write_text(BROKEN)
    (root / "ann" / "quiz.toml").write_text(_answers(cell))
    (root / "ann" / "cell.py").write_text(BROKEN)
    (root / "bo" / "cell.py").write_text(REFERENCE.read_text(encoding="utf-8"))
    (root / "cy.py").write_text(BROKEN)  # named after no lesson, and both define sigmoid: which one cannot be told
    out = tmp_path / "out"
    result = grade_class([root], Options(out=out, jobs=2, limits={"call_seconds": 1.0}))
    assert result.several and [lesson.id for lesson in result.lessons] == ["cell", "neuron"]
    assert any("cy.py" in sentence and "cell (cell.py)" in sentence for sentence in result.skipped)
    cells, neurons = _book(out / "cell" / "gradebook.csv"), _book(out / "neuron" / "gradebook.csv")
    assert set(cells) == {"ann", "bo"} and set(neurons) == {"ann"}
    assert cells["bo"]["total"] == "17" and cells["ann"]["total"] == "2" and cells["ann"]["quiz"] == "2"
    assert neurons["ann"]["total"] == "2" and neurons["ann"]["maximum"] == "19"  # the answers beside both files count for both
    combined = _book(out / "gradebook.csv")
    assert list(next(iter(combined.values()))) == ["student", "total", "maximum", "cell", "neuron", "maximum_note"]
    assert combined["ann"]["cell"] == cells["ann"]["total"] and combined["ann"]["neuron"] == neurons["ann"]["total"]
    assert float(combined["ann"]["total"]) == float(cells["ann"]["total"]) + float(neurons["ann"]["total"])
    assert combined["bo"]["neuron"] == "" and float(combined["bo"]["maximum"]) == 17 + load_lesson("neuron").max_points
    assert "neuron" in combined["bo"]["maximum_note"]
    for lesson_id, student in (("cell", "ann"), ("cell", "bo"), ("neuron", "ann")):
        assert (out / lesson_id / student / "feedback.txt").is_file() and (out / lesson_id / student / "feedback.html").is_file()
    assert (out / "cell" / "report.html").is_file() and (out / "neuron" / "report.html").is_file()
    again = grade_class([root], Options(out=out, jobs=1, limits={"call_seconds": 1.0}))
    assert all(g.reused for g in again.graded) and len(again.graded) == 3
    only = grade_class([root], Options(out=tmp_path / "only", jobs=1, lessons=("cell",), limits={"call_seconds": 1.0}))
    assert not only.several and set(_book(tmp_path / "only" / "gradebook.csv")) == {"ann", "bo", "cy"}  # one lesson: as before


def test_the_grade_command_takes_lessons(kit: Path, tmp_path: Path) -> None:
    root = tmp_path / "class"
    root.mkdir()
    (root / "ann.py").write_text(BROKEN)
    result = CliRunner().invoke(main, ["grade", str(root), "--out", str(tmp_path / "out"), "--lesson", "cell", "-q"])
    assert result.exit_code == 0, result.output
    assert _book(tmp_path / "out" / "gradebook.csv")["ann"]["status"] == "did_not_import"


# -- grader release: one repository with both lessons ------------------------------------------------------------
def test_release_of_several_lessons(kit: Path, tmp_path: Path) -> None:
    from grader.check import check
    from grader.release import check_release, classroom_runners, write_release
    from grader.render.classroom import to_runners

    target = tmp_path / "release"
    write_release(target, None, PINNED)
    files = {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()}
    assert {"exercises/cell/cell.py", "exercises/neuron/neuron.py", "exercises/cell/quiz.toml"} <= files
    assert not any(".meta" in name or "solutions" in name for name in files)
    grade_yml = (target / ".github" / "workflows" / "grade.yml").read_text()
    steps = yaml.safe_load(grade_yml)["jobs"]["grade"]["steps"]
    graders = [step for step in steps if "grader check" in step.get("run", "")]
    assert [step["run"] for step in graders] == [f"grader check exercises/{lid}/{lid}.py --lesson {lid} --format github" for lid in ("cell", "neuron")]
    assert all(step["if"] == "${{ !cancelled() }}" for step in graders)  # the second lesson is graded after the first failed
    classroom = yaml.safe_load((target / ".github" / "workflows" / "classroom.yml").read_text())
    job = classroom["jobs"]["run-autograding-tests"]
    reporter = job["steps"][-1]
    runners = reporter["with"]["runners"].split(",")
    assert len(runners) == len(set(runners)) == sum(len(classroom_runners(load_lesson(lid))) for lid in ("cell", "neuron"))
    for lid in ("cell", "neuron"):
        lesson = load_lesson(lid)
        step = next(s for s in job["steps"] if s.get("id") == f"grade_{lid}")
        # what the step hands on: the runners of the classroom format, renamed by the step's sed, match its list
        produced = [lid + name for name, _result in to_runners(check(target / "exercises" / lid, lesson))]
        listed = step["run"].split("for runner in ", 1)[1].split("; do", 1)[0].split()
        assert produced == listed and set(listed) <= set(runners)
        assert f'sed -i "s/^/{lid}/"' in step["run"]
        assert all(f"steps.grade_{lid}.outputs.{name}" in reporter["env"][name.upper() + "_RESULTS"] for name in listed)
    gitlab = yaml.safe_load((target / ".gitlab-ci.yml").read_text())["grade"]
    assert gitlab["artifacts"]["reports"]["junit"] == ["grader-junit-cell.xml", "grader-junit-neuron.xml"]
    assert gitlab["script"][-1] == 'exit "$status"'
    readme = (target / "README.md").read_text()
    assert "grader check exercises/cell/" in readme and "grader check exercises/neuron/" in readme
    manifest = json.loads((target / ".grader-release.json").read_text())
    assert set(manifest["lessons"]) == {"cell", "neuron"}
    assert check_release(target) == []
    result = CliRunner().invoke(main, ["validate", str(target)])
    assert result.exit_code == 0, result.output
    (target / "exercises" / "cell" / "cell.py").write_text(REFERENCE.read_text())  # a leak in one lesson is found
    assert any(problem.kind == "leak" for problem in check_release(target))


def test_release_of_the_lessons_named(kit: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["release", str(tmp_path / "r"), "--lesson", "cell", "--requirement", PINNED])
    assert result.exit_code == 0, result.output
    files = {p.relative_to(tmp_path / "r").as_posix() for p in (tmp_path / "r").rglob("*") if p.is_file()}
    assert "exercises/cell/cell.py" in files and not any(name.startswith("exercises/neuron/") for name in files)
    assert "--lesson cell --format github" in (tmp_path / "r" / ".github" / "workflows" / "grade.yml").read_text()


# -- exports and validate, per lesson ----------------------------------------------------------------------------
def test_exports_work_per_lesson(kit: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["export", "gradescope", str(tmp_path) + "/", "--lesson", "cell", "--requirement", PINNED])
    assert result.exit_code == 0, result.output
    assert "19" in result.output
    with zipfile.ZipFile(tmp_path / "cell-autograder.zip") as archive:
        assert "LESSON=cell" in archive.read("run_autograder").decode()
    result = CliRunner().invoke(main, ["export", "gradescope", str(tmp_path) + "/", "--requirement", PINNED])
    assert result.exit_code == 2 and "cell" in result.output and "neuron" in result.output
    pytest.importorskip("nbformat")
    result = CliRunner().invoke(main, ["export", "nbgrader", str(tmp_path / "course"), "--lesson", "cell"])
    assert result.exit_code == 0, result.output
    notebook = (tmp_path / "course" / "source" / "cell" / "cell.ipynb").read_text()
    assert "lesson='cell'" in notebook and "lesson='neuron'" not in notebook


def test_validate_checks_every_lesson(kit: Path) -> None:
    result = CliRunner().invoke(main, ["validate", "--no-grade"])
    assert result.exit_code == 0, result.output
    assert "cell: valid" in result.output and "neuron: valid" in result.output
    toml = kit / "cell" / ".meta" / "lesson.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + '\n[[properties]]\nid = "relu.extra"\npart = "relu"\npoints = 1\ntitle = "x"\n')
    result = CliRunner().invoke(main, ["validate", "--no-grade"])
    assert result.exit_code == 1 and "cell: not valid" in result.output and "neuron: valid" in result.output
