"""Every output of ``grader grade`` tells the same truth: a mixed class is graded by the real command, and every
number is read back out of ``gradebook.csv``, the terminal summary, ``report.html`` and each ``feedback.html``
and compared: totals and maxima (17 without the quiz's answers, 19 with them, and why), statuses and
time-outs, and, per part and property, how many did not pass of how many in which it was graded."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from grader.quiz import load_quiz

from .conftest import REFERENCE, ROOT, STUB

QUIZ = load_quiz(ROOT / "exercises" / "neuron")


def _notebook(source: str) -> str:
    cell: dict[str, object] = {"cell_type": "code", "id": "c1", "execution_count": None, "metadata": {}, "outputs": [],
            "source": source.splitlines(keepends=True)}
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def _answers(wrong: int = 0) -> str:
    """A quiz answers file with the first ``wrong`` questions answered wrongly."""
    assert QUIZ is not None
    lines = []
    for index, question in enumerate(QUIZ.questions):
        letter = question.letters[question.answer]
        if index < wrong:
            letter = next(other for other in question.letters if other != letter)
        lines.append(f'{question.id} = "{letter}"')
    return "\n".join(lines) + "\n"


def make_class(root: Path) -> None:
    reference = REFERENCE.read_text(encoding="utf-8")
    for folder in ("ada", "bo", "fay"):
        (root / folder).mkdir(parents=True)
    (root / "ada" / "neuron.py").write_text(reference)  # the reference, with the quiz: full marks out of 19
    (root / "ada" / "quiz.toml").write_text(_answers())
    (root / "bo" / "neuron.py").write_text(reference)  # the reference, no quiz answers: full marks out of 17
    (root / "cy.py").write_text(reference.replace("np.maximum(0, z)", "np.abs(z)"))  # a wrong relu
    shutil.copy(STUB, root / "dee.py")  # the stub
    (root / "ed.py").write_text("def sigmoid(z:\n")  # a syntax error
    # relu never returns: every relu property times out; one quiz answer wrong
    (root / "fay" / "neuron.py").write_text(reference.replace('    """Keep positive', '    while True:\n        pass\n    """Keep positive'))
    (root / "fay" / "quiz.toml").write_text(_answers(wrong=1))
    (root / "gus.ipynb").write_text(_notebook(reference))  # the reference as a notebook


# -- reading the outputs back ------------------------------------------------------------------------------------
def _text(fragment: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


class Elements(HTMLParser):
    """Every element's attributes, and the text inside the elements that have an id or one of ``keep``'s attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def with_attr(self, name: str, tag: str | None = None) -> list[dict[str, str | None]]:
        return [attrs for t, attrs in self.elements if name in attrs and (tag is None or t == tag)]


def elements(page: str) -> Elements:
    parser = Elements()
    parser.feed(page)
    return parser


@dataclass
class Terminal:
    statuses: dict[str, int] = field(default_factory=dict)
    status_caption: str = ""
    scores: Counter[tuple[float, float]] = field(default_factory=Counter)
    captions: dict[float, tuple[int, str]] = field(default_factory=dict)  # maximum -> (count, why)
    properties: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (failed, of)
    graded_of_total: tuple[int, int] = (0, 0)


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("│").split("│")]


