"""Confinement the kernel enforces on a child: Landlock, a seccomp filter, and a subreaper between grader and child.

This module is loaded by ``child.py`` (by path, before a line of the submission runs) and, for probing and
tests, by the grader. Like ``child.py`` it uses the standard library only. What it sets up is enforced by the
operating system, not by Python: once ``enforce`` has returned, nothing the submission does in this process
or in any process it starts can lift it.

- **Landlock** (Linux 5.13 and later; ``abi()`` says which version): the child may read and execute the
  Python installation, the folders it imports from and the system's libraries and programs, read its copy of
  the submission, and write only in its private folder. From ABI 4 on, TCP ``bind`` and ``connect`` are
  refused; from ABI 6 on, the child can signal no process and reach no abstract UNIX socket outside its own
  Landlock domain (the grader, the reaper and other students are outside it).
- **seccomp**: a BPF program the grader builds with libseccomp (``grader.isolation.seccomp``) and sends as
  bytes; it refuses ptrace, process_vm_*, new namespaces, mounts, io_uring and sockets other than UNIX ones.
- **The reaper** (``PR_SET_CHILD_SUBREAPER``): the process the grader started forks; the parent half stays
  between grader and child, so that every process the submission starts, double-forked daemons included,
  becomes its descendant. When the child ends, or the grader closes the lifeline pipe (or dies), the reaper
  kills every descendant and exits with the child's status (``128 + N`` for a child killed by signal N).
"""

from __future__ import annotations

import ctypes
import os
import select
import signal
import struct
import sys

# -- Landlock: the kernel's constants (include/uapi/linux/landlock.h) --------------------------------------------
SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446  # the same number on every architecture
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1

FS_EXECUTE = 1 << 0
FS_WRITE_FILE = 1 << 1
FS_READ_FILE = 1 << 2
FS_READ_DIR = 1 << 3
FS_REMOVE_DIR = 1 << 4
FS_REMOVE_FILE = 1 << 5
FS_MAKE_CHAR = 1 << 6
FS_MAKE_DIR = 1 << 7
FS_MAKE_REG = 1 << 8
FS_MAKE_SOCK = 1 << 9
FS_MAKE_FIFO = 1 << 10
FS_MAKE_BLOCK = 1 << 11
FS_MAKE_SYM = 1 << 12
FS_REFER = 1 << 13  # ABI 2
FS_TRUNCATE = 1 << 14  # ABI 3
FS_IOCTL_DEV = 1 << 15  # ABI 5
NET_BIND_TCP = 1 << 0  # ABI 4
NET_CONNECT_TCP = 1 << 1  # ABI 4
SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0  # ABI 6
SCOPE_SIGNAL = 1 << 1  # ABI 6

FILE_ACCESS = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV  # what a rule on a file may grant
READ = FS_EXECUTE | FS_READ_FILE | FS_READ_DIR
WRITE = (FS_WRITE_FILE | FS_REMOVE_DIR | FS_REMOVE_FILE | FS_MAKE_DIR | FS_MAKE_REG | FS_MAKE_SOCK | FS_MAKE_FIFO
         | FS_MAKE_SYM | FS_REFER | FS_TRUNCATE)

PR_SET_DUMPABLE = 4
PR_SET_NO_NEW_PRIVS = 38
PR_SET_CHILD_SUBREAPER = 36
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2

_libc: ctypes.CDLL | None = None


def _lib() -> ctypes.CDLL:
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
        _libc.syscall.restype = ctypes.c_long
        _libc.prctl.restype = ctypes.c_int
    return _libc


def abi() -> int:
    """The Landlock ABI version the kernel offers: 0 when it has none (not Linux, too old, or switched off)."""
    if not sys.platform.startswith("linux"):
        return 0
    try:
        version = _lib().syscall(ctypes.c_long(SYS_CREATE_RULESET), None, ctypes.c_size_t(0), ctypes.c_uint32(CREATE_RULESET_VERSION))
    except (OSError, AttributeError):
        return 0
    return max(int(version), 0)


