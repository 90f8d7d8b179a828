"""Hostile and runaway submissions (tests/hostile/): every case under both isolation modes.

Each tampering attack in tests/hostile/tamper/ is honest code plus lines between "# trick:begin" and
"# trick:end"; it is graded with and without those lines, and both must get the same score. Each runaway
submission in tests/hostile/runaway/ must get a one-sentence verdict on the part it breaks while the
other parts are still graded. Every case must finish in bounded time and leave no process behind.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path

import pytest

from grader.check import check
from grader.isolation import modes as _sandbox
from grader.isolation import warm
from grader.model import PropertyStatus, Report

HERE = Path(__file__).resolve().parent
HOSTILE = HERE / "hostile"
KIT = HERE.parent
# Every hostile submission is graded with submission_seconds = TIME_BOUND, which the grader enforces; the
# tests check that bound with room for the last call's limit and the clean-up, not how fast the machine is.
TIME_BOUND = 30.0
SLACK = 20.0

SANDBOX_PROBLEM = _sandbox.sandbox_problem()
LANDLOCK_PROBLEM = _sandbox.landlock_problem()
ISOLATIONS = [
    pytest.param("sandbox", marks=pytest.mark.skipif(SANDBOX_PROBLEM is not None, reason=f"no sandbox here: {SANDBOX_PROBLEM}")),
    pytest.param("landlock", marks=pytest.mark.skipif(LANDLOCK_PROBLEM is not None, reason=f"no Landlock here: {LANDLOCK_PROBLEM}")),
    "basic",
]
ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
TRICK = re.compile(r"(?ms)^# trick:begin\n.*?^# trick:end\n")


# -- helpers ---------------------------------------------------------------------------------------------------
HANDED_OUT: set[int] = set()  # the unprivileged uids the grader gave its children in this test run
BEFORE: set[str] = set()  # children this test process already had (e.g. multiprocessing's helpers)


def _children_of_this_process() -> set[str]:
    me = str(os.getpid())
    found = set()
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1] == me:
                found.add(entry)
        except (OSError, IndexError):
            continue
    return found


@pytest.fixture(autouse=True)
def _record_uids(monkeypatch: pytest.MonkeyPatch) -> None:
    BEFORE.clear()
    BEFORE.update(_children_of_this_process())
    original = _sandbox.child_uid

    def recording() -> int | None:
        uid = original()
        if uid is not None:
            HANDED_OUT.add(uid)
        return uid

    monkeypatch.setattr(_sandbox, "child_uid", recording)


def live_processes(marker: str | None = None) -> list[str]:
    """Live (not zombie) processes that carry ``marker`` in their name or command line, that run as one of
    the uids the grader gave its children here, or that are new children of this test process."""
    found = []
    me = str(os.getpid())
    grader_own = {str(pid) for pid in warm.pids()}  # the warm processes are the grader's, kept between students
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or entry == me or entry in BEFORE or entry in grader_own:
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("State", "").strip().startswith(("Z", "X")):
            continue
        uids = {int(u) for u in fields.get("Uid", "0").split()[:2]}
        name = fields.get("Name", "").strip()
        if (marker and (marker in name or marker in cmdline)) or uids & HANDED_OUT or fields.get("PPid", "").strip() == me:
            found.append(f"{entry} {name} {cmdline[:80]}")
    return found


FAKE = '{"score": 17, "tests": []}'  # what tamper/files.py writes over everything it can reach
KIT_TARGETS = ["exercises/neuron/.meta/properties.py", "exercises/neuron/.meta/lesson.toml", "grader/engine.py",
               "solutions/neuron/neuron.py"]


def assert_kit_intact() -> None:
    for name in KIT_TARGETS:
        text = (KIT / name).read_text()
        assert text.strip() and FAKE not in text, name


class Planted:
    """One attack written out for grading, with the files it goes after."""

    def __init__(self, tmp_path: Path, source: str, with_trick: bool) -> None:
        self.marker = "hx" + secrets.token_hex(6)  # at most 15 characters: it is also a process name
        self.student = tmp_path / "student"
        self.results = tmp_path / "results" / "results.json"
        for folder in (self.student, self.results.parent):
            folder.mkdir(parents=True, exist_ok=True)
            folder.chmod(0o755)
        tmp_path.chmod(0o755)
        self.results.write_text('{"score": 0}')
        if not with_trick:
            source = TRICK.sub("", source)
        self.path = self.student / "neuron.py"
        self.source = (source.replace("@@KIT@@", str(KIT)).replace("@@MARKER@@", self.marker)
                       .replace("@@RESULTS@@", str(self.results)).replace("@@ORIGINAL@@", str(self.path)))
        self.path.write_text(self.source)


def graded(path: Path, isolation: str, **limits: float) -> tuple[Report, float]:
    started = time.monotonic()
    report = check(path, "neuron", {"call_seconds": 1, "submission_seconds": TIME_BOUND, **limits}, isolation=isolation)
    return report, time.monotonic() - started


def assert_clean(marker: str | None = None) -> None:
    deadline = time.monotonic() + 2  # the kernel may take a moment to reap what was killed
    while (left := live_processes(marker)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not left, f"processes left behind: {left}"


# -- tampering gains nothing -------------------------------------------------------------------------------------
ATTACKS = sorted(p.stem for p in (HOSTILE / "tamper").glob("*.py") if not p.name.startswith("_"))


def test_every_attack_holds_a_trick() -> None:
    assert len(ATTACKS) >= 13
    for name in ATTACKS:
        source = (HOSTILE / "tamper" / f"{name}.py").read_text()
        assert TRICK.search(source), name
        assert TRICK.sub("", source) != source


@pytest.mark.parametrize("isolation", ISOLATIONS)
@pytest.mark.parametrize("attack", ATTACKS)
def test_tampering_gains_nothing(attack: str, isolation: str, tmp_path: Path) -> None:
    source = (HOSTILE / "tamper" / f"{attack}.py").read_text()
    honest = Planted(tmp_path / "honest", source, with_trick=False)
    honest_report, _ = graded(honest.path, isolation)
    planted = Planted(tmp_path / "tricked", source, with_trick=True)
    report, seconds = graded(planted.path, isolation)

    assert honest_report.score == 14, [(p.id, p.message) for p in honest_report.properties() if not p.passed]
    assert report.score == honest_report.score, [(p.id, p.message) for p in report.properties() if not p.passed]
    assert [p.id for p in report.properties() if p.passed] == [p.id for p in honest_report.properties() if p.passed]
    assert seconds < TIME_BOUND + SLACK
    assert_clean(planted.marker)
    # nothing it went after changed: the kit, the results, the submission it was read from
    assert_kit_intact()
    assert planted.results.read_text() == '{"score": 0}'
    assert planted.path.read_text() == planted.source
    assert not Path(f"/tmp/grader-tamper-{planted.marker}").exists()


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_fake_results_stay_in_the_printed_output(isolation: str, tmp_path: Path) -> None:
    planted = Planted(tmp_path, (HOSTILE / "tamper" / "fake_results.py").read_text(), with_trick=True)
    report, _ = graded(planted.path, isolation)
    assert "Total: 17/17" in report.output  # shown as what the code printed, nothing more
    assert report.score == 14 and not report.full_marks


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_daemons_run_while_graded_and_are_gone_after(isolation: str, tmp_path: Path) -> None:
    """The daemon attack really leaves a process behind while its child lives (so the cleanup test above can fail)."""
    from grader.isolation.runner import Child, Limits
    from grader.lesson import load_lesson

    planted = Planted(tmp_path, (HOSTILE / "tamper" / "daemons.py").read_text(), with_trick=True)
    lesson = load_lesson("neuron")
    child = Child(planted.path.read_bytes(), lesson.module, lesson.names, Limits(), isolation=_sandbox.resolve(isolation))
    try:
        imported = child.start()
        assert imported.error is None
        deadline = time.monotonic() + 5
        while not live_processes(planted.marker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert live_processes(planted.marker), "the daemon did not start"
    finally:
        child.close()
    assert_clean(planted.marker)


# -- runaway code: a verdict for the part, the rest still graded -----------------------------------------------
RUNAWAY = {
    # file: (limits, words expected in the sigmoid verdict)
    "endless_loop": ({}, ["timed out after 1 s"]),
    "endless_memory": ({"call_seconds": 5}, ["ran out of memory (limit 1 GiB)"]),
    "endless_recursion": ({}, ["RecursionError"]),
    "deep_recursion": ({}, ["timed out after 1 s", "ran out of memory", "endless recursion"]),
    "output_flood": ({}, ["timed out after 1 s"]),
    "huge_array": ({}, ["50,000,000 values"]),
    "cpu_burn": ({"call_seconds": 5, "cpu_seconds": 1}, ["more than 1 s of CPU time"]),
    "big_file": ({"file_bytes": 64 * 1024}, ["a file grew past the grader's limit of 64 KiB"]),
}


RUNAWAY_NAMES = [*sorted(RUNAWAY), pytest.param("fork_bomb", marks=pytest.mark.skipif(
    not ROOT, reason="the number of processes is limited only for the fresh uid a child gets when the grader runs as root"))]
RUNAWAY["fork_bomb"] = ({}, ["timed out after 1 s"])


@pytest.mark.parametrize("isolation", ISOLATIONS)
@pytest.mark.parametrize("name", RUNAWAY_NAMES)
def test_runaway_code_gets_a_verdict_and_the_rest_is_graded(name: str, isolation: str) -> None:
    limits, expected = RUNAWAY[name]
    report, seconds = graded(HOSTILE / "runaway" / f"{name}.py", isolation, **limits)
    # every property that needs what sigmoid returns fails; "leaves its argument unchanged" may hold all the same
    sigmoid = [p for p in report.properties() if p.part == "sigmoid" and not p.id.endswith(".pure")]
    assert sigmoid and all(p.status is PropertyStatus.FAILED for p in sigmoid), [(p.id, p.status) for p in sigmoid]
    message = sigmoid[0].message or ""
    assert any(words in message for words in expected), message
    assert "\n" not in message and "Traceback" not in message
    # relu and Neuron.__init__ do not depend on sigmoid: graded in full, by a fresh child
    others = [p for p in report.properties() if p.part in ("relu", "Neuron.__init__")]
    assert others and all(p.passed for p in others), [(p.id, p.message) for p in others if not p.passed]
    assert seconds < TIME_BOUND + SLACK
    assert_clean()


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_endless_loop_verdict_uses_the_lessons_limit(isolation: str) -> None:
    report = check(HOSTILE / "runaway" / "endless_loop.py", "neuron", {"submission_seconds": 5}, isolation=isolation)
    assert "timed out after 2 s" in (report.properties()[0].message or "")  # call_seconds = 2 in lesson.toml


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_output_flood_is_cut_with_a_note(isolation: str) -> None:
    report, _ = graded(HOSTILE / "runaway" / "output_flood.py", isolation, output_bytes=200, submission_seconds=4)
    assert report.output_truncated
    assert len(report.output) <= 200
    assert report.output_total > 10_000


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_endless_import_times_out(isolation: str) -> None:
    report, seconds = graded(HOSTILE / "runaway" / "import_loop.py", isolation, import_seconds=2)
    assert report.status.value == "timed_out"
    assert "timed out after 2 s" in (report.message or "")
    assert report.score == 0
    assert seconds < TIME_BOUND + SLACK
    assert_clean()


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_whole_submission_time_limit(isolation: str) -> None:
    report, seconds = graded(HOSTILE / "runaway" / "endless_loop.py", isolation, submission_seconds=3)
    messages = [p.message or "" for p in report.properties() if not p.passed]
    assert any("grading your whole submission timed out after 3 s" in m for m in messages), messages
    assert seconds < 3 + SLACK
    assert_clean()
