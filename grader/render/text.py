"""The readable report: per-part points, each failure with its minimal example and a hint, and the total."""

from __future__ import annotations

import io

from rich.console import Console, Group
from rich.text import Text

from .. import _format as fmt
from ..i18n import _
from ..model import PropertyResult, PropertyStatus, Report, ReportStatus
from ..outcome import maximum_note, timeouts_sentence


def points(value: float) -> str:
    return f"{value:g}"


def points_label(score: float, max_score: float) -> str:
    """Points out of a maximum, labelled as points: "0/2 points", "1/1 point"."""
    label = _("{points}/{max_points} point") if max_score == 1 else _("{points}/{max_points} points")
    return label.format(points=points(score), max_points=points(max_score))


def property_feedback(prop: PropertyResult, explained: bool = False) -> str:
    """Plain-text feedback for one property: what was called, what came back, what was expected, a hint.

    ``explained``: the property's diagnosis was already given, with its hint, under an earlier property of the
    same part; then only the example is shown, and a pointer to that explanation.
    """
    if prop.passed:
        lines = [_("Passed.")]
        lines += prop.notes
        return "\n".join(lines)
    if prop.status is PropertyStatus.NOT_IMPLEMENTED:
        return _("Not implemented yet.")
    lines = []
    if explained:
        lines.append(_("The same mistake as above."))
    elif prop.message:
        lines.append(prop.message)
    example = prop.counterexample
    if example is not None and prop.status is PropertyStatus.FAILED and example.call not in (prop.message or ""):
        lines.append(_("Called: {call}").format(call=example.call))
        if example.returned is not None:
            lines.append(_("Returned: {value}").format(value=example.returned))
        if example.expected is not None:
            lines.append(_("Expected: {value}").format(value=example.expected))
    lines += prop.notes
    if prop.hint and prop.status in (PropertyStatus.FAILED, PropertyStatus.MISSING) and not explained:
        lines.append(_("Hint: {hint}").format(hint=prop.hint))
    return "\n".join(lines)


def _mark(prop: PropertyResult) -> tuple[str, str]:
    if prop.passed:
        return "✓", "green"
    if prop.status is PropertyStatus.NOT_IMPLEMENTED:
        return "·", "yellow"
    return "✗", "red"


def build(report: Report) -> Group:
    """The report as rich renderables; colours show on a terminal only."""
    items: list[Text] = []
    head = Text()
    head.append(_("Grading {submission}").format(submission=report.submission), style="bold")
    head.append(" · " + _("lesson: {title} ({version})").format(title=report.lesson_title, version=report.lesson_version), style="dim")
    items.append(head)
    if report.message:
        style = "bold red" if report.status is not ReportStatus.GRADED else "yellow"
        items.append(Text(report.message, style=style))
    for note in report.notes:  # e.g. what a notebook's conversion left out
        items.append(Text(note, style="yellow"))
    for part in report.parts:
        items.append(Text())
        line = Text()
        line.append(part.title, style="bold")
        style = "green" if part.passed else ("red" if part.points == 0 else "yellow")
        line.append("  " + points_label(part.points, part.max_points), style=style)
        items.append(line)
        statuses = {p.status for p in part.properties}
        if statuses == {PropertyStatus.NOT_IMPLEMENTED}:
            items.append(Text("  · " + _("not implemented yet"), style="yellow"))
            continue
        if len(statuses) == 1 and statuses <= {PropertyStatus.MISSING, PropertyStatus.NOT_GRADED}:
            items.append(Text("  ✗ " + (part.properties[0].message or ""), style="red"))
            continue
        explained: set[str] = set()  # each diagnosis is told once per part, under its first property
        for prop in part.properties:
            mark, colour = _mark(prop)
            row = Text(f"  {mark} ", style=colour)
            row.append(prop.title)
            row.append("  " + points_label(prop.points, prop.max_points), style="dim")
            items.append(row)
            if not prop.passed or prop.notes:
                again = prop.diagnosis is not None and prop.diagnosis in explained
                if prop.diagnosis is not None and not prop.passed:
                    explained.add(prop.diagnosis)
                details = property_feedback(prop, explained=again) if not prop.passed else "\n".join(prop.notes)
                if prop.status is PropertyStatus.NOT_IMPLEMENTED:
                    continue
                for detail in details.splitlines():
                    items.append(Text("      " + detail, style="dim" if detail.startswith(_("Hint: ")[:4]) else ""))
    items.append(Text())
    total = Text()
    total.append(_("Total: {score}/{max_score}").format(score=points(report.score), max_score=points(report.max_score)), style="bold")
    if report.full_marks:
        total.append("  " + _("full marks"), style="bold green")
    items.append(total)
    if report.skipped_parts:  # why it is out of 17 and not 19, in the words of every other output
        items.append(Text(maximum_note(report), style="dim"))
    if report.timeouts:
        items.append(Text(timeouts_sentence(report.timeouts), style="dim"))
    if report.output:
        items.append(Text())
        items.append(Text(_("Your code printed:"), style="dim"))
        items.append(Text(report.output.rstrip("\n")))
        if report.output_truncated:
            items.append(Text(_("(output cut to the first {count} characters; it printed {total} bytes in all)").format(
                count=len(report.output), total=fmt.count(report.output_total)), style="dim"))
    items.append(Text(_("isolation: {mode}").format(mode=report.isolation), style="dim"))
    return Group(*items)


def render(report: Report) -> str:
    """The report as plain text, without colour."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=110, color_system=None, force_terminal=False, highlight=False, soft_wrap=True)
    console.print(build(report))
    return buffer.getvalue()
