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
from dataclasses import dataclass
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


def pick_file(folder: Path, filename: str) -> Path | None:
    """The file to grade in one student's folder: the lesson's file, else its notebook, else a lone submission file."""
    found = _find_in_tree(folder, filename)
    if found is not None:
        return found
    notebook = _find_in_tree(folder, str(PurePosixPath(filename).with_suffix(".ipynb")))
    if notebook is not None:
        return notebook
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
    def __init__(self, filename: str, workdir: Path, assignment: str | None) -> None:
        self.filename = filename
        self.module = PurePosixPath(filename).stem
        self.workdir = workdir
        self.assignment = assignment
        self.found: list[Found] = []
        self.skipped: list[str] = []

    def add(self, student: str, path: Path, origin: str, display: str | None = None) -> None:
        self.found.append(Found(student=safe_name(student), path=path, origin=origin, display=display or str(path)))

    # one argument ------------------------------------------------------------------------------------
    def argument(self, path: Path) -> None:
        if path.is_dir():
            self.folder(path, top=True)
        elif path.suffix.lower() == ".zip" and path.is_file():
            self.folder(self._unzip(path), top=True, display_root=(path, None))
        elif path.is_file() and path.suffix in SUBMISSION_SUFFIXES:
            student = path.stem if path.stem != self.module else (path.resolve().parent.name or path.stem)
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
        return (folder / self.filename).is_file() or (folder / ".git").exists()

    def folder(self, folder: Path, top: bool = False, display_root: tuple[Path, None] | None = None) -> None:
        if (folder / "submitted").is_dir() and not (folder / self.filename).is_file():
            self.nbgrader(folder / "submitted")
            return
        if folder.name == "submitted" and self._looks_nbgrader(folder):
            self.nbgrader(folder)
            return
        if self._is_submission_folder(folder):
            picked = pick_file(folder, self.filename)
            name = folder.resolve().name if top else folder.name
            self.add(name, picked or folder, "repository" if (folder / ".git").exists() else "folder", self._display(picked or folder, display_root))
            return
        children = _children(folder)
        repos = [c for c in children if c.is_dir() and (c / ".git").exists()]
        prefix = _common_prefix([c.name for c in repos]) if len(repos) >= 2 and len(repos) == len([c for c in children if c.is_dir()]) else ""
        for child in children:
            if child.is_dir():
                picked = pick_file(child, self.filename)
                origin = "repository" if (child / ".git").exists() else "folder"
                student = child.name[len(prefix):] if prefix and origin == "repository" else child.name
                self.add(student, picked or child, origin, self._display(picked or child, display_root))
            elif child.suffix in SUBMISSION_SUFFIXES:
                self.add(child.stem, child, "file", self._display(child, display_root))
            elif child.suffix.lower() == ".zip":
                try:
                    inner = extract_zip(child, self.workdir)
                except UnsafeArchive as exc:
                    self.skipped.append(str(exc))
                    continue
                picked = pick_file(inner, self.filename)
                entries = _children(inner)
                if picked is None and len(entries) == 1 and entries[0].is_dir():
                    picked = pick_file(entries[0], self.filename)
                self.add(child.stem, picked or inner, "zip", str(child) + (f":{picked.relative_to(inner)}" if picked else ""))
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
            picked = pick_file(assignment, self.filename)
            self.add(student.name, picked or assignment, "nbgrader")


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
    seen: dict[str, int] = {}
    result = []
    for item in found:
        if item.student.lower() in RESERVED:
            item = Found(student=f"{item.student}_", path=item.path, origin=item.origin, display=item.display)
        key = item.student.lower()
        if key in seen:
            seen[key] += 1
            item = Found(student=f"{item.student}-{seen[key]}", path=item.path, origin=item.origin, display=item.display)
        else:
            seen[key] = 1
        result.append(item)
    return result


def discover(paths: Sequence[Path], filename: str, workdir: Path, assignment: str | None = None) -> Discovery:
    """Every submission under ``paths``; zip files are unpacked into ``workdir`` (which the caller removes)."""
    finder = _Finder(filename, workdir, assignment)
    for path in paths:
        finder.argument(Path(path))
    return Discovery(found=_unique(finder.found), skipped=finder.skipped)
