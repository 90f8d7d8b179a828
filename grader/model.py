"""The one result model. Checks fill it in; renderers (``grader.render``) turn it into text, JSON, and so on.

Nothing here knows how it will be shown.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any


class PropertyStatus(str, Enum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_IMPLEMENTED = "not_implemented"  # the part still holds the stub's placeholder
    MISSING = "missing"  # the name the part grades is not defined
    NOT_GRADED = "not_graded"  # the submission could not be run at all


# How a call can end without finishing (the kinds of grader.isolation.runner.ChildDied); the first two are time-outs.
STOPPED_KINDS = ("timeout", "submission_timeout", "memory", "cpu", "crash", "protocol")
TIMEOUT_KINDS = STOPPED_KINDS[:2]


class ReportStatus(str, Enum):
    GRADED = "graded"
    DID_NOT_IMPORT = "did_not_import"
    TIMED_OUT = "timed_out"
    UNREADABLE = "unreadable"
    GRADER_ERROR = "grader_error"


@dataclass
class Counterexample:
    """The (shrunk) call that showed a failure: what was called, what came back, what was expected."""

    call: str
    returned: str | None = None
    expected: str | None = None


@dataclass
class PropertyResult:
    id: str
    part: str
    title: str
    max_points: float
    points: float
    status: PropertyStatus
    message: str | None = None
    counterexample: Counterexample | None = None
    hint: str | None = None
    diagnosis: str | None = None
    notes: list[str] = field(default_factory=list)
    line: int | None = None  # line in the submission where the failing code is, when known
    duration: float = 0.0
    stopped: str | None = None  # how a call that failed this property ended unfinished: one of STOPPED_KINDS

    @property
    def passed(self) -> bool:
        return self.status is PropertyStatus.PASSED

    @property
    def timed_out(self) -> bool:
        """Failed because a call of the submission's did not finish in time (its own or the submission's)."""
        return self.stopped in TIMEOUT_KINDS

    @property
    def name(self) -> str:
        """The public test name: the part, a colon, the property. Tools outside the kit rely on this form."""
        return f"{self.part}: {self.title}"


@dataclass
class PartResult:
    id: str
    title: str
    properties: list[PropertyResult]
    line: int | None = None  # the first line of the part's definition in the graded code, when it is defined
    end_line: int | None = None  # its last line

    @property
    def lines(self) -> tuple[int, int] | None:
        """The lines of the part's definition, first and last, when the code defines it."""
        if self.line is None:
            return None
        return self.line, max(self.line, self.end_line or self.line)

    @property
    def points(self) -> float:
        return sum(p.points for p in self.properties)

    @property
    def max_points(self) -> float:
        return sum(p.max_points for p in self.properties)

    @property
    def passed(self) -> bool:
        return all(p.passed for p in self.properties)


@dataclass
class SkippedPart:
    """A part of the lesson that this submission was not graded on, and why; its points are not in the maximum."""

    id: str
    title: str
    max_points: float
    reason: str  # one sentence


@dataclass
class Report:
    lesson: str
    lesson_title: str
    lesson_version: str
    grader_version: str
    submission: str
    status: ReportStatus
    parts: list[PartResult]
    message: str | None = None  # one sentence when the submission could not be (fully) imported
    output: str = ""  # the first characters the submission printed
    output_truncated: bool = False
    output_total: int = 0
    isolation: str = "basic"
    duration: float = 0.0
    notes: list[str] = field(default_factory=list)
    skipped_parts: list[SkippedPart] = field(default_factory=list)  # e.g. the quiz, with no answers file beside the code
    source: str | None = None  # the code as graded (a notebook's: its code cells); line numbers refer to it

    @property
    def score(self) -> float:
        return sum(part.points for part in self.parts)

    @property
    def max_score(self) -> float:
        return sum(part.max_points for part in self.parts)

    @property
    def full_marks(self) -> bool:
        return self.status is ReportStatus.GRADED and all(part.passed for part in self.parts)

    @property
    def timeouts(self) -> int:
        """How many properties failed because a call did not finish in time. The status stays ``graded``: the
        other properties got their points. (A submission whose import timed out is ``timed_out``, not graded.)"""
        return sum(1 for prop in self.properties() if prop.timed_out)

    @property
    def timed_out(self) -> bool:
        """The submission timed out: its import (status ``timed_out``), or at least one call (``timeouts``)."""
        return self.status is ReportStatus.TIMED_OUT or self.timeouts > 0

    def properties(self) -> list[PropertyResult]:
        return [prop for part in self.parts for prop in part.properties]

    def to_dict(self, timings: bool = False, source: bool = False) -> dict[str, Any]:
        """Plain data for serialisers; timings and the code are left out unless asked for, so reports are
        reproducible and small."""
        data = asdict(self)
        if not source:
            data.pop("source")
        data["status"] = self.status.value
        data["score"] = self.score
        data["max_score"] = self.max_score
        for part, raw_part in zip(self.parts, data["parts"], strict=True):
            raw_part["points"] = part.points
            raw_part["max_points"] = part.max_points
            for prop, raw in zip(part.properties, raw_part["properties"], strict=True):
                raw["status"] = prop.status.value
                raw["name"] = prop.name
                if not timings:
                    raw.pop("duration")
        if not timings:
            data.pop("duration")
        return data
