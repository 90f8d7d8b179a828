"""The warm child (grader/isolation/warm.py): one warm process per worker and mode forks every submission's child.

Nothing of one student reaches the next: a submission that patches NumPy and its own module, leaves threads, writes
files where it may, registers atexit hooks and starts a double-forked daemon is graded, then the reference is
graded by the same warm process and must get exactly the report a cold child gives it; a probe graded after it
finds nothing left behind.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

from grader.engine import grade_path
from grader.isolation import modes as _modes
from grader.isolation import runner, warm
from grader.isolation.runner import Child, Limits
from grader.lesson import load_lesson
from grader.render import render

from .conftest import processes_with_mark

KIT = Path(__file__).resolve().parent.parent
REFERENCE = KIT / "solutions" / "neuron" / "neuron.py"
SANDBOX_PROBLEM = _modes.sandbox_problem()
LANDLOCK_PROBLEM = _modes.landlock_problem()
MODES = [pytest.param("sandbox", marks=pytest.mark.skipif(SANDBOX_PROBLEM is not None, reason=f"no sandbox here: {SANDBOX_PROBLEM}")),
         pytest.param("landlock", marks=pytest.mark.skipif(LANDLOCK_PROBLEM is not None, reason=f"no Landlock: {LANDLOCK_PROBLEM}")),
         "basic"]
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="warm children are Linux's")

POLLUTER = '''
import atexit, builtins, os, sys, tempfile, threading, time
import numpy as np

np.exp = lambda z: 0.5  # NumPy patched for whoever comes next
np.dot = lambda a, b: 0.0
np.random.uniform = lambda *args, **kwargs: 0.25
np.random.seed = lambda *args, **kwargs: None
sys.modules["math"].exp = lambda z: 0.5
builtins.MARK = "polluted"
sys.path.insert(0, tempfile.gettempdir())
atexit.register(lambda: open(os.path.join(tempfile.gettempdir(), "atexit.txt"), "w").write("x"))

def spin():
    while True:
        time.sleep(0.01)

threading.Thread(target=spin, daemon=True).start()
try:
    there = [os.path.join("/tmp", name) for name in os.listdir("/tmp")]  # e.g. the folders above a venv bound in /tmp
except OSError:
    there = []
for folder in {tempfile.gettempdir(), os.path.expanduser("~"), "/tmp", "/dev/shm", *there}:
    for name in ("numpy.py", "neuron_helpers.py", "left.txt"):
        try:
            with open(os.path.join(folder, name), "w") as handle:
                handle.write("raise SystemExit('planted')\\n")
        except OSError:
            pass
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execvp("sleep", ["sleep", "@@MARK@@"])
    os._exit(0)
time.sleep(0.3)

def sigmoid(z):
    return 0.5

def relu(z):
    return 0

class Neuron:
    def __init__(self, n_inputs):
        self.weights = np.zeros(n_inputs)
        self.bias = 0.0

    def activate(self, inputs):
        return 0.5
'''

PROBE = '''
import os, sys, tempfile, threading, builtins
import numpy as np

def leftovers():
    found = []
    own = {os.path.abspath("neuron.py"), os.path.abspath("home")}  # this probe's copy, and its private folder
    try:
        there = [os.path.join("/tmp", name) for name in os.listdir("/tmp")]  # e.g. the folders above a venv bound in /tmp
    except OSError:
        there = []
    for folder in {tempfile.gettempdir(), os.path.expanduser("~"), "/tmp", "/dev/shm", *there}:
        try:
            found += [os.path.join(folder, name) for name in os.listdir(folder)]
        except OSError:
            pass
    return sorted(set(found) - own)

def state():
    return [float(np.exp(0.0)), float(np.dot([1.0], [2.0])), hasattr(builtins, "MARK"), threading.active_count(),
            tempfile.gettempdir() in sys.path[1:]]
'''


def _report_json(path: Path, mode: str) -> dict[str, object]:
    lesson = load_lesson("neuron")
    data = json.loads(render(grade_path(path, lesson, isolation=_modes.resolve(mode)), "json"))
    for key in ("duration", "seconds", "elapsed", "graded_at"):
        data.pop(key, None)
    return data


@pytest.fixture
def own_pool(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A pool of warm processes of this test's own, ended afterwards."""
    monkeypatch.setattr(warm, "_state", {"enabled": True, "idle": {}, "busy": set(), "pid": os.getpid(), "broken": set(), "pending": {}})
    yield warm._state
    warm.shutdown()


