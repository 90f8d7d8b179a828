"""The isolation modes where users run the kit: how ``auto`` picks one, legitimate code graded the same in each,
the Landlock ABI handling, the reaper, and a child that cannot start being the grader's fault (exit 3).

Two field conditions are simulated here:

- GitHub's ubuntu-24.04 runners, where bubblewrap is installed but AppArmor stops it ("setting up uid map:
  Permission denied"): a stand-in ``bwrap`` early on ``PATH`` that fails the same way;
- a Docker container (Gradescope's autograder, GitLab's Docker runners): the whole grader runs under a seccomp
  filter like Docker's default profile, which refuses ``unshare``, ``clone`` with namespace flags, ``mount``
  and ``pivot_root`` but allows Landlock's calls.

In both, ``--isolation auto`` must pick the Landlock mode and grade as everywhere else.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.check import check
from grader.cli import main
from grader.isolation import confine, runner, warm
from grader.isolation import modes as _modes

from .conftest import REFERENCE, ROOT, processes_with_mark

SANDBOX_PROBLEM = _modes.sandbox_problem()
LANDLOCK_PROBLEM = _modes.landlock_problem()
needs_landlock = pytest.mark.skipif(LANDLOCK_PROBLEM is not None, reason=f"no Landlock here: {LANDLOCK_PROBLEM}")
MODES = [pytest.param("sandbox", marks=pytest.mark.skipif(SANDBOX_PROBLEM is not None, reason=f"no sandbox here: {SANDBOX_PROBLEM}")),
         pytest.param("landlock", marks=needs_landlock), "basic"]
FULL = 17.0  # the reference's code points (no quiz file beside a lone copy)


def _copy_reference(folder: Path, extra: str = "", name: str = "neuron.py") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(REFERENCE.read_text(encoding="utf-8") + "\n" + textwrap.dedent(extra), encoding="utf-8")
    return path


def _grader(args: list[str], env: dict[str, str] | None = None, cwd: Path | None = None,
            prefix: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [*(prefix or []), sys.executable, "-m", "grader", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd, timeout=300, check=False)


# -- auto where bubblewrap cannot start ------------------------------------------------------------------------------
@needs_landlock
def test_auto_picks_landlock_where_apparmor_stops_bubblewrap(tmp_path: Path) -> None:
    stand_in = tmp_path / "bin" / "bwrap"
    stand_in.parent.mkdir()
    stand_in.write_text("#!/bin/sh\necho 'bwrap: setting up uid map: Permission denied' >&2\nexit 1\n")
    stand_in.chmod(0o755)
    env = {**os.environ, "PATH": f"{stand_in.parent}{os.pathsep}{os.environ['PATH']}"}
    done = _grader(["check", str(_copy_reference(tmp_path / "student"))], env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Total: 17/17" in done.stdout
    isolation = [line for line in done.stdout.splitlines() if line.startswith("isolation:")]
    assert isolation == [f"isolation: landlock (ABI {_modes.landlock_abi()}, seccomp; bubblewrap cannot start here: "
                         "bwrap: setting up uid map: Permission denied)"]


DOCKER_LIKE = """
import os, sys
import pyseccomp as seccomp

rules = seccomp.SyscallFilter(seccomp.ALLOW)
for name in ("unshare", "mount", "umount2", "pivot_root", "setns"):
    rules.add_rule(seccomp.ERRNO(1), name)
