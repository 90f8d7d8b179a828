"""How a submission's child process is isolated, and how ``auto`` picks the strongest mode that works here.

``sandbox`` (Linux, bubblewrap): a private mount namespace holding only the Python installation, the folders
the child imports from, the child script and a copy of the submission, all read-only, with an empty /tmp; no
network; a private PID namespace (when the child ends, everything it started ends with it, daemons included:
with a cold child the namespace ends with it; a warm sandbox, one per worker, holds one child at a time, and its
subreaper kills what the child left and empties /tmp before the next, see ``warm.py``); ``--die-with-parent``;
and an unprivileged uid.

``landlock`` (Linux 5.13 and later, unprivileged, inside Docker's default profile and on runners whose AppArmor
stops bubblewrap): Landlock keeps the child to the Python installation, its copy of the submission and a
private folder, without TCP from ABI 4 on and without signals or abstract sockets outside its domain from
ABI 6 on; a seccomp filter (``seccomp.py``) refuses ptrace, namespaces, mounts and the network; a subreaper
between grader and child ends every process the submission started (``confine.py``); plus the limits, its
own session and, as root, a fresh unprivileged uid.

``basic`` (anywhere else, best effort): a plain subprocess in its own session and process group, killed as a
group, with the same resource limits; on Linux the same subreaper; when the grader runs as root, an
unprivileged uid of its own, and every process of that uid is killed when the child ends.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..i18n import _
from . import confine, seccomp

MODES = ("auto", "sandbox", "landlock", "basic")  # what --isolation takes, strongest first after auto
SANDBOX_ROOT = "/grader"  # where the child script and the submission appear inside the sandbox
SUBMISSION_DIR = f"{SANDBOX_ROOT}/submission"
UID_RANGE = (1_500_000_000, 1_600_000_000)  # unprivileged uids for children when the grader runs as root
TMP_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Isolation:
    """The isolation that grades a submission, and how the report names it."""

    mode: str  # "sandbox", "landlock" or "basic"
    reason: str = ""  # why a stronger mode was not used
    abi: int = 0  # landlock: the kernel's Landlock ABI
    filtered: bool = False  # landlock: a seccomp filter is loaded too

    @property
    def label(self) -> str:
        """The report's line: the mode, what it is made of, and in a few words why no stronger one was used."""
        details = [f"ABI {self.abi}, " + ("seccomp" if self.filtered else _("no seccomp filter"))] if self.mode == "landlock" else []
        if self.reason:
            details.append(self.reason)
        return f"{self.mode} ({'; '.join(details)})" if details else self.mode

    @property
    def wrapped(self) -> bool:
        """Whether the process the grader starts reports the child's death as exit status 128 + N."""
        return self.mode in ("sandbox", "landlock") or (self.mode == "basic" and sys.platform.startswith("linux"))


class IsolationUnavailable(Exception):
    """The mode asked for cannot be used here."""


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


@lru_cache(maxsize=1)
def sandbox_problem() -> str | None:
    """Why the sandbox cannot be used here, or None if it can. Probed once per process (a few milliseconds)."""
    if not sys.platform.startswith("linux"):
        return _("bubblewrap not available")
    bwrap = bwrap_path()
    if bwrap is None:
        return _("bubblewrap not available")
    argv = [bwrap, *_namespace_args(), *_system_binds(), "--tmpfs", "/tmp", *_python_binds(sys.executable, [], []),
            sys.executable, "-I", "-S", "-c", "import encodings"]
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=20, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        return _("bubblewrap cannot start here: {reason}").format(reason=exc)
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        return _("bubblewrap cannot start here: {reason}").format(reason=reason[-1] if reason else f"exit code {done.returncode}")
    return None


@lru_cache(maxsize=1)
def landlock_abi() -> int:
    return confine.abi()


def landlock_problem() -> str | None:
    """Why the Landlock mode cannot be used here, or None if it can."""
    if not sys.platform.startswith("linux"):
        return _("no Landlock on this system")
    if landlock_abi() < 1:
        return _("the kernel offers no Landlock")
    return None


def resolve(requested: str = "auto") -> Isolation:
    """The isolation to use for ``requested`` (auto, sandbox, landlock or basic)."""
    if requested not in MODES:
        raise ValueError(f"unknown isolation {requested!r}")
    if requested == "basic":
        return Isolation("basic", _("chosen with --isolation basic"))
    if requested == "landlock":
        problem = landlock_problem()
        if problem is not None:
            raise IsolationUnavailable(problem)
        return Isolation("landlock", _("chosen with --isolation landlock"), landlock_abi(), seccomp.problem() is None)
    problem = sandbox_problem()
    if problem is None:
        return Isolation("sandbox")
    if requested == "sandbox":
        raise IsolationUnavailable(problem)
    landlock = landlock_problem()
    if landlock is None:
        return Isolation("landlock", problem, landlock_abi(), seccomp.problem() is None)
    return Isolation("basic", f"{problem}; {landlock}")


