"""Killing ``grader grade`` (SIGKILL included) leaves no process of it behind, and the same command goes on from
there; a killed grading process leaves no submission child behind.

Every process is found two ways: by walking /proc for the descendants of the process the test started,
recorded again and again while it runs (with their start times, so that a reused pid is not mistaken for
one of them), and by a marker in the environment, which the fork server, the resource tracker and the
workers inherit. Zombies are not counted: they run nothing, and whoever inherited them reaps them.
"""

from __future__ import annotations

import csv
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.grade import GRADEBOOK, STATE
from grader.isolation.modes import MODES

from .conftest import REFERENCE, ROOT, STUB

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="walks /proc")

MARKER = "GRADER_KILL_TEST"
GONE_WITHIN = 5.0  # seconds: the bound the kit promises
SLOW = "import time\ntime.sleep({seconds})\n"  # at import: the child is still running when the grader is killed
KILL_AFTER = 4  # submissions done before the kill
ISOLATIONS = [mode for mode in MODES if mode != "auto"]

Proc = tuple[int, int]  # (pid, start time in clock ticks since boot)


def _stat(pid: int) -> tuple[int, int, str] | None:
    """(parent pid, start time, state) of a process, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            raw = handle.read()
    except OSError:
        return None
    fields = raw[raw.rindex(b")") + 2:].split()
    return int(fields[1]), int(fields[19]), fields[0].decode()


def _processes() -> dict[int, tuple[int, int, str]]:
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat is not None:
                table[int(entry)] = stat
    return table


def _tree(root: int) -> dict[Proc, int]:
    """Every live descendant of ``root`` (``root`` included), with its depth below ``root``."""
    table = _processes()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _start, _state) in table.items():
        children.setdefault(ppid, []).append(pid)
    found: dict[Proc, int] = {}
    level, depth = [root], 0
    while level:
        following = []
        for pid in level:
            if pid in table:
                found[(pid, table[pid][1])] = depth
            following += children.get(pid, [])
        level, depth = following, depth + 1
    return found


def _marked(token: str) -> set[Proc]:
    needle = f"{MARKER}={token}".encode()
    found = set()
    for pid, (_ppid, start, _state) in _processes().items():
        try:
            with open(f"/proc/{pid}/environ", "rb") as handle:
                if needle in handle.read().split(b"\0"):
                    found.add((pid, start))
        except OSError:
            continue
    return found


def _running(procs: set[Proc]) -> set[Proc]:
    """The processes of ``procs`` that still run (the same pid and start time, not a zombie)."""
    left = set()
    for pid, start in procs:
        stat = _stat(pid)
        if stat is not None and stat[1] == start and stat[2] not in ("Z", "X"):
            left.add((pid, start))
    return left


def _describe(procs: set[Proc]) -> list[str]:
    lines = []
    for pid, _start in sorted(procs):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                command = handle.read().replace(b"\0", b" ").decode(errors="replace")
            lines.append(f"{pid}: {command[:160]}")
        except OSError:
            lines.append(f"{pid}: (gone)")
    return lines


def _left_after(recorded: set[Proc], token: str | None) -> tuple[set[Proc], float]:
    """Wait up to GONE_WITHIN seconds for every recorded or marked process to end; what is left, and when the
    last one ended (seconds after the call)."""
    started = time.monotonic()
    while True:
        left = _running(recorded | (_marked(token) if token else set()))
        elapsed = time.monotonic() - started
        if not left or elapsed > GONE_WITHIN:
            return left, elapsed
        time.sleep(0.05)


def _kill(procs: set[Proc]) -> None:
    """Clean up after a failed test: the machine is shared, and these are the test's own processes."""
    for pid, _start in _running(procs):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _usable(mode: str, tmp: Path) -> None:
    """Skip, with the reason, a mode that ``grader check --isolation`` cannot use here."""
    probe = tmp / "probe.py"
    probe.write_text("def sigmoid(z:\n")
    done = subprocess.run([sys.executable, "-m", "grader", "check", str(probe), "--lesson", "neuron", "--isolation", mode, "--format", "json"],
                          capture_output=True, text=True, cwd=tmp, timeout=120, check=False)
    if done.returncode == 2:
        pytest.skip(f"--isolation {mode}: " + (done.stderr.strip().splitlines() or ["exit code 2"])[-1])


def _class(root: Path) -> list[str]:
    """20 submissions: quick ones first, then two slow ones, then quick ones again."""
    stub, reference = STUB.read_text(), REFERENCE.read_text()
    root.mkdir()
    names = []
    for number in range(1, 21):
        name = f"s{number:02d}"
        if number in (5, 6):
            text = SLOW.format(seconds=3) + stub
        elif number in (1, 9):
            text = reference
        else:
            text = stub  # imports, nothing to run: quick
        (root / f"{name}.py").write_text(text)
        names.append(name)
    return names


