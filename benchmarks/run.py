"""Benchmark: ``grader grade`` against ``nbgrader autograde`` and ``otter run`` on the same code, and the floor.

Run on demand (never in the test suite), from the repository root:

    python benchmarks/run.py                      # N=200 for the kit, 20 for nbgrader, 5 for otter
    python benchmarks/run.py --n 50 --skip-otter

nbgrader and otter-grader are installed in their own virtual environments under --venvs (created on first
use with pip). Prints time per submission, submissions per second, peak memory (PSS summed over the whole
process tree, sampled every 50 ms) and the ratios; --json writes the numbers to a file.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from submissions import ROOT, Variant, make_class, variants, write_py  # noqa: E402

try:
    import psutil
except ImportError:  # pragma: no cover - psutil comes with the dask extra
    psutil = None


# -- measuring ----------------------------------------------------------------------------------------------
@dataclass
class Run:
    seconds: float
    peak_mb: float
    returncode: int
    output: str = field(default="", repr=False)


def _tree_memory(proc: psutil.Process) -> int:
    """Memory of a process and all its descendants: the sum of their PSS (each shared page counted once, split
    between the processes sharing it), or of their RSS where PSS cannot be read."""
    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for p in procs:
        try:
            info = p.memory_full_info()
            total += getattr(info, "pss", info.rss)
        except psutil.AccessDenied:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        except psutil.Error:
            pass
    return total


def measure(argv: list[str], cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 7200) -> Run:
    """Wall time and peak memory (PSS) of the whole process tree of one command."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        if psutil is None:
            return
        handle = psutil.Process(proc.pid)
        while not done.is_set():
            peak = max(peak, _tree_memory(handle))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = proc.communicate(timeout=timeout)
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    return Run(seconds, peak / 2**20, proc.returncode, output)


def median_of(argv: list[str], repeat: int, **kwargs: object) -> Run:
    runs = [measure(argv, **kwargs) for _ in range(repeat)]  # type: ignore[arg-type]
    runs.sort(key=lambda r: r.seconds)
    middle = runs[len(runs) // 2]
    return Run(statistics.median(r.seconds for r in runs), max(r.peak_mb for r in runs), middle.returncode, middle.output)


# -- notebooks ----------------------------------------------------------------------------------------------
def _cell(source: str, nbgrader: dict[str, object] | None = None, cell_id: str = "code") -> dict[str, object]:
    meta: dict[str, object] = {"nbgrader": nbgrader} if nbgrader else {}
    return {"cell_type": "code", "id": cell_id, "execution_count": None, "metadata": meta, "outputs": [],
            "source": source.splitlines(keepends=True)}


def _notebook(cells: list[dict[str, object]]) -> dict[str, object]:
    return {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}}


# The same checks, written as nbgrader and otter tests would be: asserts on a few fixed values per part.
CHECKS: list[tuple[str, int, str]] = [
    ("sigmoid", 4, """import numpy as np
assert abs(sigmoid(0) - 0.5) < 1e-9
assert abs(sigmoid(2.0) - 0.8807970779778823) < 1e-9
_z = np.array([-1.0, 0.0, 1.0])
assert np.shape(sigmoid(_z)) == (3,) and np.allclose(sigmoid(_z), 1 / (1 + np.exp(-_z)))
_s = sigmoid(np.linspace(-50, 50, 101))
assert np.all((_s >= 0) & (_s <= 1))
"""),
    ("relu", 3, """import numpy as np
assert relu(-2.0) == 0 and relu(3.0) == 3.0
_z = np.array([-1.0, 0.0, 2.0]); _before = _z.copy()
assert np.array_equal(relu(_z), [0.0, 0.0, 2.0]) and np.array_equal(_z, _before)
"""),
    ("init", 5, """import numpy as np
_n = Neuron(8)
assert np.shape(_n.weights) == (8,) and np.ndim(_n.bias) == 0
_w = np.concatenate([Neuron(8).weights for _ in range(600)])
_b = np.array([Neuron(8).bias for _ in range(600)])
assert _w.min() >= -1 and _w.max() < 1 and _w.min() < -0.9 and _w.max() > 0.9 and abs(_w.mean()) < 0.1
assert _b.min() >= -1 and _b.max() < 1 and _b.min() < -0.9 and _b.max() > 0.9
"""),
    ("activate", 5, """import numpy as np
_n = Neuron(3); _n.weights = np.array([0.5, -0.25, 1.0]); _n.bias = 0.1
_x = np.array([1.0, 2.0, -1.0])
assert abs(_n.activate(_x) - 1 / (1 + np.exp(-(np.dot(_n.weights, _x) + 0.1)))) < 1e-9
assert abs(_n.activate([1.0, 2.0, -1.0]) - _n.activate(_x)) < 1e-12
"""),
]


