"""What a child process can see and do, under the sandbox and under basic isolation, asked by a probe
submission (tests/hostile/probe/neuron.py) through the ordinary protocol."""

from __future__ import annotations

import errno
import os
import socket
import time
from pathlib import Path

import pytest

from grader.api import call
from grader.check import check
from grader.errors import UsageError
from grader.isolation import modes as _sandbox
from grader.isolation import warm
from grader.isolation.limits import GIB, MIB, Limits, make_limits
from grader.isolation.runner import Child, ChildDied

HERE = Path(__file__).resolve().parent
KIT = HERE.parent
PROBE = HERE / "hostile" / "probe" / "neuron.py"
SANDBOX_PROBLEM = _sandbox.sandbox_problem()
needs_sandbox = pytest.mark.skipif(SANDBOX_PROBLEM is not None, reason=f"no sandbox here: {SANDBOX_PROBLEM}")
ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
LANDLOCK_PROBLEM = _sandbox.landlock_problem()
needs_landlock = pytest.mark.skipif(LANDLOCK_PROBLEM is not None, reason=f"no Landlock here: {LANDLOCK_PROBLEM}")
ISOLATIONS = [pytest.param("sandbox", marks=needs_sandbox), pytest.param("landlock", marks=needs_landlock), "basic"]
CONFINED = [pytest.param("sandbox", marks=needs_sandbox), pytest.param("landlock", marks=needs_landlock)]


@pytest.fixture
def probe(tmp_path: Path):  # type: ignore[no-untyped-def]
    original = tmp_path / "student" / "neuron.py"
    original.parent.mkdir()
    original.write_text(PROBE.read_text().replace("@@KIT@@", str(KIT)).replace("@@ORIGINAL@@", str(original)))
    children: list[Child] = []

    def start(isolation: str, limits: Limits | None = None) -> Child:
        child = Child(original.read_bytes(), "neuron", ["uid"], limits or Limits(), isolation=_sandbox.resolve(isolation),
                      protect=(str(original.parent), str(original.parent.parent)))
        children.append(child)
        imported = child.start()
        assert imported.error is None, imported
        return child

    yield start
    for child in children:
        child.close()


def ask(child: Child, name: str, *args: object) -> object:
    outcome = child.run([[call(name, *args)]])[0][0]
    assert outcome.raised is None, outcome.raised
    value = outcome.value
    assert value is not None
    if value.kind in ("tuple", "list"):
        return tuple(item.number for item in value.items or ())
    return value.number


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_the_kit_and_other_folders_are_out_of_reach(isolation: str, probe) -> None:  # type: ignore[no-untyped-def]
    child = probe(isolation)
    for index in range(5):  # solutions, the grader, the README, root's home, the submission's own original
        assert ask(child, "sees", index) is False, index


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_limits_are_applied(isolation: str, probe) -> None:  # type: ignore[no-untyped-def]
    limits = make_limits({"memory_bytes": GIB, "cpu_seconds": 30, "file_bytes": 4 * MIB})
    child = probe(isolation, limits)
    assert ask(child, "limit", 0) == GIB
    assert ask(child, "limit", 1) == 30
    assert ask(child, "limit", 2) == 4 * MIB
    assert ask(child, "limit", 3) == limits.open_files
    assert ask(child, "limit", 4) == 0  # no core dumps


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_it_may_write_its_own_temporary_files(isolation: str, probe) -> None:  # type: ignore[no-untyped-def]
    assert ask(probe(isolation), "write_tmp") == 2


@pytest.mark.skipif(not ROOT, reason="the child changes uid only when the grader runs as root")
@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_an_unprivileged_uid_of_its_own(isolation: str, probe) -> None:  # type: ignore[no-untyped-def]
    child = probe(isolation)
    uid, euid, gid = ask(child, "uid")  # type: ignore[misc]
    low, high = _sandbox.UID_RANGE
    assert low <= uid < high and euid == uid and gid == uid
    assert child.uid == uid


@pytest.mark.parametrize("isolation", CONFINED)
def test_no_network_not_even_to_the_graders_loopback(isolation: str, probe) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as listener, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as datagrams:
        listener.bind(("127.0.0.1", 0))
        listener.listen(5)
        datagrams.bind(("127.0.0.1", 0))
        datagrams.setblocking(False)
        child = probe(isolation)
        assert ask(child, "loopback", listener.getsockname()[1]) is False
        ask(child, "udp", datagrams.getsockname()[1])
        with pytest.raises(BlockingIOError):
            datagrams.recvfrom(16)  # nothing arrived
    assert ask(child, "network")[1] is False  # type: ignore[index]


@pytest.mark.parametrize("isolation", CONFINED)
def test_it_cannot_signal_the_grader_or_write_outside_its_folder(isolation: str, probe) -> None:  # type: ignore[no-untyped-def]
    child = probe(isolation)
    assert ask(child, "signal_pid", os.getpid()) is False
    assert ask(child, "write_to", 0) is False and ask(child, "write_to", 1) is False
    assert ask(child, "namespaces") is False
    assert ask(child, "kill_everyone") == errno.EPERM  # refused by the seccomp filter, not merely "no such process"


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_a_harmless_program_runs_in_every_mode(isolation: str, probe) -> None:  # type: ignore[no-untyped-def]
    assert ask(probe(isolation), "echo") == len(b"hello\n")


