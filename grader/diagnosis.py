"""Diagnoses: a lesson's recognisers of typical mistakes, run on the submission when one of its parts fails.

A lesson describes its diagnoses in ``.meta/diagnoses.toml`` (a stable id, the part, the properties it
explains, an explanation and a hint, in English; other languages come from the lesson's catalogue) and
recognises them in ``.meta/diagnoses.py``, which defines ``RECOGNISERS``: a dict from a part id to a function
``recognise(ctx, failed) -> list[Finding]``. A recogniser looks only at behaviour: it runs calls in the child
through ``ctx.run`` (as properties do) and compares what came back with what each mistake would give. It never
reads the source.

When a part has failed properties, the engine calls :func:`diagnose_part`. Each finding is attached to the
failed properties it explains that have no diagnosis yet: ``PropertyResult.diagnosis`` gets its id, the
message becomes its explanation and the hint its hint. The counterexample stays. Anything not recognised
keeps the property's own message.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from .api import Context, Died
from .errors import LessonError
from .i18n import _
from .lesson import load_module
from .model import PropertyResult, PropertyStatus

__all__ = ["DiagnosisSpec", "Finding", "LessonDiagnoses", "diagnose_part", "load_diagnoses", "recognise"]


@dataclass(frozen=True)
class Finding:
    """A mistake recognised: the diagnosis id and the observed values its explanation mentions."""

    id: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DiagnosisSpec:
    id: str
    part: str
    properties: tuple[str, ...]  # the properties it explains; empty: every failed property of its part
    explanation: str  # English, with {placeholders} for the values of the finding
    hint: str
    # the properties its cause makes fail: it is given only when every one of them failed, so that what it says
    # agrees with every result beside it (a sigmoid said to fail on arrays must have failed the array property)
    requires: tuple[str, ...] = ()

    def explains(self, property_id: str) -> bool:
        return not self.properties or property_id in self.properties

    def text(self, finding: Finding) -> tuple[str, str]:
        """The explanation and the hint in the current language, filled in with the observed values."""
        values = {key: str(value) for key, value in finding.values.items()}
        try:
            explanation = _(self.explanation).format(**values)
        except (KeyError, IndexError, ValueError):
            explanation = _(self.explanation)
        return explanation, _(self.hint)


Recogniser = Callable[[Context, set[str]], Iterable[Finding]]


@dataclass
class LessonDiagnoses:
    specs: dict[str, DiagnosisSpec]
    recognisers: dict[str, Recogniser]

    def of_part(self, part: str) -> list[DiagnosisSpec]:
        return [spec for spec in self.specs.values() if spec.part == part]


_loaded: dict[Path, LessonDiagnoses] = {}


def load_diagnoses(folder: Path, lesson_id: str) -> LessonDiagnoses:
    """The diagnoses of the lesson in ``folder``; none if it has no ``.meta/diagnoses.toml``."""
    folder = folder.resolve()
    if folder in _loaded:
        return _loaded[folder]
    meta = folder / ".meta"
    texts, code = meta / "diagnoses.toml", meta / "diagnoses.py"
    result = LessonDiagnoses({}, {})
    if texts.is_file():
        try:
            raw = tomllib.loads(texts.read_text(encoding="utf-8"))
            for item in raw.get("diagnoses", []):
                spec = DiagnosisSpec(
                    id=str(item["id"]),
                    part=str(item["part"]),
                    properties=tuple(str(p) for p in item.get("properties", [])),
                    explanation=str(item["explanation"]),
                    hint=str(item["hint"]),
                    requires=tuple(str(p) for p in item.get("requires", [])),
                )
                if spec.id in result.specs:
                    raise LessonError(f"{texts}: diagnosis {spec.id!r} is defined twice")
                result.specs[spec.id] = spec
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
            raise LessonError(f"{texts}: {exc}") from exc
        if code.is_file():
            module = load_module(code, f"grader_lesson_{lesson_id}_diagnoses")
            recognisers = getattr(module, "RECOGNISERS", None)
            if not isinstance(recognisers, dict):
                raise LessonError(f"{code} must define a dict RECOGNISERS mapping part ids to recognisers")
            result.recognisers = dict(recognisers)
    _loaded[folder] = result
    return result


def recognise(diagnoses: LessonDiagnoses, part: str, ctx: Context, failed: set[str]) -> list[Finding]:
    """The findings of the part's recogniser; none when it has none, or when the submission hangs or dies."""
    recogniser = diagnoses.recognisers.get(part)
    if recogniser is None:
        return []
    try:
        findings = list(recogniser(ctx, failed))
    except Died:
        return []
    except Exception:  # noqa: BLE001 - a diagnosis is a bonus: the generic message stays if one goes wrong
        return []
    return [finding for finding in findings if finding.id in diagnoses.specs]


def explain_named(diagnoses: LessonDiagnoses, result: PropertyResult, values: dict[str, Any]) -> None:
    """A failure whose property named its cause (``Fail(diagnosis=...)``): when the lesson defines that diagnosis,
    its explanation and hint, filled in with ``values``, replace the property's own message and hint."""
    spec = diagnoses.specs.get(result.diagnosis or "")
    if spec is None:
        return
    result.message, result.hint = spec.text(Finding(spec.id, dict(values)))


def diagnose_part(diagnoses: LessonDiagnoses, part: str, results: list[PropertyResult], ctx: Context) -> None:
    """Recognise the mistake behind the failed properties of one part and explain it on them.

    A finding is given only when every property its diagnosis ``requires`` failed: a cause that would have made
    a property fail is not named beside that property's ✓."""
    failed = [r for r in results if r.status is PropertyStatus.FAILED and r.diagnosis is None]
    if not failed:
        return
    every_failed = {r.id for r in results if r.status is PropertyStatus.FAILED}
    for finding in recognise(diagnoses, part, ctx, {r.id for r in failed}):
        spec = diagnoses.specs[finding.id]
        if not set(spec.requires) <= every_failed:
            continue
        explanation, hint = spec.text(finding)
        for result in failed:
            if result.diagnosis is None and spec.explains(result.id):
                result.diagnosis = spec.id
                result.message = explanation
                result.hint = hint


def recognise_submission(path: str | Path, lesson: Any, parts: Iterable[str] | None = None) -> dict[str, list[Finding]]:
    """Run the recognisers of ``parts`` (default: all) on a submission as if every property had failed.

    For kit authors: a recogniser must find nothing in a correct part. Grading runs recognisers only on parts
    that fail; this runs them regardless.
    """
    from .engine import contexts
    from .submission import read_submission

    submission = read_submission(Path(path), f"{lesson.module}.py")
    diagnoses = load_diagnoses(lesson.folder, lesson.id)
    found: dict[str, list[Finding]] = {}
    with contexts(submission, lesson) as context:
        for part in parts if parts is not None else [p.id for p in lesson.parts]:
            every = {spec.id for spec in lesson.properties_of(part)}
            found[part] = recognise(diagnoses, part, context(part, "diagnose:" + part), every)
    return found