def _namespace_args(warm: bool = False) -> list[str]:
    args = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--proc", "/proc", "--dev", "/dev"]
    if os.geteuid() != 0:
        args.insert(0, "--unshare-user")
    else:
        # as root no user namespace: the child then becomes a real unprivileged uid of its own (see child_uid);
        # bubblewrap drops every capability but those the child needs to change uid, which that change drops
        # (a warm sandbox keeps CAP_KILL too: its warm process ends what each student's uid left behind)
        args += ["--cap-drop", "ALL"]
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        if warm:
            args += ["--cap-add", "CAP_KILL"]
    return args


def _system_binds() -> list[str]:
    """The system's shared libraries (the interpreter needs them); nothing of /home, /root, /etc or the kit."""
    args: list[str] = []
    for top in ("/usr", "/lib", "/lib64", "/lib32", "/bin"):
        path = Path(top)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), top]
        elif path.is_dir():
            args += ["--ro-bind", top, top]
    for name in ("/etc/ld.so.cache", "/etc/ld.so.conf"):
        if os.path.exists(name):
            args += ["--ro-bind", name, name]
    return args


def _with_parents(args: list[str], made: set[str], dest: str) -> list[str]:
    """Create the folders above ``dest`` world-readable first: bubblewrap would make them private (0700),
    and the child, once it is an unprivileged uid, could not reach the mount below them."""
    out: list[str] = []
    for parent in reversed(Path(dest).parents):
        name = str(parent)
        if name == "/" or name in made:
            continue
        made.add(name)
        out += ["--perms", "0755", "--dir", name]
    return out


def _covered(path: str, bound: list[str]) -> bool:
    return any(path == b or path.startswith(b.rstrip("/") + "/") for b in bound)


def sandbox_argv(python: str, child_script: Path, workdir: Path, child_args: list[str], import_paths: list[str],
                 hide: list[str], seccomp_fd: int | None = None) -> list[str]:
    """The bubblewrap command line that runs the child script on the submission in ``workdir``, which
    appears as ``SUBMISSION_DIR`` inside the sandbox; ``seccomp_fd`` is a descriptor to read the seccomp
    filter (``seccomp.py``) from, which bubblewrap loads on the child."""
    bwrap = bwrap_path()
    assert bwrap is not None
    inside = SUBMISSION_DIR
    # the empty /tmp comes before the binds: a Python or a virtual environment that lives under /tmp must
    # stay visible on top of it
    args = [bwrap, *_namespace_args(), *_system_binds(), "--perms", "1777", "--size", str(TMP_BYTES), "--tmpfs", "/tmp",
            *_python_binds(python, import_paths, hide)]
    if seccomp_fd is not None:
        args += ["--seccomp", str(seccomp_fd)]
    args += [
        "--perms", "0755", "--dir", SANDBOX_ROOT,
        "--ro-bind", str(child_script), f"{SANDBOX_ROOT}/_child.py",
        "--ro-bind", str(workdir), inside,
        "--chdir", inside,
        "--setenv", "HOME", inside,
        "--setenv", "TMPDIR", "/tmp",
        python, "-I", "-S", "-X", "utf8", f"{SANDBOX_ROOT}/_child.py", *child_args,
    ]
    return args


def warm_sandbox_argv(python: str, child_script: Path, confine_script: Path, folder: Path, sock_fd: int,
                      import_paths: list[str], hide: list[str], seccomp_fd: int | None = None) -> list[str]:
    """The bubblewrap command line of a warm sandbox: the same sandbox as ``sandbox_argv``'s, holding a warm
    child (``child.py --zygote``) that talks over ``sock_fd``; ``folder`` (each submission's own folder in
    it, one at a time) is read-only at ``SANDBOX_ROOT/submissions``."""
    bwrap = bwrap_path()
    assert bwrap is not None
    args = [bwrap, *_namespace_args(warm=True), *_system_binds(), "--perms", "1777", "--size", str(TMP_BYTES), "--tmpfs", "/tmp",
            *_python_binds(python, import_paths, hide)]
    if seccomp_fd is not None:
        args += ["--seccomp", str(seccomp_fd)]
    args += [
        "--perms", "0755", "--dir", SANDBOX_ROOT,
        "--ro-bind", str(child_script), f"{SANDBOX_ROOT}/_child.py",
        "--ro-bind", str(confine_script), f"{SANDBOX_ROOT}/_confine.py",
        "--ro-bind", str(folder), f"{SANDBOX_ROOT}/submissions",
        "--chdir", "/",
        python, "-I", "-S", "-X", "utf8", f"{SANDBOX_ROOT}/_child.py", "--zygote", str(sock_fd), f"{SANDBOX_ROOT}/_confine.py",
        *import_paths,
    ]
    return args


