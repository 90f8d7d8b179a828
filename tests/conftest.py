"""Shared fixtures for the kit's tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from grader.lesson import Lesson, load_lesson

from .installed import InstalledGrader, InstalledGraderUnavailable, installed_grader

ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS = Path(__file__).resolve().parent / "submissions"
REFERENCE = ROOT / "solutions" / "neuron" / "neuron.py"
STUB = ROOT / "exercises" / "neuron" / "neuron.py"


@pytest.fixture(scope="session")
def lesson() -> Lesson:
    return load_lesson("neuron")


@pytest.fixture(scope="session")
def installed() -> InstalledGrader:
    """The kit's wheel, built from the working tree and pip-installed in a fresh venv (see tests/installed.py)."""
    try:
        return installed_grader()
    except InstalledGraderUnavailable as problem:
        pytest.skip(f"no fresh virtual environment with pip on this machine: {problem}")


def processes_with_mark(mark: str) -> list[int]:
    """Live process ids whose command line holds ``mark`` (Linux /proc): how tests find a submission's daemons."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and mark.encode() in Path(f"/proc/{entry}/cmdline").read_bytes():
                found.append(int(entry))
        except OSError:
            continue
    return found
