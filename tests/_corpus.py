"""What every lesson's corpus of wrong submissions must show: the mistake costs points in its own part only, and
each failure there says why and gives a hint."""

from __future__ import annotations

from grader.model import Report


def assert_loses_points_in_its_own_part_only(report: Report, wrong_part: str, name: str) -> None:
    for part in report.parts:
        failures = [(p.id, p.message) for p in part.properties if not p.passed]
        if part.id == wrong_part:
            assert part.points < part.max_points, f"{name}: {part.id} kept full marks"
            for prop in part.properties:
                if not prop.passed:
                    assert prop.message, f"{prop.id} failed without saying why"
                    assert prop.hint, f"{prop.id} failed without a hint"
        else:
            assert part.points == part.max_points, f"{name}: {part.id} lost points: {failures}"
