"""The kit as users get it: its wheel, built from the working tree, ``pip install``-ed into a fresh venv.

The dev environment reaches the kit through an editable install (a ``.pth`` file pointing at the checkout),
which hides every difference between a checkout and a wheel install. Tests that must see what users see use
:func:`installed_grader` (or the session fixture ``installed`` in ``conftest.py``) and run ``grader`` from
that venv, with :meth:`InstalledGrader.env` as their environment.

How it stays fast:

- the wheel is built once per test session, into a temporary folder, with the dev environment's hatchling
  and Babel (``--no-build-isolation``; the build hook compiles the ``.po`` catalogues), falling back to an
  isolated build when hatchling is not installed;
- the venv is cached across sessions in ``$NEURON_GRADER_TEST_CACHE`` (default
  ``~/.cache/neuron-grader-tests``; never under ``/tmp``, which the sandbox replaces with an empty tmpfs),
  keyed on the hash of pyproject's ``dependencies`` and the Python. The first session installs the wheel with
  its dependencies, as pip does for users (NumPy, Hypothesis... land in the same site-packages as the
  grader; pip's own cache is reused); later sessions only ``--force-reinstall --no-deps`` the grader wheel,
  and not even that when the same wheel (same sha256) is already installed;
- sessions running at the same time (other developers on the same machine) share the cached venv while they
  need the same wheel (a shared ``flock``); a session that needs another wheel while the venv is in use gets
  a private venv of its own (deleted at exit) rather than changing the grader under a running session.
  ``NEURON_GRADER_TEST_FRESH_VENV=1`` always builds a private venv;
- cached venvs of other dependency lists go after a week unused, and private venvs left by killed sessions
  after a day.
"""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
CACHE_FORMAT = 1  # bump to invalidate every cached venv
DEPS_MARKER = ".neuron-grader-test-deps"  # in the venv: the dependency key its dependencies were installed for
WHEEL_MARKER = ".neuron-grader-test-wheel"  # in the venv: the sha256 of the grader wheel installed in it
USED_MARKER = ".neuron-grader-test-used"  # in the venv: touched by every session that uses it
KEEP_UNUSED = 7 * 24 * 3600  # a cached venv of another dependency list goes after a week unused
KEEP_PRIVATE = 24 * 3600  # a private venv still there after a day was left by a killed session


class InstalledGraderUnavailable(Exception):
    """``python -m venv`` or pip cannot work at all on this machine: the tests that need a venv skip."""


