"""Finding and reading a submission before anything of it runs: a file, or a folder holding the lesson's file."""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from pathlib import Path

from .errors import SubmissionError
from .i18n import _

MAX_BYTES = 1024 * 1024  # a neuron in more than a megabyte of source is not a submission


@dataclass(frozen=True)
class Submission:
    """The bytes of one submission and how to name it in reports."""

    source: bytes
    display: str
    path: Path | None = None
    notes: tuple[str, ...] = ()  # told to the student in the report, e.g. what a notebook's conversion left out
    beside: tuple[tuple[str, bytes], ...] = ()  # the student's own data files next to the lesson's file (name, bytes)
    cells: tuple[tuple[int, int], ...] = ()  # a notebook's: (line of the source where a cell begins, the cell's number)


BESIDE_FILES = 32  # data files copied next to the submission's copy, at most ...
BESIDE_BYTES = 1024 * 1024  # ... of at most this size each


def files_beside(target: Path, filename: str) -> tuple[tuple[str, bytes], ...]:
    """The small data files next to the lesson's file (``neuron.py``, not ``alice.py`` in a class folder),
    which the student's code may read as it would at home: regular files only, no links, no hidden files,
    no Python or notebook files, at most BESIDE_FILES of at most BESIDE_BYTES each."""
    if target.name != filename and target.stem != Path(filename).stem:
        return ()
    found: list[tuple[str, bytes]] = []
    try:
        entries = sorted(target.parent.iterdir())
    except OSError:
        return ()
    for entry in entries:
        if len(found) >= BESIDE_FILES:
            break
        if entry.name.startswith(".") or entry.suffix.lower() in (".py", ".ipynb", ".pyc") or entry.is_symlink():
            continue
        try:
            if not entry.is_file() or entry.stat().st_size > BESIDE_BYTES:
                continue
            found.append((entry.name, entry.read_bytes()))
        except OSError:
            continue
    return tuple(found)


def locate(path: Path, filename: str) -> Path:
    """The file to grade for ``path``: the file itself, or ``filename`` inside a folder."""
    try:
        if path.is_symlink():
            try:
                os.stat(path)
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    raise SubmissionError(_("{path} is a symbolic link that points to itself (a loop of links).").format(path=path)) from exc
                raise SubmissionError(_("{path} is a broken symbolic link.").format(path=path)) from exc
        if path.is_dir():
            candidate = path / filename
            if not candidate.is_file() and candidate.with_suffix(".ipynb").is_file():
                candidate = candidate.with_suffix(".ipynb")  # the lesson's file as a notebook
            if not candidate.is_file():
                found = sorted(p.name for p in path.iterdir() if p.suffix in (".py", ".ipynb"))
                also = _(" (it holds: {files})").format(files=", ".join(found[:5])) if found else ""
                raise SubmissionError(_("The folder {path} has no {name}{also}.").format(path=path, name=filename, also=also))
            return candidate
        if not path.exists():
            if path.is_symlink():
                raise SubmissionError(_("{path} is a broken symbolic link.").format(path=path))
            raise SubmissionError(_("{path} does not exist.").format(path=path))
        if not path.is_file():
            raise SubmissionError(_("{path} is not a file.").format(path=path))
        return path
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise SubmissionError(_("{path} is a symbolic link that points to itself.").format(path=path)) from exc
        raise SubmissionError(_("{path} cannot be read: {reason}.").format(path=path, reason=exc.strerror or exc)) from exc


def check_source(source: bytes, display: str) -> None:
    """Reject what cannot be Python source before it reaches a child process."""
    if not source.strip():
        raise SubmissionError(_("{path} is empty.").format(path=display))
    if len(source) > MAX_BYTES:
        raise SubmissionError(
            _("{path} is {size} MB; a submission is at most {limit} MB of source.").format(
                path=display, size=f"{len(source) / 1e6:.1f}", limit=f"{MAX_BYTES / 1e6:.0f}"
            )
        )
    if b"\x00" in source:
        raise SubmissionError(_("{path} is a binary file, not Python source.").format(path=display))
    try:
        source.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SubmissionError(
            _("{path} is not UTF-8 text (byte {offset} cannot be read); save it as UTF-8.").format(path=display, offset=exc.start)
        ) from exc


def read_submission(path: Path, filename: str) -> Submission:
    """Locate and read a submission; raise SubmissionError with one clear sentence if it cannot be graded."""
    target = locate(path, filename)
    if target.suffix.lower() == ".ipynb":
        from .notebook import read_notebook  # notebooks: code cells only, magics dropped (see grader/notebook.py)

        return read_notebook(target, str(path))
    try:
        size = target.stat().st_size
        if size > MAX_BYTES:  # not read at all
            raise SubmissionError(
                _("{path} is {size} MB; a submission is at most {limit} MB of source.").format(
                    path=path, size=f"{size / 1e6:.1f}", limit=f"{MAX_BYTES / 1e6:.0f}"
                )
            )
        source = target.read_bytes()
    except OSError as exc:
        raise SubmissionError(_("{path} cannot be read: {reason}.").format(path=target, reason=exc.strerror or exc)) from exc
    check_source(source, str(path))
    return Submission(source=source, display=str(path), path=target, beside=files_beside(target, filename))
