"""Parent side of the child process: start it, send it programs, read plain replies, enforce time limits."""

from __future__ import annotations

import base64
import json
import os
import secrets
import selectors
import shutil
import site
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ChildStartError, ProtocolError
from ..i18n import _
from . import modes as _sandbox
from . import seccomp, warm
from .limits import Limits, classify_exit
from .modes import Isolation
from .values import Value, decode_value

__all__ = ["ChildDied", "Child", "ImportReport", "Isolation", "Limits", "Outcome", "Raised"]

CHILD_SCRIPT = Path(__file__).with_name("child.py")
CONFINE_SCRIPT = Path(__file__).with_name("confine.py")
GRADER_PACKAGE = Path(__file__).resolve().parent.parent
KIT_ROOT = GRADER_PACKAGE.parent
SYSTEM_READ = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d",
               "/etc/alternatives", "/etc/localtime", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf")
DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")
MAX_REPLY_BYTES = 64 * 1024 * 1024
READ_BYTES = 65536  # one pipe's worth; a read of 1 MiB costs an mmap and munmap of its buffer every time


@dataclass(frozen=True)
class Raised:
    """An exception raised by the submission's code."""

    type: str
    message: str
    line: int | None = None
    cell: int | None = None  # a notebook's cell, when ``line`` is counted within it


@dataclass(frozen=True)
class Outcome:
    """The result of one operation inside the child: a value, or an exception it raised."""

    value: Value | None = None
    raised: Raised | None = None
    attrs: dict[str, Value | Raised] = field(default_factory=dict)
    args_after: tuple[Value, ...] | None = None
    init_error: Raised | None = None


@dataclass(frozen=True)
class ImportReport:
    """What happened when the child imported the submission."""

    error: str | None  # None, "syntax", "exception", "encoding", "unreadable", or a ChildDied kind ("timeout", "crash", ...)
    message: str = ""
    exc_type: str | None = None
    line: int | None = None
    names: dict[str, bool] = field(default_factory=dict)
    stubs: dict[str, bool] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    defined: tuple[str, ...] = ()
    cell: int | None = None  # a notebook's cell, when ``line`` is counted within it


class ChildDied(Exception):
    """The child timed out or ended while running program ``index`` of a request."""

    def __init__(self, index: int, kind: str, seconds: float, detail: str = "") -> None:
        super().__init__(f"{kind} at program {index}: {detail}")
        self.index = index
        self.kind = kind  # "timeout", "submission_timeout", "memory", "cpu", "crash" or "protocol"
        self.seconds = seconds
        self.detail = detail


def in_cell(line: int | None, cells: tuple[tuple[int, int], ...]) -> tuple[int | None, int | None]:
    """A line of a notebook's joined source as (cell, line within that cell); (None, line) for a .py file."""
    if line is None or not cells:
        return None, line
    found = [(start, number) for start, number in cells if start <= line]
    if not found:
        return None, line
    start, number = found[-1]
    return number, line - start + 1


def _parse_raised(data: Any, cells: tuple[tuple[int, int], ...] = ()) -> Raised:
    if not isinstance(data, dict):
        raise ProtocolError("bad exception record")
    exc_type, message, line = data.get("type"), data.get("msg"), data.get("line")
    if type(exc_type) is not str or type(message) is not str or not (line is None or type(line) is int):
        raise ProtocolError("bad exception record")
    cell, line = in_cell(line, cells)
    return Raised(exc_type[:200], message[:2000], line, cell)


def _parse_outcome(data: Any, cells: tuple[tuple[int, int], ...] = ()) -> Outcome:
    if not isinstance(data, dict):
        raise ProtocolError("bad outcome")
    args_after = None
    if data.get("args_after") is not None:
        if not isinstance(data["args_after"], list):
            raise ProtocolError("bad arguments")
        args_after = tuple(decode_value(a) for a in data["args_after"])
    if "raised" in data:
        return Outcome(raised=_parse_raised(data["raised"], cells), args_after=args_after)  # what it did to them before raising
    value = decode_value(data.get("value"))
    attrs: dict[str, Value | Raised] = {}
    raw_attrs = data.get("attrs") or {}
    if not isinstance(raw_attrs, dict):
        raise ProtocolError("bad attributes")
    for name, raw in raw_attrs.items():
        attrs[str(name)] = _parse_raised(raw["raised"], cells) if isinstance(raw, dict) and "raised" in raw else decode_value(raw)
    init_error = _parse_raised(data["init_error"]["raised"], cells) if data.get("init_error") else None
    return Outcome(value=value, attrs=attrs, args_after=args_after, init_error=init_error)


