"""Where grading time goes: py-spy samples ``grader grade`` (or ``grader check``) with every subprocess.

    python benchmarks/profile.py                  # grader grade on 8 copies of the reference, --jobs 1
    python benchmarks/profile.py --check          # grader check on the reference
    python benchmarks/profile.py --variant sigmoid-sign --copies 4

Needs py-spy (pip install py-spy) and the right to trace child processes (root, or ptrace allowed). Prints the
share of samples per kind of process (the grader, its pool workers, the sandbox and the child that runs the
student's code) and the functions that take the most samples, inclusive. Samples are taken while a thread
runs Python code; a child blocked reading its pipe may still be counted as active (it shows as the
``readline`` line of ``child.py``'s main loop), which is waiting for the grader, not work.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from submissions import ROOT, variants  # noqa: E402


def kind(process: str) -> str:
    if "child.py" in process:
        return "child (student code)"
    if "bwrap" in process:
        return "sandbox (bwrap)"
    if "forkserver" in process:
        return "grade workers"
    return "grader (parent)"


def _child_phases(raw: Path) -> Counter[str]:
    """The child's samples by what it was doing: importing, waiting for the grader, running calls, replying."""
    phases: Counter[str] = Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if not any("child.py" in f for f in frames if f.startswith("process ")):
            continue
        names = [f for f in frames if not f.startswith("process ")]
        text = ";".join(names)
        if "_find_and_load" in text.split("main (", 1)[-1] or names and "_find_and_load" in names[-1]:
            phase = "importing (numpy and the submission)"
        elif names and re.match(r"main \(.*child.py:\d+\)$", names[-1]) and "readline" not in text:
            phase = "waiting for the grader's next request (readline)"
        elif "_send" in text:
            phase = "encoding and sending replies"
        elif "run_op" in text:
            phase = "running the student's calls"
        else:
            phase = "other"
        phases[phase] += int(count)
    return phases


def summarise(raw: Path, top: int) -> None:
    by_kind: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        processes = [f for f in frames if f.startswith("process ")]
        by_kind[kind(processes[-1] if processes else frames[0])] += n
        seen = set()
        for frame in frames:
            if frame.startswith("process "):
                continue
            name = re.sub(r" \((.*?):\d+\)", lambda m: " (" + "/".join(m.group(1).split("/")[-2:]) + ")", frame)
            if name not in seen:
                seen.add(name)
                inclusive[name] += n
    print(f"{total} samples")
    for name, n in by_kind.most_common():
        print(f"{n / total:6.1%}  {name}")
    print()
    for name, n in _child_phases(raw).most_common():
        print(f"{n / total:6.1%}  child: {name}")
    print()
    for name, n in inclusive.most_common(top):
        print(f"{n / total:6.1%}  {name[:130]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="profile grader check on one file instead of grader grade")
    parser.add_argument("--variant", default="correct", help="which generated submission (see benchmarks/submissions.py)")
    parser.add_argument("--copies", type=int, default=8)
    parser.add_argument("--rate", type=int, default=100, help="samples per second")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--raw", type=Path, default=None, help="keep py-spy's raw samples here (collapsed stacks)")
    args = parser.parse_args()
    source = variants()[args.variant].source
    with tempfile.TemporaryDirectory(prefix="grader-profile-") as tmp:
        work = Path(tmp)
        (work / "class").mkdir()
        for index in range(1 if args.check else args.copies):
            (work / "class" / f"s{index}.py").write_text(source)
        if args.check:
            command = [sys.executable, "-m", "grader", "check", str(work / "class" / "s0.py")]
        else:
            command = [sys.executable, "-m", "grader", "grade", str(work / "class"), "--out", str(work / "out"), "--quiet", "--jobs", "1"]
        raw = work / "profile.txt"
        subprocess.run(["py-spy", "record", "--subprocesses", "--rate", str(args.rate), "-f", "raw", "-o", str(raw), "--", *command],
                       cwd=ROOT, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        summarise(raw, args.top)
        if args.raw:
            args.raw.write_text(raw.read_text())


if __name__ == "__main__":
    main()
