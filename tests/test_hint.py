"""`grader hint [PATH] [PART]`: the next hint for the first part that is not yet right, one step further each
time, from a pointer to a concrete one, then on to the next part; remembered per submission; never the
reference solution, and no hint holds a line that solves a part."""

from __future__ import annotations

import ast
import dataclasses
import re
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


def test_hints_go_from_pointers_to_concrete_ones_then_on_to_the_next_part(lesson: Lesson, tmp_path: Path) -> None:
    path = student(tmp_path, STUB.read_text(encoding="utf-8"))
    specs = lesson.properties_of("sigmoid")
    # every property's first hint, then every second one: the vaguest first
    expected = [(spec.title, spec.hints[level]) for level in range(2) for spec in specs]
    total = len(expected)
    shown = [hint(str(path)) for _ in range(total)]
    for number, (out, (title, text)) in enumerate(zip(shown, expected, strict=True), start=1):
        assert out.startswith(f"sigmoid(z) · {title}\n"), out
        assert f"Hint {number} of {total}: {text}" in out
    assert all("again for the next hint" in out for out in shown[:-1])
    assert "That was the last hint for this part; run grader hint again for a hint on relu(z)." in shown[-1]
    after = hint(str(path))  # not the last hint again: the next part that is not right
    relu = lesson.properties_of("relu")[0]
    assert after.startswith(f"relu(z) · {relu.title}\n") and "Hint 1 of " in after and relu.hints[0] in after
    assert state_file().is_file()


def test_after_every_hint_it_says_so_and_a_reset_starts_over(tmp_path: Path) -> None:
    path = student(tmp_path, REFERENCE.read_text(encoding="utf-8").replace("return np.maximum(0, z)", "return np.abs(z)"),
                   'bias = "b"\ninit = "c"\n')
    outs = [hint(str(path), "--isolation", "basic") for _ in range(12)]
    assert all(out.startswith("relu(z) · ") for out in outs if "Hint " in out)
    last = next(i for i, out in enumerate(outs) if "That was the last hint for this part." in out)
    assert all("again for the next hint" in out for out in outs[:last])
    assert all(out.startswith("You have seen every hint") and "--reset" in out for out in outs[last + 1:])
    assert "Hint 1 of" in hint(str(path), "--isolation", "basic", "--reset")


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
    out = hint(str(path))
    assert out.startswith("relu(z) · ")
    outs = [out] + [hint(str(path), "relu") for _ in range(8)]
    relu = [o for o in outs if "Hint " in o]
    # the diagnosed mistake's hint is the most concrete: the part's last
    assert "Which NumPy function keeps the larger of 0 and z?" in relu[-1] and "last hint for this part" in relu[-1]
    assert not any("Which NumPy function keeps" in o for o in relu[:-1])
    assert hint(str(path), "Neuron.activate").startswith("Neuron.activate(inputs) · ")
    assert hint("Neuron.activate", str(path)).startswith("Neuron.activate(inputs) · ")  # either order
    assert "sigmoid is right: no hint needed." in hint(str(path), "sigmoid")


def test_quiz_hints(tmp_path: Path) -> None:
    path = student(tmp_path, REFERENCE.read_text(encoding="utf-8"), 'bias = ""\ninit = "c"\n')
    out = hint("-s", str(path))
    assert out.startswith("Quiz · the role of the bias")
    assert "Hint 1 of 2: Look at the step where the bias comes in" in out
    assert "Hint 1 of 2" in hint("-s", str(path), "quiz", "--reset")


def test_everything_right(tmp_path: Path) -> None:
    path = student(tmp_path, REFERENCE.read_text(encoding="utf-8"), 'bias = "b"\ninit = "c"\n')
    assert hint("-s", str(path)) == "Everything is right: no hint needed.\n"


def test_hints_in_dutch(lesson: Lesson, tmp_path: Path) -> None:
    path = student(tmp_path, STUB.read_text(encoding="utf-8"))
    total = sum(len(spec.hints) for spec in lesson.properties_of("relu"))
    out = hint(str(path), "relu", "--lang", "nl")
    assert out.startswith("relu(z) · is gelijk aan max(0, z) voor losse getallen")
    assert f"Hint 1 van {total}: relu laat een positieve z" in out and "Voer grader hint nog eens uit" in out
    assert f"Hint 2 van {total}" in hint(str(path), "relu", env={"LANG": "nl_NL.UTF-8"})
    for _ in range(total - 3):
        hint(str(path), "relu", "--lang", "nl")
    assert "Dat was de laatste hint voor dit onderdeel." in hint(str(path), "relu", "--lang", "nl")
    assert hint(str(path), "relu", "--lang", "nl").startswith("Je hebt elke hint gezien")


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