def child_sys_path() -> list[str]:
    """Folders the child may import from: where NumPy is installed, and the site-packages folders.

    In a checkout the kit's own folder is never one of them (an editable install reaches it only through a
    .pth file, which ``python -S`` does not read). In a wheel install the grader's package lives in the same
    site-packages as NumPy: that folder is needed, and each isolation mode hides the grader's package in it.
    """
    paths: list[str] = []
    candidates = [str(Path(np.__file__).resolve().parent.parent)]
    try:
        candidates += site.getsitepackages()
    except AttributeError:  # pragma: no cover - some embedded Pythons
        pass
    for entry in candidates:
        resolved = Path(entry).resolve()
        if resolved == KIT_ROOT and (resolved / "solutions").is_dir():
            continue  # a checkout, never an import folder
        if str(resolved) not in paths and resolved.is_dir():
            paths.append(str(resolved))
    return paths


class _OutputDrain(threading.Thread):
    """Reads the child's stdout/stderr pipe to the end, keeping only the first bytes."""

    def __init__(self, fd: int, keep: int) -> None:
        super().__init__(daemon=True)
        self.fd = fd
        self.keep = keep
        self.data = bytearray()
        self.total = 0

    def run(self) -> None:
        try:
            while True:
                chunk = os.read(self.fd, 65536)
                if not chunk:
                    break
                self.total += len(chunk)
                room = self.keep - len(self.data)
                if room > 0:
                    self.data += chunk[:room]
        except OSError:
            pass
        finally:
            try:
                os.close(self.fd)
            except OSError:
                pass


def start_zygote(isolation: Isolation) -> warm.Zygote:
    """A new warm process for ``isolation`` (see warm.py)."""
    return warm.Zygote(isolation, child_sys_path(), CHILD_SCRIPT, CONFINE_SCRIPT, [str(GRADER_PACKAGE)], Child._base_env(None))


def prestart(isolation: Isolation) -> None:
    """Start this process's warm process for ``isolation`` in the background, so that it is ready, or nearly, when
    the first child is wanted."""
    warm.prestart(isolation, lambda: start_zygote(isolation), tuple(child_sys_path()))


