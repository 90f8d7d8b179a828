"""Notebook submissions: the Python source of a Jupyter notebook (``.ipynb``), graded like a ``.py`` file.

Only code cells count. IPython magics (``%``, ``%%``) and shell escapes (``!``) are not Python and do not run in
the grader; they are dropped, and the report says so. The kit's own test cells (the nbgrader autograder cells
that :mod:`grader.nbgrader` generates, or any cell nbgrader marks as a test) are skipped: they call the grader,
they are not part of the student's code. A file that is not JSON, or not a notebook by the nbformat schema, is
a clear error before anything runs.

A lesson's quiz can be answered in the notebook itself: its *quiz cell*, a code cell tagged ``quiz`` or whose first
line starts with ``# Quiz answers``, holds the answers as ``quiz.toml`` does (``bias = "b"``). It is not part of the
code (a typo there must not stop the code from importing); :func:`notebook_quiz` hands it to :mod:`grader.quiz`.

The same cleaning is applied to the cells a kernel has run (:func:`source_from_cells`), so that a notebook's
test cell hands the grader exactly the code that ``grader check notebook.ipynb`` would grade.
"""

from __future__ import annotations

import ast
import json
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import SubmissionError
from .i18n import _

if TYPE_CHECKING:
    from .submission import Submission

# A notebook carries its outputs (plots, tables): it may be far larger than the code in it, which is then held to
# the limit of a .py submission.
MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024

# A call into the kit from a cell: such a cell is a test cell, never part of the submission.
KIT_TEST_CELL = re.compile(r"^\s*(from\s+grader\.nbgrader\s+import|import\s+grader\.nbgrader)\b", re.MULTILINE)
# Cell magics whose body is Python (the magic line is dropped, the body kept); any other cell magic drops its cell.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun"})
_ASSIGNED_ESCAPE = re.compile(r"^\s*[A-Za-z_][\w.,\s]*=\s*[%!]")
_HELP = re.compile(r"^\s*(\?\??[\w.]+|[\w.]+\?\??)\s*$")
# The quiz cell: tagged so, or marked on its first line.
QUIZ_TAG = "quiz"
QUIZ_MARKER = "# Quiz answers"


@dataclass
class NotebookCode:
    """The Python source made of a notebook's code cells, and what was left out of it."""

    source: str
    notes: list[str] = field(default_factory=list)
    cells: int = 0  # code cells that contributed to the source
    starts: tuple[tuple[int, int], ...] = ()  # (line of the joined source where a cell's code begins, the cell's number)


def _is_ipython_line(line: str) -> bool:
    stripped = line.lstrip()
    return stripped.startswith(("%", "!")) or bool(_ASSIGNED_ESCAPE.match(line)) or bool(_HELP.match(line))


def _parses(source: str) -> bool:
    try:
        ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def clean_cell(source: str) -> tuple[str | None, list[str]]:
    """One code cell as Python: ``(code, dropped)``; code is None when the whole cell is dropped.

    A cell that is valid Python is kept as it is, so a ``%`` or ``!`` inside a string is never touched. Otherwise
    every IPython line (a magic, a shell escape, ``x = !cmd``, ``name?``) is dropped: an indented one becomes
    ``pass``, so the block around it still parses, and line numbers stay the same.
    """
    lines = source.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if first.lstrip().startswith("%%"):
        magic = first.lstrip()[2:].split(maxsplit=1)
        name = magic[0] if magic else ""
        if name not in PYTHON_CELL_MAGICS:
            return None, [first.strip()]
        index = lines.index(first)
        lines = lines[:index] + [""] + lines[index + 1 :]
        dropped = [first.strip()]
        rest, more = clean_cell("\n".join(lines))
        return rest, dropped + more
    text = "\n".join(lines)
    if _parses(text):
        return text, []
    dropped = []
    kept = []
    for line in lines:
        if _is_ipython_line(line):
            dropped.append(line.strip())
            indent = line[: len(line) - len(line.lstrip())]
            kept.append(indent + "pass" if indent else "")
        else:
            kept.append(line)
    return "\n".join(kept), dropped