def test_path_is_positional_as_for_check_and_s_is_a_hidden_alias(tmp_path: Path) -> None:
    path = student(tmp_path, STUB.read_text(encoding="utf-8"))
    positional = hint(str(path), "relu")
    assert positional.startswith("relu(z) · ") and "Hint 1 of" in positional
    assert "Hint 2 of" in hint("-s", str(path), "relu")  # the same submission, the next step
    assert "Hint 3 of" in hint("--submission", str(path), "relu")
    help_text = hint("--help")
    assert "[PATH] [PART]" in help_text and "--submission" not in help_text and "-s," not in help_text
    assert "stop short of the solution" in help_text
    result = CliRunner().invoke(main, ["hint", str(path), "relu", "sigmoid"], env=NO_LOCALE)
    assert result.exit_code == 2 and "unexpected argument sigmoid" in result.output


def test_no_hint_for_code_that_cannot_be_graded_only_why(tmp_path: Path) -> None:
    path = student(tmp_path, "import numpy as np\n\ndef sigmoid(z)\n    return 1\n")
    out = hint(str(path), "--isolation", "basic")
    assert out.splitlines()[0].startswith("Python cannot read your file: a syntax error on line 3")
    assert "Hint" not in out and not state_file().exists()


def _normalised(code: str) -> str:
    """Code as compared: no white space, numpy written np, keyword size= left out (uniform(-1, 1, n) is the same)."""
    return re.sub(r"\s+", "", code).replace("numpy.", "np.").replace("size=", "")


def solving_lines(reference: Path) -> dict[str, str]:
    """Every statement of the reference's function bodies, and the value each computes unless it is a bare name
    or constant, normalised; each mapped to its function's name."""
    found: dict[str, str] = {}
    for node in ast.walk(ast.parse(reference.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.FunctionDef):
            continue
        for statement in node.body:
            if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
                continue  # the docstring
            found[_normalised(ast.unparse(statement))] = node.name
            value = getattr(statement, "value", None)
            if isinstance(value, ast.expr) and not isinstance(value, (ast.Name, ast.Constant)):
                found[_normalised(ast.unparse(value))] = node.name
    return found


def every_hint(lesson_id: str = "neuron") -> list[tuple[str, str]]:
    """(where, text) of every hint a student can be shown, in the current language."""
    from grader.diagnosis import Finding, load_diagnoses
    from grader.i18n import _
    from grader.lesson import load_lesson
    from grader.quiz import load_quiz

    the_lesson = load_lesson(lesson_id)
    hints = [(spec.id, text) for spec in the_lesson.properties for text in spec.hints]
    diagnoses = load_diagnoses(the_lesson.folder, the_lesson.id)
    hints += [(key, spec.text(Finding(key))[1]) for key, spec in diagnoses.specs.items()]
    quiz = load_quiz(the_lesson.folder)
    hints += [(question.id, _(text)) for question in (quiz.questions if quiz else ()) for text in question.hints]
    return hints


def test_the_solving_lines_are_found_and_the_check_can_fail() -> None:
    lines = solving_lines(REFERENCE)
    assert _normalised("np.maximum(0, z)") in lines and _normalised("return np.maximum(0, z)") in lines
    assert _normalised("self.bias = np.random.uniform(-1, 1)") in lines
    assert _normalised("return output") in lines  # a statement counts even when its value is a bare name
    assert "output" not in lines  # ... but the bare name alone does not
    leaky = _normalised("Use np.random.uniform(-1, 1, n_inputs).")
    assert any(line in leaky for line in lines)  # an old hint of the lesson: caught, even without size=


@pytest.mark.parametrize("language", ["en", "nl"])
def test_no_hint_holds_a_line_that_solves_a_part(language: str) -> None:
    lines = solving_lines(REFERENCE)
    set_language(language)
    hints = every_hint()
    assert len(hints) > 40
    leaks = [(where, text, line) for where, text in hints for line in lines if line in _normalised(text)]
    assert not leaks, "\n".join(f"{where}: {text!r} holds {line!r}" for where, text, line in leaks)
