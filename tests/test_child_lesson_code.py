"""A lesson's own code in the child: objects and callables the grader passes into the student's code (from the
lesson's trusted child module), the lesson's helper modules beside the submission, objects kept between the
operations of one program, dotted attribute paths, matrices both ways, and arguments watched for changes."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from grader.api import call, lesson_ref, method, new, obj, slot_ref
from grader.isolation import modes
from grader.isolation.runner import Child, Limits
from grader.lesson import CHILD_MODULE, child_files, load_lesson

from .conftest import ROOT

MODES = [pytest.param("sandbox", marks=pytest.mark.skipif(modes.sandbox_problem() is not None, reason="no sandbox here")),
         pytest.param("landlock", marks=pytest.mark.skipif(modes.landlock_problem() is not None, reason="no Landlock here")),
         "basic"]

LESSON_CHILD = b'''
import numpy as np

class Affine:
    """An activation the grader parameterises per example: a student cannot special-case it."""
    def __init__(self, a, b):
        self.a, self.b = a, b
        self.calls = []
    def __call__(self, z):
        self.calls.append(np.array(z, dtype=float).tolist())
        return self.a * np.asarray(z) + self.b

class Recorder:
    def __init__(self, scale):
        self.scale = scale
        self.seen = []
    def forward(self, x):
        self.seen.append(np.asarray(x, dtype=float).copy())
        return self.scale * np.asarray(x)

double = Affine(2.0, 0.0)
'''

SUBMISSION = b'''
import numpy as np
from given import OFFSET

def apply(f, x):
    return f(x)

class Layer:
    def forward(self, inputs):
        self.inputs = np.array(inputs).reshape(-1, 1)
        self.outputs = self.weights @ self.inputs + self.biases
        return self.activation(self.outputs)

class Chain:
    def __init__(self, layers):
        self.layers = layers
    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x + OFFSET

def scale_in_place(x):
    x *= 2
    return x
'''


def start(mode: str, source: bytes = SUBMISSION) -> Child:
    beside = (("given.py", b"OFFSET = 0.0\n"), (CHILD_MODULE, LESSON_CHILD))
    child = Child(source, "student", ["apply", "Layer", "Chain", "scale_in_place"], Limits(), isolation=modes.resolve(mode),
                  beside=beside, lesson_module=CHILD_MODULE)
    report = child.start()
    assert report.error is None, report
    return child


@pytest.mark.parametrize("mode", MODES)
def test_the_lessons_callables_and_objects_reach_the_students_code(mode: str) -> None:
    child = start(mode)
    try:
        weights = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
        biases = np.array([[0.5], [-0.5], [1.0]])
        program = [
            call("apply", lesson_ref("Affine", 3.0, 1.0), 2.0),
            call("apply", lesson_ref("double"), np.array([1.0, -2.0])),
            obj("Layer", "layer", weights=weights, biases=biases, activation=lesson_ref("Affine", 1.0, 0.0)),
            method("layer", "forward", [1.0, 1.0], attrs=("inputs", "outputs", "activation.calls")),
            new("Recorder", 2.0, slot="r1", lesson=True),
            new("Recorder", -1.0, slot="r2", lesson=True),
            new("Chain", [slot_ref("r1"), slot_ref("r2")], slot="chain"),
            method("chain", "forward", np.array([[1.0], [2.0]]), attrs=("layers.0.seen", "layers.1.seen", "layers.2")),
            method("layer", "forward", np.array([1.0, 0.0]), watch_args=True),
            call("scale_in_place", np.array([1.0, 2.0]), watch_args=True),
        ]
        out = child.run([program])[0]
    finally:
        child.close()
    assert out[0].value is not None and out[0].value.number == 7.0
    assert out[1].value is not None and np.array_equal(out[1].value.array, [2.0, -4.0])
    forward = out[3]
    assert forward.raised is None and forward.value is not None
    assert np.array_equal(forward.value.array, weights @ np.ones((2, 1)) + biases)  # a matrix came back, shape (3, 1)
    assert forward.value.array.shape == (3, 1)
    assert np.array_equal(forward.attrs["inputs"].array, [[1.0], [1.0]])  # type: ignore[union-attr]
    assert forward.attrs["activation.calls"].kind == "list"  # type: ignore[union-attr]
    chained = out[7]
    assert chained.value is not None and np.array_equal(chained.value.array, [[-2.0], [-4.0]])
    assert chained.attrs["layers.2"].kind == "missing"  # type: ignore[union-attr]
    assert chained.attrs["layers.1.seen"].kind == "list"  # type: ignore[union-attr]
    assert out[8].args_after is not None and np.array_equal(out[8].args_after[0].array, [1.0, 0.0])  # forward left it alone
    assert out[9].args_after is not None and np.array_equal(out[9].args_after[0].array, [2.0, 4.0])  # this one did not


def test_the_lessons_helper_wins_over_a_students_file_of_that_name(tmp_path: Path) -> None:
    folder = tmp_path / "lesson"
    shutil.copytree(ROOT / "exercises" / "neuron", folder)
    (folder / "given.py").write_text("OFFSET = 1.5\n")
    (folder / ".meta" / "child.py").write_bytes(LESSON_CHILD)
    meta = folder / ".meta" / "lesson.toml"
    meta.write_text(meta.read_text() + '\n[child]\nmodule = "child.py"\nhelpers = ["given.py"]\n')
    lesson = load_lesson(folder)
    files, module = child_files(lesson)
    assert module == CHILD_MODULE
    assert dict(files) == {"given.py": b"OFFSET = 1.5\n", CHILD_MODULE: LESSON_CHILD}


def test_a_lesson_without_child_code_sends_nothing() -> None:
    assert child_files(load_lesson("neuron")) == ((), None)


def test_a_lesson_module_that_fails_is_the_graders_fault() -> None:
    from grader.errors import ChildStartError

    child = Child(b"x = 1\n", "student", [], Limits(), isolation=modes.resolve("basic"),
                  beside=((CHILD_MODULE, b"raise RuntimeError('broken lesson')\n"),), lesson_module=CHILD_MODULE)
    with pytest.raises(ChildStartError, match="broken lesson"):
        child.start()
    child.close()