@pytest.mark.parametrize("mode", MODES)
def test_nothing_of_one_student_reaches_the_next(mode: str, tmp_path: Path, own_pool: dict, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[type-arg]
    monkeypatch.setattr(warm, "_state", {**own_pool, "enabled": False})
    cold = _report_json(REFERENCE, mode)  # the reference, graded by a fresh interpreter
    fresh = _leftovers(mode)  # what a fresh child finds (basic: the machine's /tmp; a sandbox: its own binds)
    monkeypatch.setattr(warm, "_state", own_pool)

    mark = f"{os.getpid() % 1000}.{len(mode)}{int(time.time() * 1000) % 100000}"
    polluter = tmp_path / "a" / "neuron.py"
    polluter.parent.mkdir()
    polluter.write_text(POLLUTER.replace("@@MARK@@", mark))
    polluted = _report_json(polluter, mode)
    assert polluted["score"] != cold["score"]
    zygotes = [z for group in own_pool["idle"].values() for z in group]
    assert len(zygotes) == 1 and not own_pool["busy"], "one warm process served the polluter and is idle again"
    assert not processes_with_mark(mark), "the polluter's daemon outlived its grading"

    assert _report_json(REFERENCE, mode) == cold  # the same warm process: the same report as a cold child gives
    assert [z for group in own_pool["idle"].values() for z in group] == zygotes, "it was the same warm process"

    found, state = _leftovers(mode, zygotes[0])
    planted = ("numpy.py", "neuron_helpers.py", "left.txt", "atexit.txt")
    assert not [path for path in found if Path(path).name in planted], found
    if mode != "basic":  # basic shares the machine's /tmp (its audit hook refuses the writes): the others as fresh
        assert found == fresh[0], found
    assert state == [1.0, 2.0, False, 1, False]


def _leftovers(mode: str, zygote: warm.Zygote | None = None) -> tuple[list[str], list[object]]:
    """What the probe finds in the folders a student may write to, and the state of NumPy and the interpreter."""
    from grader.api import call

    child = Child(PROBE.encode(), "neuron", ["leftovers", "state"], Limits(), isolation=_modes.resolve(mode))
    try:
        assert child._zygote is zygote
        assert child.start().error is None
        leftovers, state = (outcome[0].value for outcome in child.run([[call("leftovers")], [call("state")]]))
        assert leftovers is not None and leftovers.items is not None and state is not None
        return [str(item.text).strip("'") for item in leftovers.items], [item.number for item in state.items or ()]
    finally:
        child.close()


@pytest.mark.parametrize("mode", MODES)
def test_a_killed_warm_process_is_replaced(mode: str, own_pool: dict) -> None:  # type: ignore[type-arg]
    """A student who ends the warm process (where it could: same uid, no Landlock scoping) costs the next one
    nothing: the next child gets a new warm process, or a cold start."""
    lesson = load_lesson("neuron")
    first = grade_path(REFERENCE, lesson, isolation=_modes.resolve(mode))
    assert first.score == first.max_score
    (zygote,) = [z for group in own_pool["idle"].values() for z in group]
    os.kill(zygote.proc.pid, 9)
    zygote.proc.wait(timeout=10)
    report = grade_path(REFERENCE, lesson, isolation=_modes.resolve(mode))
    assert report.score == report.max_score == first.max_score
    (again,) = [z for group in own_pool["idle"].values() for z in group]
    assert again is not zygote and again.alive


def test_a_warm_process_that_cannot_start_leaves_cold_children(own_pool: dict, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[type-arg]
    monkeypatch.setattr(warm.Zygote, "_argv", lambda self, *args: [sys.executable, "-c", "raise SystemExit(3)"])
    report = grade_path(REFERENCE, load_lesson("neuron"), isolation=_modes.resolve("basic"))
    assert report.score == report.max_score == 19
    assert own_pool["broken"] and not any(own_pool["idle"].values()), "the mode is marked broken: later children start cold at once"


def test_a_fork_does_not_share_its_parents_warm_processes(own_pool: dict) -> None:  # type: ignore[type-arg]
    assert grade_path(REFERENCE, load_lesson("neuron"), isolation=_modes.resolve("basic")).score == 19
    assert own_pool["idle"]
    pid = os.fork()
    if pid == 0:
        os._exit(0 if not warm._state["idle"] and not warm._state["busy"] else 1)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0


@pytest.mark.parametrize("mode", MODES)
def test_a_warm_process_started_ahead_serves_the_first_child(mode: str, own_pool: dict) -> None:  # type: ignore[type-arg]
    """grader check starts the warm process while it loads the lesson, from a thread that then ends: the sandbox
    must outlive that thread (bubblewrap's parent-death signal follows the thread that started it)."""
    runner.prestart(_modes.resolve(mode))
    ((done, result),) = own_pool["pending"].values()
    assert done.wait(60) and "zygote" in result
    time.sleep(0.3)
    report = grade_path(REFERENCE, load_lesson("neuron"), isolation=_modes.resolve(mode))
    assert report.score == report.max_score == 19
    assert not own_pool["pending"]
    assert [z for group in own_pool["idle"].values() for z in group] == [result["zygote"]]
