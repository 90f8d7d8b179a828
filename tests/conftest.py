"""Shared fixtures for the kit's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.lesson import Lesson, load_lesson

ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS = Path(__file__).resolve().parent / "submissions"
REFERENCE = ROOT / "solutions" / "neuron" / "neuron.py"
STUB = ROOT / "exercises" / "neuron" / "neuron.py"


@pytest.fixture(scope="session")
def lesson() -> Lesson:
    return load_lesson("neuron")
