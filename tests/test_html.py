"""A student's feedback page (``grader check --format html``), without a browser: content, marks, escaping."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

from click.testing import CliRunner

from grader.cli import main
from grader.engine import empty_report
from grader.lesson import load_lesson
from grader.model import Counterexample, PropertyStatus, Report, ReportStatus
from grader.render import render
from grader.render.html import render_feedback
from grader.spans import definition_spans, fill_source

LESSON = load_lesson("neuron")
HOSTILE = "<script>window.pwned = 1</script><img src=x onerror=\"window.pwned = 2\">"

SOURCE = '''import numpy as np


def sigmoid(z):
    """''' + HOSTILE + '''"""
    return 1 / (1 + np.exp(z))


def relu(z):
    return np.maximum(0, z)
'''


def failing_report() -> Report:
    report = empty_report(LESSON, "students/" + HOSTILE + "/neuron.py", ReportStatus.GRADED, "")
    report.message = None
    report.output = HOSTILE + "\n"
    for part in report.parts:
        for prop in part.properties:
            prop.status, prop.points, prop.message, prop.hint = PropertyStatus.PASSED, prop.max_points, None, None
    sigmoid = report.parts[0]
    sigmoid.line = 4
    wrong = sigmoid.properties[0]
    wrong.status, wrong.points = PropertyStatus.FAILED, 0.0
    wrong.message = "the value is wrong: " + HOSTILE
    wrong.counterexample = Counterexample(call="sigmoid(2.0)", returned="'" + HOSTILE + "'", expected="0.880797")
    wrong.hint = "Mind the minus sign."
    wrong.notes = [HOSTILE]
    fill_source(report, SOURCE.encode())  # as the engine does: the code, and each part's last line
    return report


class _Tags(HTMLParser):
    """Every element and attribute of a page, as the browser's parser would see them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_of(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


def test_page_shows_points_failure_hint_and_marked_code() -> None:
    report = failing_report()
    page = render_feedback(report)
    sigmoid = report.parts[0]
    assert sigmoid.points < sigmoid.max_points and report.score < report.max_score
    assert "sigmoid(z)" in page and f"{report.score:g}/{report.max_score:g}" in page and f">{sigmoid.points:g}/{sigmoid.max_points:g}" in page
    assert "Mind the minus sign." in page and "0.880797" in page
    marked = re.findall(r'<span class="hll">.*?(?=<a id="L-|</code>)', page, re.S)
    assert len(marked) == 3  # the def line to the end of sigmoid: lines 4, 5 and 6
    assert 'href="#L-4"' in page and 'id="L-4"' in page


def test_every_piece_of_student_text_is_escaped() -> None:
    page = render_feedback(failing_report())
    tags = tags_of(page)
    assert not [t for t, _a in tags if t in ("script", "img", "iframe", "object", "embed")]
    assert not [(t, name) for t, attrs in tags for name in attrs if name.startswith("on")]
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert text.count("window.pwned = 1") >= 5  # shown as text: name, message, example, note, output, code
    policy = next(a["content"] for t, a in tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert policy is not None and "script-src 'none'" in policy and "default-src 'none'" in policy


def test_definition_spans() -> None:
    assert definition_spans(SOURCE)[4] == (4, 6)
    assert definition_spans(SOURCE)[9] == (9, 10)
    assert definition_spans("def broken(:\n") == {}


def test_page_without_code_and_for_a_submission_that_did_not_import() -> None:
    report = empty_report(LESSON, "eve.py", ReportStatus.DID_NOT_IMPORT, "Python cannot read your file: a syntax error on line 3.")
    page = render_feedback(report)
    assert "a syntax error on line 3" in page and "0/17" in page
    assert 'class="source"' not in page


def test_check_format_html_writes_the_page_with_the_code(tmp_path: Path) -> None:
    submission = tmp_path / "neuron.py"
    submission.write_text("import numpy as np\n\n\ndef relu(z):\n    return np.maximum(0, z)\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(submission), "--format", "html", "--lang", "en"])
    assert result.exit_code == 1, result.output
    page = result.output
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en">' in page
    assert "relu(z)" in page and "3/3" in page
    assert 'id="L-5"' in page  # the code is on the page
    assert render(empty_report(LESSON, str(tmp_path / "missing.py"), ReportStatus.UNREADABLE, "gone"), "html").count("<html") == 1
