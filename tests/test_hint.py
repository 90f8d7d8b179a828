"""`grader hint [PART]`: the next hint for the first test that is not yet right, one step further each time,
remembered per submission; never the reference solution."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.hint import next_hint, render, state_file
from grader.i18n import set_language
from grader.lesson import Lesson

from ._mistakes import MISTAKES, Mistake, submission
from .conftest import REFERENCE, STUB

NO_LOCALE = {"LANGUAGE": None, "LC_ALL": None, "LC_MESSAGES": None, "LANG": None}


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> object:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    set_language("en")
    yield
    set_language("en")


def student(tmp_path: Path, code: str, answers: str | None = None) -> Path:
    folder = tmp_path / "student"
    folder.mkdir(exist_ok=True)
    (folder / "neuron.py").write_text(code, encoding="utf-8")
    if answers is not None:
        (folder / "quiz.toml").write_text(answers, encoding="utf-8")
    return folder / "neuron.py"


def hint(*args: str, env: dict[str, str | None] | None = None) -> str:
    result = CliRunner().invoke(main, ["hint", *args], env={**NO_LOCALE, **(env or {})})
    assert result.exit_code == 0, result.output
    return result.output


def test_hints_go_one_step_further_each_time_and_stop_at_the_last(lesson: Lesson, tmp_path: Path) -> None:
    path = student(tmp_path, STUB.read_text(encoding="utf-8"))
    spec = lesson.properties_of("sigmoid")[0]
    first, second, third = (hint("-s", str(path)) for _ in range(3))
    assert first.startswith("sigmoid(z) · " + spec.title)
    assert f"Hint 1 of {len(spec.hints)}: {spec.hints[0]}" in first and "again for the next hint" in first
    assert f"Hint 2 of {len(spec.hints)}: {spec.hints[1]}" in second and "last hint" in second
    assert third == second  # no further: the last hint again
    assert state_file().is_file()


def test_hints_are_remembered_per_submission_and_reset(tmp_path: Path) -> None:
    path = student(tmp_path, STUB.read_text(encoding="utf-8"))
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(STUB, other / "neuron.py")
    assert "Hint 1 of" in hint("-s", str(path))
    assert "Hint 2 of" in hint("-s", str(path))
    assert "Hint 1 of" in hint("-s", str(other / "neuron.py"))  # another submission starts afresh
    assert "Hint 1 of" in hint("-s", str(path), "--reset")


def test_the_first_part_not_yet_right_and_a_chosen_part(tmp_path: Path) -> None:
    pieces = {**MISTAKES["relu.abs"].pieces, **MISTAKES["activate.bias-forgotten"].pieces}
    path = student(tmp_path, submission("two", Mistake("two", pieces)))
    out = hint(str(path))  # a path given as PART is the submission
    assert out.startswith("relu(z) · ")
    assert "Use np.maximum(0, z), not abs(z)." in out  # the diagnosis's hint comes first
    assert hint("-s", str(path), "Neuron.activate").startswith("Neuron.activate(inputs) · ")
    assert "sigmoid is right: no hint needed." in hint("-s", str(path), "sigmoid")


def test_quiz_hints(tmp_path: Path) -> None:
    path = student(tmp_path, REFERENCE.read_text(encoding="utf-8"), 'bias = ""\ninit = "c"\n')
    out = hint("-s", str(path))
    assert out.startswith("Quiz · the role of the bias")
    assert "Hint 1 of 2: Look at the step where the bias comes in" in out
    assert "Hint 1 of 2" in hint("-s", str(path), "quiz", "--reset")


def test_everything_right(tmp_path: Path) -> None:
    path = student(tmp_path, REFERENCE.read_text(encoding="utf-8"), 'bias = "b"\ninit = "c"\n')
    assert hint("-s", str(path)) == "Everything is right: no hint needed.\n"


def test_hints_in_dutch(tmp_path: Path) -> None:
    path = student(tmp_path, STUB.read_text(encoding="utf-8"))
    out = hint("-s", str(path), "relu", "--lang", "nl")
    assert out.startswith("relu(z) · is gelijk aan max(0, z) voor losse getallen")
    assert "Hint 1 van 2: relu laat een positieve z" in out and "Voer grader hint nog eens uit" in out
    assert "Hint 2 van 2" in hint("-s", str(path), "relu", env={"LANG": "nl_NL.UTF-8"})


def test_bad_part_and_missing_answers_are_usage_errors(tmp_path: Path) -> None:
    path = student(tmp_path, STUB.read_text(encoding="utf-8"))
    runner = CliRunner()
    result = runner.invoke(main, ["hint", "-s", str(path), "softmax"], env=NO_LOCALE)
    assert result.exit_code == 2 and "unknown part softmax" in result.output and "Neuron.activate" in result.output
    result = runner.invoke(main, ["hint", "-s", str(path), "quiz"], env=NO_LOCALE)
    assert result.exit_code == 2 and "no quiz answers found" in result.output


def test_no_hint_prints_the_reference(lesson: Lesson, tmp_path: Path) -> None:
    path = student(tmp_path, STUB.read_text(encoding="utf-8"), 'bias = ""\ninit = ""\n')
    without_reference = dataclasses.replace(lesson, reference=tmp_path / "no-such-reference.py")
    shown = []
    for part in [p.id for p in lesson.parts] + ["quiz"]:
        for _ in range(4):
            result = next_hint(path, without_reference, part, isolation="basic")
            assert result.text is not None  # the hints come from the metadata, not from the reference
            shown.append(render(result))
    text = "\n".join(shown)
    reference = REFERENCE.read_text(encoding="utf-8")
    definitions = [line.strip() for line in reference.splitlines() if line.strip().startswith(("def ", "class "))]
    assert len(definitions) == 5
    for line in definitions:
        assert line not in text
    functions = ["\n".join(block.splitlines()[1:]) for block in reference.split("\n\n\n")[1:]]
    for body in functions:
        assert body.strip() and body not in text
