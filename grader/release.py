"""``grader release DIR``: the student version of a lesson, ready to be a template repository.

A release holds every student-visible file of the lesson folder (everything in ``exercises/<lesson>/`` but
``.meta/``) at the same place as in the kit, so that ``grader check`` without arguments and the lesson's own
README work unchanged; a README for students at the top; the CI files for GitHub Actions, GitHub Classroom
and GitLab CI; and a pinned requirement on the grader (``requirements.txt``). It never holds the reference solution or the lesson's
hidden material, and the same kit always gives byte-identical files: they are written in a fixed order,
with fixed line endings, and hold no dates.

:func:`check_release` finds what is wrong with a release folder; ``grader validate`` uses it.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from . import __version__
from .errors import UsageError
from .i18n import _
from .lesson import Lesson, load_lesson
from .quiz import load_quiz

TEMPLATES = Path(__file__).resolve().parent / "templates" / "release"
MANIFEST = ".grader-release.json"
REQUIREMENTS = "requirements.txt"
PACKAGE = "neuron-grader"
PYTHON = "3.12"  # the Python the CI files install

#: The CI systems a release can be set up for, and the file each one writes.
CI_FILES: dict[str, tuple[str, str]] = {
    "github": ("grade.yml", ".github/workflows/grade.yml"),
    "classroom": ("classroom.yml", ".github/workflows/classroom.yml"),
    "gitlab": ("gitlab-ci.yml", ".gitlab-ci.yml"),
}
CI_CHOICES = tuple(CI_FILES)

#: Never copied into a release, wherever they are in the lesson folder.
SKIPPED_NAMES = frozenset({".meta", "__pycache__", ".ipynb_checkpoints", ".pytest_cache", ".DS_Store", ".git"})
SKIPPED_SUFFIXES = (".pyc", ".pyo")
#: Folders a release must never hold: the lesson's hidden material and the reference solutions.
FORBIDDEN_DIRS = frozenset({".meta", "solutions"})

_PLACEHOLDER = re.compile(r"\[\[([a-z_]+)\]\]")


#: ``--requirement placeholder``: write :func:`placeholder_requirement`, for an instructor who publishes the wheel later.
PLACEHOLDER = "placeholder"


def placeholder_requirement(version: str = __version__) -> str:
    """The requirement ``--requirement placeholder`` writes: the instructor must replace OWNER/REPO."""
    wheel = f"{PACKAGE.replace('-', '_')}-{version}-py3-none-any.whl"
    return f"{PACKAGE} @ https://github.com/OWNER/REPO/releases/download/v{version}/{wheel}"


@dataclass(frozen=True)
class ReleaseFile:
    path: str  # relative, with forward slashes
    data: bytes


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a release folder. ``error`` problems make it unfit to give to students."""

    path: str
    message: str
    error: bool = True
    kind: str = "file"  # "leak", "file", "requirement" or "ci"

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


