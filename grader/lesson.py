"""Lessons as folders: ``exercises/<lesson>/`` holds the stub, a README, and ``.meta/`` with the metadata
(``lesson.toml``: parts, properties, points, hints) and the properties (``properties.py``).

Adding a lesson means adding such a folder; the grader has no lesson-specific code. Every command works for
all the lessons of the kit: :func:`all_lessons` lists them, and :func:`lesson_for_path` tells from a submission's
file or folder which one it is for.

A part's ``kind`` says how the engine grades it: ``function``, ``method`` or ``class`` parts (``Lesson.parts``) by
the properties in ``properties.py``, run on the student's code in the child; a ``quiz`` part (its id is ``quiz``;
``Lesson.quiz_parts``) by the answers beside the code, its properties being the questions of ``.meta/quiz.toml``
(see :mod:`grader.quiz`), after the code's parts. A lesson with a ``.meta/quiz.toml`` and no quiz part in
``lesson.toml`` gets one.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence
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
QUIZ_KIND = "quiz"  # the kind of part graded from the student's answers, not from the code


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
    kind: str  # "function", "method" or "class" (graded on the code), or "quiz" (graded on the answers)

    @property
    def graded_on_code(self) -> bool:
        return self.kind != QUIZ_KIND


@dataclass
class Lesson:
    id: str
    title: str
    version: str
    folder: Path
    module: str
    stub: Path
    reference: Path | None
    parts: list[PartSpec]  # the parts graded on the code, in the child, by the properties of properties.py
    properties: list[PropertySpec]  # their properties
    limits: dict[str, float]
    statistics: dict[str, Any]
    raw: dict[str, Any] = field(repr=False, default_factory=dict)
    quiz_parts: list[PartSpec] = field(default_factory=list)  # the parts of kind "quiz", graded on the answers
    quiz_properties: list[PropertySpec] = field(default_factory=list)  # their questions
    _implementations: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def all_parts(self) -> list[PartSpec]:
        """Every part the engine grades, by its kind: the code's parts, then the quiz (kind ``quiz``)."""
        return [*self.parts, *self.quiz_parts]

    @property
    def all_properties(self) -> list[PropertySpec]:
        """Every property: the code's, then the quiz's questions."""
        return [*self.properties, *self.quiz_properties]

    @property
    def max_points(self) -> float:
        """The points of every part, the quiz included (a submission without answers is graded out of fewer)."""
        return sum(p.points for p in self.all_properties)

    @property
    def names(self) -> list[str]:
        """The names a submission must define, one per part of the code."""
        return [part.id for part in self.parts]

    @property
    def filename(self) -> str:
        """The name of the student's file (``neuron.py``); a notebook of the lesson has the stem of it."""
        return f"{self.module}.py"

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
    """The ids of the kit's lessons (the folders of ``exercises/`` with a ``.meta/lesson.toml``), sorted."""
    folder = lessons_dir()
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / ".meta" / "lesson.toml").is_file())


class LessonNotFound(UsageError):
    """No lesson, or more than one, fits what was given: a usage error of one sentence that lists the lessons."""


def all_lessons() -> list[Lesson]:
    """Every lesson of the kit that loads, in the order of their ids (``grader validate`` names one that does not)."""
    lessons = []
    for name in available_lessons():
        try:
            lessons.append(load_lesson(name))
        except LessonError:
            continue
    return lessons


def _listed(lessons: Sequence[Lesson]) -> str:
    return ", ".join(f"{lesson.id} ({lesson.filename})" for lesson in lessons) or "none"


def only_lesson(lessons: Sequence[Lesson] | None = None) -> Lesson:
    """The kit's lesson when it has one; LessonNotFound, listing them, when it has several (or none)."""
    lessons = all_lessons() if lessons is None else list(lessons)
    if len(lessons) == 1:
        return lessons[0]
    raise LessonNotFound(_("the kit has several lessons: give a path or --lesson (lessons: {known}).").format(known=_listed(lessons)))


