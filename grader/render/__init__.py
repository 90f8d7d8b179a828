"""Renderers: each turns the one result model (:class:`grader.model.Report`) into one output format.

A renderer is a function ``render(report) -> str``. Rendering never happens inside the checks.
"""

from __future__ import annotations

from collections.abc import Callable

from ..model import Report
from . import classroom, csv, github, gradescope, json, junit, text

Renderer = Callable[[Report], str]


def _html(report: Report) -> str:
    from . import html  # Jinja2 and Pygments are loaded only when a page is asked for

    return html.render(report)


RENDERERS: dict[str, Renderer] = {
    "text": text.render,
    "json": json.render,
    "gradescope": gradescope.render,
    "junit": junit.render,
    "github": github.render,
    "classroom": classroom.render,
    "csv": csv.render,
    "html": _html,
}


def render(report: Report, format_name: str) -> str:
    return RENDERERS[format_name](report)
