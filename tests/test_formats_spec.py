"""Each report format checked against its published specification, on reports of every kind.

The reports are built by hand (no grading), so these tests are fast: full marks, failures with counterexamples,
parts not implemented or missing, a submission that did not import, and hostile printed output.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import xmlschema

from grader.model import Counterexample, PartResult, PropertyResult, PropertyStatus, Report, ReportStatus
from grader.render import RENDERERS, classroom, render
from grader.render import github as gh
from grader.render.gradescope import to_data as gradescope_data

from . import classroom_reporter

SCHEMAS = Path(__file__).resolve().parent / "schemas"
HOSTILE_OUTPUT = "hello\n::error file=x.py::fake\n::add-mask::secret\n::stop-commands::guess\n]]><x/>\x00\x1b[31mred\u2028 ```\n"


def _report(kind: str) -> Report:
    """A report of the neuron lesson's shape: ``full``, ``mixed``, ``stub``, ``broken`` (did not import)."""
    parts_spec = [
        ("sigmoid", "sigmoid(z)", 6, [("sigmoid.scalar", "matches 1 / (1 + e^-z) on single numbers", 2.0),
                                      ("sigmoid.array", "works element-wise on arrays", 1.0)]),
        ("relu", "relu(z)", 11, [("relu.scalar", "equals max(0, z), even for \"-0.0\" & <tags>", 2.0)]),
        ("Neuron.__init__", "Neuron(n_inputs): random weights, bias", 18, [("init.range", "weights in [-1, 1)", 3.0)]),
        ("Neuron.activate", "Neuron.activate(inputs)", 24, [("activate.value", "returns sigmoid(w · x + b)", 5.0)]),
    ]
    parts = []
    for index, (part_id, title, line, props) in enumerate(parts_spec):
        results = []
        for prop_id, prop_title, points in props:
            status = PropertyStatus.PASSED
            if kind == "stub":
                status = PropertyStatus.NOT_IMPLEMENTED
            elif kind == "broken":
                status = PropertyStatus.NOT_GRADED
            elif kind == "mixed" and index in (0, 2):
                status = PropertyStatus.FAILED
            elif kind == "mixed" and index == 3:
                status = PropertyStatus.MISSING
            failed = status is PropertyStatus.FAILED
            results.append(PropertyResult(
                id=prop_id, part=part_id, title=prop_title, max_points=points,
                points=points if status is PropertyStatus.PASSED else 0.0, status=status,
                message={PropertyStatus.FAILED: "Wrong value, see below: a, b", PropertyStatus.MISSING: f"{part_id} is missing",
                         PropertyStatus.NOT_GRADED: "Python cannot read your file"}.get(status),
                counterexample=Counterexample(call="sigmoid(2.0)", returned="0.119203", expected="0.880797") if failed else None,
                hint="Mind the sign: e^(-z), not e^z. 100% sure?" if failed else None,
                diagnosis="sigmoid.sign" if failed else None,
                duration=0.0123,
            ))
        parts.append(PartResult(id=part_id, title=title, properties=results, line=None if kind == "broken" else line))
    status = ReportStatus.DID_NOT_IMPORT if kind == "broken" else ReportStatus.GRADED
    return Report(
        lesson="neuron", lesson_title="A single neuron", lesson_version="1.0.0", grader_version="0.1.0",
        submission="students/alice/neuron.py", status=status, parts=parts,
        message="Python cannot read your file: a syntax error on line 3." if kind == "broken" else None,
        output=HOSTILE_OUTPUT if kind == "mixed" else "", duration=1.25,
    )


KINDS = ["full", "mixed", "stub", "broken"]


@pytest.fixture(scope="module")
def graded_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Report]:
    """Two real reports: the reference solution, and one with a wrong sign in sigmoid that prints something."""
    from grader.check import check

    from .conftest import REFERENCE

    wrong = tmp_path_factory.mktemp("wrong") / "neuron.py"
    wrong.write_text(REFERENCE.read_text().replace("np.exp(-z)", "np.exp(z)") + "\nprint('::error::hi <b>\\x01')\n")
    return {"reference": check(REFERENCE), "wrong": check(wrong)}