def lesson_for_path(path: Path, lessons: Sequence[Lesson] | None = None) -> Lesson:
    """The lesson a submission at ``path`` is for: by the file's name (``perceptron.py`` or ``perceptron.ipynb``
    is the lesson whose ``module`` is ``perceptron``), or for a folder by its name (``exercises/<lesson>/``) or by
    the one lesson whose file it holds; a file named otherwise by the names its ``def`` and ``class`` lines define
    (read as text, never run). A kit with one lesson takes it for any path. LessonNotFound, one sentence listing the
    lessons, when no lesson or several fit."""
    lessons = all_lessons() if lessons is None else list(lessons)
    if len(lessons) == 1:
        return lessons[0]
    if path.is_dir():
        named = [lesson for lesson in lessons if path.resolve().name == lesson.id]
        if named:
            return named[0]
        holding = [lesson for lesson in lessons
                   if (path / lesson.filename).is_file() or (path / f"{lesson.module}.ipynb").is_file()]
        if len(holding) == 1:
            return holding[0]
        if holding:
            raise LessonNotFound(_("{path} holds the files of several lessons ({names}): give the file, or --lesson.").format(
                path=path, names=", ".join(lesson.id for lesson in holding)))
    else:
        named = [lesson for lesson in lessons if path.stem == lesson.module and path.suffix in (".py", ".ipynb")]
        if named:
            return named[0]
        if path.suffix in (".py", ".ipynb") and path.is_file():  # my_neuron.py: by the names it defines, read as text
            from .discover import guess_lesson, part_names

            guessed = guess_lesson(path, {lesson.id: part_names(lesson.names) for lesson in lessons})
            if guessed is not None:
                return next(lesson for lesson in lessons if lesson.id == guessed)
    raise LessonNotFound(_("cannot tell which lesson {path} is for: name the file after the lesson, or give --lesson "
                           "(lessons: {known}).").format(path=path, known=_listed(lessons)))


def default_submission(lessons: Sequence[Lesson] | None = None, cwd: Path | None = None) -> tuple[Lesson, Path]:
    """What ``grader check`` grades without a path: the stub of the one lesson whose ``exercises/<lesson>/`` stub is
    here (as in a student repository), else the stub of the kit's only lesson; LessonNotFound, listing them, else."""
    lessons = all_lessons() if lessons is None else list(lessons)
    here = cwd or Path()
    present = [lesson for lesson in lessons if (here / stub_path(lesson)).is_file()]
    if len(present) == 1:
        return present[0], stub_path(present[0])
    if len(lessons) == 1:
        return lessons[0], stub_path(lessons[0])
    shown = present or lessons
    raise LessonNotFound(_("several lessons are here: give a path or --lesson (lessons: {known}).").format(known=_listed(shown)))


def stub_path(lesson: Lesson) -> Path:
    """Where the lesson's stub is, relative to a student repository (and to the kit): ``exercises/<lesson>/<stub>``."""
    return Path("exercises") / lesson.id / lesson.stub.relative_to(lesson.folder)


def load_lesson(name_or_path: str | Path | None = None) -> Lesson:
    """Load a lesson by name (a folder of ``exercises/``) or from a lesson folder's path; None is the kit's only
    lesson (LessonNotFound when it has several)."""
    if name_or_path is None:
        return only_lesson()
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
        parts, properties, quiz_parts, quiz_properties = _with_quiz(folder, parts, properties)
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
            quiz_parts=quiz_parts,
            quiz_properties=quiz_properties,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise LessonError(f"{meta}: missing or malformed field {exc}") from exc


def _with_quiz(folder: Path, parts: list[PartSpec], properties: list[PropertySpec]
               ) -> tuple[list[PartSpec], list[PropertySpec], list[PartSpec], list[PropertySpec]]:
    """The parts and properties of the code, and the quiz as a part of kind ``quiz`` whose properties are its
    questions (``.meta/quiz.toml``). A quiz part declared in lesson.toml keeps its title; a lesson with questions and
    no quiz part gets one."""
    from .quiz import PART, load_quiz

    quiz = load_quiz(folder)
    declared = [part for part in parts if not part.graded_on_code]
    code = [part for part in parts if part.graded_on_code]
    if any(part.id != PART for part in declared) or len(declared) > 1:
        raise LessonError(f"{folder / '.meta' / 'lesson.toml'}: a lesson has at most one part of kind {QUIZ_KIND!r}, with the id {PART!r}")
    if quiz is None:
        if declared:
            raise LessonError(f"{folder / '.meta'}: the part {PART!r} is a quiz, and quiz.toml with its questions is missing")
        return parts, properties, [], []
    quiz_parts = declared or [PartSpec(id=PART, title=_(quiz.title), kind=QUIZ_KIND)]
    questions = [PropertySpec(id=q.property_id, part=PART, title=_(q.title), points=q.points, hints=tuple(_(h) for h in q.hints))
                 for q in quiz.questions]
    return code, [p for p in properties if p.part != PART], quiz_parts, questions
