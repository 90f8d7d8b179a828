"""The class at a glance: ``DIR/report.html`` for a graded class, and ``DIR/<student>/feedback.html`` per student.

The numbers come from :func:`summarise`, a plain function over the students' reports; the page is a Jinja2
template filled with them (see ``grader/templates/html``). The page is self-contained: styles inline, no
network, one small inline script (allowed by hash in its Content-Security-Policy) that sorts the table.
"""

from __future__ import annotations

import contextlib
import os
import re
import statistics
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

from . import __version__
from .i18n import _, current_language
from .model import Counterexample, PropertyResult, PropertyStatus, Report, ReportStatus
from .render import html as page

REPORT_FILE = "report.html"
FEEDBACK_FILE = "feedback.html"
SORT_SCRIPT = page.TEMPLATES / "sort.js"
EXACT_BINS_UP_TO = 40  # one histogram bar per point when the maximum is at most this many whole points
BINS = 10


@dataclass
class Student:
    """One row of the class: the name the gradebook uses, the report, and the code when it can be shown."""

    name: str
    report: Report
    source: str | None = None


@dataclass
class RunFacts:
    """What the run was: when, with which grader and lesson, how isolated."""

    when: str
    grader_version: str
    lesson_title: str
    lesson_version: str
    isolation: str

    @classmethod
    def from_reports(cls, reports: Sequence[Report], when: datetime | str | None = None, isolation: str | None = None) -> RunFacts:
        moment = when or datetime.now(timezone.utc)
        stamp = moment if isinstance(moment, str) else moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        first = reports[0] if reports else None
        modes = sorted({r.isolation for r in reports})
        return cls(
            when=stamp,
            grader_version=first.grader_version if first else __version__,
            lesson_title=first.lesson_title if first else "",
            lesson_version=", ".join(sorted({r.lesson_version for r in reports})) if reports else "",
            isolation=isolation or (", ".join(modes) if modes else ""),
        )


@dataclass
class Bin:
    label: str
    low: float
    high: float
    count: int
    height: float  # percent of the tallest bar
    full: bool  # the bin of full marks


@dataclass
class PropertyStats:
    id: str
    name: str
    part: str
    title: str
    max_points: float
    failed: int
    share_failed: float
    diagnosis: str | None
    diagnosis_count: int
    explanation: str | None  # the most common diagnosis, as explained to one of the students who made it
    example: Counterexample | None


@dataclass
class PartStats:
    id: str
    title: str
    max_points: float
    failed: int
    share_failed: float
    mean_points: float


@dataclass
class ClassSummary:
    students: int
    max_score: float
    median: float | None
    mean: float | None
    full_marks: int
    share_full_marks: float
    timed_out: int
    did_not_import: int
    unreadable: int
    grader_error: int
    histogram: list[Bin]
    parts: list[PartStats]
    properties: list[PropertyStats]
    part_ids: list[str] = field(default_factory=list)


def _share(count: int, total: int) -> float:
    return count / total if total else 0.0


def histogram(scores: Sequence[float], max_score: float) -> list[Bin]:
    """Bars of totals: one per point up to ``EXACT_BINS_UP_TO`` whole points, else ten equal ranges."""
    if max_score <= 0:
        return []
    whole = float(max_score).is_integer() and all(float(s).is_integer() for s in scores)
    bins: list[Bin] = []
    if whole and max_score <= EXACT_BINS_UP_TO:
        counts = Counter(int(s) for s in scores)
        for value in range(int(max_score) + 1):
            bins.append(Bin(f"{value}", value, value, counts.get(value, 0), 0.0, value == max_score))
    else:
        width = max_score / BINS
        counts = Counter(min(int(s / width), BINS - 1) for s in scores)
        for index in range(BINS):
            low, high = index * width, (index + 1) * width
            bins.append(Bin(f"{low:g}–{high:g}", low, high, counts.get(index, 0), 0.0, index == BINS - 1))
    tallest = max((b.count for b in bins), default=0)
    for b in bins:
        b.height = 100.0 * b.count / tallest if tallest else 0.0
    return bins


