"""Warm children: one process per worker and isolation mode that has imported NumPy once and forks a fresh child
for each submission (the child side is ``child.py --zygote``).

A fork costs a few milliseconds where a fresh interpreter costs a NumPy import; everything else stays as it is
for a cold child: each submission runs in a fresh process, which confines itself after the fork exactly as a
cold child does after its start (reaper, limits, Landlock and seccomp, uid, the audit hook), and nothing of a
student ever runs in the warm process itself. For the sandbox, the warm process lives inside one bubblewrap
sandbox per worker; each submission's copy is a fresh folder of a read-only bind, and /tmp is emptied between
students. The warm process is the subreaper of all its forks' descendants: it ends whatever a student left
behind before it reports that student's child as ended, so the next one meets none of it.

Linux only (it passes descriptors over a SOCK_SEQPACKET socket); elsewhere every child starts cold.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from . import modes as _modes
from . import seccomp
from .modes import Isolation

__all__ = ["WarmError", "WarmProcess", "Zygote", "acquire", "enabled", "pids", "prestart", "release", "set_enabled", "shutdown"]

START_SECONDS = 60.0  # a warm child that is not ready by then is given up (cold children are used instead)
SPAWN_SECONDS = 10.0
ZYGOTE_ROOT = f"{_modes.SANDBOX_ROOT}/submissions"  # where each submission's folder appears inside a warm sandbox
WIPE = ("/tmp", "/dev/shm")  # what a warm sandbox empties between students (a tmpfs each)


class WarmError(Exception):
    """The warm child cannot serve (it did not start, or it died): the grader starts a cold child instead."""


class WarmProcess:
    """A child forked by a warm process: what ``Child`` needs of a ``subprocess.Popen``."""

    def __init__(self, zygote: Zygote, pid: int, stdin: Any, stdout: Any) -> None:
        self.zygote = zygote
        self.pid = pid  # in the sandbox, a pid of the sandbox's namespace: only the warm process may signal it
        self.stdin = stdin
        self.stdout = stdout
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self.zygote.exit_code(self.pid, 0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            self.returncode = self.zygote.exit_code(self.pid, timeout)
            if self.returncode is None:
                raise subprocess.TimeoutExpired("warm child", timeout or 0)
        return self.returncode

    def kill(self) -> None:
        """SIGKILL the child's process group (the reaper and the child) from inside the warm process."""
        if self.returncode is None:
            self.zygote.kill(self.pid)