def handled(version: int) -> tuple[int, int, int]:
    """What a ruleset of ABI ``version`` handles: (filesystem accesses, network accesses, scopes). Every
    access the ABI knows is handled, so that whatever no rule allows is refused."""
    fs = (1 << 13) - 1  # ABI 1: EXECUTE .. MAKE_SYM
    if version >= 2:
        fs |= FS_REFER
    if version >= 3:
        fs |= FS_TRUNCATE
    if version >= 5:
        fs |= FS_IOCTL_DEV
    net = NET_BIND_TCP | NET_CONNECT_TCP if version >= 4 else 0
    scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if version >= 6 else 0
    return fs, net, scoped


def ruleset_attr(version: int) -> bytes:
    """``struct landlock_ruleset_attr`` as the kernel of that ABI reads it: 8 bytes up to ABI 3, 16 with the
    network field (ABI 4 and 5), 24 with the scopes (ABI 6 on). A larger struct would be refused."""
    fs, net, scoped = handled(version)
    if version >= 6:
        return struct.pack("=QQQ", fs, net, scoped)
    if version >= 4:
        return struct.pack("=QQ", fs, net)
    return struct.pack("=Q", fs)


class Ruleset:
    """A Landlock ruleset being built: rules are added while the process can still open every path."""

    def __init__(self, version: int) -> None:
        self.version = version
        self.fs = handled(version)[0]
        attr = ruleset_attr(version)
        buffer = ctypes.create_string_buffer(attr, len(attr))
        fd = _lib().syscall(ctypes.c_long(SYS_CREATE_RULESET), buffer, ctypes.c_size_t(len(attr)), ctypes.c_uint32(0))
        if fd < 0:
            errno = ctypes.get_errno()
            raise OSError(errno, f"landlock_create_ruleset: {os.strerror(errno)}")
        self.fd = int(fd)
        self.rules = 0

    def allow(self, path: str, access: int) -> bool:
        """Allow ``access`` beneath ``path`` (a folder) or on it (a file). A path that does not exist is
        skipped; returns whether a rule was added."""
        try:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        except OSError:
            return False
        try:
            is_dir = os.path.isdir(f"/proc/self/fd/{fd}") if os.path.exists("/proc/self/fd") else os.path.isdir(path)
            allowed = access & self.fs & (~0 if is_dir else FILE_ACCESS)
            if not allowed:
                return False
            attr = struct.pack("=Qi", allowed, fd)  # struct landlock_path_beneath_attr is packed: 12 bytes
            buffer = ctypes.create_string_buffer(attr, len(attr))
            done = _lib().syscall(ctypes.c_long(SYS_ADD_RULE), ctypes.c_int(self.fd), ctypes.c_int(RULE_PATH_BENEATH), buffer,
                                  ctypes.c_uint32(0))
            if done != 0:
                errno = ctypes.get_errno()
                raise OSError(errno, f"landlock_add_rule({path}): {os.strerror(errno)}")
            self.rules += 1
            return True
        finally:
            os.close(fd)

    def allow_except(self, path: str, access: int, hidden: list[str]) -> None:
        """Allow ``access`` beneath ``path`` but not beneath any of ``hidden`` inside it. A Landlock rule covers
        a whole hierarchy, so on the way down to a hidden folder each folder gets only the right to be
        listed, and each of its other entries a rule of its own: this is how the grader's package is kept out
        of a site-packages that the child imports from."""
        real = os.path.realpath(path)
        inside = [h for h in map(os.path.realpath, hidden) if h.startswith(real.rstrip("/") + "/")]
        if any(real == os.path.realpath(h) for h in hidden):
            return
        if not inside or not os.path.isdir(real):
            self.allow(path, access)
            return
        self.allow(real, FS_READ_DIR)
        try:
            names = sorted(os.listdir(real))
        except OSError:
            return
        for name in names:
            self.allow_except(os.path.join(real, name), access, inside)

    def enforce(self) -> None:
        """Restrict this process, and everything it starts from now on, to the rules added."""
        no_new_privs()
        done = _lib().syscall(ctypes.c_long(SYS_RESTRICT_SELF), ctypes.c_int(self.fd), ctypes.c_uint32(0))
        if done != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, f"landlock_restrict_self: {os.strerror(errno)}")
        os.close(self.fd)


