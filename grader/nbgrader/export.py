"""Notebooks generated from a lesson folder: the nbgrader course and the student notebook.

Everything comes from the lesson folder: the task from its ``README.md`` (one cell per ``##`` section, so the
English and the Dutch text are cells of their own), the code cells from the stub (``neuron.py``), the solutions
from the reference the lesson names, and the points from ``.meta/lesson.toml``.

The nbgrader source notebook holds, for every definition of the stub, a solution cell: the stub's code with the
reference's lines inside ``### BEGIN SOLUTION`` / ``### END SOLUTION``. The stub's placeholder lines
(``self.weights = ...``) stay outside the markers, and the course's ``nbgrader_config.py`` makes nbgrader clear
the marked lines to nothing, so the student version of every solution cell is the stub's code. Then comes one
locked autograder test cell per part, worth that part's points, which calls :func:`grader.nbgrader.grade_part`.
"""

from __future__ import annotations

import ast
import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from ..errors import LessonError, UsageError
from ..i18n import _, current_language, set_language
from ..lesson import Lesson, load_lesson

SCHEMA_VERSION = 3  # nbgrader's cell metadata schema
BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
LANGUAGE_INFO = {"name": "python"}

CONFIG_TEMPLATE = '''\
# nbgrader configuration for the course made by `grader export nbgrader` from the lesson {lesson!r}.
# Generated: export again rather than editing it by hand.
c = get_config()  # noqa: F821 - nbgrader provides get_config

c.CourseDirectory.course_id = {course!r}
c.CourseDirectory.db_assignments = [dict(name={lesson!r})]

# A solution region is cleared to nothing: the stub's own lines (`self.weights = ...`) stay in the student's
# version, so students get the same code as exercises/{lesson}/{stub}.
c.ClearSolutions.code_stub = {{"python": ""}}

# Each test cell runs the kit's grader in a separate process; the first one grades the whole notebook.
c.Execute.timeout = {timeout}
'''


@dataclass(frozen=True)
class Chunk:
    """One top-level piece of the stub: the student's code and, when the reference differs, the source version."""

    name: str
    student: str
    source: str | None  # with solution regions; None when the cell has nothing to solve


# -- merging the stub and the reference ---------------------------------------------------------------------
def _lines(source: str, start: int, end: int) -> list[str]:
    return source.splitlines()[start - 1 : end]


def _has_docstring(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> bool:
    first = node.body[0] if node.body else None
    return isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str)