def test_every_format_is_registered() -> None:
    assert {"text", "json", "gradescope", "junit", "github", "classroom", "csv"} <= set(RENDERERS)
    from grader.cli import FORMATS

    assert {"junit", "github", "classroom", "csv"} <= set(FORMATS)


# -- JUnit ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def junit_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMAS / "JUnit.xsd"))


@pytest.mark.parametrize("kind", KINDS)
def test_junit_validates_against_the_schema(kind: str, junit_schema: xmlschema.XMLSchema) -> None:
    report = _report(kind)
    document = render(report, "junit")
    junit_schema.validate(document)
    root = ET.fromstring(document)
    cases = root.findall("./testsuite/testcase")
    assert [c.get("name") for c in cases] == [p.name for p in report.properties()]  # one test case per property
    failures = sum(int(s.get("failures", "0")) for s in root.findall("testsuite"))
    errors = sum(int(s.get("errors", "0")) for s in root.findall("testsuite"))
    assert failures == len(root.findall(".//testcase/failure"))
    assert errors == len(root.findall(".//testcase/error"))
    expected_bad = sum(1 for p in report.properties() if not p.passed)
    assert failures + errors == expected_bad
    if kind == "broken":
        assert errors == expected_bad and failures == 0


def test_junit_keeps_hostile_output_as_text(junit_schema: xmlschema.XMLSchema) -> None:
    document = render(_report("mixed"), "junit")
    junit_schema.validate(document)
    root = ET.fromstring(document)
    out = root.find("./testsuite/system-out")
    assert out is not None and out.text is not None
    assert "]]><x/>" in out.text and "\x00" not in out.text  # escaped, and the character XML cannot hold replaced
    assert root.find(".//x") is None


def test_junit_with_a_real_report_validates(junit_schema: xmlschema.XMLSchema, graded_reports: dict[str, Report]) -> None:
    for report in graded_reports.values():
        junit_schema.validate(render(report, "junit"))


def test_junit_schema_rejects_a_broken_document(junit_schema: xmlschema.XMLSchema) -> None:
    # the schema check can fail: a test case without its required attributes is refused
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        junit_schema.validate('<testsuites><testsuite name="x" package="p" id="0" timestamp="2024-01-01T00:00:00" hostname="h" '
                              'tests="1" failures="0" errors="0" time="0"><properties/><testcase name="t"/>'
                              "<system-out/><system-err/></testsuite></testsuites>")


# -- Gradescope -------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def gradescope_schema() -> dict[str, object]:
    return json.loads((SCHEMAS / "gradescope-results.schema.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("kind", KINDS)
def test_gradescope_follows_the_spec(kind: str, gradescope_schema: dict[str, object]) -> None:
    report = _report(kind)
    for data in (json.loads(render(report, "gradescope")), gradescope_data(report, timings=True)):
        jsonschema.validate(data, gradescope_schema)
        assert data["score"] == pytest.approx(report.score)
        assert sum(t["score"] for t in data["tests"]) == pytest.approx(report.score)
        assert [t["name"] for t in data["tests"]] == [p.name for p in report.properties()]
        assert [t["status"] == "passed" for t in data["tests"]] == [p.passed for p in report.properties()]
    timed = gradescope_data(report, timings=True)
    assert timed["execution_time"] == pytest.approx(1.25)
    assert "execution_time" not in json.loads(render(report, "gradescope"))  # reproducible unless timings are asked for


def test_gradescope_schema_rejects_a_bad_status(gradescope_schema: dict[str, object]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"score": 1, "tests": [{"status": "ok"}]}, gradescope_schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"score": 1, "visibility": "public"}, gradescope_schema)


# -- GitHub Classroom -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def classroom_schema() -> dict[str, object]:
    return json.loads((SCHEMAS / "classroom-result.schema.json").read_text(encoding="utf-8"))


