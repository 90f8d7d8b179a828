"""The HTML reports in a real browser: headless Chromium from the system, driven by Selenium through chromedriver.

Nothing is downloaded: Debian's ``chromium`` and ``chromium-driver`` (installed by .ci/run) are used as they
are, and Selenium's driver manager is switched off. The tests skip with a reason when they are missing.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader.check import check
from grader.class_report import FEEDBACK_FILE, RunFacts, Student, summarise, write_class_report
from grader.lesson import load_lesson
from grader.render.html import render_feedback

ROOT = Path(__file__).resolve().parent.parent
LESSON = load_lesson("neuron")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)

PARTIAL = '''import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(z))


def relu(z):
    z[z < 0] = 0
    return z


class Neuron:
    def __init__(self, n_inputs):
        self.weights = np.random.rand(n_inputs)
        self.bias = np.random.uniform(-1, 1)

    def activate(self, inputs):
        return sigmoid(np.dot(self.weights, inputs) + self.bias)
'''

# Code and printed output that would run script in the page if anything were left unescaped.
HOSTILE = '''"""<script>window.pwned = "docstring"; document.title = "PWNED"</script>"""
import numpy as np

print("<script>window.pwned = 'output'</script><img src=x onerror=\\"window.pwned = 'img'\\">", flush=True)


def sigmoid(z):
    return "<img src=x onerror=\\"window.pwned = 'returned'\\"><script>window.pwned = 'returned'</script>"


def relu(z):
    return np.maximum(0, z)


class Neuron:
    def __init__(self, n_inputs):
        self.weights = np.random.uniform(-1, 1, size=n_inputs)
        self.bias = np.random.uniform(-1, 1)

    def activate(self, inputs):
        raise ValueError("<script>window.pwned = 'raised'</script>")
'''


def _browser() -> tuple[str, str] | None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver") or ("/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver") else None)
    return (browser, driver) if browser and driver else None


def _missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed: pip install -e '.[test]'"
    if _browser() is None:
        return "Chromium is not installed: apt-get install chromium chromium-driver (.ci/run installs it)"
    return None


pytestmark = pytest.mark.skipif(_missing() is not None, reason=_missing() or "")


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One headless Chromium with a fresh profile; console messages are logged for the tests to read."""
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never try to fetch anything
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    found = _browser()
    assert found is not None
    profile = tempfile.mkdtemp(prefix="grader-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = found[0]
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument("--window-size=1280,900")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(found[1]), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def open_page(driver: Any, path: Path) -> list[dict[str, Any]]:
    """Load a page from disk; return the console's errors (and clear the log)."""
    driver.get_log("browser")
    driver.get(path.resolve().as_uri())
    driver.execute_script("return document.readyState")
    return [e for e in driver.get_log("browser") if e.get("level") in ("SEVERE", "ERROR")]


def screenshot(driver: Any, path: Path) -> None:
    """The whole page, as tall as its content."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, min(int(height) + 100, 8000))
    driver.save_screenshot(str(path))
    driver.set_window_size(1280, 900)


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Student]]:
    """A small mixed class, graded for real: full marks, partly right, the stub, a syntax error, hostile code."""
    where = tmp_path_factory.mktemp("class")
    sources = {
        "ada": (ROOT / "solutions" / "neuron" / "neuron.py").read_text(encoding="utf-8"),
        "bram": PARTIAL,
        "cas": (ROOT / "exercises" / "neuron" / "neuron.py").read_text(encoding="utf-8"),
        "dirk": "def sigmoid(z)\n    return 1\n",
        "eve<img src=x onerror=alert(1)>": HOSTILE,
    }
    students = []
    for index, (name, source) in enumerate(sources.items()):
        path = where / f"s{index}" / "neuron.py"
        path.parent.mkdir()
        path.write_text(source, encoding="utf-8")
        students.append(Student(name, check(path, LESSON)))
    out = where / "out"
    write_class_report(out, students, RunFacts.from_reports([s.report for s in students]))
    return out, students


def test_class_report_in_chromium(chromium: Any, graded_class: tuple[Path, list[Student]], tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    out, students = graded_class
    errors = open_page(chromium, out / "report.html")
    shot = tmp_path / "class-report.png"
    screenshot(chromium, shot)
    assert shot.stat().st_size > 10_000
    assert errors == []
    assert chromium.execute_script("return window.pwned") is None

    histogram = chromium.find_element(By.ID, "histogram-1")
    assert histogram.is_displayed() and histogram.size["height"] > 50
    bars = [b for b in chromium.find_elements(By.CSS_SELECTOR, ".histogram .bar") if b.size["height"] > 1]
    summary = summarise([s.report for s in students])
    assert len(bars) == sum(1 for g in summary.groups for b in g.histogram if b.count)
    assert sum(int(b.get_attribute("data-count")) for b in chromium.find_elements(By.CSS_SELECTOR, ".histogram .bin")) == len(students)

    table = chromium.find_element(By.ID, "student-table")
    assert table.is_displayed()
    rows = table.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) == len(students)

    # sorting by total, highest first after two clicks
    total_button = table.find_elements(By.CSS_SELECTOR, "thead th button")[1]
    total_button.click()
    total_button.click()
    totals = [float(r.find_elements(By.TAG_NAME, "td")[1].get_attribute("data-sort")) for r in table.find_elements(By.CSS_SELECTOR, "tbody tr")]
    assert totals == sorted((s.report.score for s in students), reverse=True)
    assert totals[0] == 17

    hrefs = [a.get_attribute("href") for a in table.find_elements(By.CSS_SELECTOR, "tbody a")]
    assert len(hrefs) == len(students)
    for href in hrefs:
        assert href.startswith("file://") and href.endswith("/" + FEEDBACK_FILE)
        chromium.get_log("browser")
        chromium.get(href)
        assert chromium.find_element(By.ID, "total").is_displayed(), href
        assert [e for e in chromium.get_log("browser") if e.get("level") == "SEVERE"] == [], href
        assert chromium.execute_script("return window.pwned") is None
        back = chromium.find_element(By.CSS_SELECTOR, "nav a")
        assert back.get_attribute("href").endswith("/report.html")


def test_report_fits_a_phone(chromium: Any, graded_class: tuple[Path, list[Student]]) -> None:
    out, students = graded_class
    chromium.set_window_size(400, 800)
    try:
        for page in [out / "report.html", *sorted(out.glob("*/" + FEEDBACK_FILE))]:
            open_page(chromium, page)
            width = chromium.execute_script("return window.innerWidth")
            overflow = chromium.execute_script("return document.documentElement.scrollWidth")
            assert overflow <= width, page  # wide tables and code scroll inside their own boxes
    finally:
        chromium.set_window_size(1280, 900)


def test_hostile_submission_runs_nothing(chromium: Any, graded_class: tuple[Path, list[Student]], tmp_path: Path) -> None:
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    _out, students = graded_class
    hostile = students[-1]
    assert "<script>" in hostile.report.output and "onerror" in hostile.report.output  # the page gets the payload
    page = tmp_path / "feedback.html"
    page.write_text(render_feedback(hostile.report), encoding="utf-8")
    errors = open_page(chromium, page)
    screenshot(chromium, tmp_path / "hostile.png")
    assert errors == []  # not even a script refused by the page's Content-Security-Policy
    assert chromium.execute_script("return window.pwned") is None
    assert "PWNED" not in chromium.title
    with pytest.raises(NoAlertPresentException):
        chromium.switch_to.alert.text  # noqa: B018
    assert chromium.find_elements(By.CSS_SELECTOR, "script, img, iframe") == []
    assert "<script>window.pwned = 'output'</script>" in chromium.find_element(By.ID, "output").text
    assert "window.pwned = \"docstring\"" in chromium.find_element(By.ID, "source").text
    shown = chromium.find_element(By.TAG_NAME, "body").text
    assert "returned an object of type str: '<img src=x onerror=\"window.pwned = " in shown
