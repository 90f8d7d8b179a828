"""The seccomp filter of the Landlock mode, built in the grader with libseccomp and sent to the child as bytes.

The child loads the BPF program (``confine.load_seccomp``) before a line of the submission runs; the kernel
then refuses, in that process and in every process it starts:

- watching or changing other processes: ``ptrace``, ``process_vm_readv``/``writev``, ``kcmp``,
  ``pidfd_getfd``;
- leaving its confinement: new namespaces (``unshare``, ``setns``, ``clone`` with a namespace flag; ``clone3``
  answers ENOSYS so that the C library falls back to ``clone``, whose flags can be read), mounts, ``chroot``,
  ``pivot_root``;
- the network: ``socket`` for every family but UNIX sockets, and io_uring, whose operations pass no filter;
- ``kill(-1, ...)``, which would signal every process of the user;
- what no exercise needs: ``bpf``, ``perf_event_open``, ``userfaultfd``, keyrings, module loading, ``kexec``,
  ``reboot``, swap, ``acct``, ``open_by_handle_at``, the new mount API, ``iopl``/``ioperm``, ``personality``.

Everything else is allowed: the filter decides what the code can reach, not what a student may import.
"""

from __future__ import annotations

import errno
import os
import tempfile
from functools import lru_cache

REFUSED = (
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
    "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "fsopen", "fsconfig", "fsmount", "fspick",
    "move_mount", "open_tree", "mount_setattr",
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    "bpf", "perf_event_open", "userfaultfd", "add_key", "request_key", "keyctl",
    "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff",
    "acct", "open_by_handle_at", "name_to_handle_at", "iopl", "ioperm", "personality", "quotactl", "lookup_dcookie",
    "syslog", "vhangup", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "sethostname", "setdomainname",
)
NAMESPACE_FLAGS = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000, 0x00000080)
# CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWTIME
AF_UNIX = 1


class SeccompUnavailable(Exception):
    """libseccomp (or its Python bindings) cannot be used here."""


@lru_cache(maxsize=1)
def program() -> bytes:
    """The filter as a BPF program for this machine's architecture. Raises SeccompUnavailable."""
    try:
        import pyseccomp as seccomp
    except (ImportError, RuntimeError, OSError) as exc:  # the bindings raise RuntimeError without libseccomp
        raise SeccompUnavailable(f"libseccomp is not available ({exc})") from exc
    try:
        rules = seccomp.SyscallFilter(seccomp.ALLOW)
        refuse = seccomp.ERRNO(errno.EPERM)
        for name in REFUSED:
            try:
                rules.add_rule(refuse, name)
            except (OSError, ValueError, RuntimeError):
                continue  # a call this architecture does not have
        for flag in NAMESPACE_FLAGS:
            rules.add_rule(refuse, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
        rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
        # kill(-1, ...) signals every process the user may signal: where Landlock cannot scope signals (ABI < 6) and
        # the child shares the grader's uid, that would be the grader; a child has no business with it anywhere
        rules.add_rule(refuse, "kill", seccomp.Arg(0, seccomp.MASKED_EQ, 0xFFFFFFFF, 0xFFFFFFFF))
        rules.add_rule(seccomp.ERRNO(errno.EACCES), "socket", seccomp.Arg(0, seccomp.NE, AF_UNIX))
        rules.add_rule(seccomp.ERRNO(errno.EACCES), "socketpair", seccomp.Arg(0, seccomp.NE, AF_UNIX))
        with tempfile.TemporaryFile() as handle:
            rules.export_bpf(handle)
            handle.flush()
            handle.seek(0)
            data = handle.read()
    except (OSError, ValueError, RuntimeError, AttributeError) as exc:
        raise SeccompUnavailable(f"libseccomp could not build the filter ({exc})") from exc
    if not data or len(data) % 8:
        raise SeccompUnavailable("libseccomp wrote no filter")
    return data


def problem() -> str | None:
    """Why no seccomp filter can be built here, or None."""
    if not os.uname().sysname == "Linux":
        return "not Linux"
    try:
        program()
    except SeccompUnavailable as exc:
        return str(exc)
    return None
