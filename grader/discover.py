"""Finding the submissions of a class: files, folders, nbgrader's layout, cloned repositories and zip files.

Nothing here runs student code: it only looks at names and copies bytes. Every submission found gets a student
name that is safe as a folder name and unique within the run.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from .errors import UsageError
from .i18n import _

SUBMISSION_SUFFIXES = (".py", ".ipynb")
IGNORED_NAMES = {"__pycache__", "__MACOSX", ".git", ".ipynb_checkpoints", ".venv", "venv", "node_modules", ".DS_Store"}

# Limits for unpacking a .zip of submissions: a zip bomb or a hostile archive must not fill the disk.
MAX_ZIP_MEMBERS = 20_000
MAX_ZIP_BYTES = 512 * 1024 * 1024  # all members together, uncompressed
MAX_MEMBER_BYTES = 64 * 1024 * 1024  # one member, uncompressed
MAX_SEARCH_DEPTH = 6  # how deep to look for the lesson's file inside a cloned repository


@dataclass(frozen=True)
class Found:
    """One submission: whose it is, and the file (or, when no file could be picked, the folder) to grade."""

    student: str
    path: Path
    origin: str  # "file", "folder", "nbgrader", "repository", "zip"
    display: str  # how reports name it (the path as given, or "archive.zip:member")
    lesson: str | None = None  # the lesson's file name (``neuron.py``) it is for; None when its name does not say


def safe_name(name: str) -> str:
    """A student name usable as a folder name and as a spreadsheet cell: letters, digits, ``._@-``."""
    cleaned = re.sub(r"[^\w.@-]+", "_", name, flags=re.UNICODE).strip("._-=+@ ")
    return cleaned[:100] or "student"


def _skip(path: Path) -> bool:
    return path.name in IGNORED_NAMES or path.name.startswith(".")


def _children(folder: Path) -> list[Path]:
    try:
        return sorted((p for p in folder.iterdir() if not _skip(p)), key=lambda p: p.name)
    except OSError:
        return []


def _find_in_tree(folder: Path, filename: str) -> Path | None:
    """The lesson's file anywhere in a folder (shallowest first), skipping hidden folders and environments."""
    level = [folder]
    for _depth in range(MAX_SEARCH_DEPTH):
        found = sorted(p / filename for p in level if (p / filename).is_file())
        if found:
            return found[0]
        level = [c for p in level for c in _children(p) if c.is_dir() and not c.is_symlink()]
        if not level:
            break
    return None


def _find_lesson_file(folder: Path, filename: str) -> Path | None:
    """The lesson's file in a folder, else its notebook."""
    found = _find_in_tree(folder, filename)
    if found is not None:
        return found
    return _find_in_tree(folder, str(PurePosixPath(filename).with_suffix(".ipynb")))


def pick_file(folder: Path, filename: str) -> Path | None:
    """The file to grade in one student's folder: the lesson's file, else its notebook, else a lone submission file
    (``filename`` "" looks for the lone file only)."""
    found = _find_lesson_file(folder, filename) if filename else None
    if found is not None:
        return found
    files = [p for p in _children(folder) if p.is_file() and p.suffix in SUBMISSION_SUFFIXES]
    notebooks = [p for p in files if p.suffix == ".ipynb"]
    if len(notebooks) == 1:
        return notebooks[0]
    if len(files) == 1:
        return files[0]
    return None


# -- zip files ----------------------------------------------------------------------------------------------
class UnsafeArchive(UsageError):
    """A zip file that cannot be unpacked safely."""


def _member_target(root: Path, name: str) -> Path | None:
    """Where a member goes under ``root``; None for names that would leave it or that are not plain files."""
    name = name.replace("\\", "/")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return None
    parts = [p for p in PurePosixPath(name).parts if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts) or any(p in IGNORED_NAMES for p in parts):
        return None
    target = root.joinpath(*parts)
    resolved_root = root.resolve()
    if resolved_root != target.resolve() and resolved_root not in target.resolve().parents:
        return None
    return target