def _example_size(example: Counterexample) -> tuple[int, str]:
    text = example.call + (example.returned or "") + (example.expected or "")
    return len(text), text


def _property_stats(results: list[PropertyResult], total: int) -> PropertyStats:
    first = results[0]
    failures = [r for r in results if not r.passed]
    diagnoses = Counter(r.diagnosis for r in failures if r.status is PropertyStatus.FAILED and r.diagnosis)
    diagnosis, diagnosis_count = (None, 0)
    if diagnoses:
        diagnosis, diagnosis_count = min(diagnoses.items(), key=lambda item: (-item[1], item[0]))
    pool = [r for r in failures if r.counterexample is not None and r.status is PropertyStatus.FAILED]
    if diagnosis is not None and any(r.diagnosis == diagnosis for r in pool):
        pool = [r for r in pool if r.diagnosis == diagnosis]
    chosen = min(pool, key=lambda r: _example_size(r.counterexample)) if pool else None  # type: ignore[arg-type]
    example = chosen.counterexample if chosen is not None else None
    explanation = chosen.message if chosen is not None and diagnosis is not None and chosen.diagnosis == diagnosis else None
    return PropertyStats(
        id=first.id,
        name=first.name,
        part=first.part,
        title=first.title,
        max_points=first.max_points,
        failed=len(failures),
        share_failed=_share(len(failures), total),
        diagnosis=diagnosis,
        diagnosis_count=diagnosis_count,
        explanation=explanation,
        example=Counterexample(example.call, example.returned, example.expected) if example else None,
    )


def summarise(reports: Sequence[Report]) -> ClassSummary:
    """The class's numbers: totals, their spread, and per part and property the share that did not pass."""
    total = len(reports)
    scores = [r.score for r in reports]
    max_score = max((r.max_score for r in reports), default=0.0)
    by_property: dict[str, list[PropertyResult]] = {}
    part_titles: dict[str, str] = {}
    part_max: dict[str, float] = {}
    for report in reports:
        for part in report.parts:
            part_titles.setdefault(part.id, part.title)
            part_max[part.id] = max(part_max.get(part.id, 0.0), part.max_points)
            for prop in part.properties:
                by_property.setdefault(prop.id, []).append(prop)
    order = {pid: i for i, pid in enumerate(by_property)}
    properties = sorted((_property_stats(results, total) for results in by_property.values()),
                        key=lambda s: (-s.share_failed, order[s.id]))
    parts = []
    for index, (part_id, title) in enumerate(part_titles.items()):
        results = [part for r in reports for part in r.parts if part.id == part_id]
        failed = sum(1 for part in results if not part.passed)
        parts.append((index, PartStats(part_id, title, part_max[part_id], failed, _share(failed, total),
                                       statistics.fmean(p.points for p in results) if results else 0.0)))
    parts.sort(key=lambda item: (-item[1].share_failed, item[0]))
    full = sum(1 for r in reports if r.full_marks)
    statuses = Counter(r.status for r in reports)
    return ClassSummary(
        students=total,
        max_score=max_score,
        median=statistics.median(scores) if scores else None,
        mean=statistics.fmean(scores) if scores else None,
        full_marks=full,
        share_full_marks=_share(full, total),
        timed_out=statuses[ReportStatus.TIMED_OUT],
        did_not_import=statuses[ReportStatus.DID_NOT_IMPORT],
        unreadable=statuses[ReportStatus.UNREADABLE],
        grader_error=statuses[ReportStatus.GRADER_ERROR],
        histogram=histogram(scores, max_score),
        parts=[stats for _index, stats in parts],
        properties=properties,
        part_ids=list(part_titles),
    )


_UNSAFE = re.compile(r"[^\w.@+-]+")


