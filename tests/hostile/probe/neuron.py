"""Not a neuron: functions that report what the child process can see and do, for tests/test_sandbox.py.

Each returns an int, a bool or a tuple of them, so that the values come back as plain data.
"""

import os
import resource
import socket


def uid():
    return (os.getuid(), os.geteuid(), os.getgid())


def pid():
    return os.getpid()


def pid_namespace():
    return os.readlink("/proc/self/ns/pid")


def sees(index):
    paths = ["@@KIT@@/solutions/neuron/neuron.py", "@@KIT@@/grader/engine.py", "@@KIT@@/README.md",
             os.path.expanduser("~root") + "/.bashrc", "@@ORIGINAL@@"]
    try:
        with open(paths[index], "rb") as handle:
            handle.read(1)
        return True
    except OSError:
        return False


def network():
    """How many network interfaces there are besides lo, and whether an outside connection could be opened."""
    try:
        with open("/proc/net/dev") as handle:
            names = [line.split(":")[0].strip() for line in handle.readlines()[2:]]
    except OSError:
        names = []
    try:
        socket.create_connection(("192.0.2.1", 9), timeout=0.2).close()  # TEST-NET-1: never routed
        reached = True
    except OSError:
        reached = False
    return (len([n for n in names if n and n != "lo"]), reached)


def limit(which):
    names = [resource.RLIMIT_AS, resource.RLIMIT_CPU, resource.RLIMIT_FSIZE, resource.RLIMIT_NOFILE, resource.RLIMIT_CORE]
    soft, _hard = resource.getrlimit(names[which])
    return soft


def write_tmp():
    path = os.path.join(os.environ.get("TMPDIR", "/tmp"), "probe.txt")
    with open(path, "w") as handle:
        handle.write("ok")
    return os.path.getsize(path)


def other_processes():
    """Processes this child can see that it did not start (its own and bubblewrap's are not counted)."""
    mine = {os.getpid(), os.getppid()}
    seen = [int(p) for p in os.listdir("/proc") if p.isdigit()]
    return len([p for p in seen if p not in mine and p != 1])


def loopback(port):
    """Whether a TCP connection to a listener of the grader's on loopback opens."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def udp(port):
    """Whether a UDP datagram could be sent towards a socket of the grader's on loopback."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.sendto(b"x", ("127.0.0.1", port))
        return True
    except OSError:
        return False


def signal_pid(pid):
    """Whether this process may signal ``pid`` (signal 0 only checks, it does nothing)."""
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def write_to(index):
    """Whether a file can be created in the folder of the submission's original or in the kit."""
    folders = [os.path.dirname("@@ORIGINAL@@"), "@@KIT@@"]
    try:
        with open(os.path.join(folders[index], "planted.txt"), "w") as handle:
            handle.write("x")
        return True
    except OSError:
        return False


def echo():
    """A harmless program started with subprocess: how many bytes it printed."""
    import subprocess

    return len(subprocess.run(["echo", "hello"], capture_output=True, check=True).stdout)


def namespaces():
    """Whether a new user namespace can be made (``unshare -U``)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    return libc.unshare(0x10000000) == 0


def kill_everyone():
    """What kill(-1, 0) (every process this user may signal) gives: 0, or the errno that refused it."""
    try:
        os.kill(-1, 0)
        return 0
    except OSError as exc:
        return exc.errno
