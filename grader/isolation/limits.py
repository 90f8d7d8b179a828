"""Limits on a submission's child process, and one sentence for each way a child can break one.

The limits come from the lesson's ``[limits]`` table (``exercises/<lesson>/.meta/lesson.toml``) and can be
overridden on the command line. The child applies the resource limits to itself (``resource.setrlimit``)
before it reads a line of the submission; the parent enforces the wall-clock limits.
"""

from __future__ import annotations

import signal
from dataclasses import asdict, dataclass, fields
from typing import Any

from ..i18n import _

MIB = 1024 * 1024
GIB = 1024 * MIB


@dataclass(frozen=True)
class Limits:
    """Time and size limits for one submission's child process."""

    call_seconds: float = 2.0  # wall clock for one call (one program of operations)
    import_seconds: float = 10.0  # wall clock for starting the child and importing the submission
    submission_seconds: float = 120.0  # wall clock for grading the whole submission
    cpu_seconds: float = 60.0  # CPU time of one child process, all calls together
    memory_bytes: int = GIB  # address space of the child process
    file_bytes: int = 16 * MIB  # largest file the child may write
    processes: int = 64  # processes and threads the child may run at once (enforced when the grader runs as root)
    open_files: int = 256  # file descriptors the child may hold
    output_bytes: int = 500  # characters of printed output shown in the report; the rest is cut with a note

    def child_rlimits(self) -> dict[str, int]:
        """What the child process sets with ``resource.setrlimit`` (plain data: it crosses the pipe)."""
        return {
            "cpu": max(1, int(self.cpu_seconds + 0.999)),
            "as": int(self.memory_bytes),
            "fsize": int(self.file_bytes),
            "nproc": int(self.processes),
            "nofile": int(self.open_files),
        }


INT_FIELDS = {"memory_bytes", "file_bytes", "processes", "open_files", "output_bytes"}
FIELD_NAMES = tuple(f.name for f in fields(Limits))


def make_limits(*layers: dict[str, Any] | None) -> Limits:
    """Limits from the defaults overlaid with each layer in turn (lesson metadata, then the command line).

    Unknown keys and ``None`` values are ignored; a value that is not a positive number raises ValueError.
    """
    values: dict[str, Any] = asdict(Limits())
    for layer in layers:
        for key, raw in (layer or {}).items():
            if raw is None or key not in FIELD_NAMES:
                continue
            number = float(raw)
            if not number > 0:
                raise ValueError(f"limit {key} must be positive, not {raw!r}")
            values[key] = int(number) if key in INT_FIELDS else number
    return Limits(**values)


def size_text(n: int) -> str:
    """1073741824 -> '1 GiB', 16777216 -> '16 MiB'."""
    for unit, size in (("GiB", GIB), ("MiB", MIB), ("KiB", 1024)):
        if n >= size:
            value = n / size
            return f"{value:g} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n} B"


def seconds_text(s: float) -> str:
    return f"{s:g}"


def describe_exit(code: int | None) -> str:
    """What an exit status means, in words: 'exit code 3', 'killed by SIGKILL'."""
    if code is None:
        return _("it was still running")
    if code < 0:
        try:
            return _("killed by {signal}").format(signal=signal.Signals(-code).name)
        except ValueError:
            return _("killed by signal {number}").format(number=-code)
    return _("exit code {code}").format(code=code)


def classify_exit(code: int | None, wrapped: bool) -> tuple[str, str]:
    """The kind of death ('cpu', 'crash') and its detail for an exit status of the child, or of what wraps it
    (bubblewrap, or the reaper), which reports a child killed by signal N as exit status 128 + N."""
    if code is not None and wrapped and code > 128 and code - 128 < 65:
        code = -(code - 128)
    if code is not None and code < 0 and -code == signal.SIGXCPU:
        return "cpu", describe_exit(code)
    return "crash", describe_exit(code)


def describe_death(kind: str, seconds: float, detail: str, limits: Limits | None = None) -> str:
    """One sentence (without the final full stop) for a call that hung, crashed or broke a limit."""
    limits = limits or Limits()
    if kind == "timeout":
        return _("it timed out after {seconds} s (an endless loop?)").format(seconds=seconds_text(seconds))
    if kind == "submission_timeout":
        return _("grading your whole submission timed out after {seconds} s").format(seconds=seconds_text(limits.submission_seconds))
    if kind == "memory":
        return _("it ran out of memory (limit {limit})").format(limit=size_text(limits.memory_bytes))
    if kind == "cpu":
        return _("it used more than {seconds} s of CPU time").format(seconds=seconds_text(limits.cpu_seconds))
    if kind == "crash":
        if "SIGSEGV" in detail or "SIGBUS" in detail:
            return _("it crashed the process that runs your code ({detail}; endless recursion can do this)").format(detail=detail)
        return _("it stopped the process that runs your code ({detail})").format(detail=detail)
    return _("it sent back something the grader could not read ({detail})").format(detail=detail)


def overrides(call_seconds: float | None = None, submission_seconds: float | None = None, cpu_seconds: float | None = None,
              memory_mib: float | None = None, file_mib: float | None = None, output_bytes: int | None = None) -> dict[str, float] | None:
    """Limits given on the command line (sizes in MiB), as overrides for :func:`make_limits`; None if none was."""
    values: dict[str, float | None] = {
        "call_seconds": call_seconds,
        "submission_seconds": submission_seconds,
        "cpu_seconds": cpu_seconds,
        "memory_bytes": memory_mib * MIB if memory_mib is not None else None,
        "file_bytes": file_mib * MIB if file_mib is not None else None,
        "output_bytes": output_bytes,
    }
    given = {key: value for key, value in values.items() if value is not None}
    return given or None
