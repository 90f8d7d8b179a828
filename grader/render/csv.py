"""CSV (RFC 4180): one row per property, for spreadsheets and scripts.

Cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``) get a leading quote.
"""

from __future__ import annotations

import csv
import io

from ..model import PropertyStatus, Report

COLUMNS = ["submission", "status", "part", "property", "name", "result", "points", "max_points", "message"]


def cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def render(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for prop in report.properties():
        # a row that was not graded says why: the report's one sentence (the model holds it once, not per property)
        message = report.message if prop.status is PropertyStatus.NOT_GRADED and report.message else prop.message
        writer.writerow([
            cell(report.submission), report.status.value, cell(prop.part), prop.id, cell(prop.name), prop.status.value,
            f"{prop.points:g}", f"{prop.max_points:g}", cell(message or ""),
        ])
    return buffer.getvalue()