for flag in (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000):
    rules.add_rule(seccomp.ERRNO(1), "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
rules.add_rule(seccomp.ERRNO(38), "clone3")
rules.load()
os.execv(sys.argv[1], sys.argv[1:])
"""


@needs_landlock
def test_auto_picks_landlock_inside_a_docker_like_seccomp_profile(tmp_path: Path) -> None:
    launcher = tmp_path / "docker_like.py"
    launcher.write_text(DOCKER_LIKE)
    done = _grader(["check", str(_copy_reference(tmp_path / "student"))], prefix=[sys.executable, str(launcher)])
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Total: 17/17" in done.stdout
    isolation = next(line for line in done.stdout.splitlines() if line.startswith("isolation:"))
    assert isolation.startswith(f"isolation: landlock (ABI {_modes.landlock_abi()}, seccomp; bubblewrap cannot start here")
    stub = _grader(["check", str(ROOT / "exercises" / "neuron" / "neuron.py")], prefix=[sys.executable, str(launcher)])
    assert stub.returncode == 1 and "Total: 0/" in stub.stdout and "isolation: landlock" in stub.stdout


# -- legitimate code grades the same in every mode ---------------------------------------------------------------------
LEGITIMATE = {
    "scipy_expit": ("from scipy.special import expit\n\ndef sigmoid(z):\n    return expit(z)\n", None),
    "numpy_testing": ("import numpy.testing\nnumpy.testing.assert_allclose(1.0, 1.0)\n", None),
    "matplotlib_agg": ("import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\nplt.plot([0, 1], [0, 1])\n"
                       "plt.savefig(__import__('os').path.join(__import__('tempfile').gettempdir(), 'plot.png'))\n", None),
    "subprocess_at_import": ("import subprocess\nprint(subprocess.run(['echo', 'hi'], capture_output=True, text=True).stdout)\n", None),
    "reads_a_file_beside": ("import os\nwith open(os.path.join(os.path.dirname(__file__), 'threshold.txt')) as f:\n"
                            "    THRESHOLD = float(f.read())\nassert THRESHOLD == 0.5\n", ("threshold.txt", "0.5\n")),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", sorted(LEGITIMATE))
def test_legitimate_code_grades_the_same_in_every_mode(case: str, mode: str, tmp_path: Path) -> None:
    extra, data_file = LEGITIMATE[case]
    path = _copy_reference(tmp_path / "student", extra)
    if data_file is not None:
        (path.parent / data_file[0]).write_text(data_file[1])
    report = check(path, "neuron", isolation=mode)
    failed = [(p.id, p.message) for p in report.properties() if not p.passed]
    assert report.score == FULL and not failed, (report.isolation, failed, report.output)


def test_a_data_file_is_copied_only_beside_the_lessons_file(tmp_path: Path) -> None:
    from grader.submission import read_submission

    class_folder = tmp_path / "class"
    alice = _copy_reference(class_folder, name="alice.py")
    (class_folder / "bob_notes.txt").write_text("Bob's, not Alice's")
    assert read_submission(alice, "neuron.py").beside == ()
    own = _copy_reference(tmp_path / "carol")
    (own.parent / "weights.txt").write_text("1 2 3")
    (own.parent / ".secret").write_text("hidden")
    assert read_submission(own.parent, "neuron.py").beside == (("weights.txt", b"1 2 3"),)


# -- Landlock's ABI versions ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("version", "size", "fs_bits", "net", "scoped"), [
    (1, 8, 13, 0, 0), (2, 8, 14, 0, 0), (3, 8, 15, 0, 0), (4, 16, 15, 3, 0), (5, 16, 16, 3, 0), (6, 24, 16, 3, 3), (7, 24, 16, 3, 3),
])
def test_each_abi_handles_what_it_knows_and_no_more(version: int, size: int, fs_bits: int, net: int, scoped: int) -> None:
    fs, handled_net, handled_scopes = confine.handled(version)
    assert fs == (1 << fs_bits) - 1 and handled_net == net and handled_scopes == scoped
    assert len(confine.ruleset_attr(version)) == size


@needs_landlock
def test_the_kernels_abi_accepts_the_ruleset_it_is_given() -> None:
    version = confine.abi()
    ruleset = confine.Ruleset(version)  # the kernel refuses a struct or a bit it does not know
    assert ruleset.allow("/usr", confine.READ) and not ruleset.allow("/no/such/folder", confine.READ)
    os.close(ruleset.fd)


@needs_landlock
def test_the_graders_package_is_hidden_inside_a_folder_the_child_reads(tmp_path: Path) -> None:
    """allow_except gives the folders on the way down to a hidden one the right to be listed only."""
    site = tmp_path / "site"
    (site / "grader").mkdir(parents=True)
    (site / "grader" / "secret.py").write_text("x = 1\n")
    (site / "numpy").mkdir()
    (site / "numpy" / "core.py").write_text("y = 2\n")
    code = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(Path(confine.__file__).parent)!r})
        import confine
        ruleset = confine.Ruleset(confine.abi())
        ruleset.allow_except({str(site)!r}, confine.READ, [{str(site / "grader")!r}])
        ruleset.allow("/usr", confine.READ)
        ruleset.enforce()
        print(sorted(os.listdir({str(site)!r})), open({str(site / "numpy" / "core.py")!r}).read().strip())
        try:
            open({str(site / "grader" / "secret.py")!r}).read()
            print("read the grader")
        except PermissionError:
            print("hidden")
    """)
    done = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert done.stdout.split("\n")[:2] == ["['grader', 'numpy'] y = 2", "hidden"], done.stderr