class Child:
    """One child process holding one imported submission, isolated as ``isolation`` says."""

    def __init__(self, source: bytes, module_name: str, names: list[str], limits: Limits, workdir: Path | None = None,
                 isolation: Isolation | None = None, protect: tuple[str, ...] = (), beside: tuple[tuple[str, bytes], ...] = (),
                 cells: tuple[tuple[int, int], ...] = (), lesson_module: str | None = None) -> None:
        self.limits = limits
        self.cells = cells  # a notebook's cells, so that lines are told as "cell N, line M"
        self.lesson_module = lesson_module  # the name, among ``beside``, of the lesson's trusted child module
        self.protect = protect  # folders that basic isolation keeps the child out of, besides the kit
        self.module_name = module_name
        self.names = names
        self.isolation = isolation or Isolation("basic")
        self._own_dir = workdir is None
        # a warm process of this worker forks the child, where warm children are on (see warm.py)
        self._zygote = warm.acquire(self.isolation, self._start_zygote, tuple(child_sys_path())) if workdir is None else None
        self.warm = self._zygote is not None
        inside = self._zygote.folder if self._zygote is not None else None  # a warm sandbox sees its own folder only
        self.workdir = Path(tempfile.mkdtemp(prefix="grader-", dir=inside)) if workdir is None else workdir
        os.chmod(self.workdir, 0o755)  # readable by the child's unprivileged uid, writable only by us
        self.path = self.workdir / f"{module_name}.py"
        self.path.write_bytes(source)
        os.chmod(self.path, 0o644)
        for name, data in beside:  # the student's data files, read-only beside the copy, as at home
            extra = self.workdir / Path(name).name
            if extra.name not in (self.path.name, "home") and not extra.exists():
                extra.write_bytes(data)
                os.chmod(extra, 0o644)
        self.proc: subprocess.Popen[bytes] | warm.WarmProcess | None = None
        self.drain: _OutputDrain | None = None
        self.uid: int | None = None
        self._buffer = bytearray()
        self._scanned = 0  # how much of the buffer holds no newline
        self._selector: selectors.BaseSelector | None = None  # on the child's stdout, made at the first wait
        self._nonce = ""
        self._lifeline: int | None = None

    @property
    def sandboxed(self) -> bool:
        return self.isolation.mode == "sandbox"

    @property
    def reaped(self) -> bool:
        """A reaper stands between grader and child (on Linux, in every mode but a cold sandbox, whose PID
        namespace ends with it): it ends every process the submission started when the child ends or the
        lifeline closes."""
        return self.isolation.wrapped and (self.warm or not self.sandboxed)

    def _start_zygote(self) -> warm.Zygote:
        return start_zygote(self.isolation)

    @staticmethod
    def _base_env(private: Path | None) -> dict[str, str]:
        env = {"PATH": os.defpath, "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8"}
        if private is not None:
            env.update({"HOME": str(private), "TMPDIR": str(private)})
        for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "SYSTEMROOT"):
            if key in os.environ:
                env[key] = os.environ[key]
        env.update({"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg"})
        return env

    # -- life cycle -------------------------------------------------------------------------------------
    def _argv(self, seccomp_fd: int | None = None) -> list[str]:
        import_paths = child_sys_path()
        if self.sandboxed:
            child_args = [f"{_sandbox.SUBMISSION_DIR}/{self.path.name}", self.module_name, *import_paths]
            return _sandbox.sandbox_argv(
                sys.executable, CHILD_SCRIPT, self.workdir, child_args, import_paths, hide=[str(GRADER_PACKAGE)], seccomp_fd=seccomp_fd
            )
        return [sys.executable, "-I", "-S", "-X", "utf8", str(CHILD_SCRIPT), str(self.path), self.module_name, *import_paths]

    def _confinement(self, private: Path) -> dict[str, Any]:
        """What the child's Landlock ruleset allows (paths the grader chose) and the seccomp program."""
        exe = Path(sys.executable)
        read = [*SYSTEM_READ, sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, str(exe.parent),
                str(exe.resolve().parent), *child_sys_path()]
        confinement: dict[str, Any] = {
            "abi": self.isolation.abi,
            "read": list(dict.fromkeys(read)),
            "submission": str(self.workdir),
            "write": str(private),
            "devices": list(DEVICES),
            "hide": [str(GRADER_PACKAGE)],  # the grader's package, where it shares a folder the child may read
        }
        if self.isolation.filtered:
            confinement["seccomp"] = base64.b64encode(seccomp.program()).decode("ascii")
        return confinement

    def start(self, until: float | None = None) -> ImportReport:
        """Start the child and import the submission in it. Raises ChildStartError when the child cannot get
        ready to read the submission (the grader's environment is at fault, not the student)."""
        out_r, out_w = os.pipe()
        self.uid = _sandbox.child_uid()
        private = self.workdir / "home"  # the one folder the child may write to outside the sandbox
        if not private.exists():
            private.mkdir(mode=0o700)
            if self.uid is not None:
                os.chown(private, self.uid, self.uid)
        env = self._base_env(private)
        life_r: int | None = None
        if self.reaped:
            life_r, self._lifeline = os.pipe()  # the reaper ends everything when this closes: at kill() or our death
        lifeline_at = life_r
        if self.warm:
            lifeline_at = self._spawn_warm(env, out_w, life_r)
        if not self.warm:
            self._spawn_cold(env, out_w, life_r)
        os.close(out_w)
        if life_r is not None:
            os.close(life_r)
        assert self.proc is not None
        self.drain = _OutputDrain(out_r, max(self.limits.output_bytes * 4, 4096))
        self.drain.start()
        os.set_blocking(self.proc.stdout.fileno(), False)  # type: ignore[union-attr]
        self._nonce = secrets.token_hex(16)
        header: dict[str, Any] = {
            "nonce": self._nonce,
            "names": self.names,
            "limits": self.limits.child_rlimits(),
            "uid": self.uid,
            "preload": self.uid is not None and not self.sandboxed,
        }
        if self.reaped:
            script = self._zygote.confine_script if self.warm and self._zygote is not None else str(CONFINE_SCRIPT)
            header["reaper"] = {"lifeline": lifeline_at, "script": script}
        if self.lesson_module is not None:
            header["lesson_module"] = self.lesson_module
        if self.isolation.mode == "landlock":
            header["confine"] = self._confinement(private)
        elif self.isolation.mode == "basic":
            guard: dict[str, Any] = dict(_sandbox.guard_for(str(KIT_ROOT), list(self.protect), [*child_sys_path(), sys.prefix, sys.base_prefix]))
            guard["writable"] = str(private)
            header["guard"] = guard
        try:
            self._write(header)
            ready = self._read_reply(self.limits.import_seconds, -1, until)
        except (ChildDied, OSError) as exc:
            detail = exc.detail if isinstance(exc, ChildDied) else str(exc)
            self.kill()
            raise ChildStartError(self._start_problem(detail)) from exc
        if ready != {"ready": True}:
            self.kill()
            raise ChildStartError(self._start_problem(str(ready.get("failed", "")) if isinstance(ready, dict) else "bad reply"))
        try:
            reply = self._read_reply(self.limits.import_seconds, -1, until)
        except ChildDied as died:
            self.kill()
            return ImportReport(error=died.kind, message=died.detail, names={}, stubs={})
        except OSError as exc:
            self.kill()
            return ImportReport(error="crash", message=str(exc), names={}, stubs={})
        try:
            return self._parse_import(reply)
        except ProtocolError as exc:
            self.kill()
            return ImportReport(error="crash", message=f"unreadable reply: {exc}")

    def _spawn_cold(self, env: dict[str, str], out_w: int, life_r: int | None) -> None:
        filter_r: int | None = None
        if self.sandboxed and seccomp.problem() is None:  # bubblewrap loads the same filter on the child
            filter_r, filter_w = os.pipe()
            os.write(filter_w, seccomp.program())  # a few hundred bytes: the pipe holds them
            os.close(filter_w)
        passed = tuple(fd for fd in (life_r, filter_r) if fd is not None)
        try:
            self.proc = subprocess.Popen(
                self._argv(filter_r),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=out_w,
                cwd=self.workdir,
                env=env,
                start_new_session=True,
                close_fds=True,
                pass_fds=passed,
            )
        except OSError as exc:
            os.close(out_w)
            raise ChildStartError(_("the process that runs student code could not start: {problem}.").format(problem=exc)) from exc
        finally:
            if filter_r is not None:
                os.close(filter_r)

    WARM_LIFELINE = 3  # the lifeline's descriptor number in a warm child's fork

    def _spawn_warm(self, env: dict[str, str], out_w: int, life_r: int | None) -> int | None:
        """Have the warm process fork this submission's child; on failure ``self.warm`` turns False (the child
        then starts cold). Returns the lifeline's descriptor number in the child."""
        assert self._zygote is not None
        in_r, in_w = os.pipe()
        out_r, proto_w = os.pipe()
        fds = [in_r, proto_w, out_w] + ([life_r] if life_r is not None else [])
        if self.sandboxed:
            inner = f"{warm.ZYGOTE_ROOT}/{self.workdir.name}"
            env = {**env, "HOME": inner, "TMPDIR": "/tmp"}
            submission, cwd = f"{inner}/{self.path.name}", inner
        else:
            submission, cwd = str(self.path), str(self.workdir)
        lifeline = self.WARM_LIFELINE if life_r is not None else None
        try:
            pid = self._zygote.spawn(submission, self.module_name, env, cwd, fds, lifeline, self.uid)
        except warm.WarmError:
            self.warm = False
            for fd in (in_w, out_r):
                os.close(fd)
            return life_r
        finally:
            os.close(in_r)
            os.close(proto_w)
        self.proc = warm.WarmProcess(self._zygote, pid, os.fdopen(in_w, "wb"), os.fdopen(out_r, "rb"))  # type: ignore[assignment]
        return lifeline

    def _start_problem(self, detail: str) -> str:
        """One sentence: why the child could not start, and what to do about it."""
        printed = bytes(self.drain.data).decode("utf-8", "replace").strip().splitlines() if self.drain is not None else []
        last = next((line.strip() for line in reversed(printed) if line.strip()), "") or detail
        sentence = _("the process that runs student code could not start ({mode} isolation, {python}): {problem}.").format(
            mode=self.isolation.mode, python=sys.executable, problem=last or _("it ended at once"))
        if "numpy" in last.lower():
            return sentence + " " + _("Install NumPy beside the grader (pip install numpy) and run the same command again.")
        if self.isolation.mode != "basic":
            return sentence + " " + _("Run the same command with --isolation basic to grade without this isolation, or repair it.")
        return sentence + " " + _("Check that this Python runs (python -c \"import numpy\") and reinstall the grader.")

    def _parse_import(self, reply: Any) -> ImportReport:
        if not isinstance(reply, dict) or not isinstance(reply.get("import"), dict):
            raise ProtocolError("bad import report")
        imp = reply["import"]
        names = reply.get("names") or {}
        stubs = reply.get("stubs") or {}
        defined = reply.get("defined") or []
        raw_lines = reply.get("lines") or {}
        if not isinstance(raw_lines, dict):
            raise ProtocolError("bad import report")
        lines = {str(k): v for k, v in raw_lines.items() if str(k) in self.names and type(v) is int}
        if not (isinstance(names, dict) and isinstance(stubs, dict) and isinstance(defined, list)):
            raise ProtocolError("bad import report")
        error = imp.get("error")
        if error not in (None, "syntax", "exception", "encoding", "unreadable"):
            raise ProtocolError("bad import error")
        message = imp.get("msg", "")
        cell, line = in_cell(imp.get("line") if type(imp.get("line")) is int else None, self.cells)
        exc_type = imp.get("type")
        return ImportReport(
            error=error,
            message=str(message)[:2000],
            exc_type=str(exc_type)[:200] if exc_type is not None else None,
            line=line if type(line) is int else None,
            names={str(k): v is True for k, v in names.items() if str(k) in self.names},
            stubs={str(k): v is True for k, v in stubs.items() if str(k) in self.names},
            defined=tuple(str(d)[:100] for d in defined[:200]),
            lines=lines,
            cell=cell,
        )

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """End the child and everything it started: through its reaper when it has one (which kills every
        descendant, double-forked daemons included), then its process group, its sandbox and every process
        of its uid."""
        proc = self.proc
        if proc is None:
            return
        if self._lifeline is not None:
            os.close(self._lifeline)  # the reaper kills the child and its descendants, then exits
            self._lifeline = None
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:  # pragma: no cover - a reaper that does not end
                pass
        if isinstance(proc, subprocess.Popen):
            _sandbox.kill_group(proc.pid)  # a warm child's group is killed by its warm process (proc.kill)
        try:
            proc.kill()
        except OSError:
            pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - a process that survives SIGKILL
            pass
        if self.uid is not None:
            _sandbox.kill_uid(self.uid)
        if self._selector is not None:
            self._selector.close()
            self._selector = None
        for stream in (proc.stdin, proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        if self.drain is not None:
            self.drain.join(timeout=2)

    def close(self) -> None:
        self.kill()
        if self._own_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)
        if self._zygote is not None:
            warm.release(self._zygote)
            self._zygote = None

    def output(self) -> tuple[bytes, int]:
        """The first bytes the submission printed, and how many it printed in all."""
        if self.drain is None:
            return b"", 0
        return bytes(self.drain.data), self.drain.total

    # -- requests -------------------------------------------------------------------------------------
    def _write(self, obj: Any) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(obj, separators=(",", ":")).encode() + b"\n")
        self.proc.stdin.flush()

    def _read_reply(self, timeout: float, index: int = -1, until: float | None = None) -> Any:
        """Read the next framed reply; lines without this request's nonce are ignored as noise.

        Waits ``timeout`` seconds at most, and never past the monotonic time ``until`` (the end of the
        submission's time), which raises a ``submission_timeout`` instead of a ``timeout``.
        """
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        overall = until is not None and until < deadline
        if overall:
            deadline = until  # type: ignore[assignment]
        prefix = self._nonce.encode() + b" "
        buffer = self._buffer
        while True:
            while True:  # the replies already read come first: most arrive many to a read
                newline = buffer.find(b"\n", self._scanned)
                if newline < 0:
                    self._scanned = len(buffer)
                    break
                line = bytes(buffer[:newline])
                del buffer[: newline + 1]
                self._scanned = 0
                if line.startswith(prefix):
                    try:
                        reply = json.loads(line[len(prefix):])
                    except (ValueError, RecursionError) as exc:
                        raise ChildDied(index, "protocol", timeout, "unreadable reply") from exc
                    if isinstance(reply, dict) and reply.get("died") in ("memory",):
                        raise ChildDied(index, str(reply["died"]), timeout)
                    return reply
            if len(buffer) > MAX_REPLY_BYTES:
                raise ChildDied(index, "protocol", timeout, "reply too large")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ChildDied(index, "submission_timeout" if overall else "timeout", timeout)
            if self._selector is None:
                self._selector = selectors.DefaultSelector()
                self._selector.register(fd, selectors.EVENT_READ)
            if not self._selector.select(remaining):
                continue
            try:
                chunk = os.read(fd, READ_BYTES)
            except BlockingIOError:
                continue
            if not chunk:
                try:
                    code: int | None = self.proc.wait(timeout=1)
                except subprocess.TimeoutExpired:
                    code = None  # it closed its pipe but still runs
                kind, detail = classify_exit(code, self.isolation.wrapped)
                raise ChildDied(index, kind, timeout, detail)
            buffer += chunk

    def run(self, programs: list[list[dict[str, Any]]], seed: int | None = None, until: float | None = None) -> list[list[Outcome]]:
        """Run programs in order; each gets ``call_seconds``, and all must end before the monotonic time ``until``.

        Raises ChildDied naming the program that failed.
        """
        if not self.alive():
            raise ChildDied(0, "crash", 0, "the process had already ended")
        self._nonce = secrets.token_hex(16)
        self._buffer.clear()
        self._scanned = 0
        try:
            self._write({"nonce": self._nonce, "programs": programs, "seed": seed})
        except (BrokenPipeError, OSError) as exc:
            self.kill()
            raise ChildDied(0, "crash", 0, "the process had already ended") from exc
        results: list[list[Outcome]] = []
        for index in range(len(programs)):
            try:
                reply = self._read_reply(self.limits.call_seconds, index, until)
                if not isinstance(reply, dict) or not isinstance(reply.get("results"), list):
                    raise ProtocolError("bad reply")
                outcomes = [_parse_outcome(item, self.cells) for item in reply["results"]]
            except ChildDied:
                self.kill()
                raise
            except (ProtocolError, KeyError, TypeError, ValueError) as exc:
                self.kill()
                raise ChildDied(index, "protocol", self.limits.call_seconds, str(exc)) from exc
            results.append(outcomes)
        try:
            done = self._read_reply(self.limits.call_seconds, len(programs), until)
        except ChildDied:
            self.kill()
            raise
        if done != {"done": True}:
            self.kill()
            raise ChildDied(len(programs), "protocol", self.limits.call_seconds, "bad end of reply")
        return results
