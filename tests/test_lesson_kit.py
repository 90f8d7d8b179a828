"""The kit itself: stub and reference agree, the lesson folder validates, and a broken one does not."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

from click.testing import CliRunner

from grader.cli import main
from grader.validate import signatures, validate

from .conftest import REFERENCE, ROOT, STUB


def test_stub_and_reference_signatures_match() -> None:
    stub, reference = signatures(STUB.read_text()), signatures(REFERENCE.read_text())
    assert stub == reference
    assert stub == {"sigmoid": ["z"], "relu": ["z"], "Neuron.__init__": ["self", "n_inputs"], "Neuron.activate": ["self", "inputs"]}


def test_stub_mirrors_the_lesson_placeholders() -> None:
    text = STUB.read_text()
    assert text.count("import numpy as np") == 1
    for line in ("self.weights = ...", "self.bias = ...", "input_sum_with_bias = ...", "output = ...", "return output"):
        assert line in text
    tree = ast.parse(text)
    functions = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    for name in ("sigmoid", "relu", "__init__", "activate"):
        assert ast.get_docstring(functions[name]), f"{name} has no docstring"


def test_reference_takes_the_lesson_approach() -> None:
    text = REFERENCE.read_text()
    for piece in ("np.random.uniform(-1, 1, size=n_inputs)", "np.random.uniform(-1, 1)", "np.dot", "1 / (1 + np.exp(-z))", "np.maximum(0, z)"):
        assert piece in text


def test_validate_passes_for_the_kit() -> None:
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 0, result.output
    assert "neuron: valid" in result.output


def _copy_lesson(tmp_path: Path) -> Path:
    target = tmp_path / "neuron"
    shutil.copytree(ROOT / "exercises" / "neuron", target)
    toml = target / ".meta" / "lesson.toml"
    toml.write_text(toml.read_text().replace('reference = "../../solutions/neuron/neuron.py"', f'reference = "{REFERENCE}"'))
    return target


def test_validate_finds_a_property_without_hint_or_implementation(tmp_path: Path) -> None:
    folder = _copy_lesson(tmp_path)
    toml = folder / ".meta" / "lesson.toml"
    text = toml.read_text()
    text += '\n[[properties]]\nid = "relu.extra"\npart = "relu"\npoints = 1\ntitle = "an extra property"\n'
    toml.write_text(text)
    result = validate(folder, grade=False)
    assert not result.ok
    failed = [f.what for f in result.findings if not f.ok]
    assert "property relu.extra has a hint" in failed
    assert "property relu.extra is implemented" in failed


def test_validate_finds_a_solved_stub(tmp_path: Path) -> None:
    folder = _copy_lesson(tmp_path)
    (folder / "neuron.py").write_text(REFERENCE.read_text())
    result = validate(folder, grade=True)
    assert not result.ok
    assert any(not f.ok and "untouched stub gets 0" in f.what for f in result.findings)