def _classroom_runners(text: str) -> dict[str, str]:
    """The `classroom` output: one ``<runner>=<base64>`` line per property, for ``$GITHUB_OUTPUT``."""
    assert text.endswith("\n")
    runners = {}
    for line in text.splitlines():
        name, sep, encoded = line.partition("=")
        assert sep and re.fullmatch(r"[a-z][a-z0-9]*", name), line  # the reporter's runner names: letters and digits
        assert name not in runners
        runners[name] = encoded
    return runners


@pytest.mark.parametrize("kind", KINDS)
def test_classroom_is_one_base64_json_per_property_the_reporter_reads(kind: str, classroom_schema: dict[str, object]) -> None:
    report = _report(kind)
    runners = _classroom_runners(render(report, "classroom"))
    assert list(runners) == classroom.runner_names([p.id for p in report.properties()])
    assert len(runners) == len(report.properties())
    results = {}
    for (name, encoded), prop in zip(runners.items(), report.properties(), strict=True):
        data = json.loads(base64.b64decode(encoded, validate=True).decode("utf-8"))
        jsonschema.validate(data, classroom_schema)
        assert data["max_score"] == prop.max_points and [t["score"] for t in data["tests"]] == [prop.points]
        results[name] = data
    statuses = {data["status"] for data in results.values()}
    assert statuses == {"full": {"pass"}, "mixed": {"pass", "fail"}, "stub": {"fail"}, "broken": {"error"}}[kind]
    if kind == "mixed":
        lines = {t["name"]: t["line_no"] for data in results.values() for t in data["tests"]}
        assert lines["sigmoid: works element-wise on arrays"] == 6


@pytest.mark.parametrize("kind", KINDS)
def test_every_figure_classroom_s_reporter_shows_is_the_kit_s(kind: str) -> None:
    """The reporter's own formulas (tests/classroom_reporter.py) on the output: the notified points, every table row
    and "Total points for" line, and the table's total are the kit's."""
    report = _report(kind)
    runners = _classroom_runners(render(report, "classroom"))
    shown = classroom_reporter.run(",".join(runners), {f"{name.upper()}_RESULTS": value for name, value in runners.items()})
    assert shown.notified == (report.score, report.max_score)
    assert shown.table_total == (report.score, report.max_score)
    assert [(score, maximum) for _name, score, maximum in shown.rows] == [(p.points, p.max_points) for p in report.properties()]
    assert shown.total_lines == [f"Total points for {name}: {p.points:.2f}/{p.max_points:g}" for name, p in zip(runners, report.properties(), strict=True)]
    assert shown.failed is (not report.full_marks)


def test_one_runner_of_unequal_points_would_show_another_score() -> None:
    """Why one runner per property: the old shape, every test in one runner, gives the reporter's table another figure."""
    report = _report("mixed")
    tests = [{"name": p.name, "status": "pass" if p.passed else "fail", "score": p.points} for p in report.properties()]
    one = {"version": 1, "status": "fail", "max_score": report.max_score, "tests": tests}
    shown = classroom_reporter.run("neuron", {"NEURON_RESULTS": classroom.encode(one)})
    assert shown.notified == (report.score, report.max_score)
    assert shown.table_total[0] != report.score


# -- GitHub Actions ---------------------------------------------------------------------------------------
COMMAND = re.compile(r"^::(error|warning|notice)( [^:]*)?::(.*)$")


def _annotations(text: str, token: str) -> tuple[list[str], list[str]]:
    """Lines outside and inside the stop-commands block."""
    lines = text.splitlines()
    start = lines.index(f"::stop-commands::{token}")
    end = lines.index(f"::{token}::")
    return lines[:start] + lines[end + 1:], lines[start + 1:end]


