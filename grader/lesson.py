"""Lessons as folders: ``exercises/<lesson>/`` holds the stub, a README, and ``.meta/`` with the metadata
(``lesson.toml``: parts, properties, points, hints) and the properties (``properties.py``).

Adding a lesson means adding such a folder; the grader has no lesson-specific code.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from .errors import LessonError, UsageError
from .i18n import _, add_catalogue

PACKAGE_DIR = Path(__file__).resolve().parent
SOURCE_KIT = PACKAGE_DIR.parent  # a checkout or an editable install: exercises/ sits beside grader/
BUNDLED_KIT = PACKAGE_DIR / "_kit"  # a wheel: the build copies exercises/ here
DEFAULT_LESSON = "neuron"


@dataclass(frozen=True)
class PropertySpec:
    id: str
    part: str
    title: str
    points: float
    hints: tuple[str, ...]


@dataclass(frozen=True)
class PartSpec:
    id: str
    title: str
    kind: str  # "function" or "method" or "class"


@dataclass
class Lesson:
    id: str
    title: str
    version: str
    folder: Path
    module: str
    stub: Path
    reference: Path | None
    parts: list[PartSpec]
    properties: list[PropertySpec]
    limits: dict[str, float]
    statistics: dict[str, Any]
    raw: dict[str, Any] = field(repr=False, default_factory=dict)
    _implementations: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def names(self) -> list[str]:
        """The names a submission must define, one per part."""
        return [part.id for part in self.parts]

    def part(self, part_id: str) -> PartSpec:
        for part in self.parts:
            if part.id == part_id:
                return part
        raise KeyError(part_id)

    def properties_of(self, part_id: str) -> list[PropertySpec]:
        return [p for p in self.properties if p.part == part_id]

    def implementations(self) -> dict[str, Any]:
        """The property objects from ``.meta/properties.py``, by property id."""
        if self._implementations is None:
            path = self.folder / ".meta" / "properties.py"
            if not path.is_file():
                raise LessonError(f"{path} is missing")
            module = load_module(path, f"grader_lesson_{self.id}_properties")
            implementations = getattr(module, "PROPERTIES", None)
            if not isinstance(implementations, dict):
                raise LessonError(f"{path} must define a dict PROPERTIES mapping property ids to properties")
            self._implementations = implementations
        return self._implementations


CHILD_MODULE = "_lesson_child.py"  # the name the lesson's child module has beside the submission's copy


def child_files(lesson: Lesson) -> tuple[tuple[tuple[str, bytes], ...], str | None]:
    """What the lesson puts beside the submission's copy in the child (``[child]`` in lesson.toml): its helper files
    (``helpers``, relative to the lesson folder: modules the student's code imports, given by the course) and its
    trusted child module (``module``, relative to ``.meta/``: the fakes and activations the properties pass into the
    student's code), and the name of the latter; a helper of the lesson wins over a student's file of that name."""
    table = lesson.raw.get("child") or {}
    files: list[tuple[str, bytes]] = []
    try:
        for helper in table.get("helpers", []):
            path = lesson.folder / str(helper)
            files.append((path.name, path.read_bytes()))
        module = table.get("module")
        if module:
            files.append((CHILD_MODULE, (lesson.folder / ".meta" / str(module)).read_bytes()))
    except OSError as exc:
        raise LessonError(f"{lesson.folder}: [child] names a file that cannot be read: {exc}") from exc
    return tuple(files), CHILD_MODULE if table.get("module") else None


def load_module(path: Path, name: str) -> Any:
    """Import a lesson's Python file (its properties or diagnoses: kit code, run in the grader's process)."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise LessonError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def kit_root() -> Path:
    """The kit's folder holding ``exercises/``: the checkout if there is one, else the copy in the package."""
    if (SOURCE_KIT / "exercises").is_dir():
        return SOURCE_KIT
    return BUNDLED_KIT


def lessons_dir() -> Path:
    return kit_root() / "exercises"


def available_lessons() -> list[str]:
    folder = lessons_dir()
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / ".meta" / "lesson.toml").is_file())


def load_lesson(name_or_path: str | Path = DEFAULT_LESSON) -> Lesson:
    """Load a lesson by name (a folder of ``exercises/``) or from a lesson folder's path."""
    candidate = Path(name_or_path)
    if (candidate / ".meta" / "lesson.toml").is_file():
        folder = candidate.resolve()
    else:
        folder = lessons_dir() / str(name_or_path)
        if not (folder / ".meta" / "lesson.toml").is_file():
            known = ", ".join(available_lessons()) or "none"
            raise UsageError(_("unknown lesson {name} (lessons: {known})").format(name=repr(str(name_or_path)), known=known))
    meta = folder / ".meta" / "lesson.toml"
    try:
        raw = tomllib.loads(meta.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LessonError(f"{meta}: {exc}") from exc
    add_catalogue(folder / ".meta" / "locale", "lesson")  # the lesson's texts in other languages
    try:
        parts = [PartSpec(id=str(p["id"]), title=_(str(p.get("title", p["id"]))), kind=str(p.get("kind", "function"))) for p in raw["parts"]]
        properties = [
            PropertySpec(
                id=str(p["id"]),
                part=str(p["part"]),
                title=_(str(p["title"])),
                points=float(p["points"]),
                hints=tuple(_(str(h)) for h in p.get("hints", [])),
            )
            for p in raw["properties"]
        ]
        reference = raw.get("reference")
        return Lesson(
            id=str(raw["id"]),
            title=_(str(raw["title"])),
            version=str(raw["version"]),
            folder=folder,
            module=str(raw["module"]),
            stub=folder / str(raw["stub"]),
            reference=(folder / str(reference)).resolve() if reference else None,
            parts=parts,
            properties=properties,
            limits={str(k): float(v) for k, v in raw.get("limits", {}).items()},
            statistics=dict(raw.get("statistics", {})),
            raw=raw,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise LessonError(f"{meta}: missing or malformed field {exc}") from exc
