"""The examples a property is first checked on, generated once by Hypothesis and then reused.

Drawing examples is the costliest part of grading, and with derandomized Hypothesis it gives the same
examples every time. So they are drawn once per process and kept; a lesson can also ship them in
``.meta/examples.json`` (written by ``grader dev examples``), keyed by a fingerprint of its properties and
metadata, so that even a first ``grader check`` skips the drawing. A stale or unreadable file is ignored.
Shrinking a failure always runs Hypothesis live.

Hypothesis is imported only to draw (and to shrink, in :mod:`grader.engine`): a lesson's strategies are lazy
(:mod:`grader.strategies`), so grading from the stored examples never imports it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from .lesson import Lesson
from .strategies import Strategy

EXAMPLES_FILE = "examples.json"
FORMAT_VERSION = 1


def quiet() -> dict[str, Any]:
    """Hypothesis's settings for drawing and shrinking (importing Hypothesis): derandomized, no example database,
    nothing printed, so the same examples and the same report every run."""
    from hypothesis import HealthCheck, Verbosity

    return dict(
        derandomize=True,
        database=None,
        deadline=None,
        verbosity=Verbosity.quiet,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )


_memory: dict[tuple[str, str, str], list[Any]] = {}
_files: dict[Path, dict[str, Any] | None] = {}


def draw(strategy: Strategy[Any], count: int) -> list[Any]:
    """``count`` examples drawn deterministically from a strategy (lazy or not), without running anything."""
    from hypothesis import Phase, settings

    from .strategies import given  # Hypothesis's, resolving lazy strategies

    drawn: list[Any] = []
    QUIET = quiet()

    # derandomized, Hypothesis seeds the draws with a hash of collect's source, decorators included: keep these
    # four lines as they are, or the examples drawn (and so every lesson's stored examples) change
    @settings(max_examples=count, phases=[Phase.generate], **QUIET)  # type: ignore[arg-type]
    @given(strategy)
    def collect(value: Any) -> None:
        drawn.append(value)

    collect()
    return drawn


def fingerprint(lesson: Lesson) -> str:
    """A hash of what decides the examples: the lesson's properties and metadata."""
    digest = hashlib.sha256()
    for name in ("properties.py", "lesson.toml"):
        path = lesson.folder / ".meta" / name
        digest.update(path.read_bytes() if path.is_file() else b"")
    digest.update(str(FORMAT_VERSION).encode())
    return digest.hexdigest()[:32]


def encode(value: Any) -> Any:
    """Examples as JSON: floats as hex strings (exact, and NaN-safe), tuples and arrays tagged."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return {"f": float.hex(value)}
    if isinstance(value, np.ndarray):
        return {"a": [float.hex(float(v)) for v in value.reshape(-1)], "s": list(value.shape), "d": str(value.dtype)}
    if isinstance(value, tuple):
        return {"t": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    raise TypeError(f"cannot store an example of type {type(value).__name__}")


def decode(data: Any) -> Any:
    if data is None or isinstance(data, (bool, int)):
        return data
    if isinstance(data, list):
        return [decode(v) for v in data]
    if isinstance(data, dict):
        if "f" in data:
            return float.fromhex(data["f"])
        if "a" in data:
            values = np.array([float.fromhex(v) for v in data["a"]], dtype=data.get("d", "float64"))
            return values.reshape(data["s"])
        if "t" in data:
            return tuple(decode(v) for v in data["t"])
    raise ValueError("malformed example")


def _shipped(lesson: Lesson) -> dict[str, Any] | None:
    path = lesson.folder / ".meta" / EXAMPLES_FILE
    if path not in _files:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            _files[path] = data if isinstance(data, dict) and data.get("fingerprint") == fingerprint(lesson) else None
        except (OSError, ValueError):
            _files[path] = None
    return _files[path]


def examples_for(lesson: Lesson, prop_id: str, prop: Any) -> list[Any]:
    """The generated examples of one property: from memory, from the lesson's file, or drawn now."""
    key = (lesson.id, str(lesson.folder), prop_id)
    if key not in _memory:
        shipped = _shipped(lesson)
        stored = (shipped or {}).get("properties", {}).get(prop_id)
        if isinstance(stored, dict) and stored.get("count") == prop.max_examples:
            try:
                _memory[key] = [decode(v) for v in stored["examples"]]
            except (KeyError, TypeError, ValueError):
                _memory[key] = draw(prop.examples(), prop.max_examples)
        else:
            _memory[key] = draw(prop.examples(), prop.max_examples)
    return list(_memory[key])


def write_examples(lesson: Lesson) -> Path:
    """Draw every example property's examples and store them in the lesson folder."""
    properties: dict[str, Any] = {}
    for spec in lesson.properties:
        prop = lesson.implementations()[spec.id]
        if hasattr(prop, "examples") and hasattr(prop, "max_examples"):
            drawn = draw(prop.examples(), prop.max_examples)
            properties[spec.id] = {"count": prop.max_examples, "examples": [encode(v) for v in drawn]}
    path = lesson.folder / ".meta" / EXAMPLES_FILE
    data = {"fingerprint": fingerprint(lesson), "generated_by": "grader dev examples", "properties": properties}
    path.write_text(json.dumps(data, separators=(",", ":"), sort_keys=True) + "\n", encoding="utf-8")
    _files.pop(path, None)
    return path


def examples_fresh(lesson: Lesson) -> bool:
    path = lesson.folder / ".meta" / EXAMPLES_FILE
    _files.pop(path, None)
    return _shipped(lesson) is not None