def _body_start(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> int:
    """The first line of the body after the docstring, or after the header when there is none."""
    body = node.body[1:] if _has_docstring(node) else node.body
    if body:
        first = body[0]
        decorators = getattr(first, "decorator_list", [])
        return min([first.lineno, *(d.lineno for d in decorators)])
    return node.end_lineno + 1 if node.end_lineno else node.lineno + 1


def _is_placeholder(line: str) -> bool:
    """A stub line that only marks what to write: ``...``, ``pass``, or ``name = ...``."""
    try:
        tree = ast.parse(line.strip())
    except SyntaxError:
        return False
    if len(tree.body) != 1:
        return False
    stmt = tree.body[0]
    if isinstance(stmt, ast.Pass):
        return True
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
        return stmt.value.value is Ellipsis
    return isinstance(stmt, (ast.Assign, ast.AnnAssign)) and isinstance(stmt.value, ast.Constant) and stmt.value.value is Ellipsis


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def merge_body(stub: list[str], reference: list[str]) -> list[str]:
    """The stub's body lines with the reference's lines added inside solution markers where the two differ."""
    out: list[str] = []
    matcher = difflib.SequenceMatcher(a=[s.rstrip() for s in stub], b=[r.rstrip() for r in reference], autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            out += stub[a0:a1]
            continue
        kept = [line for line in stub[a0:a1] if line.strip()]
        if kept and all(_is_placeholder(line) for line in kept):
            out += stub[a0:a1]  # the stub's placeholders stay; the solution below replaces what they stand for
        solution = reference[b0:b1]
        while solution and not solution[-1].strip():
            solution = solution[:-1]
        if not solution:
            continue
        indent = _indent(next(line for line in solution if line.strip()))
        out += [indent + BEGIN, *solution, indent + END]
    return out


def _function_source(stub_src: str, stub: ast.FunctionDef | ast.AsyncFunctionDef, ref_src: str, ref: ast.AST | None) -> list[str]:
    head = _lines(stub_src, stub.lineno if not stub.decorator_list else stub.decorator_list[0].lineno, _body_start(stub) - 1)
    body = _lines(stub_src, _body_start(stub), stub.end_lineno or stub.lineno)
    if not isinstance(ref, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return head + body
    ref_body = _lines(ref_src, _body_start(ref), ref.end_lineno or ref.lineno)
    return head + merge_body(body, ref_body)


def _members(node: ast.ClassDef) -> dict[str, ast.AST]:
    return {m.name: m for m in node.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))}


def _definition_source(stub_src: str, node: ast.stmt, ref_src: str, ref: ast.AST | None) -> str:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return "\n".join(_function_source(stub_src, node, ref_src, ref))
    assert isinstance(node, ast.ClassDef)
    ref_members = _members(ref) if isinstance(ref, ast.ClassDef) else {}
    lines: list[str] = []
    position = node.decorator_list[0].lineno if node.decorator_list else node.lineno
    for member in node.body:
        if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)):
            start = member.decorator_list[0].lineno if member.decorator_list else member.lineno
            lines += _lines(stub_src, position, start - 1)
            lines += _function_source(stub_src, member, ref_src, ref_members.get(member.name))
            position = (member.end_lineno or member.lineno) + 1
    lines += _lines(stub_src, position, node.end_lineno or node.lineno)
    return "\n".join(lines)