# -- building ------------------------------------------------------------------------------------------------
def _fill(template: str, values: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            raise KeyError(f"release template placeholder [[{key}]] has no value")
        return values[key]

    return _PLACEHOLDER.sub(replace, template)


def _template(name: str, values: dict[str, str]) -> str:
    return _fill((TEMPLATES / name).read_text(encoding="utf-8"), values)


def _text(data: str) -> bytes:
    """Text as written to a release: LF line endings, exactly one newline at the end."""
    return (data.replace("\r\n", "\n").rstrip("\n") + "\n").encode("utf-8")


def lesson_files(lesson: Lesson) -> list[tuple[PurePosixPath, Path]]:
    """The student-visible files of a lesson folder, as (path in the release, path on disk), sorted."""
    prefix = PurePosixPath("exercises") / lesson.id
    found: list[tuple[PurePosixPath, Path]] = []

    def walk(folder: Path) -> None:
        for entry in sorted(folder.iterdir(), key=lambda p: p.name):
            if entry.name in SKIPPED_NAMES or entry.name.endswith(SKIPPED_SUFFIXES):
                continue
            if entry.is_symlink():
                raise UsageError(_("{path} is a symbolic link; a lesson folder holds plain files only.").format(path=entry))
            if entry.is_dir():
                walk(entry)
            elif entry.is_file():
                found.append((prefix / entry.relative_to(lesson.folder).as_posix(), entry))

    walk(lesson.folder)
    return sorted(found, key=lambda item: str(item[0]))


def _task(lesson: Lesson, names: Sequence[str], stub: str) -> tuple[str, str]:
    """The sentence that says where a lesson's task is and where the code goes, in English and in Dutch."""
    folder = f"exercises/{lesson.id}"
    readmes = [n for n in names if re.fullmatch(re.escape(folder) + r"/README(\.[A-Za-z_-]+)?\.md", n)]
    dutch = [n for n in readmes if n.endswith(".nl.md")] or readmes
    links = ", ".join(f"[`{n}`]({n})" for n in readmes)
    task = f"The task is in {links}. You write your code in `{stub}`." if readmes else f"You write your code in `{stub}`."
    task_nl = f"De opdracht staat in [`{dutch[0]}`]({dutch[0]})." if dutch else "De opdracht staat in de bestanden hierboven."
    return task, task_nl


def _role(lesson: Lesson, name: str, names: Sequence[str], stub: str) -> str:
    folder = f"exercises/{lesson.id}"
    readmes = [n for n in names if re.fullmatch(re.escape(folder) + r"/README(\.[A-Za-z_-]+)?\.md", n)]
    quiz = load_quiz(lesson.folder)
    answers = f"{folder}/{quiz.answers}" if quiz is not None else None
    if name == stub:
        return "your code: fill in every `...`"
    if name in readmes:
        return "the task"
    if name == answers:
        return "your answers to the quiz"
    if name.endswith(".ipynb"):
        return f"the same exercise as a notebook (`grader check {name}` checks it; CI grades `{stub}`)"
    return "part of the exercise"


def _readme(lessons: Sequence[Lesson], names: Sequence[str], ci: Sequence[str]) -> str:
    stubs = [stub_of(lesson) for lesson in lessons]
    rows = []
    for name in names:
        owner = next((lesson for lesson in lessons if name.startswith(f"exercises/{lesson.id}/")), lessons[0])
        rows.append(f"| `{name}` | {_role(owner, name, names, stub_of(owner))} |")
    rows.append(f"| `{REQUIREMENTS}` | the grader, at the version your teacher grades with |")
    for key in ci:
        rows.append(f"| `{CI_FILES[key][1]}` | grades every push (see below) |")
    ci_text = "\n\n".join(_text((TEMPLATES / f"readme-{key}.md").read_text(encoding="utf-8")).decode("utf-8").rstrip("\n") for key in ci)
    tasks = [_task(lesson, names, stub) for lesson, stub in zip(lessons, stubs, strict=True)]
    if len(lessons) == 1:
        title, task, task_nl = lessons[0].title, tasks[0][0], tasks[0][1]
        commands, check_nl = "grader check", "`grader check --lang nl`"
        check_text = f"`grader check` grades `{stubs[0]}` (give another path to grade another file)."
    else:
        title = " · ".join(lesson.title for lesson in lessons)
        task = "\n".join(f"- **{lesson.title}** ({lesson.id}): {text}" for lesson, (text, _nl) in zip(lessons, tasks, strict=True))
        task_nl = " ".join(nl for _text_en, nl in tasks)
        folders = [f"exercises/{lesson.id}/" for lesson in lessons]
        commands = "\n".join(f"grader check {folder}" for folder in folders)
        check_nl = " of ".join(f"`grader check {folder} --lang nl`" for folder in folders)
        check_text = ("This repository holds several lessons: `grader check exercises/<lesson>/` grades one of them (the file "
                      "or the folder of that lesson; `grader check` alone lists them).")
    return _template(
        "README.md",
        {"title": title, "task": task, "task_nl": task_nl, "files": "\n".join(rows), "stub": "`, `".join(stubs),
         "check_commands": commands, "check_text": check_text, "check_nl": check_nl,
         "ci": ci_text or "Nothing runs on push: no CI files were included."},
    )


def stub_of(lesson: Lesson) -> str:
    """The lesson's stub as a path in a release: ``exercises/<lesson>/<stub>``."""
    return f"exercises/{lesson.id}/{lesson.stub.relative_to(lesson.folder).as_posix()}"


def _runner_prefix(lesson: Lesson, several: bool) -> str:
    """What the Classroom runners of a lesson begin with: nothing for a release of one lesson, else the lesson's id
    (letters and digits), so that the runners of several lessons never share a name."""
    return re.sub(r"[^a-z0-9]", "", lesson.id.lower()) if several else ""


def _steps(lessons: Sequence[Lesson]) -> dict[str, str]:
    """The values of the CI templates that hold a step (or a line) per lesson."""
    several = len(lessons) > 1
    when = "\n        if: ${{ !cancelled() }}" if several else ""  # every lesson is graded, even after one that failed
    grade, classroom, gitlab, junit = [], [], [], []
    runners: list[str] = []
    env = []
    for lesson in lessons:
        prefix = _runner_prefix(lesson, several)
        names = [prefix + name for name in classroom_runners(lesson)]
        step = f"grade_{prefix}" if several else "grade"
        rename = (f'\n          sed -i "s/^/{prefix}/" "$RUNNER_TEMP/classroom.txt"  # the runners of {lesson.id} begin with {prefix}'
                  if several else "")
        values = {"stub": stub_of(lesson), "lesson": lesson.id, "when": when, "step": step, "rename": rename,
                  "runner_list": " ".join(names)}
        grade.append(_template("grade-step.yml", values).rstrip("\n"))
        classroom.append(_template("classroom-step.yml", values).rstrip("\n"))
        report = "grader-junit.xml" if not several else f"grader-junit-{lesson.id}.xml"
        tail = "" if not several else " || status=1"
        gitlab.append(f"    - grader check {stub_of(lesson)} --lesson {lesson.id} --format junit > {report}{tail}")
        junit.append(report)
        runners += names
        env += [f'          {name.upper()}_RESULTS: "${{{{ steps.{step}.outputs.{name} }}}}"' for name in names]
    if several:
        gitlab = ["    - status=0", *gitlab, '    - exit "$status"']
    return {"grade_steps": "\n".join(grade), "classroom_steps": "\n".join(classroom), "gitlab_steps": "\n".join(gitlab),
            "junit_paths": "\n".join(f"      - {name}" for name in junit),
            "junit_report": f" {junit[0]}" if not several else "".join(f"\n        - {name}" for name in junit),
            "runners": ",".join(runners), "reporter_env": "\n".join(env)}


def classroom_runners(lesson: Lesson) -> list[str]:
    """The runners the Classroom workflow hands to the reporter: one per property and per quiz question, named
    as the ``classroom`` format names them, in the order of a report."""
    from .render.classroom import runner_names

    ids = [prop.id for part in lesson.parts for prop in lesson.properties_of(part.id)]
    quiz = load_quiz(lesson.folder)
    if quiz is not None:
        ids += [question.property_id for question in quiz.questions]
    return runner_names(ids)


def _release_requirement(requirement: str | None, local: bool, checked: bool) -> str:
    """The requirement line a release gets for ``requirement``; UsageError, one sentence, when no CI runner could
    install it (``local`` also allows a ``file:`` URL, to try a release on this machine; ``checked`` False takes it
    as it is, for :func:`check_release`, which reports its problems itself)."""
    if requirement is None or not requirement.strip():
        raise UsageError(_(
            "a release needs the grader its CI installs: give --requirement SPEC (a wheel's https URL, {package}==VERSION "
            "or a git URL with a tag), or --requirement {placeholder} to write a placeholder URL and fill it in later"
        ).format(package=PACKAGE, placeholder=PLACEHOLDER))
    requirement = requirement.strip()
    if requirement == PLACEHOLDER or requirement == placeholder_requirement():
        return placeholder_requirement()
    problem = requirement_problem(requirement, local=local)
    if problem and checked:
        raise UsageError(problem)
    return requirement


def _lessons(lessons: str | Lesson | Sequence[str | Lesson] | None) -> list[Lesson]:
    """The lessons of a release: the one or the ones named, else every lesson of the kit (in the order of their ids)."""
    from .lesson import all_lessons

    if lessons is None:
        found = all_lessons()
        if not found:
            raise UsageError(_("the kit has no lessons"))
        return found
    named = [lessons] if isinstance(lessons, (str, Lesson)) else list(lessons)
    chosen = [one if isinstance(one, Lesson) else load_lesson(one) for one in named]
    unique: dict[str, Lesson] = {}
    for lesson in chosen:
        unique.setdefault(lesson.id, lesson)
    return list(unique.values())


def build_release(
    lesson: str | Lesson | Sequence[str | Lesson] | None = None,
    requirement: str | None = None,
    ci: Iterable[str] = CI_CHOICES,
    *,
    local: bool = False,
    checked: bool = True,
) -> list[ReleaseFile]:
    """Every file of the release of ``lesson`` (one, several, or None: every lesson of the kit), sorted by path.
    Raises UsageError if the release would leak a reference, or if ``requirement`` is missing or not one a CI
    runner can install (:data:`PLACEHOLDER` writes the placeholder; ``local`` allows a ``file:`` URL, for trying
    the release on this machine). Its CI grades each lesson: a step (GitLab: a line) per lesson."""
    lessons = _lessons(lesson)
    chosen = [key for key in CI_CHOICES if key in set(ci)]
    unknown = sorted(set(ci) - set(CI_CHOICES))
    if unknown:
        raise UsageError(_("unknown CI {names} (choose from: {choices})").format(names=", ".join(unknown), choices=", ".join(CI_CHOICES)))
    requirement = _release_requirement(requirement, local, checked)

    files: dict[str, bytes] = {}
    for the_lesson in lessons:
        for name, source in lesson_files(the_lesson):
            files[str(name)] = source.read_bytes()
        if stub_of(the_lesson) not in files:
            raise UsageError(_("the lesson's stub {path} is missing").format(path=the_lesson.stub))
    lesson_names = sorted(files)

    values = {"python": PYTHON, **_steps(lessons)}
    for key in chosen:
        template, target = CI_FILES[key]
        files[target] = _text(_template(template, values))
    files["README.md"] = _text(_readme(lessons, lesson_names, chosen))
    files[REQUIREMENTS] = _text(
        "# The grader, pinned: the same version grades here, in CI, and on the teacher's side.\n" + requirement
    )
    files[".gitignore"] = _text((TEMPLATES / "gitignore").read_text(encoding="utf-8"))
    files[MANIFEST] = _text(json.dumps(_manifest(lessons, requirement, chosen, files), indent=2, sort_keys=True))

    release = [ReleaseFile(path, files[path]) for path in sorted(files)]
    leaks = [problem for the_lesson in lessons
             for problem in find_leaks(own_files({f.path: f.data for f in release}, the_lesson, lessons), the_lesson)]
    if leaks:
        raise UsageError(_("the release would give away the solution: {problems}").format(problems="; ".join(map(str, leaks))))
    return release


def _manifest(lessons: Sequence[Lesson], requirement: str, ci: Sequence[str], files: dict[str, bytes]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "lesson": lessons[0].id,
        "lesson_version": lessons[0].version,
        "grader_version": __version__,
        "requirement": requirement,
        "ci": list(ci),
        "files": {path: hashlib.sha256(data).hexdigest() for path, data in sorted(files.items())},
    }
    if len(lessons) > 1:
        data["lessons"] = {lesson.id: lesson.version for lesson in lessons}
    return data


def write_release(
    directory: str | Path,
    lesson: str | Lesson | Sequence[str | Lesson] | None = None,
    requirement: str | None = None,
    ci: Iterable[str] = CI_CHOICES,
    *,
    local: bool = False,
) -> list[Path]:
    """Write the release of ``lesson`` (one, several, or None: every lesson) into ``directory``; return the files
    written.

    The folder may already hold a git checkout of the template repository or an earlier release: files of the
    earlier release that the new one no longer has are removed; other files are left alone.
    """
    target = Path(directory)
    if target.exists() and not target.is_dir():
        raise UsageError(_("{path} is not a folder.").format(path=target))
    lessons = _lessons(lesson)
    inside = target.resolve()
    for the_lesson in lessons:
        kit = the_lesson.folder.parent.parent.resolve()
        if inside == kit or any(inside.is_relative_to(kit / name) for name in ("exercises", "solutions", "grader")):
            raise UsageError(_("{path} is part of the kit; write the release to a folder of its own.").format(path=target))
    release = build_release(lessons, requirement, ci, local=local)
    earlier = _read_manifest(target)
    if earlier is not None:
        keep = {f.path for f in release}
        for old in sorted(earlier.get("files", {})):
            stale = target / old
            if old not in keep and stale.is_file() and not stale.is_symlink():
                stale.unlink()
    written = []
    for item in release:
        path = target / item.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(item.data)
        written.append(path)
    return written


def _read_manifest(folder: Path) -> dict[str, Any] | None:
    path = folder / MANIFEST
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


# -- what must never be in a release -------------------------------------------------------------------------
def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _function_bodies(source: str) -> dict[str, list[str]]:
    """For every function and method in ``source``: its statements (docstring left out) as normalised source."""
    tree = ast.parse(source)
    bodies: dict[str, list[str]] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body = list(child.body)
                if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
                    body = body[1:]
                bodies[f"{prefix}{child.name}"] = [ast.unparse(statement) for statement in body]
                visit(child, f"{prefix}{child.name}.")

    visit(tree, "")
    return bodies


def secret_statements(lesson: Lesson) -> dict[str, list[str]]:
    """The reference's statements that the stub does not have, by function: what a release must not show."""
    if lesson.reference is None or not lesson.reference.is_file():
        return {}
    reference = _function_bodies(lesson.reference.read_text(encoding="utf-8"))
    stub_statements = {s for body in _function_bodies(lesson.stub.read_text(encoding="utf-8")).values() for s in body}
    secrets: dict[str, list[str]] = {}
    for name, body in reference.items():
        hidden = [s for s in body if s not in stub_statements and s not in ("pass", "...", "return")]
        if hidden:
            secrets[name] = hidden
    return secrets


def own_files(files: dict[str, bytes], lesson: Lesson, lessons: Sequence[Lesson]) -> dict[str, bytes]:
    """The files of a release that ``lesson``'s solution must not show: all but the other lessons' folders. A later
    chapter hands out what an earlier one asked for (the perceptron's ``activations.py`` holds the neuron's
    ``sigmoid``; backpropagation's stub has the perceptron's ``Layer.forward``), as the course does; a release of
    several lessons gives each lesson's students the later chapters too (release one lesson at a time to avoid it)."""
    others = {f"exercises/{other.id}/" for other in lessons if other.id != lesson.id}
    return {path: data for path, data in files.items() if not any(path.startswith(prefix) for prefix in others)}


def find_leaks(files: dict[str, bytes], lesson: Lesson) -> list[Problem]:
    """Solutions or hidden material among ``files`` (path -> content)."""
    problems: list[Problem] = []
    hidden: dict[bytes, str] = {}
    meta = lesson.folder / ".meta"
    if meta.is_dir():
        for item in sorted(meta.rglob("*")):
            if item.is_file() and item.suffix not in SKIPPED_SUFFIXES:
                hidden[item.read_bytes()] = f".meta/{item.relative_to(meta).as_posix()}"
    reference = lesson.reference.read_bytes() if lesson.reference is not None and lesson.reference.is_file() else None
    secrets = secret_statements(lesson)
    squeezed = {name: [(s, _squeeze(s)) for s in statements] for name, statements in secrets.items()}
    for path in sorted(files):
        parts = PurePosixPath(path).parts
        if any(part in FORBIDDEN_DIRS for part in parts):
            problems.append(Problem(path, _("hidden material: a release holds no {folder}/ folder").format(
                folder=next(p for p in parts if p in FORBIDDEN_DIRS)), kind="leak"))
            continue
        data = files[path]
        if reference is not None and data == reference:
            problems.append(Problem(path, _("this is the reference solution"), kind="leak"))
            continue
        if data in hidden:
            problems.append(Problem(path, _("this is the lesson's hidden file {name}").format(name=hidden[data]), kind="leak"))
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        flat = _squeeze(text)
        for name, statements in squeezed.items():
            shown = [original for original, compact in statements if compact and compact in flat]
            if shown:
                problems.append(Problem(path, _("it shows the reference's code of {name}: {code}").format(name=name, code=" | ".join(shown)), kind="leak"))
    return problems


# -- checking a release folder -------------------------------------------------------------------------------
#: URL schemes a CI runner fetches from (pip's ``git+`` schemes included).
FETCHABLE_SCHEMES = ("https", "http", "git+https", "git+http", "git+ssh", "git+git")


def requirement_problem(requirement: str, local: bool = False) -> str | None:
    """Why ``requirement`` is not a pinned requirement on the grader that a CI runner can install, or None.

    The placeholder URL (OWNER/REPO) and ``file:`` URLs are refused: no runner can fetch them (``local`` allows
    ``file:``, for a release tried on this machine).
    """
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        parsed = Requirement(requirement)
    except InvalidRequirement as exc:
        return _("{requirement!r} is not a requirement: {reason}").format(requirement=requirement, reason=exc)
    if parsed.name.lower().replace("_", "-") != PACKAGE:
        return _("the requirement is on {name}, not on {package}").format(name=parsed.name, package=PACKAGE)
    if parsed.url:
        url = parsed.url
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if requirement.strip() == placeholder_requirement() or "/OWNER/REPO/" in url:
            return _("still the placeholder: publish the grader's wheel and run `grader release` with --requirement (see the README)")
        if scheme in ("file", "git+file"):
            if not local:
                return _("{url} is a file on this machine, which no CI runner can fetch: publish the wheel and give its https URL").format(url=url)
        elif scheme not in FETCHABLE_SCHEMES:
            return _("{url} is not a URL a CI runner can fetch (use https or a git URL)").format(url=url)
        if url.startswith("git+"):
            ref = url.rsplit("/", 1)[-1]
            if "@" not in ref:
                return _("{url} names no tag or commit: add @<tag> so that every student gets the same grader").format(url=url)
            return None
        if url.split("?")[0].split("#")[0].endswith(".whl"):
            return None
        return _("{url} is neither a wheel nor a git URL with a tag").format(url=url)
    pins = [spec for spec in parsed.specifier if spec.operator in ("==", "===") and "*" not in spec.version]
    if not pins:
        return _("{requirement!r} is not pinned: use {package}=={version}, a wheel's URL, or a git URL with a tag").format(
            requirement=requirement, package=PACKAGE, version=__version__)
    return None


def _requirement_lines(text: str) -> list[str]:
    lines = []
    for line in text.splitlines():
        line = line.split(" #", 1)[0].strip() if not line.lstrip().startswith("#") else ""
        if line:
            lines.append(line)
    return lines


def is_release(folder: str | Path) -> bool:
    """Whether ``folder`` looks like a release (rather than a lesson folder)."""
    return (Path(folder) / MANIFEST).is_file()


def _release_files(folder: Path) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if ".git" in relative.parts or not path.is_file() or path.is_symlink():
            continue
        if path.stat().st_size > 5 * 1024 * 1024:
            continue
        files[relative.as_posix()] = path.read_bytes()
    return files


def check_release(folder: str | Path, lesson: str | Lesson | None = None) -> list[Problem]:
    """Everything wrong with the release in ``folder``: leaks first, then missing, stale or broken files.

    ``lesson`` defaults to the one the release's manifest names. An empty list means the release is fit to be
    the students' template repository.
    """
    root = Path(folder)
    if not root.is_dir():
        return [Problem(str(root), _("not a folder"))]
    manifest = _read_manifest(root)
    if manifest is None:
        return [Problem(MANIFEST, _("missing or unreadable: this folder was not written by `grader release`"))]
    if lesson is not None:
        lessons = _lessons(lesson)
    else:
        named = manifest.get("lessons") or [manifest.get("lesson")]
        try:
            lessons = _lessons([str(name) for name in named if name])
        except UsageError as exc:
            return [Problem(MANIFEST, str(exc))]
    files = _release_files(root)
    problems = [problem for the_lesson in lessons for problem in find_leaks(own_files(files, the_lesson, lessons), the_lesson)]

    ci = [key for key in manifest.get("ci", []) if key in CI_FILES]
    requirement = str(manifest.get("requirement", ""))
    try:
        expected = {f.path: f.data for f in build_release(lessons, requirement or PLACEHOLDER, ci, checked=False)}
    except UsageError as exc:
        return problems + [Problem(str(root), str(exc))]
    for path in sorted(expected):
        if path not in files:
            problems.append(Problem(path, _("missing")))
        elif files[path] != expected[path] and path != MANIFEST:
            problems.append(Problem(path, _("differs from what `grader release` writes for this kit; write the release again"), error=False))

    req_lines = _requirement_lines(files.get(REQUIREMENTS, b"").decode("utf-8", "replace"))
    graders = [line for line in req_lines if line.lower().replace("_", "-").startswith(PACKAGE)]
    if REQUIREMENTS in files and len(graders) != 1:
        problems.append(Problem(REQUIREMENTS, _("it must hold exactly one requirement on {package}").format(package=PACKAGE), kind="requirement"))
    for line in graders[:1]:
        reason = requirement_problem(line)
        if reason:
            problems.append(Problem(REQUIREMENTS, reason, kind="requirement"))

    problems += _check_yaml(files, ci, lessons)
    return problems


def _check_yaml(files: dict[str, bytes], ci: Sequence[str], lessons: Sequence[Lesson]) -> list[Problem]:
    try:
        import yaml
    except ImportError:  # pragma: no cover - PyYAML comes with the test extra
        return [Problem(".github", _("the CI files were not parsed: PyYAML is not installed"), error=False, kind="ci")]
    problems = []
    for key in ci:
        path = CI_FILES[key][1]
        if path not in files:
            continue
        try:
            data = yaml.safe_load(files[path].decode("utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            problems.append(Problem(path, _("not valid YAML: {reason}").format(reason=exc), kind="ci"))
            continue
        for stub in [stub_of(lesson) for lesson in lessons]:
            if not isinstance(data, dict) or f"grader check {stub}" not in files[path].decode("utf-8"):
                problems.append(Problem(path, _("it does not run `grader check {stub}`").format(stub=stub), kind="ci"))
    return problems


def release_findings(folder: str | Path) -> list[tuple[bool, str]]:
    """:func:`check_release` as ``grader validate`` shows it: (ok, what) lines, one per check or per problem."""
    problems = check_release(folder)
    labels = {
        "leak": _("no solutions and no hidden material"),
        "file": _("every file as `grader release` writes it for this kit"),
        "requirement": _("{file} pins the grader").format(file=REQUIREMENTS),
        "ci": _("the CI files parse and run the grader"),
    }
    findings: list[tuple[bool, str]] = []
    for kind, label in labels.items():
        found = [p for p in problems if p.kind == kind]
        if not found:  # a ✓ only for a check that was done and found nothing; a warning says what was not done
            findings.append((True, label))
        for problem in found:
            findings.append((not problem.error, (_("warning: ") if not problem.error else "") + str(problem)))
    return findings
