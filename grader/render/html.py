"""One student's feedback page as a self-contained HTML file: per-part points, each failure with its
counterexample and hint, what the code printed, and the code itself with the failing functions marked.

Every piece of student text and code is escaped (Jinja2 autoescape; Pygments escapes the code it highlights),
and the page carries a Content-Security-Policy that allows no script except the kit's own, by hash.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from .. import __version__
from ..i18n import LOCALE_DIR, _, add_catalogue, current_language
from ..model import PartResult, PropertyResult, PropertyStatus, Report, ReportStatus
from ..outcome import maximum_note, timeouts_note, with_timeouts
from .text import points_label

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "html"
add_catalogue(LOCALE_DIR, "html")  # the pages' own texts: grader/locale/<lang>/LC_MESSAGES/html.po


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["_"] = _  # looked up on every call, so --lang set later still applies
    env.filters["points"] = points
    env.filters["percent"] = percent
    env.globals["points_label"] = points_label  # "0/2 points", in the report's language
    return env


def points(value: float) -> str:
    return f"{value:g}"


def percent(share: float) -> str:
    return f"{round(share * 100):d}%"


def script_hash(script: str) -> str:
    """The CSP source that allows exactly this inline script."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def content_security_policy(scripts: list[str]) -> str:
    """No network at all: inline styles, data: images, and only the listed inline scripts."""
    script_src = " ".join(script_hash(s) for s in scripts) if scripts else "'none'"
    return f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src {script_src}; base-uri 'none'; form-action 'none'"


def stylesheet() -> Markup:
    """The kit's CSS plus Pygments' colours for highlighted code, to be inlined in <style>."""
    css = (TEMPLATES / "style.css").read_text(encoding="utf-8")
    return Markup(css + "\n" + _code_css())


@cache
def _code_css() -> str:
    return str(HtmlFormatter(style="default").get_style_defs(".code"))


# -- what a page shows --------------------------------------------------------------------------------------
STATUS_OK, STATUS_BAD, STATUS_WARN = "ok", "bad", "warn"


def status_label(status: ReportStatus) -> str:
    labels = {
        ReportStatus.GRADED: _("graded"),
        ReportStatus.DID_NOT_IMPORT: _("did not import"),
        ReportStatus.TIMED_OUT: _("timed out"),
        ReportStatus.UNREADABLE: _("unreadable"),
        ReportStatus.GRADER_ERROR: _("grader error"),
    }
    return labels[status]


def report_status(report: Report) -> str:
    """The status as every page says it: full marks, graded with time-outs (see grader.outcome), or the status."""
    if report.full_marks:
        return _("full marks")
    if report.status is ReportStatus.GRADED and report.timeouts:
        return with_timeouts()
    return status_label(report.status)


def report_tone(report: Report) -> str:
    if report.full_marks:
        return STATUS_OK
    if report.status is not ReportStatus.GRADED:
        return STATUS_BAD
    return STATUS_WARN


def property_mark(prop: PropertyResult) -> tuple[str, str, str]:
    """The mark, its tone, and a word for screen readers."""
    if prop.passed:
        return "✓", STATUS_OK, _("passed")
    if prop.status is PropertyStatus.NOT_IMPLEMENTED:
        return "·", STATUS_WARN, _("not implemented yet")
    return "✗", STATUS_BAD, _("failed")


def part_tone(part: PartResult) -> str:
    if part.passed:
        return STATUS_OK
    return STATUS_BAD if part.points == 0 else STATUS_WARN


@dataclass
class PropertyView:
    prop: PropertyResult
    mark: str
    tone: str
    word: str
    show_example: bool
    show_hint: bool
    explained: bool = False  # its diagnosis was told under an earlier property of the part: not again


@dataclass
class PartView:
    part: PartResult
    tone: str
    summary: str | None  # one line instead of the properties, when they all say the same
    properties: list[PropertyView]
    marked: tuple[int, int] | None  # the lines of the part's definition (from the model), when it did not pass


def property_view(prop: PropertyResult, explained: bool = False) -> PropertyView:
    mark, tone, word = property_mark(prop)
    example = prop.counterexample
    show_example = (
        example is not None and prop.status is PropertyStatus.FAILED and example.call not in (prop.message or "")
    )
    show_hint = bool(prop.hint) and prop.status in (PropertyStatus.FAILED, PropertyStatus.MISSING) and not explained
    return PropertyView(prop, mark, tone, word, show_example, show_hint, explained)


def part_view(part: PartResult) -> PartView:
    statuses = {p.status for p in part.properties}
    summary = None
    if statuses == {PropertyStatus.NOT_IMPLEMENTED}:
        summary = _("not implemented yet")
    elif len(statuses) == 1 and statuses <= {PropertyStatus.MISSING, PropertyStatus.NOT_GRADED}:
        summary = part.properties[0].message or ""
    marked = None if part.passed else part.lines
    views, told = [], set()
    for prop in part.properties:  # each diagnosis once per part, under the first property it explains
        views.append(property_view(prop, explained=prop.diagnosis is not None and prop.diagnosis in told))
        if prop.diagnosis is not None and not prop.passed:
            told.add(prop.diagnosis)
    return PartView(part, part_tone(part), summary, views, marked)


def highlighted_source(source: str, marked: list[tuple[int, int]]) -> Markup:
    """The code, escaped and coloured by Pygments, with line numbers, anchors ``L-<n>`` and marked lines."""
    lines = sorted({n for first, last in marked for n in range(first, last + 1)})
    formatter = HtmlFormatter(
        style="default", linenos="inline", hl_lines=lines, lineanchors="L", cssclass="code", wrapcode=True
    )
    return Markup(highlight(source, PythonLexer(stripnl=False, ensurenl=True), formatter))


def feedback_context(report: Report, back: str | None = None) -> dict[str, Any]:
    """What the page shows, from the model alone: the code and the lines of each part come with the report."""
    parts = [part_view(part) for part in report.parts]
    source = report.source
    return {
        "lang": current_language(),
        "report": report,
        "parts": parts,
        "tone": report_tone(report),
        "status": report_status(report),
        "timeouts_note": timeouts_note(report),
        "maximum_note": maximum_note(report),
        "source": highlighted_source(source, [p.marked for p in parts if p.marked]) if source is not None else None,
        "back": back,
        "css": stylesheet(),
        "csp": content_security_policy([]),
        "generated_by": __version__,
    }


def render_feedback(report: Report, back: str | None = None) -> str:
    """One student's page; ``back`` links to the class report when the page is part of one."""
    return environment().get_template("feedback.html").render(feedback_context(report, back))


def render(report: Report) -> str:
    """The feedback page of a single submission, with its code when the report holds it."""
    return render_feedback(report)
