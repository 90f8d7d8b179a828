"""`grader check --watch`: a save is graded again, a deleted file is waited for, Ctrl-C ends it cleanly.

The loop runs for a bounded number of gradings (``rounds``) with an injected ``sleep`` that makes the edits a
student would make between two polls, so no test waits for real saves.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from grader import _fault
from grader import watch as watch_module
from grader.cli import main
from grader.i18n import set_language
from grader.isolation import warm
from grader.lesson import Lesson
from grader.watch import watch

from .conftest import REFERENCE, ROOT, STUB

ANSWERED = REFERENCE.with_name("quiz.toml")  # the reference's quiz answers: both questions right
UNANSWERED = STUB.with_name("quiz.toml")
RULE = "─" * 20
CLEAR = "\x1b[2J"
Action = Callable[[], object] | None


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    set_language("en")
    yield
    set_language("en")


@pytest.fixture(autouse=True)
def warm_off() -> Iterator[None]:
    """Each test finds warm children as the rest of the suite has them, and leaves them so."""
    before = warm.enabled()
    yield
    warm.shutdown()
    warm.set_enabled(before)


@pytest.fixture
def cold(monkeypatch: pytest.MonkeyPatch) -> None:
    """Children start cold in the tests of the loop itself: what they check does not depend on warm children,
    and ending a warm process costs seconds. The tests that do use them say so."""
    warm.set_enabled(False)
    monkeypatch.setattr(warm, "set_enabled", lambda on=True: None)


def student(tmp_path: Path, code: Path = STUB, answers: Path = ANSWERED) -> Path:
    """A student's folder: neuron.py and quiz.toml; returns the path of neuron.py."""
    shutil.copyfile(code, tmp_path / "neuron.py")
    shutil.copyfile(answers, tmp_path / "quiz.toml")
    return tmp_path / "neuron.py"


def piped() -> Console:
    return Console(file=io.StringIO(), width=110, color_system=None, force_terminal=False, highlight=False, soft_wrap=True)


def text_of(console: Console) -> str:
    file = console.file
    assert isinstance(file, io.StringIO)
    return file.getvalue()


def scripted(actions: list[Action], polls: int = 40) -> tuple[Callable[[float], None], list[float]]:
    """A sleep that does the next action of ``actions`` (None: nothing) at each call, and fails after ``polls``
    calls (a watch that never grades again would otherwise poll forever)."""
    calls: list[float] = []

    def sleep(seconds: float) -> None:
        calls.append(seconds)
        if len(calls) > polls:
            raise AssertionError(f"still polling after {polls} polls: the change was never graded")
        if actions:
            action = actions.pop(0)
            if action is not None:
                action()

    return sleep, calls


def write(path: Path, text: str) -> Callable[[], None]:
    return lambda: path.write_text(text, encoding="utf-8")


def reports(output: str) -> list[str]:
    """The piped output cut into its reports (a rule line comes between two)."""
    parts: list[str] = [""]
    for line in output.splitlines(keepends=True):
        if line.startswith(RULE):
            parts.append("")
        else:
            parts[-1] += line
    return [part for part in parts if part.strip()]


def total(report: str) -> str:
    lines = [line for line in report.splitlines() if line.startswith("Total: ")]
    assert len(lines) == 1, report
    return lines[0]


@pytest.mark.parametrize("isolation", ["basic", "auto"])
def test_saving_the_reference_over_the_stub_gives_full_marks(tmp_path: Path, lesson: Lesson, isolation: str) -> None:
    path = student(tmp_path)
    sleep, calls = scripted([write(path, REFERENCE.read_text(encoding="utf-8"))])
    out = piped()
    last = watch(path, lesson, None, isolation, rounds=2, out=out, sleep=sleep, clock=lambda: datetime(2024, 5, 1, 12, 3, 7))
    found = reports(text_of(out))
    assert len(found) == 2, text_of(out)
    assert found[0].startswith("Watching neuron.py — graded 12:03:07 — save the file to grade again, Ctrl-C to stop\n")
    assert total(found[0]) == "Total: 2/19"  # the stub: only the quiz beside it is answered
    assert "not implemented yet" in found[0]
    assert total(found[1]) == "Total: 19/19  full marks"
    assert "not implemented yet" not in found[1]
    assert last is not None and last.full_marks
    assert calls == [0.3, 0.3]  # changed at the first poll, graded once it held still at the second