class Zygote:
    """The parent's handle on one warm process."""

    def __init__(self, isolation: Isolation, import_paths: list[str], child_script: Path, confine_script: Path,
                 hide: list[str], env: dict[str, str]) -> None:
        self.isolation = isolation
        self.key: tuple[Any, ...] = ()  # what the pool files it under
        self.folder: Path | None = None  # sandbox: the host folder that holds each submission's folder
        self._lock = threading.Lock()
        self._cond = threading.Condition()
        self._exits: dict[int, int] = {}
        self._spawned: dict[int, int] = {}
        self._next = 0
        self._dead = False
        parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock = parent_end
        fd = child_end.fileno()
        env = dict(env)
        passed = [fd]
        filter_r: int | None = None
        if isolation.mode == "sandbox":
            self.folder = Path(tempfile.mkdtemp(prefix="grader-warm-"))
            os.chmod(self.folder, 0o755)
            env["GRADER_ZYGOTE_WIPE"] = json.dumps(list(WIPE))
            if seccomp.problem() is None:
                filter_r, filter_w = os.pipe()
                os.write(filter_w, seccomp.program())
                os.close(filter_w)
                passed.append(filter_r)
            self.confine_script = f"{_modes.SANDBOX_ROOT}/_confine.py"
        else:
            self.confine_script = str(confine_script)
        argv = self._argv(child_script, confine_script, fd, import_paths, hide, filter_r)
        err_r, err_w = os.pipe()
        self._closed = threading.Event()
        started = threading.Event()
        box: dict[str, Any] = {}

        def keeper() -> None:
            # bubblewrap's --die-with-parent follows the thread that started it, not the process: the thread
            # that starts the warm process lives as long as it does (a prestart's thread would end at once)
            try:
                box["proc"] = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err_w, env=env,
                                               cwd="/", start_new_session=True, close_fds=True, pass_fds=passed)
            except OSError as exc:
                box["error"] = exc
            finally:
                started.set()
            self._closed.wait()

        threading.Thread(target=keeper, daemon=True, name="grader-warm-keeper").start()
        started.wait()
        child_end.close()
        os.close(err_w)
        if filter_r is not None:
            os.close(filter_r)
        if "proc" not in box:
            os.close(err_r)
            self._discard_folder()
            raise WarmError(str(box.get("error", "the warm child did not start")))
        self.proc: subprocess.Popen[bytes] = box["proc"]
        self._err = err_r
        self._errors = bytearray()
        threading.Thread(target=self._drain_errors, daemon=True, name="grader-warm-stderr").start()
        self.sock.settimeout(START_SECONDS)
        try:
            hello = json.loads(self.sock.recv(65536) or b"null")
        except (OSError, ValueError) as exc:
            self.close()
            raise WarmError(f"the warm child did not start: {exc}") from exc
        if not isinstance(hello, dict) or type(hello.get("zygote")) is not int:
            self.close()
            raise WarmError("the warm child did not start: " + (bytes(self._errors).decode("utf-8", "replace").strip() or "no reply"))
        self.sock.settimeout(None)
        self._owner = os.getpid()
        threading.Thread(target=self._read, daemon=True, name="grader-warm").start()

    def _argv(self, child_script: Path, confine_script: Path, fd: int, import_paths: list[str], hide: list[str],
              filter_r: int | None) -> list[str]:
        if self.folder is not None:
            return _modes.warm_sandbox_argv(sys.executable, child_script, confine_script, self.folder, fd, import_paths, hide,
                                            filter_r)
        return [sys.executable, "-I", "-S", "-X", "utf8", str(child_script), "--zygote", str(fd), str(confine_script), *import_paths]

    def _drain_errors(self) -> None:
        try:
            while chunk := os.read(self._err, 65536):
                if len(self._errors) < 65536:
                    self._errors += chunk
        except OSError:
            pass
        finally:
            os.close(self._err)

    def _read(self) -> None:
        """Read the warm process's messages: spawned pids and exit codes."""
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            try:
                message = json.loads(data)
            except ValueError:
                break
            with self._cond:
                if isinstance(message, dict) and type(message.get("exited")) is int and type(message.get("code")) is int:
                    self._exits[message["exited"]] = message["code"]
                elif isinstance(message, dict) and type(message.get("spawned")) is int and type(message.get("pid")) is int:
                    self._spawned[message["spawned"]] = message["pid"]
                self._cond.notify_all()
        with self._cond:
            self._dead = True
            self._cond.notify_all()

    @property
    def alive(self) -> bool:
        return not self._dead and self.proc.poll() is None

    def spawn(self, submission: str, module: str, env: dict[str, str], cwd: str, fds: list[int], lifeline: int | None,
              uid: int | None) -> int:
        """Fork a child for one submission; its stdin, stdout and stderr are ``fds[:3]``, ``fds[3]`` the reaper's
        lifeline (at descriptor number ``lifeline`` in the child). Returns its pid (of the sandbox's namespace)."""
        with self._lock:
            self._next += 1
            ident = self._next
            request = {"spawn": ident, "submission": submission, "module": module, "env": env, "cwd": cwd,
                       "lifeline": lifeline, "uid": uid}
            try:
                socket.send_fds(self.sock, [json.dumps(request).encode()], fds)
            except OSError as exc:
                raise WarmError(f"the warm child is gone: {exc}") from exc
            deadline = time.monotonic() + SPAWN_SECONDS
            with self._cond:
                while ident not in self._spawned:
                    remaining = deadline - time.monotonic()
                    if self._dead or remaining <= 0:
                        raise WarmError("the warm child did not fork")
                    self._cond.wait(remaining)
                return self._spawned.pop(ident)

    def exit_code(self, pid: int, timeout: float | None) -> int | None:
        """The exit code of a forked child (as ``Popen.returncode`` has it), waiting ``timeout`` seconds at most;
        None if it still runs. A warm process that died ends its children with it (their lifelines, its sandbox):
        they are reported killed."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while pid not in self._exits:
                if self._dead:
                    return -9
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return None
                self._cond.wait(remaining)
            return self._exits.pop(pid)

    def kill(self, pid: int) -> None:
        try:
            self.sock.send(json.dumps({"kill": pid}).encode())
        except OSError:
            pass

    def close(self) -> None:
        """End the warm process (it kills its forks' leftovers as it goes) and remove its folder."""
        if os.getpid() == getattr(self, "_owner", os.getpid()):
            try:
                self.sock.shutdown(socket.SHUT_RDWR)  # the end of the socket reaches the warm process even while
            except OSError:                          # our reader thread still waits in recv on it
                pass
            try:
                self.sock.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:  # pragma: no cover - it exits at the socket's end
                _modes.kill_group(self.proc.pid)
                self.proc.kill()
                self.proc.wait(timeout=5)
        self._discard_folder()
        self._closed.set()

    def _discard_folder(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


# -- the pool: per process, per isolation; each warm process serves one child at a time -----------------------
_state: dict[str, Any] = {"enabled": True, "idle": {}, "busy": set(), "pid": os.getpid(), "broken": set()}
_pool_lock = threading.Lock()


def set_enabled(on: bool = True) -> None:
    """Whether this process's children start warm (the default on Linux) or each from a fresh interpreter."""
    _state["enabled"] = on


def enabled() -> bool:
    return bool(_state["enabled"]) and sys.platform.startswith("linux") and hasattr(socket, "send_fds")


def _key(zygote_or_isolation: Zygote | Isolation, extra: tuple[Any, ...] = ()) -> tuple[Any, ...]:
    if isinstance(zygote_or_isolation, Zygote):
        return zygote_or_isolation.key
    isolation = zygote_or_isolation
    return (isolation.mode, isolation.abi, isolation.filtered, sys.executable, *extra)


def _forget_after_fork() -> None:
    """A forked process does not share its parent's warm processes: it closes its copies of their sockets (a warm
    process ends when its grader's socket closes, which a copy held elsewhere would delay)."""
    for zygote in [z for group in _state["idle"].values() for z in group] + list(_state["busy"]):
        try:
            zygote.sock.close()
        except OSError:
            pass
    _state["idle"] = {}
    _state["busy"] = set()
    _state["pending"] = {}
    _state["pid"] = os.getpid()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


def prestart(isolation: Isolation, start: Any, extra: tuple[Any, ...] = ()) -> None:
    """Start a warm process for ``isolation`` in the background (``grader check`` does so while it loads the
    lesson); the next ``acquire`` for the same key takes it, waiting for it to be ready if need be."""
    if not enabled():
        return
    key = _key(isolation, extra)
    with _pool_lock:
        if key in _state["broken"] or _state["idle"].get(key) or key in _state.setdefault("pending", {}):
            return
        result: dict[str, Any] = {}
        done = threading.Event()
        _state["pending"][key] = (done, result)

    def run() -> None:
        try:
            result["zygote"] = start()
        except WarmError as exc:
            result["error"] = exc
        except Exception as exc:  # noqa: BLE001 - whatever it was, acquire starts a cold child
            result["error"] = WarmError(str(exc))
        finally:
            done.set()

    threading.Thread(target=run, daemon=True, name="grader-warm-start").start()


def _take_pending(key: tuple[Any, ...]) -> Zygote | None:
    with _pool_lock:
        pending = _state.setdefault("pending", {}).pop(key, None)
    if pending is None:
        return None
    done, result = pending
    done.wait(START_SECONDS + 5)
    if "zygote" not in result:
        raise WarmError(str(result.get("error", "the warm child did not start")))
    zygote: Zygote = result["zygote"]
    return zygote


def acquire(isolation: Isolation, start: Any, extra: tuple[Any, ...] = ()) -> Zygote | None:
    """An idle warm process for ``isolation`` (and ``extra``: what else its start depends on, such as the folders
    it imports from), started with ``start()`` if there is none; None when warm children are off or cannot start
    here (then the child starts cold, and this process stops trying for that key)."""
    if not enabled():
        return None
    key = _key(isolation, extra)
    with _pool_lock:
        if key in _state["broken"]:
            return None
        idle: list[Zygote] = _state["idle"].setdefault(key, [])
        while idle:
            zygote = idle.pop()
            if zygote.alive:
                _state["busy"].add(zygote)
                return zygote
            zygote.close()
    try:
        zygote = _take_pending(key) or start()
    except WarmError:
        with _pool_lock:
            _state["broken"].add(key)
        return None
    zygote.key = key
    with _pool_lock:
        _state["busy"].add(zygote)
    return zygote


def release(zygote: Zygote) -> None:
    with _pool_lock:
        _state["busy"].discard(zygote)
        if zygote.alive and _state["pid"] == os.getpid():
            _state["idle"].setdefault(zygote.key, []).append(zygote)
            return
    zygote.close()


def pids() -> set[int]:
    """The processes this process started as warm processes (each a warm child, or the bubblewrap around one)."""
    with _pool_lock:
        zygotes = [z for group in _state["idle"].values() for z in group] + list(_state["busy"])
    return {z.proc.pid for z in zygotes if z.proc.poll() is None}


def shutdown() -> None:
    """End every warm process of this process."""
    with _pool_lock:
        zygotes = [z for group in _state["idle"].values() for z in group] + list(_state["busy"])
        pending = list(_state.get("pending", {}).values())
        _state["idle"] = {}
        _state["busy"] = set()
        _state["pending"] = {}
    for done, result in pending:
        done.wait(START_SECONDS + 5)
        if "zygote" in result:
            zygotes.append(result["zygote"])
    for zygote in zygotes:
        zygote.close()


atexit.register(shutdown)