@dataclass(frozen=True)
class InstalledGrader:
    wheel: Path  # the built wheel file
    venv: Path  # the fresh virtual environment
    python: Path  # venv/bin/python
    grader: Path  # venv/bin/grader

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    def env(self, **extra: str) -> dict[str, str]:
        """A clean environment: the venv's bin first on a system PATH, HOME kept, LANG=C.UTF-8, nothing else
        (no PYTHONPATH, no VIRTUAL_ENV of the dev venv, no PIP_* settings), then ``extra``."""
        env = {"PATH": f"{self.bin}:{SYSTEM_PATH}", "HOME": os.environ.get("HOME", str(Path.home())), "LANG": "C.UTF-8"}
        env.update(extra)
        return env

    def run(self, args: list[str], cwd: Path, env: dict[str, str] | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Run ``args`` in ``cwd`` (text, output captured, never raises on an exit code); ``args[0]``, when a
        bare name such as ``"grader"`` or ``"pip"`` that the venv has, is the venv's."""
        argv = list(args)
        if argv and "/" not in argv[0] and (self.bin / argv[0]).exists():
            argv[0] = str(self.bin / argv[0])
        return subprocess.run(argv, cwd=cwd, env=self.env() if env is None else env, capture_output=True,
                              text=True, timeout=timeout, check=False)

    def site_packages(self) -> Path:
        """The venv's site-packages (purelib), as its own Python reports it."""
        done = self.run(["python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=self.venv)
        if done.returncode:
            raise RuntimeError(done.stderr)
        return Path(done.stdout.strip())


def dependency_key() -> str:
    """What the cached venv's dependencies depend on: pyproject's ``dependencies`` and the Python."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    base = getattr(sys, "_base_executable", sys.executable)
    blob = json.dumps({"format": CACHE_FORMAT, "dependencies": sorted(project["dependencies"]),
                       "python": sys.version, "base": str(Path(base).resolve())}, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def cache_dir() -> Path:
    configured = os.environ.get("NEURON_GRADER_TEST_CACHE")
    folder = Path(configured) if configured else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "neuron-grader-tests"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _pip_env() -> dict[str, str]:
    """pip's environment: the caller's (so pip's cache and any index settings apply) minus the dev venv."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "PIP_REQUIRE_VIRTUALENV")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _check(argv: list[str], what: str, timeout: float = 900, cwd: Path | None = None) -> None:
    done = subprocess.run(argv, env=_pip_env(), capture_output=True, text=True, timeout=timeout, check=False, cwd=cwd)
    if done.returncode:
        raise RuntimeError(f"{what} failed ({done.returncode}): {' '.join(argv)}\n{done.stdout}\n{done.stderr}")


def build_wheel(out: Path) -> Path:
    """The kit's wheel, from the working tree as it is now."""
    try:
        import babel  # noqa: F401
        import hatchling  # noqa: F401
        isolation = ["--no-build-isolation"]
    except ImportError:  # pragma: no cover - a dev environment without the test extra
        isolation = []
    _check([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", *isolation, "-w", str(out), str(ROOT)],
           "building the wheel", cwd=out)
    (wheel,) = out.glob("neuron_grader-*.whl")
    return wheel


def _make_venv(venv: Path) -> None:
    """A fresh venv with pip and no system site-packages; InstalledGraderUnavailable if that cannot work."""
    done = subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], env=_pip_env(), capture_output=True,
                          text=True, check=False)
    if done.returncode:
        raise InstalledGraderUnavailable(f"python -m venv cannot create a virtual environment here: {done.stderr.strip()}")
    pip = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "--version"], env=_pip_env(), capture_output=True,
                         text=True, check=False)
    if pip.returncode:
        raise InstalledGraderUnavailable(f"pip does not work in a fresh virtual environment: {pip.stderr.strip()}")


def _install(venv: Path, wheel: Path, key: str) -> None:
    """Bring ``venv`` to ``wheel`` with its dependencies, doing only what its markers say is missing."""
    python = str(venv / "bin" / "python")
    deps = venv / DEPS_MARKER
    installed = venv / WHEEL_MARKER
    digest = _sha256(wheel)
    if not (venv / "bin" / "python").exists() or not deps.is_file() or deps.read_text(encoding="utf-8") != key:
        for marker in (deps, installed):
            marker.unlink(missing_ok=True)
        _make_venv(venv)
        _check([python, "-m", "pip", "install", "-q", str(wheel)], "installing the wheel with its dependencies")
        deps.write_text(key, encoding="utf-8")
    elif not installed.is_file() or installed.read_text(encoding="utf-8") != digest or not (venv / "bin" / "grader").exists():
        installed.unlink(missing_ok=True)
        _check([python, "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps", str(wheel)], "reinstalling the wheel")
    else:
        return
    installed.write_text(digest, encoding="utf-8")


def _lock(path: Path) -> IO[str]:
    return path.open("a+", encoding="utf-8")


def _prune(cache: Path, keep: str) -> None:
    """Remove the cached venvs of other dependency lists unused for a week (unless a session holds one) and the
    private venvs that killed sessions left behind."""
    now = time.time()
    for folder in cache.iterdir():
        if not folder.is_dir() or folder.name == keep:
            continue
        if folder.name.startswith("private-venv-"):
            if now - folder.stat().st_mtime > KEEP_PRIVATE:
                shutil.rmtree(folder, ignore_errors=True)
            continue
        if not folder.name.startswith("venv-"):
            continue
        used = folder / USED_MARKER
        if now - (used if used.exists() else folder).stat().st_mtime <= KEEP_UNUSED:
            continue
        with _lock(cache / f"{folder.name}.lock") as held:
            try:
                fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            shutil.rmtree(folder, ignore_errors=True)


_held: list[IO[str]] = []  # the shared locks on the cached venv, held until the session's process exits


def _cached_or_private(wheel: Path) -> Path:
    cache = cache_dir()
    key = dependency_key()
    if os.environ.get("NEURON_GRADER_TEST_FRESH_VENV") != "1":
        venv = cache / f"venv-{key}"
        gate = _lock(cache / f"venv-{key}.gate")
        fcntl.flock(gate, fcntl.LOCK_EX)  # held only while deciding and installing
        try:
            use = _lock(cache / f"venv-{key}.lock")
            try:
                fcntl.flock(use, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # another session is using the venv: fine if it holds our wheel
                marker = venv / WHEEL_MARKER
                if marker.is_file() and marker.read_text(encoding="utf-8") == _sha256(wheel):
                    fcntl.flock(use, fcntl.LOCK_SH)
                    _held.append(use)
                    return venv
                use.close()
            else:
                _install(venv, wheel, key)
                fcntl.flock(use, fcntl.LOCK_SH)  # under the gate: nobody can take it exclusively in between
                _held.append(use)
                (venv / USED_MARKER).touch()
                _prune(cache, keep=venv.name)
                return venv
        finally:
            fcntl.flock(gate, fcntl.LOCK_UN)
            gate.close()
    private = Path(tempfile.mkdtemp(prefix="private-venv-", dir=cache))
    atexit.register(shutil.rmtree, private, ignore_errors=True)
    _install(private, wheel, key)
    return private


_session: InstalledGrader | Exception | None = None


def installed_grader() -> InstalledGrader:
    """The kit's wheel installed in a venv, built once per test session (the first call does the work; a
    failure is remembered too, so that it is not retried by every test). Raises InstalledGraderUnavailable
    when venvs or pip cannot work here, RuntimeError when building or installing the wheel fails."""
    global _session
    if _session is None:
        try:
            out = Path(tempfile.mkdtemp(prefix="neuron-grader-wheel-"))
            atexit.register(shutil.rmtree, out, ignore_errors=True)
            wheel = build_wheel(out)
            venv = _cached_or_private(wheel)
        except Exception as problem:  # noqa: BLE001 - remembered and raised again below
            _session = problem
        else:
            _session = InstalledGrader(wheel=wheel, venv=venv, python=venv / "bin" / "python", grader=venv / "bin" / "grader")
    if isinstance(_session, Exception):
        raise _session
    return _session