@needs_sandbox
def test_sandbox_has_no_network(probe) -> None:  # type: ignore[no-untyped-def]
    interfaces, reached = ask(probe("sandbox"), "network")  # type: ignore[misc]
    assert interfaces == 0 and reached is False


@needs_sandbox
def test_sandbox_has_its_own_pid_namespace(probe) -> None:  # type: ignore[no-untyped-def]
    child = probe("sandbox")
    inside = child.run([[call("pid_namespace")]])[0][0].value
    assert inside is not None and inside.text is not None and inside.text.startswith("'pid:[")
    assert inside.text != repr(os.readlink("/proc/self/ns/pid"))
    # nothing of the machine's is visible: bubblewrap's init, and a warm sandbox's warm process, are the grader's
    assert ask(child, "other_processes") == (1 if child.warm else 0)


@needs_sandbox
@pytest.mark.parametrize("warm_child", [False, True], ids=["cold", "warm"])
def test_sandbox_child_dies_with_the_grader(tmp_path: Path, warm_child: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Kill only the bubblewrap process (as if the grader died): the child inside goes too."""
    monkeypatch.setattr(warm, "_state", {**warm._state, "enabled": warm_child, "idle": {}, "busy": set()})
    child = Child(b"import time\ndef sigmoid(z):\n    time.sleep(60)\n", "neuron", ["sigmoid"], Limits(), isolation=_sandbox.resolve("sandbox"))
    try:
        assert child.start().error is None
        assert child.warm is warm_child
        bwrap = child._zygote.proc if child._zygote is not None else child.proc
        assert bwrap is not None
        inside = [p for p in _children_of(bwrap.pid)]
        assert inside
        os.kill(bwrap.pid, 9)
        bwrap.wait(timeout=10)
        deadline = time.monotonic() + 5
        while any(_alive(p) for p in _descendants(inside)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(_alive(p) for p in _descendants(inside))
    finally:
        child.close()


def _children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def _descendants(pids: list[int]) -> list[int]:
    out = list(pids)
    for pid in pids:
        out += _descendants(_children_of(pid))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def test_isolation_is_named_in_the_report() -> None:
    solution = KIT / "solutions" / "neuron" / "neuron.py"
    basic = check(solution, "neuron", isolation="basic")
    assert basic.isolation == "basic (chosen with --isolation basic)"
    auto = check(solution, "neuron", isolation="auto")
    assert auto.isolation == ("sandbox" if SANDBOX_PROBLEM is None else f"basic ({SANDBOX_PROBLEM})")
    assert basic.score == auto.score == basic.max_score


def test_auto_falls_back_to_landlock_then_basic_without_bubblewrap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_sandbox, "bwrap_path", lambda: None)
    _sandbox.sandbox_problem.cache_clear()
    try:
        monkeypatch.setattr(_sandbox, "landlock_abi", lambda: 4)
        chosen = _sandbox.resolve("auto")
        assert chosen.mode == "landlock" and chosen.abi == 4
        assert chosen.label.startswith("landlock (ABI 4, ") and chosen.label.endswith("; bubblewrap not available)")
        monkeypatch.setattr(_sandbox, "landlock_abi", lambda: 0)
        chosen = _sandbox.resolve("auto")
        assert chosen.mode == "basic" and chosen.label == "basic (bubblewrap not available; the kernel offers no Landlock)"
        with pytest.raises(UsageError, match="bubblewrap not available"):
            check(KIT / "solutions" / "neuron" / "neuron.py", "neuron", isolation="sandbox")
        with pytest.raises(UsageError, match="no Landlock"):
            check(KIT / "solutions" / "neuron" / "neuron.py", "neuron", isolation="landlock")
    finally:
        _sandbox.sandbox_problem.cache_clear()


def test_limits_from_lesson_and_overrides() -> None:
    from grader.engine import limits_for
    from grader.lesson import load_lesson

    lesson = load_lesson("neuron")
    limits = limits_for(lesson, {"call_seconds": 5, "memory_bytes": 512 * MIB})
    assert limits.call_seconds == 5 and limits.memory_bytes == 512 * MIB
    assert limits.import_seconds == float(lesson.limits["import_seconds"])
    with pytest.raises(ValueError):
        make_limits({"cpu_seconds": -1})


def test_cli_limit_options_reach_the_report(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from grader import cli

    loop = HERE / "hostile" / "runaway" / "endless_loop.py"
    result = CliRunner().invoke(cli.main, ["check", str(loop), "--isolation", "basic", "--call-timeout", "0.5",
                                           "--submission-timeout", "3", "--memory", "768", "--format", "json"])
    assert result.exit_code == 1
    assert "timed out after 0.5 s" in result.stdout


def test_a_dead_child_is_reported_not_raised() -> None:
    child = Child(b"import os\ndef sigmoid(z):\n    os._exit(3)\n", "neuron", ["sigmoid"], Limits(), isolation=_sandbox.resolve("basic"))
    try:
        assert child.start().error is None
        with pytest.raises(ChildDied) as died:
            child.run([[call("sigmoid", 1.0)]])
        assert died.value.kind == "crash" and "exit code 3" in died.value.detail
    finally:
        child.close()
