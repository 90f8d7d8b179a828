"""The start cost of the child process that runs a submission, in each isolation mode.

    python benchmarks/sandbox_start.py [--n 21]

Prints medians (and the fastest run) of: ``true`` alone and inside bubblewrap with the kit's options (the
sandbox's own cost), and a child ready to grade (Python, NumPy and a trivial submission imported) under each
isolation mode this machine offers (basic, landlock, sandbox), with the time to end it and check that nothing of
it is left.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from grader.isolation import modes as _sandbox
from grader.isolation.runner import Child, Limits

SOURCE = b"import numpy as np\n\ndef sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n"


def timed(action: Callable[[], object], n: int) -> list[float]:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return times


def child_times(mode: str, n: int) -> tuple[list[float], list[float]]:
    isolation = _sandbox.resolve(mode)
    starts, ends = [], []
    for _ in range(n):
        child = Child(SOURCE, "neuron", ["sigmoid"], Limits(), isolation=isolation)
        started = time.perf_counter()
        report = child.start()
        starts.append(time.perf_counter() - started)
        assert report.error is None, report
        started = time.perf_counter()
        child.close()
        ends.append(time.perf_counter() - started)
    return starts, ends


def line(label: str, times: list[float], extra: str = "") -> str:
    return f"{label:34s} median {statistics.median(times) * 1000:7.1f} ms   fastest {min(times) * 1000:7.1f} ms{extra}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=21)
    n = parser.parse_args().n
    problem = _sandbox.sandbox_problem()
    true = ["/usr/bin/true"]
    print(line("true", timed(lambda: subprocess.run(true, check=True), n)))
    if problem is None:
        wrapped = [_sandbox.bwrap_path() or "bwrap", *_sandbox._namespace_args(), *_sandbox._system_binds(), *true]
        print(line("true inside bubblewrap", timed(lambda: subprocess.run(wrapped, check=True), n)))
    for mode in ("basic", "landlock", "sandbox"):
        unavailable = problem if mode == "sandbox" else _sandbox.landlock_problem() if mode == "landlock" else None
        if unavailable is not None:
            print(f"{mode}: {unavailable}")
            continue
        starts, ends = child_times(mode, n)
        print(line(f"child ready to grade, {mode}", starts, f"   (ending it: {statistics.median(ends) * 1000:.1f} ms)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