def parse_terminal(out: str) -> Terminal:
    terminal = Terminal()
    lines = out.splitlines()
    section = ""
    after: list[str] = []
    for line in lines:
        if line.strip() == "Submissions":
            section, after = "statuses", []
        elif line.startswith("Score distribution"):
            section = "scores"
        elif line.startswith("Failed properties"):
            section = "properties"
        elif line.startswith("│"):
            cells = _cells(line)
            if section == "statuses":
                terminal.statuses[cells[0]] = int(cells[1])
            elif section == "scores":
                score, maximum = cells[0].split("/")
                terminal.scores[(float(score), float(maximum))] = int(cells[1])
            elif section == "properties":
                terminal.properties[cells[0]] = (int(cells[1]), int(cells[2]))
        elif line.startswith("└"):
            after = []
            section += "-caption"
        elif section.endswith("-caption") and not line.startswith(("┏", "┃", "┡")):
            after.append(line.strip())
            if section == "statuses-caption":
                terminal.status_caption = " ".join(after)
            elif section == "scores-caption":
                text = " ".join(after)
                for match in re.finditer(r"Submissions out of (\d+): (\d+)\. (.*?)(?= Submissions out of |$)", text):
                    terminal.captions[float(match.group(1))] = (int(match.group(2)), match.group(3))
    done = re.search(r"^(\d+) of (\d+) submissions in", out, re.MULTILINE)
    assert done, out
    terminal.graded_of_total = (int(done.group(1)), int(done.group(2)))
    return terminal


@dataclass
class Feedback:
    score: float
    maximum: float
    status: str
    timeouts: int
    badge: str
    maximum_note: str
    timeouts_note: str | None
    parts: dict[str, tuple[float, float]]  # part -> (points, maximum)
    properties: dict[str, tuple[str, str]]  # property id -> (part, status)
    timed_out: int  # properties marked as timed out
    timed_out_sentences: int  # properties whose message says the call timed out


def parse_feedback(page: str) -> Feedback:
    found = elements(page)
    [total] = [a for t, a in found.elements if a.get("id") == "total"]
    [status] = [a for t, a in found.elements if a.get("id") == "status"]
    badge = re.search(r'id="status"[^>]*>([^<]*)<', page)
    note = re.search(r'<p class="muted" id="maximum-note">(.*?)</p>', page, re.S)
    timeouts = re.search(r'<p class="notice warn" id="timeouts">(.*?)</p>', page, re.S)
    assert badge and note
    parts: dict[str, tuple[float, float]] = {}
    properties: dict[str, tuple[str, str]] = {}
    sections = re.findall(r'(<section class="part".*?</section>)', page, re.S)
    sentences = 0
    for section in sections:
        head = elements(section)
        [attrs] = head.with_attr("data-part", "section")
        part = str(attrs["data-part"])
        parts[part] = (float(str(attrs["data-points"])), float(str(attrs["data-max"])))
        for ul in head.with_attr("data-properties", "ul"):  # one line for the whole part
            for prop in str(ul["data-properties"]).split():
                properties[prop] = (part, str(ul["data-status"]))
        for li in head.with_attr("data-property", "li"):
            properties[str(li["data-property"])] = (part, str(li["data-status"]))
        sentences += len(re.findall(r"<li [^>]*data-property[^>]*>(?:(?!</li>).)*did not finish: it timed out", section, re.S))
    return Feedback(
        score=float(str(total["data-score"])), maximum=float(str(total["data-max"])),
        status=str(status["data-status"]), timeouts=int(str(status["data-timeouts"])), badge=_text(badge.group(1)),
        maximum_note=_text(note.group(1)), timeouts_note=_text(timeouts.group(1)) if timeouts else None,
        parts=parts, properties=properties,
        timed_out=len(re.findall(r"<li [^>]*data-timed-out", page)), timed_out_sentences=sentences,
    )


