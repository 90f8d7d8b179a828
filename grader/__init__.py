"""An autograder for neural-network exercises written from scratch with NumPy.

Student code runs in a child process; the checks (Hypothesis properties), the scoring and the reports stay
here. The public API is small: :func:`check` grades one submission, :func:`load_lesson` reads a lesson folder.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .check import check  # noqa: E402
from .errors import GraderError, LessonError, SubmissionError, UsageError  # noqa: E402
from .lesson import load_lesson  # noqa: E402

__all__ = ["GraderError", "LessonError", "SubmissionError", "UsageError", "__version__", "check", "load_lesson"]