# -- the reaper and the lifeline ---------------------------------------------------------------------------------------
HOLDER = """
import sys, time
from grader.isolation.runner import Child, Limits
from grader.isolation import modes
source = open(sys.argv[1], 'rb').read()
child = Child(source, "neuron", ["sigmoid"], Limits(), isolation=modes.resolve(sys.argv[2]))
print(child.start().error, flush=True)
time.sleep(120)
"""

DAEMON = """
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execvp("sleep", ["sleep", "97.@@MARK@@"])
    os._exit(0)
time.sleep(0.2)

def sigmoid(z):
    return z
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the reaper is Linux's")
@pytest.mark.parametrize("mode", MODES)
def test_a_killed_grader_leaves_no_daemon_of_the_submission(mode: str, tmp_path: Path) -> None:
    mark = str(os.getpid() * 1000 + len(mode))
    submission = tmp_path / "neuron.py"
    submission.write_text(DAEMON.replace("@@MARK@@", mark))
    holder = tmp_path / "holder.py"
    holder.write_text(HOLDER)
    proc = subprocess.Popen([sys.executable, str(holder), str(submission), mode], stdout=subprocess.PIPE, text=True,
                            cwd=ROOT)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "None"
        deadline = time.monotonic() + 10
        while not processes_with_mark(mark) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert processes_with_mark(mark), "the double-forked daemon did not start"
        os.kill(proc.pid, signal.SIGKILL)  # the grader dies without a word: only the lifeline tells
        proc.wait(timeout=10)
        deadline = time.monotonic() + 5
        while processes_with_mark(mark) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not processes_with_mark(mark), "the daemon outlived the grader"
    finally:
        proc.kill()
        for pid in processes_with_mark(mark):
            os.kill(pid, signal.SIGKILL)


# -- a child that cannot start is the grader's fault ----------------------------------------------------------------------
@pytest.mark.parametrize("mode", MODES)
def test_numpy_missing_in_the_child_is_exit_3_with_what_to_install(mode: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(runner, "child_sys_path", lambda: [])  # as the wheel install did: no site-packages for the child
    result = CliRunner().invoke(main, ["check", str(_copy_reference(tmp_path / "student")), "--isolation", mode])
    assert result.exit_code == 3, result.output
    assert "No module named 'numpy'" in result.output and "pip install numpy" in result.output
    assert "not a fault in your code" in result.output  # the student is told it is not theirs


@pytest.mark.parametrize("warm_child", [False, True], ids=["cold", "warm"])
def test_a_sandbox_that_dies_at_once_is_exit_3(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, warm_child: bool) -> None:
    """A child that cannot start is exit 3; so is one whose warm process cannot start either (it falls back to a cold one)."""
    monkeypatch.setattr(warm, "_state", {**warm._state, "enabled": warm_child, "idle": {}, "busy": set(), "broken": set()})
    monkeypatch.setattr(warm.Zygote, "_argv", lambda self, *args: ["/bin/sh", "-c", "echo 'sandbox: cannot start' >&2; exit 1"])
    monkeypatch.setattr(runner.Child, "_argv", lambda self, seccomp_fd=None: ["/bin/sh", "-c", "echo 'sandbox: cannot start' >&2; exit 1"])
    result = CliRunner().invoke(main, ["check", str(_copy_reference(tmp_path / "student")), "--isolation", "basic"])
    assert result.exit_code == 3, result.output
    assert "sandbox: cannot start" in result.output
