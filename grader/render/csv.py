"""CSV (RFC 4180): one row per property, for spreadsheets and scripts.

Cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``) get a leading quote.
"""

from __future__ import annotations

import csv
import io

from ..model import Report

COLUMNS = ["submission", "status", "part", "property", "name", "result", "points", "max_points", "message"]


def cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def render(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for prop in report.properties():
        writer.writerow([
            cell(report.submission), report.status.value, cell(prop.part), prop.id, cell(prop.name), prop.status.value,
            f"{prop.points:g}", f"{prop.max_points:g}", cell(prop.message or ""),
        ])
    return buffer.getvalue()