def chunks(lesson: Lesson) -> list[Chunk]:
    """The stub cut into cells: the statements before the first definition, then one cell per definition."""
    stub_src = lesson.stub.read_text(encoding="utf-8")
    if lesson.reference is None or not lesson.reference.is_file():
        raise LessonError(f"{lesson.folder}: the lesson names no reference solution; an nbgrader source needs one")
    ref_src = lesson.reference.read_text(encoding="utf-8")
    stub_tree, ref_tree = ast.parse(stub_src), ast.parse(ref_src)
    ref_defs = {n.name: n for n in ref_tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    body = list(stub_tree.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
        body = body[1:]  # the module docstring speaks of files; the notebook has the README instead
    result: list[Chunk] = []
    preamble: list[str] = []
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            start = node.decorator_list[0].lineno if node.decorator_list else node.lineno
            student = "\n".join(_lines(stub_src, start, node.end_lineno or node.lineno))
            source = _definition_source(stub_src, node, ref_src, ref_defs.get(node.name))
            result.append(Chunk(node.name, student, source if BEGIN in source else None))
        else:
            preamble += _lines(stub_src, node.lineno, node.end_lineno or node.lineno)
    if preamble:
        result.insert(0, Chunk("setup", "\n".join(preamble), None))
    return result


# -- cells --------------------------------------------------------------------------------------------------
def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "part"


def _nbgrader(grade_id: str, *, grade: bool = False, solution: bool = False, locked: bool = False, points: float | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": SCHEMA_VERSION, "solution": solution}
    if points is not None:
        meta["points"] = int(points) if float(points).is_integer() else points
    return {"nbgrader": meta}


def part_grade_id(part: str) -> str:
    """The nbgrader grade id of a part's test cell."""
    return f"test-{slug(part)}"


def readme_sections(lesson: Lesson) -> list[str]:
    """The lesson's README cut at its ``##`` headings (one cell per language), or the stub's docstring."""
    readme = lesson.folder / "README.md"
    if readme.is_file():
        text = readme.read_text(encoding="utf-8").strip()
        sections = re.split(r"(?m)^(?=## )", text)
        return [s.strip() for s in sections if s.strip()]
    docstring = ast.get_docstring(ast.parse(lesson.stub.read_text(encoding="utf-8")))
    return [f"# {lesson.title}\n\n{docstring or ''}".strip()]


def _in_language(language: str, lesson: Lesson) -> tuple[str, Lesson]:
    """The text of the test section in one language, with the lesson's titles in that language."""
    previous = current_language()
    set_language(language)
    try:
        translated = load_lesson(lesson.folder)
        rows = "\n".join(
            f"| {part.title} | {sum(p.points for p in translated.properties_of(part.id)):g} |" for part in translated.parts
        )
        text = "\n".join(
            [
                "## " + _("Check your work"),
                "",
                _("Run the cells below. Each one grades one part with the kit's grader, which runs your code in a separate "
                  "process, and shows what it called, what came back and what it expected. The test cells grade the code "
                  "cells above them, so run the notebook from the top (Kernel, Restart & Run All). In a terminal, "
                  "`grader check {file}` grades the saved notebook the same way.").format(file=f"{lesson.module}.ipynb"),
                "",
                "| " + _("Part") + " | " + _("Points") + " |",
                "|---|---|",
                rows,
            ]
        )
        return text, translated
    finally:
        set_language(previous)


def _test_source(lesson: Lesson, part_id: str, title: str, points: float, isolation: str = "auto") -> str:
    chosen = "" if isolation == "auto" else f", isolation={isolation!r}"
    return "\n".join(
        [
            "# " + _("{part}: {points} points, graded by the kit's grader in a separate process").format(part=title, points=f"{points:g}"),
            "from grader.nbgrader import grade_part",
            "",
            f"grade_part({part_id!r}, lesson={lesson.id!r}{chosen})",
        ]
    )


def _quiz_cells(lesson: Lesson) -> list[nbformat.NotebookNode]:
    """The lesson's quiz in the notebook: its questions (English, then Dutch) and the quiz cell the student answers
    in, tagged as :mod:`grader.notebook` recognises it; none when the lesson has no quiz."""
    from ..notebook import QUIZ_MARKER, QUIZ_TAG
    from ..quiz import load_quiz

    quiz = load_quiz(lesson.folder)
    if quiz is None:
        return []
    cells = []
    previous = current_language()
    try:
        for language, heading in (("en", "Quiz"), ("nl", "Quiz (Nederlands)")):
            set_language(language)
            lines = [f"## {heading}", ""]
            for number, question in enumerate(quiz.questions, start=1):
                lines += [f"**{number}.** {_(question.question)}", ""]
                lines += [f"- {letter}) {_(option)}" for letter, option in zip(question.letters, question.options, strict=True)]
                lines.append("")
            cells.append(new_markdown_cell("\n".join(lines).rstrip("\n")))
    finally:
        set_language(previous)
    answers = [f"{QUIZ_MARKER}: write the letter of each answer between the quotes; `grader check` grades them."]
    answers += [f'{question.id} = ""' for question in quiz.questions]
    cell = new_code_cell("\n".join(answers))
    cell["metadata"]["tags"] = [QUIZ_TAG]
    cells.append(cell)
    return cells


def build_notebook(lesson: Lesson, *, solutions: bool, isolation: str = "auto") -> nbformat.NotebookNode:
    """The nbgrader source notebook (``solutions=True``) or the student notebook (``solutions=False``); the test
    cells grade with ``isolation`` (``auto`` leaves it to the machine that runs them)."""
    cells: list[nbformat.NotebookNode] = []

    def add(cell: nbformat.NotebookNode, cell_id: str, metadata: dict[str, Any] | None = None) -> None:
        cell["id"] = cell_id
        if solutions and metadata is not None:
            cell["metadata"].update(metadata)
        cells.append(cell)

    for number, text in enumerate(readme_sections(lesson), start=1):
        add(new_markdown_cell(text), f"task-{number}", _nbgrader(f"task-{number}", locked=True))
    for chunk in chunks(lesson):
        if solutions and chunk.source is not None:
            add(new_code_cell(chunk.source), f"solution-{slug(chunk.name)}", _nbgrader(f"solution-{slug(chunk.name)}", solution=True))
        else:
            add(new_code_cell(chunk.student), f"code-{slug(chunk.name)}")
    quiz_cells = _quiz_cells(lesson)
    for number, cell in enumerate(quiz_cells, start=1):
        cell_id = f"quiz-{number}" if cell.cell_type == "markdown" else "quiz-answers"
        add(cell, cell_id, _nbgrader(cell_id, locked=True) if cell.cell_type == "markdown" else None)  # the questions are locked
    for language in ("en", "nl"):
        text, translated = _in_language(language, lesson)
        add(new_markdown_cell(text), f"check-{language}", _nbgrader(f"check-{language}", locked=True))
    for part in lesson.parts:
        points = sum(p.points for p in lesson.properties_of(part.id))
        source = _test_source(lesson, part.id, part.title, points, isolation)
        add(new_code_cell(source), part_grade_id(part.id), _nbgrader(part_grade_id(part.id), grade=True, locked=True, points=points))
    notebook = new_notebook(cells=cells, metadata={"kernelspec": dict(KERNELSPEC), "language_info": dict(LANGUAGE_INFO)})
    nbformat.validate(notebook)
    return notebook


def _english(lesson: Lesson) -> Lesson:
    previous = current_language()
    set_language("en")
    try:
        return load_lesson(lesson.folder)
    finally:
        set_language(previous)


# -- writing ------------------------------------------------------------------------------------------------
def notebook_text(notebook: nbformat.NotebookNode) -> str:
    return nbformat.writes(notebook) + "\n"


def student_notebook_path(lesson: Lesson) -> Path:
    return lesson.folder / f"{lesson.module}.ipynb"


def student_notebook_text(lesson: str | Lesson | None = None) -> str:
    """The student notebook as the file's text: the same whatever the language of the session."""
    the_lesson = _english(lesson if isinstance(lesson, Lesson) else load_lesson(lesson))
    return notebook_text(build_notebook(the_lesson, solutions=False))


def write_student_notebook(lesson: str | Lesson | None = None, path: Path | None = None) -> Path:
    """Write the student notebook (by default ``exercises/<lesson>/<module>.ipynb``) and return its path."""
    the_lesson = lesson if isinstance(lesson, Lesson) else load_lesson(lesson)
    target = path or student_notebook_path(the_lesson)
    target.write_text(student_notebook_text(the_lesson), encoding="utf-8")
    return target


def export_course(folder: Path, lesson: str | Lesson | None = None, *, course: str | None = None, force: bool = False,
                  isolation: str = "auto") -> list[Path]:
    """Write an nbgrader course folder: ``nbgrader_config.py`` and ``source/<lesson>/<module>.ipynb``, whose test
    cells grade with ``isolation`` (a mode of :data:`grader.isolation.modes.MODES`)."""
    from ..isolation.modes import MODES

    if isolation not in MODES:
        raise UsageError(f"unknown isolation {isolation!r}")
    the_lesson = _english(lesson if isinstance(lesson, Lesson) else load_lesson(lesson))
    config = folder / "nbgrader_config.py"
    notebook = folder / "source" / the_lesson.id / f"{the_lesson.module}.ipynb"
    existing = [p for p in (config, notebook) if p.exists()]
    if existing and not force:
        raise UsageError(
            _("{path} exists already; use --force to overwrite it.").format(path=existing[0])
        )
    notebook.parent.mkdir(parents=True, exist_ok=True)
    timeout = int(max(300, 2 * the_lesson.limits.get("submission_seconds", 120)))
    config.write_text(
        CONFIG_TEMPLATE.format(lesson=the_lesson.id, course=course or the_lesson.id, stub=the_lesson.stub.name, timeout=timeout),
        encoding="utf-8",
    )
    notebook.write_text(notebook_text(build_notebook(the_lesson, solutions=True, isolation=isolation)), encoding="utf-8")
    return [config, notebook]
