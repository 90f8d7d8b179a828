"""The HTML reports follow --lang: every text of the pages has a Dutch translation, and the pages use it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from grader import i18n
from grader.class_report import RunFacts, Student, render_class
from grader.engine import empty_report
from grader.i18n import LOCALE_DIR, current_language, set_language
from grader.lesson import load_lesson
from grader.model import ReportStatus
from grader.render.html import TEMPLATES, render_feedback

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [("python", ROOT / "grader" / "render" / "html.py"), ("python", ROOT / "grader" / "class_report.py")] + [
    ("jinja2", path) for path in sorted(TEMPLATES.glob("*.html"))
]


def page_messages() -> set[str]:
    found: set[str] = set()
    for method, path in SOURCES:
        for _line, message, _comments, _context in extract_from_file(method, str(path)):
            found.add(message if isinstance(message, str) else message[0])
    return found


def translated(language: str) -> set[str]:
    done: set[str] = set()
    for domain in ("html", "grader"):
        po = LOCALE_DIR / language / "LC_MESSAGES" / f"{domain}.po"
        if po.is_file():
            with po.open("rb") as handle:
                done |= {m.id for m in read_po(handle) if isinstance(m.id, str) and m.id and m.string and not m.fuzzy}
    return done


def test_every_text_of_the_pages_has_a_dutch_translation() -> None:
    messages = page_messages()
    assert "Class report" in messages and "Your code" in messages and "graded" in messages  # extraction works
    assert sorted(messages - translated("nl")) == []


@pytest.fixture
def dutch(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Dutch is on offer once the grader's own catalogue is there; the pages' catalogue is enough for these pages.
    monkeypatch.setattr(i18n, "LANGUAGES", tuple(sorted({*i18n.LANGUAGES, "nl"})))
    assert set_language("nl") == "nl"
    try:
        yield
    finally:
        set_language("en")


def test_pages_in_dutch(dutch: None) -> None:
    assert current_language() == "nl"
    report = empty_report(load_lesson("neuron"), "eva.py", ReportStatus.DID_NOT_IMPORT, "x")
    report.source = "def sigmoid(z):\n    return z\n"
    feedback = render_feedback(report)
    assert '<html lang="nl">' in feedback and "Je code" in feedback and "niet te importeren" in feedback
    page = render_class([Student("eva", report)], RunFacts.from_reports([report], when="2026-01-05"))
    assert '<html lang="nl">' in page and "Klasoverzicht" in page and "Niet te importeren" in page
