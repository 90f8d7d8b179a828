"""GitHub Actions: workflow-command annotations for the log, and Markdown for ``$GITHUB_STEP_SUMMARY``.

``render`` gives what a grading step prints: one ``::error`` (or ``::warning``) annotation per part that is not
fully right, placed on the line of the student's function, then the summary and whatever the student's code
printed, wrapped in ``::stop-commands::<token>`` so that nothing the student wrote is read as a workflow
command. Annotation text is escaped as the Actions toolkit does, so it cannot break out of its line.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path, PurePosixPath

from ..i18n import _
from ..model import PartResult, PropertyStatus, Report, ReportStatus
from .text import points, property_feedback


def escape_data(text: str) -> str:
    """Escape a workflow command's message (as ``@actions/core`` does)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value (``file``, ``title``, ...)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def source_file(report: Report) -> str:
    """The graded file as a path relative to the workspace, in the form GitHub expects."""
    path = PurePosixPath(Path(report.submission).as_posix())
    if path.suffix in (".py", ".ipynb"):
        return str(path)
    module = report.lesson
    try:
        from ..lesson import load_lesson

        module = load_lesson(report.lesson).module
    except Exception:  # noqa: BLE001 - an unknown lesson: its id is the best guess of the module's name
        pass
    return str(path / f"{module}.py")


def _command(kind: str, message: str, **props: str | int | None) -> str:
    fields = ",".join(f"{key}={escape_property(str(value))}" for key, value in props.items() if value not in (None, ""))
    return f"::{kind} {fields}::{escape_data(message)}" if fields else f"::{kind}::{escape_data(message)}"


def _part_message(part: PartResult) -> str:
    lines = []
    for prop in part.properties:
        if not prop.passed:
            lines.append(f"✗ {prop.title}: " + property_feedback(prop).replace("\n", " · "))
    return "\n".join(lines)


def annotation_lines(report: Report) -> list[str]:
    """One annotation per part that is not fully right (GitHub shows at most ten per step)."""
    file = source_file(report)
    if report.status is not ReportStatus.GRADED:
        return [_command("error", report.message or report.status.value, file=file, title=_("Not graded: {status}").format(status=report.status.value))]
    commands = []
    for part in report.parts:
        if part.passed:
            continue
        todo = all(p.status is PropertyStatus.NOT_IMPLEMENTED for p in part.properties)
        title = f"{part.title}: {points(part.points)}/{points(part.max_points)}"
        commands.append(_command("warning" if todo else "error", _part_message(part), file=file, line=part.line, title=title))
    return commands


def summary(report: Report) -> str:
    """Markdown for ``$GITHUB_STEP_SUMMARY``: the total, a table of parts, each failure in a code block, and the
    isolation the submission ran under."""
    lines = [f"## {_md(report.lesson_title)}: {points(report.score)}/{points(report.max_score)}", ""]
    if report.message:
        lines += [f"> {_md(report.message)}", ""]
    lines += [f"| {_('part')} | {_('points')} |", "| --- | ---: |"]
    for part in report.parts:
        mark = "✅" if part.passed else "❌"
        lines.append(f"| {mark} {_md(part.title)} | {points(part.points)}/{points(part.max_points)} |")
    failed = [p for p in report.properties() if not p.passed]
    if failed and report.status is ReportStatus.GRADED:
        lines += ["", f"### {_('What to fix')}", ""]
        for prop in failed:
            lines += [f"**{_md(prop.name)}**", "", _fence(property_feedback(prop)), ""]
    if report.output:
        lines += ["", f"### {_('Your code printed')}", "", _fence(report.output)]
    lines += ["", _md(_("isolation: {mode}").format(mode=report.isolation))]  # as the text report ends
    return "\n".join(lines).rstrip("\n") + "\n"


def _md(text: str) -> str:
    """Text in Markdown: no HTML, no table breaks, no links."""
    for char in "\\`*_[]<>|#":
        text = text.replace(char, "\\" + char)
    return text.replace("\n", " ")


def _fence(text: str) -> str:
    """A code block that the text cannot close: the fence is longer than any run of backticks in it."""
    longest = max((len(run) for run in text.split("\n") for run in _runs(run)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text.rstrip(chr(10))}\n{fence}"


def _runs(line: str) -> list[str]:
    runs, current = [], ""
    for char in line:
        if char == "`":
            current += char
        elif current:
            runs.append(current)
            current = ""
    if current:
        runs.append(current)
    return runs


def render(report: Report, token: str | None = None) -> str:
    """What a grading step prints: annotations, then the summary and the student's output with commands off."""
    text = summary(report)
    token = token or secrets.token_hex(16)
    while token in text:  # pragma: no cover - a 128-bit token the student could not know
        token = secrets.token_hex(16)
    lines = annotation_lines(report)
    lines += [f"::stop-commands::{token}", text.rstrip("\n"), f"::{token}::"]
    return "\n".join(lines) + "\n"


def write_step_summary(report: Report) -> bool:
    """Append the summary to ``$GITHUB_STEP_SUMMARY`` when running in GitHub Actions; True if written."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return False
    with open(target, "a", encoding="utf-8") as handle:
        handle.write(summary(report))
    return True
