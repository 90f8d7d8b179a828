"""Benchmark: ``grader grade`` against ``nbgrader autograde`` and ``otter run`` on the same code, the floor, the
fork floor, notebooks against the same code as .py, and a local Dask cluster against the local pool.

Run on demand (never in the test suite), from the repository root:

    python benchmarks/run.py                      # N=200 for the kit (--jobs 2), 20 for nbgrader, 5 for otter
    python benchmarks/run.py --n 50 --skip-otter --skip-dask

nbgrader and otter-grader are installed in their own virtual environments under --venvs (created on first
use with pip). Prints the cores and the load average at the start and at the end, time per submission,
submissions per second and peak memory (PSS summed over the whole process tree, sampled every 50 ms) of each
command, then every target figure and ratio with its target and whether it is met; --json writes the numbers
to a file.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from submissions import HANG, ROOT, Variant, make_class, variants, write_py  # noqa: E402

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


def measure(argv: list[str], cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 7200,
            also: Sequence[int] = ()) -> Run:
    """Wall time and peak memory (PSS) of the whole process tree of one command, plus the trees of the processes
    ``also`` (such as a Dask cluster's) sampled at the same moments."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        if psutil is None:
            return
        handles = []
        for pid in (proc.pid, *also):
            try:
                handles.append(psutil.Process(pid))
            except psutil.Error:
                pass
        while not done.is_set():
            peak = max(peak, sum(_tree_memory(handle) for handle in handles))
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


# -- a local Dask cluster -----------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _dask_command(what: str) -> list[str]:
    """``dask scheduler`` / ``dask worker`` from this interpreter's environment, or the modules behind them."""
    cli = Path(sys.executable).parent / "dask"
    if cli.exists():
        return [str(cli), what]
    return [sys.executable, "-m", f"distributed.cli.dask_{what}"]


def _stop(procs: Sequence[subprocess.Popen[bytes]]) -> None:
    """Stop the processes started for the cluster (workers first) and whatever they started, by their ids."""
    for proc in reversed(procs):
        descendants = []
        if psutil is not None:
            try:
                descendants = psutil.Process(proc.pid).children(recursive=True)
            except psutil.Error:
                pass
        if proc.poll() is None:
            proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for child in descendants:
            try:
                child.wait(timeout=5)
            except psutil.TimeoutExpired:
                try:
                    child.kill()
                except psutil.Error:
                    pass
            except psutil.Error:
                pass


@dataclass
class Cluster:
    address: str
    pids: list[int]


@contextmanager
def dask_cluster(workers: int, log: Path, timeout: float = 60) -> Iterator[Cluster]:
    """A scheduler and ``workers`` single-threaded worker processes on loopback, as subprocesses; stopped on
    leaving, whatever happened."""
    from distributed import Client

    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    procs: list[subprocess.Popen[bytes]] = []
    with open(log, "wb") as out:
        try:
            procs.append(subprocess.Popen([*_dask_command("scheduler"), "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                                          cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT))
            procs.append(subprocess.Popen([*_dask_command("worker"), address, "--nworkers", str(workers), "--nthreads", "1", "--no-dashboard"],
                                          cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT))
            try:
                with Client(address, timeout=timeout) as client:
                    client.wait_for_workers(workers, timeout=timeout)
            except Exception as exc:  # noqa: BLE001 - any failure to start is reported with the cluster's log
                out.flush()
                raise SystemExit(f"the Dask cluster did not start ({type(exc).__name__}: {exc}):\n"
                                 f"{log.read_text(errors='replace')[-3000:]}") from exc
            yield Cluster(address, [proc.pid for proc in procs])
        finally:
            _stop(procs)


# -- targets ------------------------------------------------------------------------------------------------
@dataclass
class Target:
    """A figure or ratio of the run, with its target (``op`` and ``bound``; none for an extra line), or why it
    was not measured."""

    name: str
    measured: float | None
    op: str | None = None
    bound: float | None = None
    unit: str = ""
    missing: str = ""

    @property
    def target(self) -> str:
        return f"{self.op} {self.bound:g}{self.unit}" if self.op and self.bound is not None else ""

    @property
    def met(self) -> str:
        if self.measured is None:
            return f"n/a: {self.missing}" if self.op else self.missing
        if not self.op or self.bound is None:
            return ""
        ok = self.measured <= self.bound if self.op == "<=" else self.measured >= self.bound
        return "yes" if ok else "no"

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "measured": self.measured, "target": self.target or None, "met": self.met or None,
                "unit": self.unit.strip() or None, "missing": self.missing if self.measured is None else None}


def _ratio(top: float | None, bottom: float | None) -> float | None:
    return top / bottom if top is not None and bottom else None


def _load() -> list[float] | None:
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:  # pragma: no cover - not on every platform
        return None


def _gradebook(out: Path) -> list[str]:
    return (out / "gradebook.csv").read_text(encoding="utf-8").splitlines()


# -- main ---------------------------------------------------------------------------------------------------
GIVES_UP_ABOVE_15 = """def sigmoid(z):
    z = np.asarray(z, dtype=float)
    if np.any(z > 15):
        return np.where(z > 15, 0.5, 1 / (1 + np.exp(-z))) if z.ndim else 0.5
    return 1 / (1 + np.exp(-z))


def _unused_sigmoid(z):"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200, help="submissions graded by grader grade (locally and on Dask)")
    parser.add_argument("--n-nbgrader", type=int, default=20, help="submissions graded by nbgrader, and by grader grade as notebooks and as .py")
    parser.add_argument("--n-otter", type=int, default=5)
    parser.add_argument("--n-one-job", type=int, default=20, help="submissions graded again with --jobs 1 (memory of one worker)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of the floor and of grader check (median)")
    parser.add_argument("--jobs", type=int, default=2, help="grader grade --jobs, the fork floor's --jobs and the Dask workers (default: 2)")
    parser.add_argument("--venvs", type=Path, default=Path(tempfile.gettempdir()) / "neuron-grader-bench-venvs")
    parser.add_argument("--skip-nbgrader", action="store_true")
    parser.add_argument("--skip-otter", action="store_true")
    parser.add_argument("--skip-dask", action="store_true", help="no run on a local Dask cluster")
    parser.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    args = parser.parse_args()

    python = sys.executable
    cores = os.cpu_count()
    load_start = _load()
    print(f"{cores} cores; load average (1, 5, 15 min) at the start: {load_start}", flush=True)
    results: dict[str, object] = {"n": args.n, "jobs": args.jobs, "cores": cores, "python": sys.version.split()[0],
                                  "load_start": load_start}
    work = Path(tempfile.mkdtemp(prefix="grader-bench-"))
    try:
        all_variants = variants()
        chosen = make_class(args.n)
        subs = work / "py"
        write_py(subs, chosen)
        jobs = ["--jobs", str(args.jobs)]

        def grade_argv(folder: Path, out: str, *extra: str) -> list[str]:
            return [python, "-m", "grader", "grade", str(folder), "--out", str(work / out), "--quiet", "--force", *extra]

        print(f"floor and grader check ({args.repeat} runs each) ...", file=sys.stderr, flush=True)
        floor = median_of([python, "-c", "import numpy, hypothesis"], args.repeat)
        correct = work / "correct.py"
        correct.write_text(all_variants["correct"].source)
        wrong = work / "wrong.py"  # the sign mistake: it fails on an explicit example, which needs no shrinking
        wrong.write_text(all_variants["sigmoid-sign"].source)
        shrunk = work / "shrunk.py"  # right up to 15, 0.5 above: only drawn examples find it, and Hypothesis shrinks it
        shrunk.write_text(all_variants["correct"].source.replace("def sigmoid(z):", GIVES_UP_ABOVE_15, 1))
        check_ok = median_of([python, "-m", "grader", "check", str(correct)], args.repeat, cwd=ROOT)
        check_wrong = median_of([python, "-m", "grader", "check", str(wrong)], args.repeat, cwd=ROOT)
        check_shrunk = median_of([python, "-m", "grader", "check", str(shrunk)], args.repeat, cwd=ROOT)
        if "sigmoid(16.0)" not in check_shrunk.output:
            raise SystemExit(f"grader check did not shrink the failure of {shrunk.name} to sigmoid(16.0):\n{check_shrunk.output[-3000:]}")
        if check_ok.returncode != 0:
            raise SystemExit(f"grader check on the reference did not give full marks:\n{check_ok.output}")

        print(f"grader grade on {args.n} submissions, --jobs {args.jobs} ...", file=sys.stderr, flush=True)
        grade = measure(grade_argv(subs, "out", *jobs), cwd=ROOT)
        book = _gradebook(work / "out")
        if len(book) != args.n + 1:
            raise SystemExit(f"the gradebook has {len(book) - 1} rows for {args.n} submissions:\n{grade.output[-3000:]}")

        rows: list[tuple[str, int, Run]] = [
            ("floor: python -c 'import numpy, hypothesis'", 1, floor),
            ("grader check, correct file", 1, check_ok),
            ("grader check, wrong file (fails on an explicit example)", 1, check_wrong),
            ("grader check, wrong file (a drawn failure, shrunk)", 1, check_shrunk),
            (f"grader grade, {args.n} .py files, --jobs {args.jobs}", args.n, grade),
        ]

        on_dask: Run | None = None
        dask_note = "not run (--skip-dask)"
        if not args.skip_dask and importlib.util.find_spec("distributed") is None:
            dask_note = "not run (distributed is not installed: the dask extra)"
        elif not args.skip_dask:
            print(f"grader grade --dask on {args.n} submissions, a local cluster of {args.jobs} workers ...", file=sys.stderr, flush=True)
            with dask_cluster(args.jobs, work / "dask.log") as cluster:
                on_dask = measure(grade_argv(subs, "out-dask", "--dask", cluster.address), cwd=ROOT, also=cluster.pids)
            dask_book = _gradebook(work / "out-dask")
            if len(dask_book) != args.n + 1:
                raise SystemExit(f"the Dask run's gradebook has {len(dask_book) - 1} rows for {args.n} submissions:\n{on_dask.output[-3000:]}")
            differing = [(a, b) for a, b in zip(book, dask_book, strict=True) if a != b]
            dask_note = (f"gradebook of {len(dask_book) - 1} rows, identical to the local run's: {'no' if differing else 'yes'}"
                         + (f" ({len(differing)} lines differ)" if differing else ""))
            for local_line, dask_line in differing[:5]:
                dask_note += f"\n  local: {local_line}\n  dask:  {dask_line}"
            results["dask"] = {"gradebook_rows": len(dask_book) - 1, "identical": not differing, "differing_lines": len(differing),
                               "peak_includes_cluster": psutil is not None}
            rows.append((f"grader grade --dask, {args.n} .py files, {args.jobs} workers (peak: with the cluster)", args.n, on_dask))

        print(f"fork floor on {args.n} submissions ...", file=sys.stderr, flush=True)
        programs = work / "programs.json"
        recorded = measure([python, str(HERE / "fork_floor.py"), "record", str(programs)], cwd=ROOT)
        if recorded.returncode != 0:
            raise SystemExit(f"recording the grader's calls failed:\n{recorded.output[-3000:]}")
        fork_floor = measure([python, str(HERE / "fork_floor.py"), "replay", str(programs), str(subs), "--jobs", str(args.jobs)], cwd=ROOT)
        rows.append((f"fork floor, {args.n} .py files (forks of a warm process, no checks)", args.n, fork_floor))

        # where the time goes: the same class without the submissions that hang (each costs a call's time limit
        # in every property that calls the hanging function, in the grader as in the fork floor)
        steady = [variant for variant in chosen if variant.name != HANG[0]]
        calm_grade: Run | None = None
        calm_floor: Run | None = None
        if steady and len(steady) < len(chosen):
            print(f"grader grade and the fork floor on the {len(steady)} that do not hang ...", file=sys.stderr, flush=True)
            calm = work / "py-calm"
            write_py(calm, steady)
            calm_grade = measure(grade_argv(calm, "out-calm", *jobs), cwd=ROOT)
            calm_floor = measure([python, str(HERE / "fork_floor.py"), "replay", str(programs), str(calm), "--jobs", str(args.jobs)],
                                 cwd=ROOT)
            rows.append((f"grader grade, the {len(steady)} that do not hang, --jobs {args.jobs}", len(steady), calm_grade))
            rows.append((f"fork floor, the {len(steady)} that do not hang", len(steady), calm_floor))

        one_n = min(args.n_one_job, args.n)
        one_job: Run | None = None
        if one_n:
            one = work / "py-one"
            write_py(one, chosen[:one_n])
            one_job = measure(grade_argv(one, "out-one", "--jobs", "1"), cwd=ROOT)
            rows.append((f"grader grade --jobs 1, {one_n} .py files", one_n, one_job))
        nb_n = min(args.n_nbgrader, args.n)
        as_py: Run | None = None
        as_nb: Run | None = None
        if nb_n:
            print(f"grader grade on {nb_n} submissions as .py and as notebooks ...", file=sys.stderr, flush=True)
            same = work / "py-same"
            write_py(same, chosen[:nb_n])
            as_py = measure(grade_argv(same, "out-py", *jobs), cwd=ROOT)
            rows.append((f"grader grade, {nb_n} .py files (the notebooks' code), --jobs {args.jobs}", nb_n, as_py))
            notebooks = work / "ipynb"
            write_notebooks(notebooks, chosen[:nb_n])
            as_nb = measure(grade_argv(notebooks, "out-nb", *jobs), cwd=ROOT)
            rows.append((f"grader grade, {nb_n} notebooks, --jobs {args.jobs}", nb_n, as_nb))

        nbgrader: Run | None = None
        nbgrader_note = "not run (--skip-nbgrader)" if args.skip_nbgrader else "not run (--n-nbgrader 0)"
        if not args.skip_nbgrader and nb_n:
            print(f"nbgrader autograde on {nb_n} notebooks ...", file=sys.stderr, flush=True)
            bin_dir = venv(args.venvs, "nbgrader", ["nbgrader>=0.9,<0.10", "ipykernel", "numpy"])
            nbgrader = bench_nbgrader(bin_dir, chosen[:nb_n], work, timeout=2)
            rows.append((f"nbgrader autograde, {nb_n} notebooks", nb_n, nbgrader))
        otter: Run | None = None
        ot_n = min(args.n_otter, args.n)
        otter_note = "not run (--skip-otter)" if args.skip_otter else "not run (--n-otter 0)"
        if not args.skip_otter and ot_n:
            print(f"otter run on {ot_n} notebooks ...", file=sys.stderr, flush=True)
            bin_dir = venv(args.venvs, "otter", ["otter-grader", "ipykernel", "numpy"])
            otter = bench_otter(bin_dir, chosen[:ot_n], work)
            rows.append((f"otter run, {ot_n} notebooks one at a time", ot_n, otter))
        if otter is not None and not otter.peak_mb:
            otter, otter_note = None, "no memory measured (psutil missing)"

        load_end = _load()
        results["load_end"] = load_end
        print(f"\n{cores} cores; load average (1, 5, 15 min) at the start: {load_start}, at the end: {load_end}")
        print()
        print(f"{'what':76} {'s/submission':>13} {'subs/s':>8} {'peak MB':>9} {'rc':>3}   (peak: PSS of the process tree)")
        table = []
        for name, count, run in rows:
            per = run.seconds / count
            print(f"{name:76} {per:13.3f} {count / run.seconds:8.2f} {run.peak_mb:9.0f} {run.returncode:3d}")
            table.append({"what": name, "count": count, "seconds": run.seconds, "per_submission": per, "peak_mb": run.peak_mb,
                          "returncode": run.returncode})
        results["rows"] = table

        per_grade = grade.seconds / args.n
        nb_per = nbgrader.seconds / nb_n if nbgrader else None
        ot_per = otter.seconds / ot_n if otter else None
        targets = [
            Target(f"grader grade, {args.n} .py files, --jobs {args.jobs}: s per submission", per_grade, "<=", 0.032, " s"),
            Target("nbgrader per submission / grader grade per submission", _ratio(nb_per, per_grade), ">=", 50, missing=nbgrader_note),
            Target("otter per submission / grader grade per submission", _ratio(ot_per, per_grade), missing=otter_note),
            Target(f"grader grade / fork floor ({args.n} .py files, --jobs {args.jobs})", _ratio(grade.seconds, fork_floor.seconds), "<=", 2),
            Target("grader grade / fork floor, the submissions that do not hang",
                   _ratio(calm_grade.seconds if calm_grade else None, calm_floor.seconds if calm_floor else None),
                   missing="no submission hangs in this class"),
            Target("grader check, correct file / floor", _ratio(check_ok.seconds, floor.seconds), "<=", 1.0),
            Target("grader check, wrong file whose failure is shrunk / floor", _ratio(check_shrunk.seconds, floor.seconds), "<=", 1.5),
            Target("grader check, wrong file failing an explicit example / floor", _ratio(check_wrong.seconds, floor.seconds)),
            Target("grader check, wrong file / correct file", _ratio(check_wrong.seconds, check_ok.seconds)),
            Target(f"grader grade, {nb_n} notebooks / the same {nb_n} as .py (--jobs {args.jobs})",
                   _ratio(as_nb.seconds if as_nb else None, as_py.seconds if as_py else None), "<=", 1.2, missing="not run (--n-nbgrader 0)"),
            Target(f"grader grade peak memory, {args.n} .py files / otter's peak", _ratio(grade.peak_mb or None, otter.peak_mb if otter else None),
                   "<=", 0.5, missing=otter_note if psutil is not None else "no memory measured (psutil missing)"),
            Target("grader grade --jobs 1 peak memory / otter's peak", _ratio(one_job.peak_mb if one_job else None, otter.peak_mb if otter else None),
                   missing=otter_note if one_job else "not run (--n-one-job 0)"),
            Target(f"grader grade --dask / local ({args.n} .py files, {args.jobs} workers / --jobs {args.jobs})",
                   _ratio(on_dask.seconds if on_dask else None, grade.seconds), "<=", 1.5, missing=dask_note),
        ]
        print()
        print(f"{'ratio':76} {'measured':>9} {'target':>9}  met")
        for target in targets:
            measured = f"{target.measured:.3g}{target.unit}" if target.measured is not None else "-"
            print(f"{target.name:76} {measured:>9} {target.target:>9}  {target.met}")
        results["targets"] = [target.to_dict() for target in targets]
        print()
        if on_dask is not None:
            print(f"Dask run: {dask_note}")
            print("Dask run's peak memory: the grader grade --dask command plus the scheduler's and the workers' process trees"
                  if psutil is not None else "Dask run's memory is not measured (psutil missing)")
        else:
            print(f"Dask run: {dask_note}")
        if args.json:
            args.json.write_text(json.dumps(results, indent=2) + "\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