def is_kit_test_cell(source: str, metadata: dict[str, Any] | None = None) -> bool:
    """A cell that tests the submission rather than being part of it: the kit's test cells and nbgrader tests."""
    nbgrader = (metadata or {}).get("nbgrader") or {}
    if isinstance(nbgrader, dict) and nbgrader.get("grade") and not nbgrader.get("solution"):
        return True
    return bool(KIT_TEST_CELL.search(source))


def is_quiz_cell(source: str, metadata: dict[str, Any] | None = None) -> bool:
    """The cell that holds the answers to the lesson's quiz (see the module's docstring)."""
    tags = (metadata or {}).get("tags") or []
    if isinstance(tags, list) and QUIZ_TAG in tags:
        return True
    first = next((line.strip() for line in source.splitlines() if line.strip()), "")
    return first.lower().startswith(QUIZ_MARKER.lower())


def notebook_quiz(path: Path) -> tuple[int, str] | None:
    """The quiz cell of the notebook at ``path``: (its number among the code cells, its source); None when the
    notebook has none or cannot be read (its grading then says why)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        cells = [cell for cell in raw["cells"] if isinstance(cell, dict) and cell.get("cell_type") == "code"]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        return None
    for number, cell in enumerate(cells, start=1):
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else str(source)
        metadata = cell.get("metadata")
        if is_quiz_cell(text, metadata if isinstance(metadata, dict) else None):
            return number, text
    return None


def source_from_cells(cells: Iterable[tuple[str, dict[str, Any] | None]]) -> NotebookCode:
    """Join code cells (their source and metadata) into one module's source, in order; the quiz cell is left out."""
    parts: list[str] = []
    dropped: list[str] = []
    skipped = 0
    used = 0
    starts: list[tuple[int, int]] = []
    line = 1
    for number, (source, metadata) in enumerate(cells, start=1):
        if is_quiz_cell(source, metadata):
            continue
        if is_kit_test_cell(source, metadata):
            skipped += 1
            continue
        code, gone = clean_cell(source)
        dropped += gone
        if code is None or not code.strip():
            continue
        used += 1
        part = f"# %% cell {number}\n{code.rstrip()}\n"
        starts.append((line + 1, number))  # the marker is on `line`, the cell's first line below it
        line += part.count("\n") + 1  # the part's lines and the newline that joins it to the next
        parts.append(part)
    notes = []
    if dropped:
        shown = ", ".join(f"`{line[:40]}`" for line in dropped[:3])
        more = _(" and {count} more").format(count=len(dropped) - 3) if len(dropped) > 3 else ""
        notes.append(
            _("IPython magics and shell escapes are not Python and were left out of the grading: {lines}{more}.").format(
                lines=shown, more=more
            )
        )
    if skipped:
        notes.append(_("Test cells were skipped: they run the grader, they are not part of your code ({count}).").format(count=skipped))
    return NotebookCode(source="\n".join(parts), notes=notes, cells=used, starts=tuple(starts))


def _plain_cells(raw: dict[str, Any]) -> tuple[list[tuple[str, dict[str, Any]]], str] | None:
    """The code cells (source, metadata) and language of a well-formed nbformat 4 notebook, read with the standard
    library only; None when anything is unusual, so that nbformat reads it (and words its error)."""

    def text(source: Any) -> str | None:
        if isinstance(source, str):
            return source
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            return "".join(source)
        return None

    if raw.get("nbformat") != 4 or type(raw.get("nbformat_minor")) is not int or not isinstance(raw.get("metadata"), dict):
        return None
    cells: list[tuple[str, dict[str, Any]]] = []
    if not isinstance(raw.get("cells"), list):
        return None
    for cell in raw["cells"]:
        if not isinstance(cell, dict) or not isinstance(cell.get("metadata"), dict) or text(cell.get("source")) is None:
            return None
        kind = cell.get("cell_type")
        if kind == "code":
            count = cell.get("execution_count")
            if not isinstance(cell.get("outputs"), list) or not (count is None or type(count) is int):
                return None
            cells.append((text(cell["source"]) or "", dict(cell["metadata"])))
        elif kind not in ("markdown", "raw"):
            return None
    metadata = raw["metadata"]
    kernel = metadata.get("kernelspec") if isinstance(metadata.get("kernelspec"), dict) else {}
    info = metadata.get("language_info") if isinstance(metadata.get("language_info"), dict) else {}
    return cells, str(kernel.get("language") or info.get("name") or "python")