def _states(out: Path) -> dict[str, int]:
    return {p.parent.name: p.stat().st_mtime_ns for p in out.glob(f"*/{STATE}")}


def _watch(proc: subprocess.Popen[bytes], until: Iterator[bool], seconds: float) -> set[Proc]:
    """Record ``proc``'s process tree until ``until`` yields True (or the time is up); everything seen."""
    seen: set[Proc] = set()
    deadline = time.monotonic() + seconds
    for ready in until:
        seen |= set(_tree(proc.pid))
        if ready or proc.poll() is not None or time.monotonic() > deadline:
            return seen
        time.sleep(0.05)
    return seen


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_killing_grade_leaves_nothing_and_a_rerun_goes_on(isolation: str, tmp_path: Path) -> None:
    _usable(isolation, tmp_path)
    names = _class(tmp_path / "class")
    out = tmp_path / "out"
    token = secrets.token_hex(8)
    env = {**os.environ, MARKER: token}
    argv = [sys.executable, "-m", "grader", "grade", str(tmp_path / "class"), "--out", str(out), "--jobs", "2", "--quiet",
            "--isolation", isolation]
    grader = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    recorded: set[Proc] = set()
    try:
        def ready() -> Iterator[bool]:
            while True:  # some submissions done, and a worker busy with a child of its own
                deep = any(depth >= 3 for depth in _tree(grader.pid).values())
                yield len(_states(out)) >= KILL_AFTER and deep

        recorded = _watch(grader, ready(), 60)
        assert grader.poll() is None, f"grader grade ended before the kill: {grader.stderr.read().decode()[-2000:]}"  # type: ignore[union-attr]
        tree = _tree(grader.pid)
        recorded |= set(tree)
        grader.kill()
        killed_at = time.monotonic()
        grader.wait()
        done = _states(out)  # what was finished when it was killed: a state file is written last
        assert KILL_AFTER <= len(done) < len(names)
        assert max(tree.values()) >= 3, "no submission child was running at the kill: the test would prove nothing"
        assert len(recorded) >= 5  # grader, fork server, resource tracker, two workers
        left, _elapsed = _left_after(recorded, token)
        gone_after = time.monotonic() - killed_at
        assert not left, f"left {gone_after:.1f} s after kill -9:\n" + "\n".join(_describe(left))
        print(f"{isolation}: {len(recorded)} processes seen, all gone {gone_after:.2f} s after kill -9")
    finally:
        _kill(recorded | _marked(token))

    again = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert again.returncode == 0, again.stderr[-2000:]
    with open(out / GRADEBOOK, newline="", encoding="utf-8") as handle:
        book = {row["student"]: row for row in csv.DictReader(handle)}
    assert set(book) == set(names)
    assert {row["status"] for row in book.values()} == {"graded"}
    assert book["s01"]["total"] == book["s01"]["maximum"] != "0"
    after = _states(out)
    assert set(after) == set(names)
    assert {name: after[name] for name in done} == done  # the finished ones were not graded again
    assert all(after[name] > max(done.values()) for name in set(names) - set(done))  # the others were
    assert not _running(_marked(token)), "the rerun left processes behind"


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_a_killed_grading_process_leaves_no_child(isolation: str, tmp_path: Path) -> None:
    """What a pool worker is, in small: a process that grades one submission in a child. Killed, its child
    and everything the child started end with it."""
    _usable(isolation, tmp_path)
    slow = tmp_path / "slow.py"
    slow.write_text(SLOW.format(seconds=60) + STUB.read_text())
    token = secrets.token_hex(8)
    checker = subprocess.Popen([sys.executable, "-m", "grader", "check", str(slow), "--lesson", "neuron", "--isolation", isolation], cwd=ROOT,
                               env={**os.environ, MARKER: token}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    recorded: set[Proc] = set()
    try:
        def ready() -> Iterator[bool]:
            first = None
            while True:  # a child, which had a second to import NumPy and start sleeping
                if first is None and len(_tree(checker.pid)) > 1:
                    first = time.monotonic()
                yield first is not None and time.monotonic() - first > 1.0

        recorded = _watch(checker, ready(), 60)
        assert checker.poll() is None
        recorded |= set(_tree(checker.pid))
        assert len(recorded) >= 2, "no child was started"
        checker.kill()
        checker.wait()
        left, elapsed = _left_after(recorded, None)
        assert not left, f"left {elapsed:.1f} s after its grading process was killed:\n" + "\n".join(_describe(left))
    finally:
        _kill(recorded)
