"""The nbgrader round trip with real nbgrader and a real ipykernel: export, generate_assignment, three students,
autograde, and the gradebook's points per student and part against the kit's own grader on the same code."""

from __future__ import annotations

import ast
import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from grader.check import check
from grader.cli import main
from grader.lesson import Lesson
from grader.nbgrader.cells import grade_code
from grader.nbgrader.export import BEGIN, END, chunks, export_course, part_grade_id

from .conftest import REFERENCE, ROOT

COURSE_LESSON = "neuron"
# Patches the student's kernel (and, since it is part of the submission, the grader's child): neither touches the
# checks, which run in the grader's own process.
WRONG_RELU = REFERENCE.read_text(encoding="utf-8").replace("np.maximum(0, z)", "np.abs(z)")
PATCH_CELL = "import numpy\nnumpy.allclose = lambda *a, **k: True\nnumpy.isclose = lambda a, b, *r, **k: numpy.ones(numpy.shape(a), bool)\n"


def reference_definitions() -> dict[str, str]:
    source = REFERENCE.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    return {
        node.name: "\n".join(lines[node.lineno - 1 : node.end_lineno])
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.ClassDef))
    }


def code_cells(notebook: dict[str, Any]) -> list[dict[str, Any]]:
    return [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]


def source_of(cell: dict[str, Any]) -> str:
    source = cell["source"]
    return "".join(source) if isinstance(source, list) else str(source)