def _python_binds(python: str, import_paths: list[str], hide: list[str]) -> list[str]:
    """The Python installation (and a virtual environment's), the folders the child imports from, read-only
    at their own paths; ``hide`` (the grader's package, when installed among them) covered by an empty tmpfs."""
    args: list[str] = []
    made: set[str] = {"/usr"}
    bound: list[str] = []
    prefixes = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix]
    exe = os.path.realpath(python)
    for path in [*prefixes, *import_paths, str(Path(python).parent), str(Path(exe).parent)]:
        real = os.path.realpath(path)
        for candidate in dict.fromkeys([path, real]):
            if os.path.isdir(candidate) and not _covered(candidate, bound) and not _covered(candidate, ["/usr"]):
                args += [*_with_parents(args, made, candidate), "--ro-bind", candidate, candidate]
                bound.append(candidate)
    for path in hide:  # the grader's own package, if it lives inside a bound folder (an installed kit)
        if _covered(path, bound):
            args += ["--tmpfs", path]
    return args


# -- unprivileged uids and cleanup ----------------------------------------------------------------------------
def child_uid() -> int | None:
    """A fresh unprivileged uid for one child when the grader runs as root (else None: the child keeps ours)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    for _attempt in range(20):
        uid = UID_RANGE[0] + secrets.randbelow(UID_RANGE[1] - UID_RANGE[0])
        if not processes_of(uid):
            return uid
    return UID_RANGE[0] + secrets.randbelow(UID_RANGE[1] - UID_RANGE[0])  # pragma: no cover


def processes_of(uid: int) -> list[int]:
    """Live process ids whose real or effective uid is ``uid`` (Linux /proc; empty elsewhere)."""
    found: list[int] = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status", "rb") as handle:
                for line in handle:
                    if line.startswith(b"State:") and line.split()[1:2] in ([b"Z"], [b"X"]):
                        break  # a zombie holds nothing and runs nothing; whoever reaps it will
                    if line.startswith(b"Uid:"):
                        ids = [int(x) for x in line.split()[1:3]]
                        if uid in ids:
                            found.append(int(entry))
                        break
        except (OSError, ValueError):
            continue
    return found


def kill_uid(uid: int, rounds: int = 50) -> bool:
    """SIGKILL every process of ``uid`` until none is left (forks racing the kill are caught in a later round)."""
    for _round in range(rounds):
        pids = processes_of(uid)
        if not pids:
            return True
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.005)
    return not processes_of(uid)


def kill_group(pgid: int) -> None:
    killpg = getattr(os, "killpg", None)  # POSIX only
    if killpg is None:
        return
    try:
        killpg(pgid, signal.SIGKILL)
    except OSError:
        pass


# -- basic isolation: what the child may not read -------------------------------------------------------------
MAX_GUARDED_FOLDERS = 5000


def _key(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def basic_guard(protect: list[str], allow: list[str]) -> dict[str, list[tuple[int, int]]]:
    """The folders (device, inode) a child under basic isolation may not open, list or enter: every folder
    under each of ``protect`` (the kit, the submission's own folder and the one above it) except those under
    ``allow`` (where the child imports from). Folders that hold an allowed one, such as ``/``, are never
    protected as a whole."""
    allowed = {key for key in map(_key, allow) if key is not None}
    tmp = os.path.realpath(tempfile.gettempdir())
    deny: set[tuple[int, int]] = set()
    for root in protect:
        real = os.path.realpath(root)
        if real == "/" or tmp == real or tmp.startswith(real.rstrip("/") + "/") or not os.path.isdir(real):
            continue  # never all of / or of the folder that holds the child's own copy of the submission
        for folder, subfolders, _files in os.walk(real):
            key = _key(folder)
            if key is None or key in allowed:
                subfolders[:] = []
                continue
            deny.add(key)
            subfolders[:] = [d for d in subfolders if not os.path.islink(os.path.join(folder, d))]
            if len(deny) >= MAX_GUARDED_FOLDERS:
                break
    return {"deny": sorted(deny), "allow": sorted(allowed)}


@lru_cache(maxsize=64)
def _guard_cached(protect: tuple[str, ...], allow: tuple[str, ...]) -> dict[str, list[tuple[int, int]]]:
    return basic_guard(list(protect), list(allow))


def guard_for(kit: str, submission_folders: list[str], allow: list[str]) -> dict[str, list[tuple[int, int]]]:
    """The guard for one child: the kit's folders and the submission's (each walked once per process)."""
    kit_part = _guard_cached((kit,), tuple(allow))
    own = _guard_cached(tuple(submission_folders), tuple(allow)) if submission_folders else {"deny": [], "allow": []}
    return {"deny": sorted(set(kit_part["deny"]) | set(own["deny"])), "allow": kit_part["allow"]}
