"""Where each definition is in a submission's code: filled into the result model by the engine, so that
renderers can mark the failing functions without reading or parsing anything themselves."""

from __future__ import annotations

import ast

from .model import Report


def source_text(source: bytes) -> str:
    """The code as graded, as text (bytes that are not UTF-8 are replaced, never raised on)."""
    return source.decode("utf-8", errors="replace")


def definition_spans(source: str) -> dict[int, tuple[int, int]]:
    """First and last line of every function and class, by the line of its ``def``/``class``.

    Parsing is safe: ``ast.parse`` runs nothing. Code that does not parse has no spans.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    spans: dict[int, tuple[int, int]] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            spans.setdefault(node.lineno, (node.lineno, node.end_lineno or node.lineno))
    return spans


def fill_source(report: Report, source: bytes) -> None:
    """Put the graded code into ``report`` and, for each part it defines, the last line of its definition."""
    report.source = source_text(source)
    spans = definition_spans(report.source)
    for part in report.parts:
        if part.line is not None:
            part.end_line = spans.get(part.line, (part.line, part.line))[1]
