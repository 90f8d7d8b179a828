"""The kit's own JSON schema: the whole result model, without timings (so it is reproducible)."""

from __future__ import annotations

import json

from ..model import Report

SCHEMA_VERSION = 1


def to_data(report: Report) -> dict[str, object]:
    data = report.to_dict()
    return {"schema_version": SCHEMA_VERSION, **data}


def render(report: Report) -> str:
    return json.dumps(to_data(report), indent=2, ensure_ascii=False, sort_keys=False) + "\n"