def student_dir(name: str) -> str:
    """The folder of a student's page: their name if it is a plain folder name, else a tidied one."""
    cleaned = _UNSAFE.sub("_", name).strip("._") or "student"
    return cleaned


def student_dirs(names: Sequence[str]) -> dict[str, str]:
    """A distinct folder for every name (a suffix tells apart names that tidy to the same folder)."""
    taken: set[str] = set()
    folders: dict[str, str] = {}
    for name in names:
        if name in folders:
            continue
        base = student_dir(name)
        folder, n = base, 1
        while folder in taken:
            n += 1
            folder = f"{base}-{n}"
        taken.add(folder)
        folders[name] = folder
    return folders


def _row(student: Student, folder: str, part_ids: list[str]) -> dict[str, object]:
    report = student.report
    by_id = {part.id: part for part in report.parts}
    return {
        "name": student.name,
        "href": quote(folder) + "/" + FEEDBACK_FILE,
        "score": report.score,
        "max_score": report.max_score,
        "parts": [by_id[pid] if pid in by_id else None for pid in part_ids],
        "status": _("full marks") if report.full_marks else page.status_label(report.status),
        "status_value": report.status.value,
        "tone": page.report_tone(report),
    }


def render_class(students: Sequence[Student], facts: RunFacts, folders: dict[str, str] | None = None) -> str:
    """The class report as one self-contained HTML page; rows link to ``<folder>/feedback.html``."""
    summary = summarise([s.report for s in students])
    script = SORT_SCRIPT.read_text(encoding="utf-8")
    folders = folders or student_dirs([s.name for s in students])
    rows = [_row(s, folders[s.name], summary.part_ids) for s in sorted(students, key=lambda s: s.name)]
    return page.environment().get_template("class.html").render(
        lang=current_language(),
        summary=summary,
        facts=facts,
        rows=rows,
        part_titles={p.id: p.title for p in summary.parts},
        script=script,
        css=page.stylesheet(),
        csp=page.content_security_policy([script]),
        generated_by=__version__,
    )


def _write(path: Path, text: str) -> None:
    """Write atomically: a reader sees the old page or the new one, never a part of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_class_report(
    out_dir: str | Path, students: Sequence[Student], facts: RunFacts | None = None, folders: dict[str, str] | None = None
) -> Path:
    """Write ``report.html`` and every ``<folder>/feedback.html`` into ``out_dir``; return the report's path.

    ``folders`` maps a student's name to their folder (by default a tidied, distinct form of the name).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    facts = facts or RunFacts.from_reports([s.report for s in students])
    folders = folders or student_dirs([s.name for s in students])
    for student in students:
        text = page.render_feedback(student.report, student.source, back="../" + REPORT_FILE)
        _write(out / folders[student.name] / FEEDBACK_FILE, text)
    target = out / REPORT_FILE
    _write(target, render_class(students, facts, folders))
    return target


def source_text(filename: str, data: bytes) -> str | None:
    """The code as it was graded: a notebook's code cells, or the file's text (None if it cannot be read)."""
    try:
        if filename.lower().endswith(".ipynb"):
            from .notebook import notebook_code

            return notebook_code(data, filename).source
        return data.decode("utf-8")
    except Exception:  # noqa: BLE001 - the page then shows no code; the report says why it was not graded
        return None


def write_for_class(out_dir: Path, rows: Sequence[tuple[str, Report]], sources: dict[str, tuple[str, bytes]]) -> Path:
    """What ``grader grade --out DIR`` writes besides the gradebook: ``DIR/report.html`` and each
    ``DIR/<student>/feedback.html``, where ``<student>`` is the gradebook's name (already a folder name)."""
    students = []
    for name, report in rows:
        filename, data = sources.get(name, ("", b""))
        students.append(Student(name, report, source_text(filename, data) if filename else None))
    return write_class_report(out_dir, students, folders={name: name for name, _report in rows})
