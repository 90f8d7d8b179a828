"""The class report's numbers and files, from reports built directly (no grading, no browser)."""

from __future__ import annotations

import html
import re
import statistics
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from grader.class_report import (
    FEEDBACK_FILE,
    REPORT_FILE,
    RunFacts,
    Student,
    histogram,
    render_class,
    student_dirs,
    summarise,
    write_class_report,
)
from grader.engine import empty_report
from grader.lesson import load_lesson
from grader.model import Counterexample, PartResult, PropertyResult, PropertyStatus, Report, ReportStatus, SkippedPart

LESSON = load_lesson("neuron")


def make_report(
    name: str,
    failing: dict[str, tuple[str, str | None]] | None = None,
    status: ReportStatus = ReportStatus.GRADED,
) -> Report:
    """A report of the neuron lesson: every property passes except ``failing`` (id -> (call, diagnosis))."""
    failing = failing or {}
    report = empty_report(LESSON, name, status, "" if status is ReportStatus.GRADED else f"{name} could not be graded")
    if status is not ReportStatus.GRADED:
        return report
    report.message = None
    for part in report.parts:
        part.line = 10 + len(part.id)
        for prop in part.properties:
            prop.message = None
            prop.hint = None
            if prop.id in failing:
                call, diagnosis = failing[prop.id]
                prop.status, prop.points = PropertyStatus.FAILED, 0.0
                prop.message = f"{call} was wrong"
                prop.counterexample = Counterexample(call=call, returned="1", expected="2")
                prop.diagnosis = diagnosis
            else:
                prop.status, prop.points = PropertyStatus.PASSED, prop.max_points
    return report


@pytest.fixture
def mixed() -> list[Student]:
    return [
        Student("ada", make_report("ada")),
        Student("bob", make_report("bob", {"sigmoid.scalar": ("sigmoid(2.0)", "sign"), "relu.pure": ("relu(z)", None)})),
        Student("cem", make_report("cem", {"sigmoid.scalar": ("sigmoid(1.0)", "sign")})),
        Student("dee", make_report("dee", {"sigmoid.scalar": ("sigmoid(0.5)", "formula")})),
        Student("eve", make_report("eve", status=ReportStatus.DID_NOT_IMPORT)),
        Student("fay", make_report("fay", status=ReportStatus.TIMED_OUT)),
    ]


def test_summary_numbers(mixed: list[Student]) -> None:
    summary = summarise([s.report for s in mixed])
    assert summary.students == 6
    assert summary.max_score == 17
    scores = sorted(s.report.score for s in mixed)
    assert scores[:2] == [0, 0] and scores[-1] == 17 and len(set(scores)) == 4  # two not graded, three partly right
    [group] = summary.groups  # one maximum: one histogram
    assert group.median == statistics.median(scores) and group.max_score == 17 and group.students == 6
    assert summary.full_marks == group.full_marks == 1
    assert summary.share_full_marks == pytest.approx(1 / 6)
    assert (summary.timed_out, summary.did_not_import, summary.grader_error, summary.unreadable) == (1, 1, 0, 0)
    assert (summary.graded, summary.not_graded, summary.with_timeouts) == (4, 2, 0)
    assert sum(b.count for b in group.histogram) == 6
    assert [(b.low, b.count) for b in group.histogram if b.count] == sorted(Counter(scores).items())
    assert group.histogram[-1].full and group.histogram[-1].count == 1


def test_properties_sorted_by_share_failed_with_diagnosis_and_minimal_example(mixed: list[Student]) -> None:
    summary = summarise([s.report for s in mixed])
    shares = [p.share_failed for p in summary.properties]
    assert shares == sorted(shares, reverse=True)
    top = summary.properties[0]
    assert top.id == "sigmoid.scalar"
    assert (top.failed, top.graded) == (3, 4)  # three wrong of the four graded; the two not graded are not counted
    assert top.share_failed == pytest.approx(3 / 4)
    assert top.diagnosis == "sign" and top.diagnosis_count == 2
    # the smallest example among those with the most common diagnosis, not the smallest of all
    assert top.example is not None and top.example.call == "sigmoid(1.0)"
    assert top.explanation == "sigmoid(1.0) was wrong"  # as told to that student
    pure = next(p for p in summary.properties if p.id == "relu.pure")
    assert pure.failed == 1 and pure.diagnosis is None and pure.example is not None
    passed_by_graded = next(p for p in summary.properties if p.id == "init.bias")
    assert (passed_by_graded.failed, passed_by_graded.graded) == (0, 4) and passed_by_graded.example is None
    assert [p.id for p in summary.parts][0] == "sigmoid"


def test_histogram_ranges_for_fractional_scores() -> None:
    bins = histogram([0.5, 9.5, 10.0, 3.25], 10.0)
    assert len(bins) == 10
    assert [b.count for b in bins] == [1, 0, 0, 1, 0, 0, 0, 0, 0, 2]
    assert bins[-1].full and bins[-1].height == 100.0
    assert histogram([], 0.0) == []


def test_student_dirs_are_distinct_and_safe() -> None:
    folders = student_dirs(["alice", "../../etc", "a b", "a_b", "", "Alice"])
    assert folders["alice"] == "alice" and folders["Alice"] == "Alice"
    assert len(set(folders.values())) == len(folders)
    for folder in folders.values():
        assert "/" not in folder and folder not in ("", ".", "..")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs += [v for k, v in attrs if k == "href" and v]
        if tag == "script":
            self.scripts += 1


