"""``grader grade --out DIR`` writes DIR/report.html and DIR/<student>/feedback.html, holding the gradebook's numbers."""

from __future__ import annotations

import csv
import re
import statistics
from html.parser import HTMLParser
from pathlib import Path

from grader.class_report import FEEDBACK_FILE, REPORT_FILE
from grader.grade import GRADEBOOK, Options, grade_class

ROOT = Path(__file__).resolve().parent.parent
PARTIAL = (ROOT / "solutions" / "neuron" / "neuron.py").read_text(encoding="utf-8").replace("np.exp(-z)", "np.exp(z)")


class StudentTable(HTMLParser):
    """The rows of the page's student table: name, status, and every cell's sort value."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.headers: list[str] = []
        self.rows: list[dict[str, object]] = []
        self._in_th = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "table":
            self.inside = values.get("id") == "student-table"
        elif self.inside and tag == "th":
            self._in_th = True
            self.headers.append("")
        elif self.inside and tag == "tr" and "data-status" in values:
            self.rows.append({"status": values["data-status"], "cells": []})
        elif self.inside and tag == "td" and self.rows:
            cells = self.rows[-1]["cells"]
            assert isinstance(cells, list)
            cells.append(values.get("data-sort"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.inside = False
        if tag == "th":
            self._in_th = False

    def handle_data(self, data: str) -> None:
        if self._in_th:
            self.headers[-1] += data.strip()


def test_grade_writes_the_class_report_with_the_gradebook_numbers(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    sources = {
        "ada": (ROOT / "solutions" / "neuron" / "neuron.py").read_text(encoding="utf-8"),
        "bo": PARTIAL,
        "cy": "def sigmoid(z)\n    return 1\n",
    }
    for name, source in sources.items():
        (subs / name).mkdir(parents=True)
        (subs / name / "neuron.py").write_text(source, encoding="utf-8")
    out = tmp_path / "out"
    result = grade_class(sorted(subs.iterdir()), Options(out=out, formats=("json",), jobs=2))
    assert len(result.graded) == 3

    with (out / GRADEBOOK).open(encoding="utf-8", newline="") as handle:
        book = list(csv.DictReader(handle))
    page = (out / REPORT_FILE).read_text(encoding="utf-8")
    table = StudentTable()
    table.feed(page)
    assert len(table.rows) == len(book) == 3
    parts = table.headers[2:-1]
    assert parts == ["sigmoid", "relu", "Neuron.__init__", "Neuron.activate"]
    for line, row in zip(book, table.rows, strict=True):
        cells = row["cells"]
        assert isinstance(cells, list)
        assert cells[0] == line["student"]
        assert row["status"] == line["status"]
        assert float(cells[1]) == float(line["total"])
        for index, part in enumerate(parts):
            assert float(cells[2 + index]) == float(line[part]), (line["student"], part)
        assert (out / line["student"] / FEEDBACK_FILE).is_file()
        feedback = (out / line["student"] / FEEDBACK_FILE).read_text(encoding="utf-8")
        assert f"{float(line['total']):g}/{float(line['maximum']):g}" in feedback

    totals = [float(line["total"]) for line in book]
    median = re.search(r'id="median"><span data-max="[\d.]+" data-median="([\d.]+)">', page)  # one maximum: no quiz
    assert median and float(median.group(1)) == statistics.median(totals)
    full = sum(1 for line in book if line["total"] == line["maximum"] and line["status"] == "graded")
    assert f'id="full-marks" data-count="{full}">{round(100 * full / len(book))}%<' in page
    not_imported = sum(1 for line in book if line["status"] == "did_not_import")
    assert not_imported == 1
    assert f'data-fact="did_not_import">{not_imported}<' in page
    assert 'data-fact="submissions">3<' in page
    # the code is on the student's page, with the failing function marked
    assert 'class="hll"' in (out / "bo" / FEEDBACK_FILE).read_text(encoding="utf-8")