@pytest.mark.usefixtures("cold")
def test_a_save_in_several_writes_is_graded_once_it_holds_still(tmp_path: Path, lesson: Lesson) -> None:
    path = student(tmp_path)
    reference = REFERENCE.read_text(encoding="utf-8")
    half = reference[: len(reference) // 2]  # a syntax error, were it graded
    sleep, calls = scripted([write(path, half), write(path, reference)])
    out = piped()
    watch(path, lesson, None, "basic", rounds=2, out=out, sleep=sleep)
    found = reports(text_of(out))
    assert len(found) == 2, text_of(out)
    assert total(found[1]) == "Total: 19/19  full marks"
    assert len(calls) == 3


@pytest.mark.usefixtures("cold")
def test_saving_the_quiz_answers_grades_again(tmp_path: Path, lesson: Lesson) -> None:
    path = student(tmp_path, code=REFERENCE, answers=UNANSWERED)
    sleep, _calls = scripted([write(tmp_path / "quiz.toml", ANSWERED.read_text(encoding="utf-8"))])
    out = piped()
    watch(path, lesson, None, "basic", rounds=2, out=out, sleep=sleep)
    found = reports(text_of(out))
    assert [total(report) for report in found] == ["Total: 17/19", "Total: 19/19  full marks"]


@pytest.mark.usefixtures("cold")
def test_a_folder_is_watched_through_the_lesson_file_in_it(tmp_path: Path, lesson: Lesson) -> None:
    student(tmp_path)
    (tmp_path / "notes.py").write_text("x = 1\n", encoding="utf-8")
    sleep, _calls = scripted([write(tmp_path / "notes.py", "x = 2\n"), None, None,  # not the lesson's file: no grading
                              write(tmp_path / "neuron.py", REFERENCE.read_text(encoding="utf-8"))])
    out = piped()
    watch(tmp_path, lesson, None, "basic", rounds=2, out=out, sleep=sleep)
    found = reports(text_of(out))
    assert [total(report) for report in found] == ["Total: 2/19", "Total: 19/19  full marks"]
    assert found[1].startswith("Watching neuron.py — graded ")


@pytest.mark.usefixtures("cold")
def test_a_deleted_file_is_waited_for_and_graded_when_it_is_back(tmp_path: Path, lesson: Lesson) -> None:
    path = student(tmp_path)
    sleep, _calls = scripted([path.unlink, None, None, None, None, write(path, REFERENCE.read_text(encoding="utf-8"))])
    out = piped()
    last = watch(path, lesson, None, "basic", rounds=2, out=out, sleep=sleep)
    output = text_of(out)
    assert output.count("neuron.py is gone; waiting for it to come back\n") == 1, output
    before, after = output.split("neuron.py is gone; waiting for it to come back\n")
    assert total(before) == "Total: 2/19"
    assert "does not exist" not in output  # the missing file is waited for, not graded
    assert total(after) == "Total: 19/19  full marks"
    assert last is not None and last.full_marks


@pytest.mark.usefixtures("cold")
def test_a_terminal_is_redrawn_in_place(tmp_path: Path, lesson: Lesson) -> None:
    path = student(tmp_path)
    sleep, _calls = scripted([write(path, REFERENCE.read_text(encoding="utf-8"))])
    out = Console(file=io.StringIO(), width=110, color_system=None, force_terminal=True, highlight=False, soft_wrap=True)
    watch(path, lesson, None, "basic", rounds=2, out=out, sleep=sleep)
    output = text_of(out)
    screens = output.split(CLEAR)
    assert len(screens) == 3 and screens[0] == "", output  # cleared before each report
    assert RULE not in output
    assert total(screens[2]) == "Total: 19/19  full marks"
    assert "Total: 2/19" not in screens[2]


@pytest.mark.usefixtures("cold")
def test_a_grader_fault_in_one_round_is_reported_and_the_watch_goes_on(tmp_path: Path, lesson: Lesson,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_fault, "save_details", lambda exc, argv=None: None)  # no file of details in /tmp
    real = watch_module.check
    calls: list[int] = []

    def faulty(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("a bug in the grader")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(watch_module, "check", faulty)
    path = student(tmp_path)
    reference = REFERENCE.read_text(encoding="utf-8")
    sleep, _calls = scripted([write(path, reference), None, write(path, reference + "\n")])
    out = piped()
    watch(path, lesson, None, "basic", rounds=3, out=out, sleep=sleep)
    found = reports(text_of(out))
    assert len(found) == 3, text_of(out)
    assert "The grader itself failed while grading this submission" in found[1]
    assert total(found[1]) == "Total: 0/17"  # a fault report: every code part at 0, the quiz not graded
    assert total(found[2]) == "Total: 19/19  full marks"


def test_ctrl_c_returns_cleanly_and_shuts_the_warm_children_down(tmp_path: Path, lesson: Lesson,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    shut: list[bool] = []
    real_shutdown = warm.shutdown
    monkeypatch.setattr(warm, "shutdown", lambda: (shut.append(True), real_shutdown()))
    warm.set_enabled(False)
    during: list[bool] = []

    def interrupted(seconds: float) -> None:
        during.append(warm.enabled())
        raise KeyboardInterrupt

    path = student(tmp_path)
    out = piped()
    last = watch(path, lesson, None, "basic", out=out, sleep=interrupted)  # rounds=None: until Ctrl-C
    output = text_of(out)
    assert output.endswith("Total: 2/19\nisolation: basic (chosen with --isolation basic)\nStopped watching neuron.py.\n"), output
    assert last is not None and last.score == 2
    assert shut == [True]
    assert during == [sys.platform.startswith("linux")]  # warm children were on during the watch
    assert not warm.enabled()  # and are as they were afterwards


def test_ctrl_c_in_the_command_is_exit_0_without_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object, **kwargs: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(watch_module, "check", interrupted)  # Ctrl-C while the first grading runs
    result = CliRunner().invoke(main, ["check", "--watch", str(STUB)])
    assert result.exit_code == 0, result.output
    assert result.output == "Stopped watching neuron.py.\n"
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("format_name", ["json", "junit"])
def test_watch_takes_the_text_format_only(format_name: str) -> None:
    result = CliRunner().invoke(main, ["check", "--watch", "--format", format_name, str(STUB)])
    assert result.exit_code == 2, result.output
    assert f"--watch shows the text report only, not --format {format_name}." in result.output
    assert "Total" not in result.output and "{" not in result.output


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or sys.platform == "win32", reason="a real SIGINT")
def test_a_real_ctrl_c_ends_the_command_with_exit_0(tmp_path: Path) -> None:
    path = student(tmp_path)
    env = {**os.environ, "LANGUAGE": "en", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "grader", "check", "--watch", "--isolation", "basic", str(path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # as a shell's foreground job has it
    try:
        assert proc.stdout is not None
        seen = ""
        for line in proc.stdout:  # the first report has been drawn once its last line is
            seen += line
            if line.startswith("isolation: "):
                break
        assert "Total: 2/19" in seen, seen
        proc.send_signal(signal.SIGINT)
        rest, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert rest == "Stopped watching neuron.py.\n", rest
    assert "Traceback" not in err and err == ""