def test_written_files_link_up(tmp_path: Path, mixed: list[Student]) -> None:
    mixed.append(Student("<b>odd name</b>", make_report("<b>odd name</b>", {"relu.scalar": ("relu(-1.0)", None)})))
    path = write_class_report(tmp_path, mixed, RunFacts.from_reports([s.report for s in mixed], when="2026-01-05 09:00"))
    assert path == tmp_path / REPORT_FILE
    text = path.read_text(encoding="utf-8")
    links = _Links()
    links.feed(text)
    feedback = [h for h in links.hrefs if h.endswith(FEEDBACK_FILE)]
    assert len(feedback) == len(mixed)
    for href in feedback:
        page = (tmp_path / href).resolve()
        assert page.is_file() and page.parent.parent == tmp_path.resolve()
        assert 'href="../report.html"' in page.read_text(encoding="utf-8")
    assert links.scripts == 1  # the sorter, nothing else
    assert "<b>odd name</b>" not in text and "&lt;b&gt;odd name&lt;/b&gt;" in text


def test_page_shows_the_summary_numbers(mixed: list[Student]) -> None:
    facts = RunFacts(when="2026-01-05 09:00 UTC", grader_version="9.9.9", lesson_title="A single neuron",
                     lesson_version="1.0.0", isolation="bubblewrap")
    text = render_class(mixed, facts)
    assert re.search(r'id="count">6<', text)
    median = statistics.median(s.report.score for s in mixed)
    assert re.search(rf'id="median"><span data-max="17" data-median="{median:g}">{median:g}<', text)
    assert re.search(r'id="full-marks" data-count="1">17%<', text)
    assert 'data-fact="timed_out">1<' in text and 'data-fact="did_not_import">1<' in text
    assert 'data-fact="grader_error">0<' in text
    for value in ("2026-01-05 09:00 UTC", "9.9.9", "1.0.0", "bubblewrap"):
        assert value in text
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', text)
    assert csp
    policy = html.unescape(csp.group(1))
    assert "default-src 'none'" in policy and "script-src 'sha256-" in policy
    assert "http://" not in text and "https://" not in text  # nothing to fetch


def test_an_empty_class_still_gets_a_page(tmp_path: Path) -> None:
    text = write_class_report(tmp_path, []).read_text(encoding="utf-8")
    assert "No submissions." in text and 'id="count">0<' in text
    assert summarise([]).groups == [] and summarise([]).max_score == 0


def _with_quiz(report: Report, right: int) -> Report:
    """``report`` with a two-question quiz part, ``right`` answers right."""
    questions = [PropertyResult(id=f"quiz.q{i}", part="quiz", title=f"question {i}", max_points=1.0,
                                points=1.0 if i < right else 0.0,
                                status=PropertyStatus.PASSED if i < right else PropertyStatus.FAILED) for i in range(2)]
    report.parts.append(PartResult(id="quiz", title="Quiz", properties=questions))
    return report


def _without_quiz(report: Report) -> Report:
    report.skipped_parts.append(SkippedPart("quiz", "Quiz", 2.0, "there is no quiz.toml beside the code"))
    return report


def test_mixed_maxima_shares_of_those_that_had_the_part_and_time_outs() -> None:
    slow = make_report("gil", {"relu.scalar": ("relu(-1.0)", None), "relu.array": ("relu(z)", None)})
    for prop in slow.properties():
        if prop.id in ("relu.scalar", "relu.array"):
            prop.stopped = "timeout"
    reports = [
        _with_quiz(make_report("ada"), right=2),  # 19/19
        _without_quiz(make_report("bo")),  # 17/17
        _without_quiz(make_report("cy", {"relu.scalar": ("relu(-1.0)", None)})),
        _without_quiz(slow),
        _with_quiz(make_report("ed", status=ReportStatus.DID_NOT_IMPORT), right=1),  # the quiz graded, the code not
    ]
    summary = summarise(reports)
    assert [(g.max_score, g.students, g.full_marks) for g in summary.groups] == [(19, 2, 1), (17, 3, 1)]
    nineteen, seventeen = summary.groups
    assert nineteen.histogram[-1].full and nineteen.histogram[-1].count == 1  # full marks is each maximum's own bar
    assert seventeen.histogram[-1].full and seventeen.histogram[-1].count == 1
    assert seventeen.notes == ["Out of 17, not 19: Quiz (2 points) is not counted: there is no quiz.toml beside the code."]
    assert summary.full_marks == 2 and summary.share_full_marks == pytest.approx(2 / 5)
    quiz = next(p for p in summary.parts if p.id == "quiz")
    assert (quiz.graded, quiz.failed, quiz.mean_points) == (2, 1, 1.5)  # only the two that answered
    relu = next(p for p in summary.properties if p.id == "relu.scalar")
    assert (relu.graded, relu.failed) == (4, 2)  # ed's code was not graded
    assert (summary.with_timeouts, summary.timeout_properties, summary.timed_out) == (1, 2, 0)
    assert slow.timeouts == 2 and slow.timed_out and slow.status is ReportStatus.GRADED

    page = render_class([Student(r.submission, r) for r in reports], RunFacts.from_reports(reports, when="2026-01-05"))
    assert 'data-fact="with_timeouts">1 ' in page and 'data-fact="timed_out">0<' in page
    assert '<tr data-part="quiz" data-failed="1" data-graded="2">' in page
    assert re.search(r'data-timeouts="2" data-max="17">\s*<td data-sort="gil">', page)
    assert "graded, with time-outs" in page