def notebook_code(data: bytes, display: str) -> NotebookCode:
    """The Python source of a notebook file's code cells; SubmissionError if the file is not a valid notebook.

    A well-formed nbformat 4 notebook is read with the standard library's ``json`` (importing nbformat costs more
    than grading); anything else goes through nbformat, which upgrades older formats and says what is wrong."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SubmissionError(_("{path} is not UTF-8 text, so it is not a notebook.").format(path=display)) from exc
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise SubmissionError(
            _("{path} is not a notebook: it is not valid JSON ({reason}). Save it again from Jupyter.").format(path=display, reason=exc)
        ) from exc
    if not isinstance(raw, dict) or "nbformat" not in raw or "cells" not in raw:
        raise SubmissionError(
            _("{path} is JSON but not a Jupyter notebook: it has no {fields}.").format(path=display, fields="\"nbformat\", \"cells\"")
        )
    plain = _plain_cells(raw)
    if plain is not None:
        cells, language = plain
        if language.lower() != "python":
            raise SubmissionError(_("{path} is a notebook for {language}, not for Python.").format(path=display, language=language))
        return source_from_cells(cells)
    import nbformat  # imported here: only unusual notebooks need it

    try:
        with warnings.catch_warnings():  # nbformat warns about what it repairs (missing cell ids); nothing for a student
            warnings.simplefilter("ignore")
            notebook = nbformat.reads(text, as_version=4)
            nbformat.validate(notebook)
    except (nbformat.ValidationError, ValueError, KeyError, TypeError, AttributeError) as exc:
        where = "/".join(str(step) for step in getattr(exc, "path", None) or ())
        if where:
            reason = _("{where} does not follow the notebook schema").format(where=where)
        else:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SubmissionError(
            _("{path} is JSON but not a Jupyter notebook (nbformat 4): {reason}.").format(path=display, reason=reason[:200])
        ) from exc
    language = str((notebook.metadata.get("kernelspec") or {}).get("language") or (notebook.metadata.get("language_info") or {}).get("name") or "python")
    if language.lower() != "python":
        raise SubmissionError(_("{path} is a notebook for {language}, not for Python.").format(path=display, language=language))
    cells = [(str(cell.get("source", "")), dict(cell.get("metadata", {}))) for cell in notebook.cells if cell.get("cell_type") == "code"]
    return source_from_cells(cells)


def read_notebook(target: Path, display: str) -> Submission:
    """Read a notebook submission as the Python source of its code cells, with notes on what was left out."""
    from .submission import Submission, check_source

    try:
        if target.stat().st_size > MAX_NOTEBOOK_BYTES:
            raise SubmissionError(
                _("{path} is {size} MB; a notebook is at most {limit} MB.").format(
                    path=display, size=f"{target.stat().st_size / 1e6:.1f}", limit=f"{MAX_NOTEBOOK_BYTES / 1e6:.0f}"
                )
            )
        data = target.read_bytes()
    except OSError as exc:
        raise SubmissionError(_("{path} cannot be read: {reason}.").format(path=target, reason=exc.strerror or exc)) from exc
    code = notebook_code(data, display)
    if code.cells == 0:
        raise SubmissionError(_("{path} is a notebook without code: it has no code cells to grade.").format(path=display))
    source = code.source.encode("utf-8")
    check_source(source, display)
    return Submission(source=source, display=display, path=target, notes=tuple(code.notes), cells=code.starts)