def write_notebooks(folder: Path, chosen: list[Variant]) -> list[Path]:
    """Plain notebooks (one code cell) for the kit's own notebook reading."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, variant in enumerate(chosen):
        path = folder / f"s{index:04d}-{variant.name}.ipynb"
        path.write_text(json.dumps(_notebook([_cell(variant.source)])), encoding="utf-8")
        paths.append(path)
    return paths


# -- the other tools, each in its own virtual environment ---------------------------------------------------
def venv(base: Path, name: str, packages: list[str]) -> Path:
    """A virtual environment with ``packages``, made on first use; returns its bin/ folder."""
    folder = base / name
    bin_dir = folder / "bin"
    marker = folder / ".installed"
    if not marker.exists() or marker.read_text() != " ".join(packages):
        print(f"installing {' '.join(packages)} into {folder} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
        subprocess.run([str(bin_dir / "pip"), "install", "-q", *packages], check=True)
        marker.write_text(" ".join(packages))
    return bin_dir


def bench_nbgrader(bin_dir: Path, chosen: list[Variant], work: Path, timeout: float) -> Run:
    course = work / "nbgrader-course"
    (course / "source" / "ps1").mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.course_id = 'bench'\nc.Execute.timeout = {timeout:g}\n", encoding="utf-8")
    solution = {"grade": False, "grade_id": "code", "locked": False, "schema_version": 3, "solution": True, "task": False}
    cells = [_cell("# YOUR CODE HERE\nraise NotImplementedError()\n", solution)]
    for name, points, source in CHECKS:
        meta = {"grade": True, "grade_id": f"test_{name}", "locked": True, "points": points, "schema_version": 3, "solution": False, "task": False}
        cells.append(_cell(source, meta, f"test_{name}"))
    (course / "source" / "ps1" / "neuron.ipynb").write_text(json.dumps(_notebook(cells)), encoding="utf-8")
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    subprocess.run([str(bin_dir / "nbgrader"), "generate_assignment", "ps1", "--force"], cwd=course, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    released = json.loads((course / "release" / "ps1" / "neuron.ipynb").read_text(encoding="utf-8"))
    for index, variant in enumerate(chosen):
        notebook = json.loads(json.dumps(released))
        notebook["cells"][0]["source"] = variant.source
        target = course / "submitted" / f"s{index:04d}" / "ps1" / "neuron.ipynb"
        target.parent.mkdir(parents=True)
        target.write_text(json.dumps(notebook), encoding="utf-8")
    run = measure([str(bin_dir / "nbgrader"), "autograde", "ps1"], cwd=course, env=env)
    run.output = run.output[-2000:]
    return run


def bench_otter(bin_dir: Path, chosen: list[Variant], work: Path) -> Run:
    root = work / "otter"
    (root / "tests").mkdir(parents=True)
    for name, points, source in CHECKS:
        doctest = "\n".join((">>> " if not line.startswith((" ", "\t")) else "... ") + line for line in source.strip().splitlines())
        test = {"name": name, "points": points, "suites": [{"cases": [{"code": doctest, "hidden": False, "locked": False}],
                                                            "scored": True, "setup": "", "teardown": "", "type": "doctest"}]}
        (root / "tests" / f"{name}.py").write_text(f"OK_FORMAT = True\ntest = {test!r}\n", encoding="utf-8")
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    subprocess.run([str(bin_dir / "otter"), "generate", "-t", "tests"], cwd=root, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    runs = []
    for index, variant in enumerate(chosen):
        notebook = root / f"s{index:04d}.ipynb"
        notebook.write_text(json.dumps(_notebook([_cell(variant.source)])), encoding="utf-8")
        out = root / f"out{index:04d}"
        out.mkdir()
        runs.append(measure([str(bin_dir / "otter"), "run", "-a", "autograder.zip", "-o", str(out), "--no-logo", notebook.name],
                            cwd=root, env=env))
    return Run(sum(r.seconds for r in runs), max(r.peak_mb for r in runs), max(r.returncode for r in runs), runs[-1].output[-2000:])


# -- main ---------------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200, help="submissions graded by grader grade")
    parser.add_argument("--n-nbgrader", type=int, default=20)
    parser.add_argument("--n-otter", type=int, default=5)
    parser.add_argument("--n-one-job", type=int, default=20, help="submissions graded again with --jobs 1 (memory of one worker)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of the floor and of grader check (median)")
    parser.add_argument("--jobs", type=int, default=None, help="grader grade --jobs (default: all cores)")
    parser.add_argument("--venvs", type=Path, default=Path(tempfile.gettempdir()) / "neuron-grader-bench-venvs")
    parser.add_argument("--skip-nbgrader", action="store_true")
    parser.add_argument("--skip-otter", action="store_true")
    parser.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    args = parser.parse_args()

    python = sys.executable
    results: dict[str, object] = {"n": args.n, "cores": os.cpu_count(), "python": sys.version.split()[0]}
    work = Path(tempfile.mkdtemp(prefix="grader-bench-"))
    try:
        all_variants = variants()
        chosen = make_class(args.n)
        subs = work / "py"
        write_py(subs, chosen)

        print(f"floor and grader check ({args.repeat} runs each) ...", file=sys.stderr, flush=True)
        floor = median_of([python, "-c", "import numpy, hypothesis"], args.repeat)
        correct = work / "correct.py"
        correct.write_text(all_variants["correct"].source)
        wrong = work / "wrong.py"
        wrong.write_text(all_variants["sigmoid-sign"].source)
        check_ok = median_of([python, "-m", "grader", "check", str(correct)], args.repeat, cwd=ROOT)
        check_wrong = median_of([python, "-m", "grader", "check", str(wrong)], args.repeat, cwd=ROOT)
        if check_ok.returncode != 0:
            raise SystemExit(f"grader check on the reference did not give full marks:\n{check_ok.output}")

        jobs = ["--jobs", str(args.jobs)] if args.jobs else []
        print(f"grader grade on {args.n} submissions ...", file=sys.stderr, flush=True)
        grade = measure([python, "-m", "grader", "grade", str(subs), "--out", str(work / "out"), "--quiet", "--force", *jobs], cwd=ROOT)
        book = (work / "out" / "gradebook.csv").read_text().splitlines()
        if len(book) != args.n + 1:
            raise SystemExit(f"the gradebook has {len(book) - 1} rows for {args.n} submissions:\n{grade.output[-3000:]}")

        print(f"fork floor on {args.n} submissions ...", file=sys.stderr, flush=True)
        programs = work / "programs.json"
        recorded = measure([python, str(HERE / "fork_floor.py"), "record", str(programs)], cwd=ROOT)
        if recorded.returncode != 0:
            raise SystemExit(f"recording the grader's calls failed:\n{recorded.output[-3000:]}")
        fork_floor = measure([python, str(HERE / "fork_floor.py"), "replay", str(programs), str(subs), "--jobs", str(args.jobs or os.cpu_count() or 1)],
                             cwd=ROOT)

        rows: list[tuple[str, int, Run]] = [
            ("floor: python -c 'import numpy, hypothesis'", 1, floor),
            ("grader check, correct file", 1, check_ok),
            ("grader check, wrong file (shrinks)", 1, check_wrong),
            (f"grader grade, {args.n} .py files", args.n, grade),
            (f"fork floor, {args.n} .py files (forks of a warm process, no checks)", args.n, fork_floor),
        ]
        one_n = min(args.n_one_job, args.n)
        if one_n:
            one = work / "py-one"
            write_py(one, chosen[:one_n])
            rows.append((f"grader grade --jobs 1, {one_n} .py files", one_n,
                         measure([python, "-m", "grader", "grade", str(one), "--out", str(work / "out-one"), "--quiet", "--force", "--jobs", "1"],
                                 cwd=ROOT)))
        nb_n = min(args.n_nbgrader, args.n)
        if nb_n:
            notebooks = work / "ipynb"
            write_notebooks(notebooks, chosen[:nb_n])
            rows.append((f"grader grade, {nb_n} notebooks", nb_n,
                         measure([python, "-m", "grader", "grade", str(notebooks), "--out", str(work / "out-nb"), "--quiet", "--force", *jobs],
                                 cwd=ROOT)))
        others: dict[str, float] = {}
        if not args.skip_nbgrader and nb_n:
            print(f"nbgrader autograde on {nb_n} notebooks ...", file=sys.stderr, flush=True)
            bin_dir = venv(args.venvs, "nbgrader", ["nbgrader>=0.9,<0.10", "ipykernel", "numpy"])
            run = bench_nbgrader(bin_dir, chosen[:nb_n], work, timeout=2)
            rows.append((f"nbgrader autograde, {nb_n} notebooks", nb_n, run))
            others["nbgrader"] = run.seconds / nb_n
        ot_n = min(args.n_otter, args.n)
        if not args.skip_otter and ot_n:
            print(f"otter run on {ot_n} notebooks ...", file=sys.stderr, flush=True)
            bin_dir = venv(args.venvs, "otter", ["otter-grader", "ipykernel", "numpy"])
            run = bench_otter(bin_dir, chosen[:ot_n], work)
            rows.append((f"otter run, {ot_n} notebooks one at a time", ot_n, run))
            others["otter"] = run.seconds / ot_n

        print()
        print(f"{'what':48} {'s/submission':>13} {'subs/s':>8} {'peak MB':>9} {'rc':>3}   (peak: PSS of the process tree)")
        table = []
        for name, count, run in rows:
            per = run.seconds / count
            print(f"{name:48} {per:13.3f} {count / run.seconds:8.2f} {run.peak_mb:9.0f} {run.returncode:3d}")
            table.append({"what": name, "count": count, "seconds": run.seconds, "per_submission": per, "peak_mb": run.peak_mb,
                          "returncode": run.returncode})
        results["rows"] = table
        per_grade = grade.seconds / args.n
        ratios = {
            "check_correct / floor (target <= 2)": check_ok.seconds / floor.seconds,
            "check_wrong / check_correct (target <= 3)": check_wrong.seconds / check_ok.seconds,
            "grader grade / fork floor, per submission (target <= 2)": grade.seconds / fork_floor.seconds,
        }
        for tool, per in others.items():
            ratios[f"{tool} per submission / grader grade per submission"] = per / per_grade
        if others:
            fastest = min(others.values())
            ratios["faster of the others / grader grade (target >= 50)"] = fastest / per_grade
        peaks = {name: run.peak_mb for name, _count, run in rows}
        otter_peak = next((v for k, v in peaks.items() if k.startswith("otter")), None)
        if otter_peak:
            ratios["grader grade peak MB / otter peak MB (target < 1)"] = grade.peak_mb / otter_peak
            one_peak = next((v for k, v in peaks.items() if "--jobs 1" in k), None)
            if one_peak:
                ratios["grader grade --jobs 1 peak MB / otter peak MB"] = one_peak / otter_peak
        print()
        for name, value in ratios.items():
            print(f"{name:62} {value:8.2f}")
        results["ratios"] = ratios
        if args.json:
            args.json.write_text(json.dumps(results, indent=2) + "\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

