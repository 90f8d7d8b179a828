"""Notebook submissions: code cells only, magics and shell escapes dropped with a note, clear errors, and the
same grade as the same code in a .py file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.check import check
from grader.errors import SubmissionError
from grader.lesson import Lesson
from grader.model import Report, ReportStatus
from grader.nbgrader.export import student_notebook_path, student_notebook_text
from grader.notebook import clean_cell, notebook_code, source_from_cells
from grader.submission import read_submission

from .conftest import REFERENCE, ROOT

WRONG_SIGMOID = REFERENCE.read_text(encoding="utf-8").replace("np.exp(-z)", "np.exp(z)")


def write_notebook(path: Path, *cells: Any) -> Path:
    notebook = new_notebook(cells=list(cells), metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(notebook, str(path))
    return path


def comparable(report: Report) -> list[tuple[Any, ...]]:
    """What a student is graded on, property by property; not where the code was or how it was named."""
    return [
        (p.id, p.status, p.points, p.max_points, p.message, p.counterexample, p.diagnosis, p.hint)
        for p in report.properties()
    ]


# -- cleaning cells -----------------------------------------------------------------------------------------
def test_python_cell_is_kept_as_it_is_even_with_percent_and_bang_in_strings() -> None:
    source = 'text = """\n%matplotlib inline\n!rm -rf /\n"""\nx = 5 % 3 != 1'
    assert clean_cell(source) == (source, [])


def test_line_magics_and_shell_escapes_are_dropped_keeping_blocks_valid() -> None:
    source = "%matplotlib inline\n!pip install numpy\nfiles = !ls\nnp.exp?\nfor i in range(2):\n    %time print(i)\ny = 1"
    code, dropped = clean_cell(source)
    assert code is not None
    assert dropped == ["%matplotlib inline", "!pip install numpy", "files = !ls", "np.exp?", "%time print(i)"]
    assert code.splitlines() == ["", "", "", "", "for i in range(2):", "    pass", "y = 1"]
    compile(code, "cell", "exec")


def test_cell_magics_drop_their_cell_unless_the_body_is_python() -> None:
    assert clean_cell("%%bash\necho hi\nrm -rf x") == (None, ["%%bash"])
    code, dropped = clean_cell("%%time\ndef f():\n    return 1")
    assert dropped == ["%%time"]
    assert code is not None and "def f():" in code
    compile(code, "cell", "exec")


def test_test_cells_are_skipped_and_the_notes_say_what_was_left_out() -> None:
    test_meta = {"nbgrader": {"grade": True, "solution": False, "locked": True, "grade_id": "t", "points": 1, "schema_version": 3}}
    code = source_from_cells(
        [
            ("import numpy as np\n%load_ext autoreload", None),
            ("assert sigmoid(0) == 0.5", test_meta),
            ("from grader.nbgrader import grade_part\ngrade_part('sigmoid')", None),
            ("def f():\n    return 1", {"nbgrader": {"grade": True, "solution": True, "grade_id": "s", "points": 1}}),
        ]
    )
    assert "assert sigmoid" not in code.source and "grade_part" not in code.source
    assert "def f():" in code.source and "import numpy as np" in code.source
    assert code.cells == 2
    assert any("%load_ext autoreload" in note for note in code.notes)
    assert any("(2)" in note for note in code.notes)


# -- reading notebook files ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b'{"cells": [', "not valid JSON"),
        (b"[1, 2]", "not a Jupyter notebook"),
        (b'{"metadata": {}}', "not a Jupyter notebook"),
        (json.dumps({"cells": [{"cell_type": "weird", "id": "a", "source": "x", "metadata": {}}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode(),
         "cells/0 does not follow the notebook schema"),
        (b"\xff\xfe\x00", "not UTF-8"),
    ],
)
def test_a_file_that_is_not_a_notebook_is_a_clear_error(tmp_path: Path, lesson: Lesson, content: bytes, says: str) -> None:
    path = tmp_path / "neuron.ipynb"
    path.write_bytes(content)
    with pytest.raises(SubmissionError, match=says):
        notebook_code(content, str(path))
    report = check(path, lesson)
    assert report.status is ReportStatus.UNREADABLE
    assert report.score == 0
    assert report.message is not None and says in report.message


def test_a_notebook_of_another_language_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "neuron.ipynb"
    notebook = new_notebook(cells=[new_code_cell("x <- 1")], metadata={"kernelspec": {"name": "ir", "display_name": "R", "language": "R"}})
    nbformat.write(notebook, str(path))
    with pytest.raises(SubmissionError, match="is a notebook for R, not for Python"):
        read_submission(path, "neuron.py")


def test_a_notebook_without_code_is_a_clear_error(tmp_path: Path) -> None:
    path = write_notebook(tmp_path / "neuron.ipynb", new_markdown_cell("# only words"))
    with pytest.raises(SubmissionError, match="no code cells"):
        read_submission(path, "neuron.py")


def test_a_folder_holding_the_notebook_is_found(tmp_path: Path) -> None:
    write_notebook(tmp_path / "neuron.ipynb", new_code_cell(REFERENCE.read_text(encoding="utf-8")))
    submission = read_submission(tmp_path, "neuron.py")
    assert submission.path == tmp_path / "neuron.ipynb"
    assert b"def sigmoid" in submission.source


# -- grading: exactly like the same code in a .py file ------------------------------------------------------
@pytest.mark.parametrize("code", [REFERENCE.read_text(encoding="utf-8"), WRONG_SIGMOID], ids=["correct", "wrong-sigmoid"])
def test_a_notebook_grades_exactly_like_the_same_code_in_a_py_file(tmp_path: Path, lesson: Lesson, code: str) -> None:
    py = tmp_path / "py" / "neuron.py"
    py.parent.mkdir()
    py.write_text(code, encoding="utf-8")
    head, _, rest = code.partition("\n\n\nclass Neuron")
    notebook = write_notebook(
        tmp_path / "neuron.ipynb",
        new_markdown_cell("# My neuron"),
        new_code_cell("%matplotlib inline\n" + head),
        new_code_cell("!pip list"),
        new_code_cell("class Neuron" + rest),
        new_code_cell("from grader.nbgrader import grade_part\ngrade_part('sigmoid')"),
    )
    from_py, from_notebook = check(py, lesson), check(notebook, lesson)
    assert from_notebook.status is ReportStatus.GRADED
    assert comparable(from_notebook) == comparable(from_py)
    assert from_notebook.score == from_py.score
    assert (from_py.score == 17) == (code == REFERENCE.read_text(encoding="utf-8"))
    assert any("%matplotlib inline" in note and "!pip list" in note for note in from_notebook.notes)
    assert not any("%matplotlib" in note for note in from_py.notes)


def test_the_student_notebook_is_generated_from_the_lesson_and_grades_like_the_stub(lesson: Lesson) -> None:
    path = student_notebook_path(lesson)
    assert path == ROOT / "exercises" / "neuron" / "neuron.ipynb"
    assert path.read_text(encoding="utf-8") == student_notebook_text(lesson), (
        "exercises/neuron/neuron.ipynb is out of date: run `grader export notebook`"
    )
    nbformat.validate(nbformat.read(str(path), as_version=4))
    report = check(path, lesson)
    assert report.status is ReportStatus.GRADED and report.score == 0
    assert {p.status.value for p in report.properties() if p.part in lesson.names} == {"not_implemented"}


# -- the quiz in the notebook -------------------------------------------------------------------------------
def quiz_notebook(tmp_path: Path, code: str, answers: str, tagged: bool = True) -> Path:
    cell = new_code_cell(answers if tagged else "# Quiz answers: my letters\n" + answers)
    if tagged:
        cell["metadata"]["tags"] = ["quiz"]
    return write_notebook(tmp_path / "neuron.ipynb", new_code_cell(code), new_markdown_cell("## Quiz"), cell)


def test_the_student_notebook_carries_the_quiz_and_is_graded_out_of_the_full_score(lesson: Lesson) -> None:
    path = student_notebook_path(lesson)
    notebook = nbformat.read(str(path), as_version=4)
    quiz_cells = [cell for cell in notebook.cells if cell.cell_type == "code" and "quiz" in cell.metadata.get("tags", [])]
    assert len(quiz_cells) == 1 and quiz_cells[0].source.splitlines()[1:] == ['bias = ""', 'init = ""']
    assert any("What does the bias do" in cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    assert any("Wat doet de bias" in cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    from_notebook, from_folder = check(path, lesson), check(path.parent, lesson)  # the folder: neuron.py and quiz.toml
    assert from_notebook.max_score == from_folder.max_score == 19
    assert [p.id for p in from_notebook.properties()] == [p.id for p in from_folder.properties()]


@pytest.mark.parametrize("tagged", [True, False], ids=["tag", "marker"])
def test_a_notebook_s_quiz_cell_is_graded_like_quiz_toml(tmp_path: Path, lesson: Lesson, tagged: bool) -> None:
    notebook = quiz_notebook(tmp_path, REFERENCE.read_text(encoding="utf-8"), 'bias = "b"\ninit = "a"\n', tagged)
    report = check(notebook, lesson)
    quiz = next(part for part in report.parts if part.id == "quiz")
    assert report.max_score == 19 and report.score == 18 and quiz.points == 1
    assert [p.passed for p in quiz.properties] == [True, False]
    assert not any("bias" in note for note in report.notes)  # the quiz cell is not code: nothing was left out of it


def test_a_typo_in_the_quiz_cell_names_cell_and_line_and_leaves_the_code_alone(tmp_path: Path, lesson: Lesson) -> None:
    notebook = quiz_notebook(tmp_path, REFERENCE.read_text(encoding="utf-8"), 'bias = b\ninit = "c"\n')
    report = check(notebook, lesson)
    assert report.status is ReportStatus.GRADED
    assert all(p.passed for p in report.properties() if p.part != "quiz")  # `bias = b` would be a NameError as code
    bias, init = next(part for part in report.parts if part.id == "quiz").properties
    assert init.passed and not bias.passed
    assert bias.message is not None and bias.message.startswith("cell 2, line 1 is not valid TOML")


# -- errors are located by cell ---------------------------------------------------------------------------------------
def test_the_cell_map_points_at_each_cells_first_line() -> None:
    code = source_from_cells([("import numpy as np", None), ("%matplotlib inline", None), ("x = 1\ny = 2", None), ("z = 3", None)])
    lines = code.source.splitlines()
    assert code.starts == ((2, 1), (5, 3), (9, 4))  # the magic-only cell 2 adds nothing
    for start, number in code.starts:
        assert lines[start - 2] == f"# %% cell {number}"  # the marker sits just above the cell's first line
    assert lines[5 - 1] == "x = 1" and lines[9 - 1] == "z = 3"


def test_a_syntax_error_in_a_notebook_is_told_by_cell_and_line(tmp_path: Path, lesson: Lesson) -> None:
    path = write_notebook(tmp_path / "neuron.ipynb", new_code_cell("import numpy as np"), new_markdown_cell("# Text"),
                          new_code_cell("def sigmoid(z):\n    return 1 / (1 + np.exp(-z))"), new_code_cell("def relu(z):\n    x = = 1"))
    report = check(path, lesson)
    assert report.status is ReportStatus.DID_NOT_IMPORT
    assert report.message is not None and " in cell 3, line 2" in report.message, report.message  # the third code cell


def test_an_exception_at_import_in_a_notebook_is_told_by_cell_and_line(tmp_path: Path, lesson: Lesson) -> None:
    path = write_notebook(tmp_path / "neuron.ipynb", new_code_cell("x = 1\ny = 2"), new_code_cell(REFERENCE.read_text(encoding="utf-8")),
                          new_code_cell("print('demo')\nrelu(undefined_name)"))
    report = check(path, lesson)
    assert report.message is not None and "raised NameError in cell 3, line 2" in report.message, report.message
    assert report.score > 0  # what was defined before the error is graded


def test_a_well_formed_notebook_is_read_without_nbformat(tmp_path: Path) -> None:
    """Importing nbformat costs more than grading: the grading path reads an nbformat 4 notebook with json."""
    import subprocess
    import sys

    path = write_notebook(tmp_path / "neuron.ipynb", new_code_cell(REFERENCE.read_text(encoding="utf-8")))
    code = ("import sys; from pathlib import Path; from grader.submission import read_submission; "
            f"s = read_submission(Path({str(path)!r}), 'neuron.py'); "
            "print('nbformat' in sys.modules, len(s.source) > 100)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False, cwd=ROOT)
    assert done.stdout.split() == ["False", "True"], done.stderr


def test_the_json_path_and_nbformat_read_a_notebook_alike(tmp_path: Path) -> None:
    from grader import notebook

    path = write_notebook(tmp_path / "n.ipynb", new_markdown_cell("# Task"), new_code_cell("%matplotlib inline\nx = 1"),
                          new_code_cell(["y = 2\n", "z = 3"]))
    data = path.read_bytes()
    fast = notebook_code(data, str(path))
    nb = nbformat.reads(data.decode(), as_version=4)
    expected = notebook.source_from_cells([(str(c.source), dict(c.metadata)) for c in nb.cells if c.cell_type == "code"])
    assert (fast.source, fast.notes, fast.starts) == (expected.source, expected.notes, expected.starts)
    assert notebook._plain_cells(json.loads(data)) is not None  # it did take the fast path
