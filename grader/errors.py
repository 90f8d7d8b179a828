"""The grader's exceptions. Everything the grader raises on purpose derives from :class:`GraderError`."""

from __future__ import annotations


class GraderError(Exception):
    """Root of the grader's own errors."""


class UsageError(GraderError):
    """The grader was asked for something it cannot do (bad path, unknown lesson, bad option)."""


class SubmissionError(GraderError):
    """The submission cannot be read at all (missing, empty, binary, too large, not text)."""


class LessonError(GraderError):
    """A lesson folder is inconsistent; a kit author's mistake, not a student's."""


class ProtocolError(GraderError):
    """The child process sent something that is not a well-formed reply."""


class ChildStartError(GraderError):
    """The process that runs student code could not be started: a problem of the grader's environment (NumPy
    missing, a broken interpreter, a confinement that fails), never the student's. The message says what is
    wrong and what to install."""
