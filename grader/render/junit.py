"""JUnit XML, as GitLab, Jenkins and Azure Pipelines read it: one ``<testcase>`` per property.

The document follows the Apache Ant JUnit schema: a ``<testsuites>`` element holding one ``<testsuite>`` per
part, each with its ``<properties>``, test cases, ``<system-out>`` and ``<system-err>``. A failed property is a
``<failure>``; a submission that could not be run makes every test case an ``<error>``. Points go in the
suite's properties and in each test case's failure message, since JUnit has no field for them.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

from ..model import PartResult, PropertyResult, PropertyStatus, Report
from .text import property_feedback

# Characters XML 1.0 cannot hold at all; student output may contain any of them.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _clean(text: str | None) -> str:
    return _ILLEGAL.sub("\ufffd", text or "")


def _seconds(value: float) -> str:
    return f"{max(value, 0.0):.3f}"


def _classname(report: Report, part: PartResult) -> str:
    return f"{report.lesson}.{part.id}"


def _testcase(report: Report, part: PartResult, prop: PropertyResult) -> ET.Element:
    case = ET.Element("testcase", {
        "name": _clean(prop.name),
        "classname": _clean(_classname(report, part)),
        "time": _seconds(prop.duration),
    })
    if prop.passed:
        return case
    if prop.status is PropertyStatus.NOT_GRADED:
        tag, kind = "error", report.status.value
    else:
        tag, kind = "failure", prop.diagnosis or prop.status.value
    points = f"{prop.points:g}/{prop.max_points:g}"
    message = f"{prop.message or prop.status.value} ({points})"
    detail = ET.SubElement(case, tag, {"message": _clean(message), "type": _clean(kind)})
    detail.text = _clean(property_feedback(prop))
    return case


def _suite(report: Report, part: PartResult, index: int, timestamp: str) -> ET.Element:
    props = part.properties
    failures = sum(1 for p in props if not p.passed and p.status is not PropertyStatus.NOT_GRADED)
    errors = sum(1 for p in props if p.status is PropertyStatus.NOT_GRADED)
    suite = ET.Element("testsuite", {
        "name": _clean(f"{report.lesson}.{part.id}"),
        "package": _clean(report.lesson),
        "id": str(index),
        "timestamp": timestamp,
        "hostname": "localhost",
        "tests": str(len(props)),
        "failures": str(failures),
        "errors": str(errors),
        "skipped": "0",
        "time": _seconds(sum(p.duration for p in props)),
    })
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("submission", report.submission),
        ("status", report.status.value),
        ("part", part.title),
        ("points", f"{part.points:g}"),
        ("max_points", f"{part.max_points:g}"),
        ("lesson_version", report.lesson_version),
        ("grader_version", report.grader_version),
    ):
        ET.SubElement(properties, "property", {"name": name, "value": _clean(value)})
    for prop in props:
        suite.append(_testcase(report, part, prop))
    out = ET.SubElement(suite, "system-out")
    out.text = _clean(report.output) if index == 0 else ""
    err = ET.SubElement(suite, "system-err")
    err.text = _clean(report.message) if index == 0 and report.message else ""
    return suite


def to_element(report: Report, timestamp: datetime | None = None) -> ET.Element:
    when = (timestamp or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%S")
    root = ET.Element("testsuites")
    for index, part in enumerate(report.parts):
        root.append(_suite(report, part, index, when))
    return root


def render(report: Report) -> str:
    root = to_element(report)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