def test_github_annotations_point_at_the_failing_functions() -> None:
    report = _report("mixed")
    text = gh.render(report, token="Q7ZX6")
    outside, inside = _annotations(text, "Q7ZX6")
    assert outside, "failures give annotations"
    for line in outside:
        match = COMMAND.match(line)
        assert match, line
    props = dict(p.split("=", 1) for p in COMMAND.match(outside[0]).group(2).strip().split(","))  # type: ignore[union-attr]
    assert props["file"] == "students/alice/neuron.py" and props["line"] == "6"
    assert any(",line=18," in line for line in outside)  # Neuron.__init__ failed: its def line
    assert not any(",line=11," in line for line in outside)  # relu passed: no annotation
    # the summary and the student's output are inside the block: nothing there is read as a command
    assert "::error file=x.py::fake" in inside and "::add-mask::secret" in inside
    assert not any(line.startswith("::") for line in outside if not COMMAND.match(line))


def test_github_escapes_annotation_text() -> None:
    assert gh.escape_data("a%b\nc\rd") == "a%25b%0Ac%0Dd"
    assert gh.escape_property("x:y,z") == "x%3Ay%2Cz"
    report = _report("mixed")
    report.parts[0].properties[0].message = "evil\n::error::injected"
    outside, _inside = _annotations(gh.render(report, token="Q7ZX8"), "Q7ZX8")
    assert all(COMMAND.match(line) for line in outside)  # still one line per annotation
    assert not any(line.startswith("::error::injected") for line in outside)


def test_github_token_is_fresh_and_not_in_the_output() -> None:
    report = _report("mixed")
    first, second = gh.render(report), gh.render(report)
    token = re.search(r"^::stop-commands::(\S+)$", first, re.MULTILINE).group(1)  # type: ignore[union-attr]
    assert len(token) >= 32 and token not in report.output
    assert token not in second


def test_github_summary_is_markdown_for_the_step_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    report = _report("mixed")
    summary = gh.summary(report)
    assert summary.startswith("## A single neuron: ")
    assert "| ❌ sigmoid(z) | 0/3 |" in summary
    assert "<tags>" not in summary  # no raw HTML from titles
    fences = [line for line in summary.splitlines() if line.startswith("````")]
    assert fences, "the student's output holds ``` so its fence must be longer"
    target = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(target))
    assert gh.write_step_summary(report)
    assert target.read_text(encoding="utf-8") == summary


def test_github_on_real_reports(graded_reports: dict[str, Report]) -> None:
    wrong = graded_reports["wrong"]
    assert not wrong.full_marks
    sigmoid = next(part for part in wrong.parts if part.id == "sigmoid")
    assert sigmoid.line is not None
    outside, inside = _annotations(gh.render(wrong, token="Q7ZX7"), "Q7ZX7")
    assert any(f",line={sigmoid.line}," in line for line in outside)
    assert any("::error::hi" in line for line in inside)
    assert gh.render(graded_reports["reference"], token="Q7ZX7").startswith("::stop-commands::Q7ZX7")  # full marks: no annotation


def test_github_for_a_submission_that_did_not_import() -> None:
    outside, _inside = _annotations(gh.render(_report("broken"), token="Q7ZX9"), "Q7ZX9")
    assert len(outside) == 1 and outside[0].startswith("::error file=students/alice/neuron.py,")


def test_github_stub_parts_are_warnings() -> None:
    outside, _inside = _annotations(gh.render(_report("stub"), token="Q7ZX9"), "Q7ZX9")
    assert outside and all(line.startswith("::warning ") for line in outside)


# -- CSV --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_csv_has_one_row_per_property(kind: str) -> None:
    report = _report(kind)
    text = render(report, "csv")
    assert "\r\n" in text  # RFC 4180 line ends
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(rows) == len(report.properties())
    assert sum(float(r["points"]) for r in rows) == pytest.approx(report.score)
    assert [r["name"] for r in rows] == [p.name for p in report.properties()]
    assert {r["status"] for r in rows} == {report.status.value}


def test_csv_cells_are_never_formulas() -> None:
    report = _report("mixed")
    report.submission = "=HYPERLINK(\"http://x\")"
    report.parts[0].properties[0].message = "+1"
    rows = list(csv.reader(io.StringIO(render(report, "csv"), newline="")))
    cells = [cell for row in rows for cell in row]
    assert not any(cell[:1] in ("=", "+", "@") for cell in cells)
    assert "'=HYPERLINK(\"http://x\")" in cells
