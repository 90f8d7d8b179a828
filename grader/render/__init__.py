"""Renderers: each turns the one result model (:class:`grader.model.Report`) into one output format.

A renderer is a function ``render(report) -> str``. Rendering never happens inside the checks.
"""

from __future__ import annotations

from collections.abc import Callable

from ..model import Report
from . import gradescope, json, text

Renderer = Callable[[Report], str]

RENDERERS: dict[str, Renderer] = {
    "text": text.render,
    "json": json.render,
    "gradescope": gradescope.render,
}


def render(report: Report, format_name: str) -> str:
    return RENDERERS[format_name](report)
