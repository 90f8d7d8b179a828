"""``grader validate``: check that a lesson folder is consistent, as an author would before shipping it.

Every property has an implementation and a hint, the stub is unsolved and mirrors the reference's
signatures, the reference gets full marks, and the untouched stub gets nothing but "not implemented".
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from .errors import GraderError
from .lesson import Lesson, load_lesson
from .model import PropertyStatus


@dataclass
class Finding:
    ok: bool
    what: str


@dataclass
class Validation:
    lesson: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.findings)

    def add(self, ok: bool, what: str) -> None:
        self.findings.append(Finding(ok, what))


def signatures(source: str) -> dict[str, list[str]]:
    """Parameter names of every top-level function and every method, keyed ``name`` or ``Class.name``."""
    tree = ast.parse(source)
    found: dict[str, list[str]] = {}

    def params(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
        args = fn.args
        names = [a.arg for a in args.posonlyargs + args.args]
        if args.vararg:
            names.append("*" + args.vararg.arg)
        names += [a.arg for a in args.kwonlyargs]
        if args.kwarg:
            names.append("**" + args.kwarg.arg)
        return names

    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found[node.name] = params(node)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    found[f"{node.name}.{item.name}"] = params(item)
    return found


def _check_metadata(lesson: Lesson, result: Validation) -> None:
    part_ids = {p.id for p in lesson.parts}
    for part in lesson.parts:
        result.add(bool(lesson.properties_of(part.id)), f"part {part.id} has properties")
    ids = [p.id for p in lesson.properties]
    result.add(len(ids) == len(set(ids)), "property ids are unique")
    for prop in lesson.properties:
        result.add(prop.part in part_ids, f"property {prop.id} belongs to a known part ({prop.part})")
        result.add(prop.points > 0, f"property {prop.id} is worth points")
        result.add(bool(prop.hints), f"property {prop.id} has a hint")
    try:
        implementations = lesson.implementations()
    except GraderError as exc:
        result.add(False, f"properties load: {exc}")
        return
    for prop in lesson.properties:
        impl = implementations.get(prop.id)
        result.add(impl is not None and (hasattr(impl, "run") or hasattr(impl, "check")), f"property {prop.id} is implemented")
    for extra in sorted(set(implementations) - set(ids)):
        result.add(False, f"properties.py implements {extra}, which lesson.toml does not list")


def _check_sources(lesson: Lesson, result: Validation) -> None:
    stub_ok = lesson.stub.is_file()
    result.add(stub_ok, f"stub {lesson.stub.name} exists")
    readme = lesson.folder / "README.md"
    result.add(readme.is_file(), "the lesson has a student README.md")
    if not stub_ok:
        return
    stub_source = lesson.stub.read_text(encoding="utf-8")
    try:
        stub_sigs = signatures(stub_source)
    except SyntaxError as exc:
        result.add(False, f"stub parses ({exc})")
        return
    for name in lesson.names:
        result.add(name in stub_sigs, f"stub defines {name}")
    if lesson.reference is None:
        result.add(False, "lesson.toml names a reference solution")
        return
    if not lesson.reference.is_file():
        result.add(False, f"reference solution {lesson.reference} exists")
        return
    ref_sigs = signatures(lesson.reference.read_text(encoding="utf-8"))
    for name in lesson.names:
        result.add(stub_sigs.get(name) == ref_sigs.get(name), f"stub and reference agree on the signature of {name}")


def _check_grading(lesson: Lesson, result: Validation) -> None:
    from .check import check

    if lesson.reference is not None and lesson.reference.is_file():
        report = check(lesson.reference, lesson)
        result.add(report.full_marks, f"the reference gets full marks ({report.score:g}/{report.max_score:g})")
        for prop in report.properties():
            if not prop.passed:
                result.add(False, f"reference fails {prop.name}: {prop.message}")
    if lesson.stub.is_file():
        report = check(lesson.stub, lesson)
        result.add(report.score == 0, f"the untouched stub gets 0 ({report.score:g}/{report.max_score:g})")
        from .quiz import PART as QUIZ

        # the quiz beside the stub is not answered yet: its questions fail, they are not "not implemented"
        unsolved = all(p.status is PropertyStatus.NOT_IMPLEMENTED for p in report.properties() if p.part != QUIZ)
        result.add(unsolved, "every part of the untouched stub says 'not implemented yet'")


def validate_all(grade: bool = True) -> list[Validation]:
    """Validate every lesson of the kit (``grader validate`` without a lesson), in the order of their ids."""
    from .lesson import available_lessons, lessons_dir

    names = available_lessons()
    if not names:
        result = Validation(lesson=str(lessons_dir()))
        result.add(False, f"the kit has lessons in {lessons_dir()}")
        return [result]
    return [validate(lessons_dir() / name, grade=grade) for name in names]


def validate(lesson_name: str | Path | None = None, grade: bool = True) -> Validation:
    """Validate one lesson folder; with ``grade``, also grade its reference and its stub.

    A folder written by ``grader release`` is checked as a release instead (see :mod:`grader.release`). None is the
    kit's only lesson.
    """
    if lesson_name is None:
        from .lesson import only_lesson

        lesson_name = only_lesson().folder
    result = Validation(lesson=str(lesson_name))
    from .release import is_release, release_findings

    if is_release(lesson_name):
        for ok, what in release_findings(lesson_name):
            result.add(ok, what)
        return result
    try:
        lesson = load_lesson(lesson_name)
    except GraderError as exc:
        result.add(False, f"lesson loads: {exc}")
        return result
    result.lesson = lesson.id
    result.add(True, f"lesson {lesson.id} {lesson.version} loads")
    _check_metadata(lesson, result)
    _check_sources(lesson, result)
    if grade and result.ok:
        _check_grading(lesson, result)
    from ._examples import examples_fresh

    result.add(examples_fresh(lesson), "the stored examples (.meta/examples.json) match the properties (else: grader dev examples)")
    return result