def without_blank_lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run the whole round trip once; the tests below look at its results."""
    pytest.importorskip("nbgrader", reason="nbgrader comes with the test extra: pip install -e '.[test]'")
    from ipykernel.kernelspec import write_kernel_spec

    root = tmp_path_factory.mktemp("nbgrader")
    folder = root / "course"
    jupyter = root / "jupyter"
    # A kernel spec for this very Python, in a Jupyter folder of the test's own: no network, no user config.
    write_kernel_spec(jupyter / "data" / "kernels" / "python3")
    env = {
        **os.environ,
        "JUPYTER_PATH": str(jupyter / "data"),
        "JUPYTER_DATA_DIR": str(jupyter / "user-data"),
        "JUPYTER_CONFIG_DIR": str(jupyter / "config"),
        "JUPYTER_CONFIG_PATH": str(jupyter / "config"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "LANGUAGE": "en",
    }

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(argv, cwd=folder, env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}"
        return done

    folder.mkdir()
    run(sys.executable, "-m", "grader", "export", "nbgrader", str(folder), "--lesson", "neuron")
    run(sys.executable, "-m", "nbgrader", "generate_assignment", COURSE_LESSON)
    release = json.loads((folder / "release" / COURSE_LESSON / "neuron.ipynb").read_text(encoding="utf-8"))

    definitions = reference_definitions()
    wrong = {**definitions, "sigmoid": definitions["sigmoid"].replace("np.exp(-z)", "np.exp(z)")}
    students: dict[str, dict[str, str] | None] = {"correct": definitions, "wrong_sigmoid": wrong, "untouched": None}
    codes: dict[str, str] = {}
    for student, defs in students.items():
        notebook = copy.deepcopy(release)
        if defs is not None:
            for cell in code_cells(notebook):
                grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id", "")
                if grade_id.startswith("solution-"):
                    name = next(n for n in defs if f"solution-{n.lower()}" == grade_id)
                    cell["source"] = defs[name]
            if student == "wrong_sigmoid":  # and tries to fool the checks from the kernel
                cell = copy.deepcopy(code_cells(notebook)[0])
                cell["source"], cell["metadata"], cell["id"] = PATCH_CELL, {}, "patch"
                notebook["cells"].insert(notebook["cells"].index(code_cells(notebook)[0]) + 1, cell)
        target = folder / "submitted" / student / COURSE_LESSON / "neuron.ipynb"
        target.parent.mkdir(parents=True)
        target.write_text(json.dumps(notebook), encoding="utf-8")
        codes[student] = "\n\n".join(
            source_of(c) for c in code_cells(notebook) if not c["metadata"].get("nbgrader", {}).get("grade")
        )
    run(sys.executable, "-m", "nbgrader", "autograde", COURSE_LESSON)

    from nbgrader.api import Gradebook

    points: dict[str, dict[str, float]] = {}
    with Gradebook(f"sqlite:///{folder / 'gradebook.db'}") as gradebook:
        for student in students:
            notebook_grades = gradebook.find_submission_notebook(COURSE_LESSON, "neuron", student)
            points[student] = {grade.name: float(grade.score) for grade in notebook_grades.grades}
    return {"folder": folder, "release": release, "codes": codes, "points": points}


def test_gradebook_points_equal_the_kits_grade_of_the_same_code(course: dict[str, Any], lesson: Lesson, tmp_path: Path) -> None:
    expected_totals = {"correct": 17.0, "untouched": 0.0}
    for student, code in course["codes"].items():
        path = tmp_path / student / "neuron.py"
        path.parent.mkdir()
        path.write_text(code, encoding="utf-8")
        report = check(path, lesson)
        kit = {part_grade_id(part.id): part.points for part in report.parts if part.id in lesson.names}
        assert course["points"][student] == kit, student
        if student in expected_totals:
            assert sum(kit.values()) == expected_totals[student]
    # and `grader grade` on the very notebooks nbgrader collected, outside any kernel
    out = tmp_path / "grades"
    done = subprocess.run(
        [sys.executable, "-m", "grader", "grade", str(course["folder"] / "submitted"), "--assignment", COURSE_LESSON, "--out", str(out), "-q"],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    for student in course["codes"]:
        report = json.loads((out / student / "report.json").read_text(encoding="utf-8"))
        graded = {part_grade_id(part["id"]): float(part["points"]) for part in report["parts"] if part["id"] in lesson.names}
        assert course["points"][student] == graded, student
    wrong = course["points"]["wrong_sigmoid"]
    assert wrong[part_grade_id("sigmoid")] < 4, "patching NumPy in the kernel must not fool the checks"
    assert all(wrong[part_grade_id(p)] == course["points"]["correct"][part_grade_id(p)] for p in lesson.names if p != "sigmoid")


def test_autograded_test_cells_show_the_kits_feedback(course: dict[str, Any]) -> None:
    graded = json.loads((course["folder"] / "autograded" / "wrong_sigmoid" / COURSE_LESSON / "neuron.ipynb").read_text(encoding="utf-8"))
    cell = next(c for c in graded["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == part_grade_id("sigmoid"))
    printed = "".join("".join(o.get("text", "")) for o in cell["outputs"] if o["output_type"] == "stream")
    assert "sigmoid" in printed and "Hint:" in printed and "Expected:" in printed
    assert not any(o["output_type"] == "error" or o.get("name") == "stderr" for o in cell["outputs"])


def test_the_student_notebook_has_the_stubs_shape_no_solutions_and_locked_tests(course: dict[str, Any], lesson: Lesson) -> None:
    release = course["release"]
    text = json.dumps(release)
    assert BEGIN not in text and END not in text
    solution_lines = {
        line.strip()
        for chunk in chunks(lesson)
        if chunk.source
        for line in chunk.source.split(BEGIN, 1)[1].split(END, 1)[0].splitlines()
        if line.strip()
    }
    assert solution_lines and "return 1 / (1 + np.exp(-z))" in solution_lines
    for cell in release["cells"]:
        for line in source_of(cell).splitlines():
            assert line.strip() not in solution_lines, f"solution text in the student notebook: {line!r}"
    # the stub's shape: every code cell of the release is the stub's code, as in exercises/neuron/neuron.ipynb
    student = json.loads((ROOT / "exercises" / "neuron" / "neuron.ipynb").read_text(encoding="utf-8"))
    assert [without_blank_lines(source_of(c)) for c in code_cells(release)] == [without_blank_lines(source_of(c)) for c in code_cells(student)]
    stub = (ROOT / "exercises" / "neuron" / "neuron.py").read_text(encoding="utf-8")
    for needed in ("def sigmoid(z):", "def relu(z):", "class Neuron:", "def __init__(self, n_inputs):", "self.weights = ...",
                   "self.bias = ...", "def activate(self, inputs):", "input_sum_with_bias = ...", "output = ...", "return output"):
        assert needed in stub and any(needed in source_of(c) for c in code_cells(release)), needed
    tests = [c for c in release["cells"] if c["metadata"].get("nbgrader", {}).get("grade")]
    assert [c["metadata"]["nbgrader"]["grade_id"] for c in tests] == [part_grade_id(p) for p in lesson.names]
    for cell in tests:
        meta = cell["metadata"]
        assert meta["nbgrader"]["locked"] is True and meta["nbgrader"]["solution"] is False
        assert meta.get("editable") is False and meta.get("deletable") is False
        part = next(p for p in lesson.names if part_grade_id(p) == meta["nbgrader"]["grade_id"])
        assert meta["nbgrader"]["points"] == sum(p.points for p in lesson.properties_of(part))
    markdown = [c for c in release["cells"] if c["cell_type"] == "markdown"]
    assert markdown and all(c["metadata"]["nbgrader"]["locked"] for c in markdown)
    assert any("## English" in source_of(c) for c in markdown) and any("## Nederlands" in source_of(c) for c in markdown)


def test_the_kit_without_nbgrader_never_imports_it(tmp_path: Path) -> None:
    """Block nbgrader (as if not installed): the kit still checks notebooks and exports the course."""
    program = f"""
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "nbgrader" or name.startswith("nbgrader."):
            raise ImportError("nbgrader is not installed")
