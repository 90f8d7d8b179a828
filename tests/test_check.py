"""`grader check` end to end: the reference, the stub, feedback, exit codes and output formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.check import check
from grader.cli import main
from grader.lesson import Lesson
from grader.model import PropertyStatus, ReportStatus
from grader.render import render

from .conftest import REFERENCE, STUB

PARTS = ("sigmoid", "relu", "Neuron.__init__", "Neuron.activate")


def test_reference_gets_full_marks_and_exit_0() -> None:
    result = CliRunner().invoke(main, ["check", str(REFERENCE)])
    assert result.exit_code == 0, result.output
    assert "Total: 19/19" in result.output  # the code 17, the quiz (answered beside the reference) 2


def test_stub_gets_zero_with_not_implemented_everywhere_and_exit_1(lesson: Lesson) -> None:
    result = CliRunner().invoke(main, ["check", str(STUB)])
    assert result.exit_code == 1
    assert "Total: 0/19" in result.output  # the quiz beside the stub is not answered yet
    report = check(STUB, lesson)
    assert report.score == 0
    code_parts = [part for part in report.parts if part.id != "quiz"]
    for part in code_parts:
        for prop in part.properties:
            assert prop.status is PropertyStatus.NOT_IMPLEMENTED
            assert prop.counterexample is None
    assert result.output.count("not implemented yet") == len(code_parts)


def test_default_path_is_the_stub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "exercises" / "neuron").mkdir(parents=True)
    (tmp_path / "exercises" / "neuron" / "neuron.py").write_text(REFERENCE.read_text())
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 0, result.output


def test_folder_holding_neuron_py(tmp_path: Path) -> None:
    (tmp_path / "neuron.py").write_text(REFERENCE.read_text())
    result = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert result.exit_code == 0, result.output


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "neuron.py"
    path.write_text(body)
    return path


def test_counterexample_is_minimal_and_says_call_return_expected(tmp_path: Path, lesson: Lesson) -> None:
    source = REFERENCE.read_text().replace("return np.maximum(0, z)", "return np.abs(z)")
    report = check(_write(tmp_path, source), lesson)
    failed = {p.id: p for p in report.properties() if not p.passed}
    scalar = failed["relu.scalar"]
    assert scalar.counterexample is not None
    assert scalar.counterexample.call == "relu(-1.0)"
    assert scalar.counterexample.returned == "1.0"
    assert scalar.counterexample.expected == "0.0"
    assert scalar.message
    assert scalar.hint


def test_shrinking_finds_a_small_example_for_a_generated_failure(tmp_path: Path, lesson: Lesson) -> None:
    # wrong only for z > 100: the explicit examples pass, so the failure must come from generation and shrinking
    source = REFERENCE.read_text().replace("return np.maximum(0, z)", "return np.where(z > 100, 100.0, np.maximum(0, z))")
    report = check(_write(tmp_path, source), lesson)
    scalar = next(p for p in report.properties() if p.id == "relu.scalar")
    assert not scalar.passed
    assert scalar.counterexample is not None
    z = float(scalar.counterexample.call.removeprefix("relu(").removesuffix(")"))
    assert 100 < z <= 101, scalar.counterexample.call


def test_syntax_error_is_one_sentence_with_its_line(tmp_path: Path, lesson: Lesson) -> None:
    path = _write(tmp_path, "import numpy as np\n\ndef sigmoid(z)\n    return 1\n")
    report = check(path, lesson)
    assert report.status is ReportStatus.DID_NOT_IMPORT
    assert report.message is not None
    assert "line 3" in report.message
    assert "Traceback" not in render(report, "text")
    assert report.score == 0


def test_exception_at_import_keeps_what_was_defined(tmp_path: Path, lesson: Lesson) -> None:
    source = REFERENCE.read_text() + "\nraise RuntimeError('demo failed')\n"
    report = check(_write(tmp_path, source), lesson)
    assert report.message is not None and "RuntimeError" in report.message and "demo failed" in report.message
    assert report.score == report.max_score  # everything was defined before the error


def test_missing_names_get_zero_for_their_parts_only(tmp_path: Path, lesson: Lesson) -> None:
    source = REFERENCE.read_text().split("class Neuron")[0]
    report = check(_write(tmp_path, source), lesson)
    by_part = {part.id: part for part in report.parts}
    assert by_part["sigmoid"].points == by_part["sigmoid"].max_points
    assert by_part["relu"].points == by_part["relu"].max_points
    for name in ("Neuron.__init__", "Neuron.activate"):
        assert by_part[name].points == 0
        assert all(p.status is PropertyStatus.MISSING for p in by_part[name].properties)
        assert "missing" in (by_part[name].properties[0].message or "")


def test_missing_file_is_a_usage_error_of_one_sentence(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(tmp_path / "nope.py"), "--lang", "en"])
    assert result.exit_code == 2
    assert result.stdout == ""  # no report of 0 points for a typing mistake
    assert result.stderr.splitlines() == [f"Error: {tmp_path / 'nope.py'} does not exist."]


def test_a_file_that_does_not_import_says_so_once_at_the_top(tmp_path: Path, lesson: Lesson) -> None:
    path = _write(tmp_path, "import numpy as np\n\ndef sigmoid(z)\n    return 1\n")
    text = render(check(path, lesson, isolation="basic"), "text")
    lines = text.splitlines()
    assert "a syntax error on line 3" in lines[1]  # right under the heading
    assert text.count("syntax error") == 1
    assert text.count("✗ not graded") == len(lesson.parts)


def _relu_abs(tmp_path: Path) -> Path:
    source = REFERENCE.read_text().replace("return np.maximum(0, z)", "return np.abs(z)")
    return _write(tmp_path, source)


def test_a_diagnosis_is_told_once_per_part_and_kept_on_each_property(tmp_path: Path, lesson: Lesson) -> None:
    report = check(_relu_abs(tmp_path), lesson, isolation="basic")
    diagnosed = [p for p in report.properties() if p.diagnosis == "relu.abs"]
    assert len(diagnosed) >= 2  # the mistake fails more than one property of relu
    explanation, hint = diagnosed[0].message or "", diagnosed[0].hint or ""
    assert explanation and hint
    data = json.loads(render(report, "json"))  # the model keeps the id on every property it explains
    assert sum(1 for part in data["parts"] for p in part["properties"] if p["diagnosis"] == "relu.abs") == len(diagnosed)
    text = render(report, "text")
    assert text.count(explanation) == 1 and text.count(hint) == 1
    assert text.count("The same mistake as above.") == len(diagnosed) - 1
    for example in (p.counterexample for p in diagnosed):  # every property still shows its own example
        assert example is not None and f"Called: {example.call}" in text
    import html as escaping

    page = render(report, "html")
    assert page.count(escaping.escape(explanation, quote=False)) == 1 and page.count(escaping.escape(hint, quote=False)) == 1
    assert page.count("The same mistake as above.") == len(diagnosed) - 1


def test_points_are_labelled_as_points(lesson: Lesson) -> None:
    import re

    text = render(check(REFERENCE, lesson, isolation="basic"), "text")
    rows = [line for line in text.splitlines() if line.startswith("  ✓ ")]
    assert len(rows) == len(lesson.properties) + 2  # and the two quiz questions
    for line in rows:
        assert re.search(r"  (\d+)/\1 points?$", line), line
        assert line.endswith(" 1/1 point") or line.endswith(" points")
    headers = [line for line in text.splitlines() if line and not line.startswith((" ", "Grading", "Total", "isolation"))]
    assert headers and all(re.search(r"  \d+/\d+ points$", line) for line in headers), headers
    page = render(check(REFERENCE, lesson, isolation="basic"), "html")
    labels = re.findall(r'<span class="pts">(\d+)/(\d+) (points?)</span>', page)
    assert len(labels) == len(rows) and all(got == out_of and word == ("point" if out_of == "1" else "points")
                                            for got, out_of, word in labels)


def test_printed_output_is_shown_and_capped(tmp_path: Path, lesson: Lesson) -> None:
    source = REFERENCE.read_text() + "\nprint('x' * 5000)\n"
    report = check(_write(tmp_path, source), lesson)
    assert report.full_marks
    assert report.output.startswith("xxx")
    assert len(report.output) <= 500
    assert report.output_truncated
    assert "output cut" in render(report, "text")


def test_gradescope_document(lesson: Lesson) -> None:
    result = CliRunner().invoke(main, ["check", str(STUB), "--format", "gradescope"])
    assert result.exit_code == 1
    data = json.loads(result.output)  # exactly one JSON document, nothing else on stdout
    assert data["score"] == 0
    names = [t["name"] for t in data["tests"]]
    assert len(names) == len(lesson.properties) + 2  # and the two quiz questions
    for test in data["tests"]:
        part, _, prop = test["name"].partition(": ")
        assert part in (*PARTS, "quiz") and prop
        assert test["status"] in ("passed", "failed")
        assert test["max_score"] > 0 and test["score"] == 0
        assert "output" in test


def test_json_document_has_the_whole_model() -> None:
    result = CliRunner().invoke(main, ["check", str(REFERENCE), "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["score"] == data["max_score"] == 19
    assert [part["id"] for part in data["parts"]] == [*PARTS, "quiz"]
    assert all(prop["status"] == "passed" for part in data["parts"] for prop in part["properties"])


def test_reports_are_deterministic(tmp_path: Path, lesson: Lesson) -> None:
    # a submission with failures in several parts, including the statistical and the shrinking paths
    source = (
        REFERENCE.read_text()
        .replace("np.random.uniform(-1, 1, size=n_inputs)", "np.random.rand(n_inputs)")
        .replace("return np.maximum(0, z)", "return np.where(z > 100, 100.0, np.maximum(0, z))")
        .replace("+ self.bias", "- self.bias")
    )
    path = _write(tmp_path, source)
    first, second = check(path, lesson), check(path, lesson)
    for format_name in ("text", "json", "gradescope"):
        assert render(first, format_name) == render(second, format_name)
    assert first.score < first.max_score


def test_the_text_report_says_why_a_lone_file_is_out_of_17(tmp_path: Path) -> None:
    lone = tmp_path / "neuron.py"
    lone.write_text(REFERENCE.read_text(encoding="utf-8"), encoding="utf-8")
    report = check(lone, "neuron")
    text = render(report, "text")
    quiz = next(part for part in report.skipped_parts)
    assert f"Total: {report.score:g}/{report.max_score:g}" in text
    assert f"Out of {report.max_score:g}, not {report.max_score + quiz.max_points:g}: " in text and "quiz.toml" in text
    with_quiz = tmp_path / "with_quiz"
    with_quiz.mkdir()
    (with_quiz / "neuron.py").write_text(REFERENCE.read_text(encoding="utf-8"), encoding="utf-8")
    (with_quiz / "quiz.toml").write_text((REFERENCE.parent / "quiz.toml").read_text(encoding="utf-8"), encoding="utf-8")
    assert "Out of" not in render(check(with_quiz, "neuron"), "text")


def test_a_file_named_otherwise_is_graded_for_the_lesson_whose_names_it_defines(tmp_path: Path) -> None:
    mine = tmp_path / "my_attempt.py"
    mine.write_text(REFERENCE.read_text(encoding="utf-8"), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(mine), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["lesson"] == "neuron"
    other = tmp_path / "notes.py"
    other.write_text("x = 1\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(other)])
    assert result.exit_code == 2 and "--lesson" in result.output  # defines nothing of any lesson: one sentence
