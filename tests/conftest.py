"""Shared fixtures for the kit's tests."""

from __future__ import annotations

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