sys.meta_path.insert(0, Block())
import grader.cli
from grader.check import check
from grader.nbgrader.export import export_course
report = check({str(ROOT / 'exercises' / 'neuron' / 'neuron.ipynb')!r}, "neuron", isolation="basic")
assert report.status.value == "graded", report.message
export_course(__import__("pathlib").Path({str(tmp_path / 'course')!r}), "neuron")
assert "nbgrader" not in sys.modules
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
    assert (tmp_path / "course" / "source" / "neuron" / "neuron.ipynb").is_file()


def test_the_source_notebook_follows_nbgraders_metadata_schema(tmp_path: Path, lesson: Lesson) -> None:
    nbgraderformat = pytest.importorskip("nbgrader.nbgraderformat", reason="nbgrader comes with the test extra")
    export_course(tmp_path, lesson)
    notebook = nbgraderformat.read(str(tmp_path / "source" / "neuron" / "neuron.ipynb"), as_version=4)
    nbgraderformat.MetadataValidator().validate_nb(notebook)  # raises on anything nbgrader would reject
    assert nbgraderformat.SCHEMA_VERSION == 3
    metas = [cell.metadata.nbgrader for cell in notebook.cells if "nbgrader" in cell.metadata]
    assert len({m.grade_id for m in metas}) == len(metas), "grade ids must be unique"
    graded = [m for m in metas if m.grade]
    assert sum(m.points for m in graded) == sum(p.points for p in lesson.properties)
    solutions = [cell for cell in notebook.cells if cell.metadata.get("nbgrader", {}).get("solution")]
    assert solutions and all(BEGIN in cell.source and END in cell.source for cell in solutions)


def test_export_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(main, ["export", "nbgrader", str(tmp_path), "--lesson", "neuron"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(main, ["export", "nbgrader", str(tmp_path), "--lesson", "neuron"])
    assert again.exit_code == 2 and "--force" in again.output
    forced = runner.invoke(main, ["export", "nbgrader", str(tmp_path), "--lesson", "neuron", "--force"])
    assert forced.exit_code == 0, forced.output


def test_the_test_cells_grader_ignores_the_kernels_python_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, lesson: Lesson) -> None:
    """A notebook can set os.environ before the test cell; PYTHONPATH must not reach the grader's process."""
    evil = tmp_path / "evil"
    (evil / "hypothesis").mkdir(parents=True)
    (evil / "hypothesis" / "__init__.py").write_text("raise SystemExit('hijacked')\n", encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(evil))
    result = grade_code(WRONG_RELU, lesson.id)
    points = {part["id"]: part["points"] for part in result["parts"]}
    assert points["sigmoid"] == 4 and points["relu"] < 3
    assert "relu" in next(part["feedback"] for part in result["parts"] if part["id"] == "relu")
