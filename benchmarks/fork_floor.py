"""The fork floor: what grading a class would cost if it were nothing but forks of a warm process.

    python benchmarks/fork_floor.py record PROGRAMS.json             # the calls grader check makes on the reference
    python benchmarks/fork_floor.py replay PROGRAMS.json FOLDER --jobs 2

``record`` grades the reference once with ``grader check`` and writes down every program of operations the grader
sends its child. ``replay`` is the floor: a process that has imported NumPy and the child's runner once forks a
fresh process per submission in FOLDER, which runs the submission's module and makes exactly those calls, with
no checks, no sandbox and nothing sent back; ``--jobs`` such processes share the class. ``benchmarks/run.py``
times it beside ``grader grade`` in the same run and prints the ratio.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def record(out: Path) -> int:
    sys.path.insert(0, str(ROOT))
    from grader.check import check
    from grader.isolation import runner

    programs: list[Any] = []
    original = runner.Child.run

    def recording(self: Any, batch: list[list[dict[str, Any]]], seed: int | None = None, until: float | None = None) -> Any:
        programs.append({"seed": seed, "programs": batch})
        return original(self, batch, seed, until)

    runner.Child.run = recording  # type: ignore[method-assign]
    report = check(ROOT / "solutions" / "neuron" / "neuron.py", "neuron", isolation="basic")
    out.write_text(json.dumps(programs))
    calls = sum(len(program) for request in programs for program in request["programs"])
    print(f"{len(programs)} requests, {calls} operations; the reference scored {report.score:g}/{report.max_score:g}", file=sys.stderr)
    return 0


def _child_module() -> Any:
    path = ROOT / "grader" / "isolation" / "child.py"
    spec = importlib.util.spec_from_file_location("_floor_child", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


CALL_SECONDS = 2.0  # the lesson's call_seconds: a program that hangs is cut off here, as the grader cuts it off


class _Hung(Exception):
    pass


_expired = [False]


def _alarm(_signum: int, _frame: Any) -> None:
    import signal

    _expired[0] = True
    signal.setitimer(signal.ITIMER_REAL, 0.01)  # and again, until the program is left: the runner catches what it raises
    raise _Hung


def _grade_one(child: Any, np: Any, random: Any, path: Path, requests: list[Any]) -> None:
    import signal

    source = path.read_text(encoding="utf-8")
    module = type(sys)("neuron")
    module.__file__ = str(path)
    sys.modules["neuron"] = module
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # what it prints goes nowhere, as the grader keeps only its first bytes
    os.dup2(devnull, 2)
    signal.signal(signal.SIGALRM, _alarm)
    try:
        exec(compile(source, str(path), "exec"), module.__dict__)  # noqa: S102 - the floor runs the submission
    except BaseException:  # noqa: BLE001
        pass
    runner = child._Runner(np, module, str(path))
    for request in requests:
        if request["seed"] is not None:
            child._seed(np, random, int(request["seed"]))
        _expired[0] = False
        for program in request["programs"]:  # one request is one property's examples: a hang ends it, as in the grader
            if _expired[0]:
                break
            slots: dict[str, Any] = {}
            signal.setitimer(signal.ITIMER_REAL, CALL_SECONDS)
            try:
                for op in program:
                    try:
                        runner.run_op(op, slots)
                    except BaseException:  # noqa: BLE001
                        pass
                    if _expired[0]:
                        break
            except _Hung:
                pass
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)


def replay(programs: Path, folder: Path, jobs: int) -> int:
    import random

    import numpy as np

    child = _child_module()
    requests = json.loads(programs.read_text())
    files = sorted(folder.glob("*.py"))
    workers = []
    for share in range(jobs):
        pid = os.fork()
        if pid == 0:  # one warm worker: a fresh fork per submission
            for path in files[share::jobs]:
                one = os.fork()
                if one == 0:
                    try:
                        _grade_one(child, np, random, path, requests)
                    finally:
                        os._exit(0)  # whatever happened, this fork ends here
                os.waitpid(one, 0)
            os._exit(0)
        workers.append(pid)
    for pid in workers:
        os.waitpid(pid, 0)
    print(f"{len(files)} submissions replayed", file=sys.stderr)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    rec = sub.add_parser("record")
    rec.add_argument("out", type=Path)
    rep = sub.add_parser("replay")
    rep.add_argument("programs", type=Path)
    rep.add_argument("folder", type=Path)
    rep.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    if args.what == "record":
        return record(args.out)
    return replay(args.programs, args.folder, args.jobs)


if __name__ == "__main__":
    sys.exit(main())