def extract_zip(archive: Path, into: Path) -> Path:
    """Unpack ``archive`` into a new folder under ``into``: no path traversal, no links, bounded in size.

    Members with absolute names, ``..`` or link types are skipped; a member larger than its declared size, or
    an archive over the size caps, stops the unpacking with :class:`UnsafeArchive`.
    """
    root = into / safe_name(archive.stem)
    n = 1
    while root.exists():
        n += 1
        root = into / f"{safe_name(archive.stem)}-{n}"
    root.mkdir(parents=True)
    try:
        with zipfile.ZipFile(archive) as zf:
            members = zf.infolist()
            if len(members) > MAX_ZIP_MEMBERS:
                raise UnsafeArchive(_("{path} holds {count} files; at most {limit} are unpacked.").format(
                    path=archive, count=len(members), limit=MAX_ZIP_MEMBERS))
            declared = sum(m.file_size for m in members)
            if declared > MAX_ZIP_BYTES:
                raise UnsafeArchive(_("{path} unpacks to {size} MB; at most {limit} MB are unpacked.").format(
                    path=archive, size=declared // 2**20, limit=MAX_ZIP_BYTES // 2**20))
            written = 0
            for member in members:
                mode = member.external_attr >> 16
                if member.is_dir() or (stat.S_IFMT(mode) and not stat.S_ISREG(mode)):
                    continue  # folders are made as needed; links, devices and pipes are never made
                target = _member_target(root, member.filename)
                if target is None or member.file_size > MAX_MEMBER_BYTES:
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(member) as source, open(target, "xb") as sink:
                    left = member.file_size
                    while True:
                        chunk = source.read(min(1 << 20, left + 1))
                        if not chunk:
                            break
                        left -= len(chunk)
                        written += len(chunk)
                        if left < 0 or written > MAX_ZIP_BYTES:
                            raise UnsafeArchive(_("{path} is not a well-formed zip file (a member is larger than it says).").format(path=archive))
                        sink.write(chunk)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, RuntimeError) as exc:
        shutil.rmtree(root, ignore_errors=True)
        raise UnsafeArchive(_("{path} cannot be unpacked: {reason}.").format(path=archive, reason=exc)) from exc
    except UnsafeArchive:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return root


# -- discovery ----------------------------------------------------------------------------------------------
@dataclass
class Discovery:
    found: list[Found]
    skipped: list[str]  # one sentence per thing that was looked at and left out


class _Finder:
    def __init__(self, filenames: Sequence[str], workdir: Path, assignment: str | None) -> None:
        self.filenames = list(filenames)
        self.modules = {PurePosixPath(name).stem: name for name in self.filenames}
        self.workdir = workdir
        self.assignment = assignment
        self.found: list[Found] = []
        self.skipped: list[str] = []

    def add(self, student: str, path: Path, origin: str, display: str | None = None, lesson: str | None = None) -> None:
        if lesson is None and len(self.filenames) == 1:
            lesson = self.filenames[0]
        elif lesson is None and path.is_file():
            lesson = self.modules.get(path.stem) if path.suffix in SUBMISSION_SUFFIXES else None
        self.found.append(Found(student=safe_name(student), path=path, origin=origin, display=display or str(path), lesson=lesson))

    def picks(self, folder: Path) -> list[tuple[Path | None, str | None]]:
        """The files to grade in one student's folder, with the lesson each is for: each lesson's file (or its
        notebook); with none of them, a lone submission file (for one lesson: that lesson's), else nothing."""
        found: list[tuple[Path | None, str | None]] = []
        for filename in self.filenames:
            picked = _find_lesson_file(folder, filename)
            if picked is not None:
                found.append((picked, filename))
        if found:
            return found
        return [(pick_file(folder, self.filenames[0]) if len(self.filenames) == 1 else pick_file(folder, ""), None)]

    def add_folder(self, student: str, folder: Path, origin: str, display_root: tuple[Path, None] | None = None) -> None:
        for picked, lesson in self.picks(folder):
            self.add(student, picked or folder, origin, self._display(picked or folder, display_root), lesson)

    # one argument ------------------------------------------------------------------------------------
    def argument(self, path: Path) -> None:
        if path.is_dir():
            self.folder(path, top=True)
        elif path.suffix.lower() == ".zip" and path.is_file():
            self.folder(self._unzip(path), top=True, display_root=(path, None))
        elif path.is_file() and path.suffix in SUBMISSION_SUFFIXES:
            student = path.stem if path.stem not in self.modules else (path.resolve().parent.name or path.stem)
            self.add(student, path, "file")
        elif not path.exists():
            raise UsageError(_("{path} does not exist.").format(path=path))
        else:
            # not a submission type: grade it all the same, so the student gets a report saying why
            self.add(path.stem, path, "file")

    def _unzip(self, archive: Path) -> Path:
        root = extract_zip(archive, self.workdir)
        entries = _children(root)
        # a zip of one folder (as most "download all" buttons make): look inside it
        while len(entries) == 1 and entries[0].is_dir() and not self._is_submission_folder(entries[0]):
            root = entries[0]
            entries = _children(root)
        return root

    def _is_submission_folder(self, folder: Path) -> bool:
        return any((folder / name).is_file() for name in self.filenames) or (folder / ".git").exists()

    def folder(self, folder: Path, top: bool = False, display_root: tuple[Path, None] | None = None) -> None:
        if (folder / "submitted").is_dir() and not any((folder / name).is_file() for name in self.filenames):
            self.nbgrader(folder / "submitted")
            return
        if folder.name == "submitted" and self._looks_nbgrader(folder):
            self.nbgrader(folder)
            return
        if self._is_submission_folder(folder):
            name = folder.resolve().name if top else folder.name
            self.add_folder(name, folder, "repository" if (folder / ".git").exists() else "folder", display_root)
            return
        children = _children(folder)
        repos = [c for c in children if c.is_dir() and (c / ".git").exists()]
        prefix = _common_prefix([c.name for c in repos]) if len(repos) >= 2 and len(repos) == len([c for c in children if c.is_dir()]) else ""
        for child in children:
            if child.is_dir():
                origin = "repository" if (child / ".git").exists() else "folder"
                student = child.name[len(prefix):] if prefix and origin == "repository" else child.name
                self.add_folder(student, child, origin, display_root)
            elif child.suffix in SUBMISSION_SUFFIXES:
                self.add(child.stem, child, "file", self._display(child, display_root))
            elif child.suffix.lower() == ".zip":
                try:
                    inner = extract_zip(child, self.workdir)
                except UnsafeArchive as exc:
                    self.skipped.append(str(exc))
                    continue
                picks = self.picks(inner)
                entries = _children(inner)
                if picks[0][0] is None and len(entries) == 1 and entries[0].is_dir():
                    picks = self.picks(entries[0])
                for picked, lesson in picks:
                    self.add(child.stem, picked or inner, "zip", str(child) + (f":{picked.relative_to(inner)}" if picked else ""), lesson)
            else:
                self.skipped.append(_("{path}: not a submission (a .py file, an .ipynb notebook, a folder or a .zip).").format(path=child))
        if not children:
            self.skipped.append(_("{path} is empty.").format(path=folder))

    def _display(self, path: Path, display_root: tuple[Path, None] | None) -> str:
        if display_root is None:
            return str(path)
        archive = display_root[0]
        try:
            return f"{archive}:{path.relative_to(self.workdir).as_posix().split('/', 1)[-1]}"
        except ValueError:
            return str(path)

    def _looks_nbgrader(self, folder: Path) -> bool:
        students = [c for c in _children(folder) if c.is_dir()]
        return bool(students) and all(any(a.is_dir() for a in _children(s)) for s in students)

    def nbgrader(self, submitted: Path) -> None:
        """nbgrader's ``submitted/<student>/<assignment>/`` layout."""
        pairs = [(s, a) for s in _children(submitted) if s.is_dir() for a in _children(s) if a.is_dir()]
        assignments = sorted({a.name for _s, a in pairs})
        if self.assignment is not None:
            pairs = [(s, a) for s, a in pairs if a.name == self.assignment]
            if not pairs:
                raise UsageError(_("No submissions for assignment {name} in {path} (it has: {names}).").format(
                    name=self.assignment, path=submitted, names=", ".join(assignments) or "-"))
        elif len(assignments) > 1:
            raise UsageError(_("{path} holds several assignments ({names}): choose one with --assignment.").format(
                path=submitted, names=", ".join(assignments)))
        for student, assignment in pairs:
            for picked, lesson in self.picks(assignment):
                self.add(student.name, picked or assignment, "nbgrader", lesson=lesson)


def _common_prefix(names: Sequence[str]) -> str:
    """The shared ``<assignment>-`` prefix of GitHub Classroom's repository names, if every name has one."""
    prefix = os.path.commonprefix(list(names))
    cut = prefix.rfind("-")
    if cut <= 0:
        return ""
    prefix = prefix[: cut + 1]
    return prefix if all(len(n) > len(prefix) for n in names) else ""


RESERVED = {"gradebook.csv", "report.html"}  # names of files beside the students' folders in grade's output


def _unique(found: Iterable[Found]) -> list[Found]:
    """Student names unique within each lesson (one student has one submission per lesson)."""
    seen: dict[tuple[str | None, str], int] = {}
    result = []
    for item in found:
        if item.student.lower() in RESERVED:
            item = replace(item, student=f"{item.student}_")
        key = (item.lesson, item.student.lower())
        if key in seen:
            seen[key] += 1
            item = replace(item, student=f"{item.student}-{seen[key]}")
        else:
            seen[key] = 1
        result.append(item)
    return result


def discover(paths: Sequence[Path], filename: str | Sequence[str], workdir: Path, assignment: str | None = None,
             names: dict[str, set[str]] | None = None) -> Discovery:
    """Every submission under ``paths``; zip files are unpacked into ``workdir`` (which the caller removes).

    ``filename`` is the lesson's file, or the files of several lessons: each student's folder then gives one
    submission per lesson file it holds, each with its ``lesson``. A file whose name is no lesson's (``alice.py``)
    is given the lesson whose names it defines (``names``: per lesson file, the names its parts define; see
    :func:`guess_lesson`); one that matches none keeps ``lesson`` None."""
    filenames = [filename] if isinstance(filename, str) else list(filename)
    finder = _Finder(filenames, workdir, assignment)
    for path in paths:
        finder.argument(Path(path))
    found = finder.found
    if names:
        found = [item if item.lesson is not None or not item.path.is_file() else replace(item, lesson=guess_lesson(item.path, names))
                 for item in found]
    return Discovery(found=_unique(found), skipped=finder.skipped)


_DEFINITION = re.compile(r"^[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+([A-Za-z_]\w*)", re.MULTILINE)
GUESS_BYTES = 1024 * 1024  # a file larger than this is not looked into


def defined_names(path: Path) -> set[str]:
    """The names a file defines with ``def`` or ``class`` (a notebook's code cells), read as text: nothing is run
    or even parsed as Python, so a file with a syntax error still shows what it meant to define."""
    try:
        if path.stat().st_size > GUESS_BYTES:
            return set()
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return set()
    if path.suffix == ".ipynb":
        import json

        try:
            cells = json.loads(text).get("cells", [])
            text = "\n".join("".join(c["source"]) if isinstance(c.get("source"), list) else str(c.get("source", ""))
                              for c in cells if isinstance(c, dict) and c.get("cell_type") == "code")
        except (ValueError, AttributeError, TypeError, KeyError):
            return set()
    return set(_DEFINITION.findall(text))


def part_names(part_ids: Iterable[str]) -> set[str]:
    """The names a lesson's parts define: ``Layer.forward`` defines ``Layer`` and ``forward`` (dunders left out)."""
    return {name for part in part_ids for name in part.split(".") if not (name.startswith("__") and name.endswith("__"))}


def guess_lesson(path: Path, names: dict[str, set[str]]) -> str | None:
    """The lesson (its file name, a key of ``names``) a file is for, by the names it defines: the lesson with the
    largest share of its names defined, then with the most; None when it defines none of any lesson's, or on a tie."""
    defined = defined_names(path)
    scores = sorted(((len(defined & wanted) / len(wanted), len(defined & wanted), lesson)
                     for lesson, wanted in names.items() if wanted and defined & wanted), reverse=True)
    if not scores or (len(scores) > 1 and scores[0][:2] == scores[1][:2]):
        return None
    return scores[0][2]