def set_dumpable(on: bool) -> None:
    """Whether processes of this uid may open this one's memory and /proc files (off in the warm child, so that a
    student's process could not reach into it even where ptrace is allowed; back on in each of its forks)."""
    if sys.platform.startswith("linux"):
        _lib().prctl(PR_SET_DUMPABLE, 1 if on else 0, 0, 0, 0)


def no_new_privs() -> None:
    if _lib().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"PR_SET_NO_NEW_PRIVS: {os.strerror(errno)}")


def load_seccomp(program: bytes) -> None:
    """Load a seccomp BPF program (``struct sock_filter`` records, 8 bytes each) on this process."""
    if not program or len(program) % 8:
        raise ValueError("not a BPF program")
    no_new_privs()
    filters = ctypes.create_string_buffer(program, len(program))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    prog = SockFprog(len(program) // 8, ctypes.cast(filters, ctypes.c_void_p))
    if _lib().prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"seccomp: {os.strerror(errno)}")


# -- the reaper ----------------------------------------------------------------------------------------------------
def become_subreaper() -> bool:
    """Make this process the reaper of every orphan among its descendants (Linux 3.4 and later)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        return _lib().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def descendants(root: int) -> list[int]:
    """Every live process below ``root`` (from /proc), children first."""
    parents: dict[int, int] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields and fields[0] not in (b"Z", b"X"):
            parents[int(entry)] = int(fields[1])
    below: list[int] = []
    frontier = [root]
    while frontier:
        found = [pid for pid, ppid in parents.items() if ppid in frontier]
        below += found
        frontier = found
    return below


def kill_descendants(rounds: int = 200) -> None:
    """SIGKILL every descendant and reap it; orphans of the killed come to this process (the subreaper), so
    the rounds go on until this process has no child left."""
    me = os.getpid()
    for _round in range(rounds):
        for pid in descendants(me):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        while True:
            try:
                pid, _status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                break
        select.select([], [], [], 0.002)


def reap(child: int, lifeline: int | None) -> None:
    """The reaper's life: wait for the child to end or the lifeline to close, end every descendant, and exit
    with the child's status. Never returns."""
    status: int | None = None
    watch: list[int] = []
    if lifeline is not None:
        watch.append(lifeline)
    pidfd = None
    try:
        pidfd = os.pidfd_open(child)
        watch.append(pidfd)
    except (AttributeError, OSError):
        pidfd = None
    try:
        while status is None:
            ready, _, _ = select.select(watch, [], [], None if pidfd is not None else 0.05)
            if lifeline is not None and lifeline in ready:
                break  # the grader is done with this child, or the grader is gone
            while True:  # reap the child and any orphan handed to us
                try:
                    pid, code = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    pid, code = child, 0
                if pid == 0:
                    break
                if pid == child:
                    status = code
                    break
    except BaseException:  # noqa: BLE001 - whatever happens, the descendants end
        pass
    try:
        os.kill(child, signal.SIGKILL)
    except OSError:
        pass
    kill_descendants()
    if status is None:
        os._exit(137)
    if os.WIFSIGNALED(status):
        os._exit(128 + os.WTERMSIG(status))
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)


def fork_reaper(lifeline: int | None, keep: list[int]) -> None:
    """Fork: the child returns and goes on to run the submission; the parent becomes the reaper and never
    returns. The reaper closes every descriptor but the lifeline (``keep`` are the child's own descriptors,
    closed in the reaper), so that it holds none of the child's pipes."""
    become_subreaper()
    pid = os.fork()
    if pid == 0:
        if lifeline is not None:
            os.close(lifeline)
        os.setsid()  # a session of its own: signalling its process group cannot reach the reaper
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    for fd in keep:
        try:
            os.close(fd)
        except OSError:
            pass
    reap(pid, lifeline)
