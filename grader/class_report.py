"""The class at a glance: ``DIR/report.html`` for a graded class, and ``DIR/<student>/feedback.html`` per student.

The numbers come from :func:`summarise`, a plain function over the students' reports; the page is a Jinja2
template filled with them (see ``grader/templates/html``). The page is self-contained: styles inline, no
network, one small inline script (allowed by hash in its Content-Security-Policy) that sorts the table.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

from . import __version__
from .files import write_atomic
from .i18n import current_language
from .model import Counterexample, PartResult, PropertyResult, PropertyStatus, Report, ReportStatus
from .outcome import maximum_note, timeouts_note, timeouts_sentence, with_timeouts
from .render import html as page

REPORT_FILE = "report.html"
FEEDBACK_FILE = "feedback.html"
SORT_SCRIPT = page.TEMPLATES / "sort.js"
EXACT_BINS_UP_TO = 40  # one histogram bar per point when the maximum is at most this many whole points
BINS = 10


@dataclass
class Student:
    """One row of the class: the name the gradebook uses and the report (which holds the code it graded)."""

    name: str
    report: Report


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
    graded: int  # the submissions in which this property was graded: the denominator of ``share_failed``
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
    graded: int  # the submissions that had this part and in which it was graded
    failed: int
    share_failed: float
    mean_points: float  # over those ``graded``


@dataclass
class ScoreGroup:
    """The submissions graded out of one maximum (the code alone, or the code and the quiz)."""

    max_score: float
    students: int
    scores: list[float]  # their totals, lowest first
    median: float | None
    full_marks: int
    histogram: list[Bin]
    notes: list[str]  # why these submissions are out of ``max_score`` (outcome.maximum_note), each once


@dataclass
class ClassSummary:
    """The numbers of a class, for every output of ``grader grade``: totals and their spread per maximum, the
    statuses, the time-outs, and per part and property the share that did not pass among the submissions in
    which it was graded."""

    students: int
    graded: int  # status graded
    full_marks: int
    share_full_marks: float  # of all submissions, each at its own maximum
    timed_out: int  # status timed_out: the import did not finish in time, nothing was graded
    did_not_import: int
    unreadable: int
    grader_error: int
    with_timeouts: int  # graded submissions with at least one property failed by a call that timed out
    timeout_properties: int  # those properties, over the class
    groups: list[ScoreGroup]
    parts: list[PartStats]
    properties: list[PropertyStats]
    part_ids: list[str] = field(default_factory=list)

    @property
    def not_graded(self) -> int:
        return self.students - self.graded

    @property
    def max_score(self) -> float:
        return max((g.max_score for g in self.groups), default=0.0)


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


def _property_stats(results: list[PropertyResult]) -> PropertyStats:
    first = results[0]
    graded = [r for r in results if r.status is not PropertyStatus.NOT_GRADED]
    failures = [r for r in graded if not r.passed]
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
        graded=len(graded),
        failed=len(failures),
        share_failed=_share(len(failures), len(graded)),
        diagnosis=diagnosis,
        diagnosis_count=diagnosis_count,
        explanation=explanation,
        example=Counterexample(example.call, example.returned, example.expected) if example else None,
    )


def _part_graded(part: PartResult) -> bool:
    return any(p.status is not PropertyStatus.NOT_GRADED for p in part.properties)


def _groups(reports: Sequence[Report]) -> list[ScoreGroup]:
    by_max: dict[float, list[Report]] = {}
    for report in reports:
        by_max.setdefault(report.max_score, []).append(report)
    groups = []
    for max_score in sorted(by_max, reverse=True):
        members = by_max[max_score]
        scores = sorted(r.score for r in members)
        groups.append(ScoreGroup(
            max_score=max_score,
            students=len(members),
            scores=scores,
            median=statistics.median(scores),
            full_marks=sum(1 for r in members if r.full_marks),
            histogram=histogram(scores, max_score),
            notes=list(dict.fromkeys(maximum_note(r) for r in members)),
        ))
    return groups


def summarise(reports: Sequence[Report]) -> ClassSummary:
    """The class's numbers: totals and their spread per maximum, and per part and property the share that did
    not pass, of the submissions in which it was graded (a part a submission does not have, such as the quiz
    without answers, or a part of a submission that could not be run, is not counted)."""
    total = len(reports)
    by_property: dict[str, list[PropertyResult]] = {}
    by_part: dict[str, list[PartResult]] = {}
    part_titles: dict[str, str] = {}
    part_max: dict[str, float] = {}
    for report in reports:
        for part in report.parts:
            part_titles.setdefault(part.id, part.title)
            part_max[part.id] = max(part_max.get(part.id, 0.0), part.max_points)
            by_part.setdefault(part.id, []).append(part)
            for prop in part.properties:
                by_property.setdefault(prop.id, []).append(prop)
    order = {pid: i for i, pid in enumerate(by_property)}
    properties = sorted((_property_stats(results) for results in by_property.values()),
                        key=lambda s: (-s.share_failed, order[s.id]))
    parts = []
    for index, (part_id, title) in enumerate(part_titles.items()):
        results = [part for part in by_part[part_id] if _part_graded(part)]
        failed = sum(1 for part in results if not part.passed)
        parts.append((index, PartStats(part_id, title, part_max[part_id], len(results), failed, _share(failed, len(results)),
                                       statistics.fmean(p.points for p in results) if results else 0.0)))
    parts.sort(key=lambda item: (-item[1].share_failed, item[0]))
    full = sum(1 for r in reports if r.full_marks)
    statuses = Counter(r.status for r in reports)
    timed = [r for r in reports if r.status is ReportStatus.GRADED and r.timeouts]
    return ClassSummary(
        students=total,
        graded=statuses[ReportStatus.GRADED],
        full_marks=full,
        share_full_marks=_share(full, total),
        timed_out=statuses[ReportStatus.TIMED_OUT],
        did_not_import=statuses[ReportStatus.DID_NOT_IMPORT],
        unreadable=statuses[ReportStatus.UNREADABLE],
        grader_error=statuses[ReportStatus.GRADER_ERROR],
        with_timeouts=len(timed),
        timeout_properties=sum(r.timeouts for r in reports),
        groups=_groups(reports),
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
        "maximum_note": maximum_note(report),
        "parts": [by_id[pid] if pid in by_id else None for pid in part_ids],
        "status": page.report_status(report),
        "status_value": report.status.value,
        "timeouts": report.timeouts,
        "timeouts_note": timeouts_note(report),
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
        with_timeouts_label=with_timeouts(),
        timeouts_sentence=timeouts_sentence,
        script=script,
        css=page.stylesheet(),
        csp=page.content_security_policy([script]),
        generated_by=__version__,
    )


def write_class_report(
    out_dir: str | Path, students: Sequence[Student], facts: RunFacts | None = None, folders: dict[str, str] | None = None
) -> Path:
    """Write ``report.html`` and every ``<folder>/feedback.html`` into ``out_dir`` (mode 0644 under the usual
    umask, like every file of a class); return the report's path.

    ``folders`` maps a student's name to their folder (by default a tidied, distinct form of the name).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    facts = facts or RunFacts.from_reports([s.report for s in students])
    folders = folders or student_dirs([s.name for s in students])
    for student in students:
        text = page.render_feedback(student.report, back="../" + REPORT_FILE)
        write_atomic(out / folders[student.name] / FEEDBACK_FILE, text)
    target = out / REPORT_FILE
    write_atomic(target, render_class(students, facts, folders))
    return target


def write_for_class(out_dir: Path, rows: Sequence[tuple[str, Report]]) -> Path:
    """What ``grader grade --out DIR`` writes besides the gradebook: ``DIR/report.html`` and each
    ``DIR/<student>/feedback.html``, where ``<student>`` is the gradebook's name (already a folder name)."""
    students = [Student(name, report) for name, report in rows]
    return write_class_report(out_dir, students, folders={name: name for name, _report in rows})