# -- the class, graded once ------------------------------------------------------------------------------------
@dataclass
class Outputs:
    out: Path
    terminal: Terminal
    book: dict[str, dict[str, str]]
    columns: list[str]
    report: str
    feedback: dict[str, Feedback]
    umask: int


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Outputs:
    if QUIZ is None:
        pytest.skip("the lesson has no quiz")
    root = tmp_path_factory.mktemp("class") / "class"
    make_class(root)
    out = tmp_path_factory.mktemp("out")
    env = {**os.environ, "COLUMNS": "250", "LANG": "C.UTF-8", "LANGUAGE": "", "LC_ALL": "C.UTF-8"}
    umask = os.umask(0o022)
    os.umask(umask)
    done = subprocess.run([sys.executable, "-m", "grader", "grade", str(root), "--out", str(out), "--formats", "json,html",
                           "--jobs", "2", "--call-timeout", "0.5", "--lang", "en"],
                          capture_output=True, text=True, env=env, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    with (out / "gradebook.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        book = {row["student"]: row for row in reader}
        columns = list(reader.fieldnames or [])
    feedback = {name: parse_feedback((out / name / "feedback.html").read_text(encoding="utf-8")) for name in book}
    return Outputs(out, parse_terminal(done.stdout), book, columns, (out / "report.html").read_text(encoding="utf-8"),
                   feedback, umask)


def _parts(outputs: Outputs) -> list[str]:
    return outputs.columns[outputs.columns.index("maximum") + 1:outputs.columns.index("submission")]


def test_the_class_is_what_was_handed_in(outputs: Outputs) -> None:
    book = outputs.book
    assert set(book) == {"ada", "bo", "cy", "dee", "ed", "fay", "gus"}
    quiz = sum(q.points for q in QUIZ.questions) if QUIZ else 0
    code = float(book["bo"]["maximum"])
    assert float(book["ada"]["maximum"]) == code + quiz  # 19 = 17 + 2
    assert {name for name, row in book.items() if float(row["maximum"]) == code + quiz} == {"ada", "fay"}
    assert book["ada"]["total"] == book["ada"]["maximum"] and book["bo"]["total"] == book["bo"]["maximum"] == book["gus"]["total"]
    assert book["ed"]["status"] == "did_not_import"
    assert book["fay"]["status"] == "graded" and int(book["fay"]["timeouts"]) > 0 and book["fay"]["relu"] == "0"
    assert all(row["timeouts"] == "0" for name, row in book.items() if name != "fay")
    for name, row in book.items():  # a part the submission did not have is empty, not 0, and not in the maximum
        cells = [row[p] for p in _parts(outputs)]
        assert sum(float(c) for c in cells if c) == float(row["total"])
        assert (row["quiz"] == "") == (name not in ("ada", "fay"))
        assert ("quiz.toml" in row["maximum_note"]) == (row["quiz"] == "")
        assert row["maximum_note"].startswith(f"Out of {row['maximum']}")


def test_terminal_summary_agrees_with_the_gradebook(outputs: Outputs) -> None:
    book, terminal = outputs.book, outputs.terminal
    assert terminal.graded_of_total == (len(book), len(book))
    statuses = Counter(row["status"] for row in book.values())
    with_timeouts = [row for row in book.values() if row["status"] == "graded" and int(row["timeouts"])]
    expected = dict(statuses)
    expected["graded, with time-outs"] = len(with_timeouts)
    assert terminal.statuses == expected
    timeouts = sum(int(row["timeouts"]) for row in book.values())
    assert terminal.status_caption == f"Properties that failed because a call timed out: {timeouts}."
    assert terminal.scores == Counter((float(row["total"]), float(row["maximum"])) for row in book.values())
    by_max: dict[float, list[dict[str, str]]] = {}
    for row in book.values():
        by_max.setdefault(float(row["maximum"]), []).append(row)
    assert set(terminal.captions) == set(by_max)
    for maximum, rows in by_max.items():
        count, why = terminal.captions[maximum]
        assert count == len(rows)
        assert why == " ".join(dict.fromkeys(row["maximum_note"] for row in rows))  # why each is out of 17 or 19


def test_each_feedback_page_agrees_with_its_gradebook_row(outputs: Outputs) -> None:
    parts = _parts(outputs)
    for name, row in outputs.book.items():
        page = outputs.feedback[name]
        assert (page.score, page.maximum) == (float(row["total"]), float(row["maximum"])), name
        assert page.status == row["status"] and page.timeouts == int(row["timeouts"]), name
        assert page.maximum_note == row["maximum_note"], name
        assert {p: pts for p, (pts, _max) in page.parts.items()} == {p: float(row[p]) for p in parts if row[p]}, name
        assert sum(m for _pts, m in page.parts.values()) == float(row["maximum"]), name
        # a time-out is shown as one, and counted as the gradebook counts it
        assert page.timed_out == page.timed_out_sentences == int(row["timeouts"]), name
        if int(row["timeouts"]):
            assert page.badge == "graded, with time-outs"
            assert page.timeouts_note == f"Properties that failed because a call timed out: {row['timeouts']}."
        else:
            assert page.timeouts_note is None and page.badge != "graded, with time-outs"


def _property_counts(outputs: Outputs) -> dict[str, tuple[int, int]]:
    """Per property, from the students' pages: (did not pass, graded), a property being graded unless not_graded."""
    counts: dict[str, list[int]] = {}
    for page in outputs.feedback.values():
        for prop, (_part, status) in page.properties.items():
            failed, graded = counts.setdefault(prop, [0, 0])
            if status != "not_graded":
                counts[prop] = [failed + (status != "passed"), graded + 1]
    return {prop: (f, g) for prop, (f, g) in counts.items()}


def _part_counts(outputs: Outputs) -> dict[str, tuple[int, int, list[float]]]:
    counts: dict[str, tuple[int, int, list[float]]] = {}
    for name, page in outputs.feedback.items():
        for part in page.parts:
            statuses = [status for prop, (p, status) in page.properties.items() if p == part]
            failed, graded, scores = counts.get(part, (0, 0, []))
            if any(s != "not_graded" for s in statuses):
                counts[part] = (failed + any(s != "passed" for s in statuses), graded + 1, [*scores, float(outputs.book[name][part])])
            else:
                counts[part] = (failed, graded, scores)
    return counts


def _percent(count: int, total: int) -> str:
    return f"{round(100 * count / total) if total else 0}%"


def test_class_report_agrees_with_the_gradebook_pages_and_terminal(outputs: Outputs) -> None:
    book, page, terminal = outputs.book, outputs.report, outputs.terminal
    found = elements(page)
    n = len(book)
    full = [r for r in book.values() if r["status"] == "graded" and r["total"] == r["maximum"]]
    assert re.search(rf'id="count">{n}<', page)
    assert re.search(rf'id="full-marks" data-count="{len(full)}">{_percent(len(full), n)}<', page)
    assert re.search(rf'id="not-graded">{sum(1 for r in book.values() if r["status"] != "graded")}<', page)

    # one histogram per maximum, the green bar at that maximum holding the full marks out of it
    groups = found.with_attr("data-students", "figure")
    by_max: dict[float, list[dict[str, str]]] = {}
    for row in book.values():
        by_max.setdefault(float(row["maximum"]), []).append(row)
    assert sorted(float(str(g["data-max"])) for g in groups) == sorted(by_max)
    figures = re.findall(r'(<figure class="group".*?</figure>)', page, re.S)
    for figure in figures:
        [attrs] = elements(figure).with_attr("data-students", "figure")
        maximum = float(str(attrs["data-max"]))
        rows = by_max[maximum]
        totals = [float(r["total"]) for r in rows]
        assert int(str(attrs["data-students"])) == len(rows)
        assert float(str(attrs["data-median"])) == statistics.median(totals)
        assert int(str(attrs["data-full-marks"])) == sum(1 for r in rows if r in full)
        bins = elements(figure).with_attr("data-count", "div")
        assert {float(str(b["data-score"])): int(str(b["data-count"])) for b in bins if int(str(b["data-count"]))} == Counter(totals)
        [green] = [b for b in bins if "data-full" in b]
        assert float(str(green["data-score"])) == maximum and int(str(green["data-count"])) == sum(1 for r in rows if r in full)
        caption = _text(re.search(r"<figcaption[^>]*>(.*?)</figcaption>", figure, re.S).group(1))  # type: ignore[union-attr]
        assert caption.endswith(" ".join(dict.fromkeys(r["maximum_note"] for r in rows)))
        assert f"Submissions: {len(rows)};" in caption and f"at full marks (the green bar): {sum(1 for r in rows if r in full)}." in caption

    # the run's facts: statuses and time-outs as the gradebook and the terminal count them
    facts = dict(re.findall(r'data-fact="(\w+)">(\d+)', page))
    statuses = Counter(row["status"] for row in book.values())
    assert int(facts["submissions"]) == n
    for status in ("graded", "timed_out", "did_not_import", "unreadable", "grader_error"):
        assert int(facts[status]) == statuses.get(status, 0) == terminal.statuses.get(status, 0), status
    assert int(facts["with_timeouts"]) == terminal.statuses["graded, with time-outs"] == 1

    # the student table: the gradebook's numbers, statuses, time-outs and maxima
    html_rows = re.findall(r'(<tr data-status=.*?</tr>)', page, re.S)
    assert len(html_rows) == n
    for html_row in html_rows:
        table_row = elements(html_row)
        [tr] = table_row.with_attr("data-status", "tr")
        sorts = [a["data-sort"] for a in table_row.with_attr("data-sort", "td")]
        name = str(sorts[0])
        line = book[name]
        assert tr["data-status"] == line["status"] and int(str(tr["data-timeouts"])) == int(line["timeouts"])
        assert float(str(tr["data-max"])) == float(line["maximum"]) and float(str(sorts[1])) == float(line["total"])
        [total_cell] = table_row.with_attr("title", "td")
        assert total_cell["title"] == line["maximum_note"]
        for part, value in zip(_parts(outputs), sorts[2:-1], strict=True):
            assert float(str(value)) == (float(line[part]) if line[part] else -1), (name, part)

    # per part and per property: did not pass, of those in which it was graded, as the pages and the terminal say
    parts = _part_counts(outputs)
    for tr in found.with_attr("data-part", "tr"):
        part = str(tr["data-part"])
        failed, graded, scores = parts[part]
        assert (int(str(tr["data-failed"])), int(str(tr["data-graded"]))) == (failed, graded), part
        part_row = re.search(rf'<tr data-part="{re.escape(part)}".*?</tr>', page, re.S)
        assert part_row, part
        shown = _text(part_row.group(0))
        assert f"{failed} of {graded}" in shown and _percent(failed, graded) in shown
        assert f"{statistics.fmean(scores):.1f}/" in shown
    assert parts["quiz"][1] == 2  # only the two that handed in answers
    props = _property_counts(outputs)
    html_props = re.findall(r'(<tr data-property=.*?</tr>)', page, re.S)
    assert len(html_props) == len(props) == len(terminal.properties)
    for html_row in html_props:
        [tr] = elements(html_row).with_attr("data-property", "tr")
        prop = str(tr["data-property"])
        failed, graded = props[prop]
        assert (int(str(tr["data-failed"])), int(str(tr["data-graded"]))) == (failed, graded), prop
        cells = re.findall(r"<td[^>]*>(.*?)</td>", html_row, re.S)
        name = re.sub(r" \([\d.]+\)$", "", _text(cells[0]).replace(" : ", ": "))
        assert terminal.properties[name] == (failed, graded), name
        assert f"{failed} of {graded}" in _text(cells[1]) and _percent(failed, graded) in _text(cells[1])


def test_every_file_is_written_0644(outputs: Outputs) -> None:
    expected = 0o666 & ~outputs.umask
    modes = {str(p.relative_to(outputs.out)): p.stat().st_mode & 0o777 for p in outputs.out.rglob("*") if p.is_file()}
    assert "report.html" in modes and "ada/feedback.html" in modes and "gradebook.csv" in modes
    assert {name: mode for name, mode in modes.items() if mode != expected} == {}
