"""``grade``: grade a whole class. Finds the submissions, grades each one with :func:`grader.check.check` in a
pool of worker processes (or on a Dask cluster), and writes a gradebook plus one folder per student.

- Each submission is graded by itself in a worker process; its code runs in that worker's child process, as
  with ``grader check``. A worker that dies is replaced, and only the submission that killed it is marked.
- Every file is written atomically (a temporary file renamed over the old one), the student's state file last,
  so an interrupted run leaves complete files and a gradebook of what was done.
- A rerun skips a submission whose content, grader version, lesson version and options are unchanged.
- Nothing outlives the run: each worker watches a pipe that only the grader holds open, and when the grader
  ends (however it was killed) the worker ends its submission's child and itself; the fork server and the
  resource tracker end when their last worker does.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import multiprocessing
import os
import shutil
import signal
import tempfile
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, fields
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from . import __version__
from .discover import Discovery, Found, discover, safe_name
from .engine import empty_report
from .files import write_atomic
from .i18n import _, set_language
from .lesson import Lesson, load_lesson
from .model import Counterexample, PartResult, PropertyResult, PropertyStatus, Report, ReportStatus, SkippedPart
from .render.csv import cell as _cell

GRADEBOOK = "gradebook.csv"
FEEDBACK = "feedback.txt"
STATE = ".grader-state.json"
MAX_READ_BYTES = 64 * 1024 * 1024  # a file larger than this is not read; check() reports it as unreadable

# The file each format is written to in a student's folder.
FORMAT_FILES = {
    "text": FEEDBACK,
    "json": "report.json",
    "gradescope": "results.json",
    "junit": "junit.xml",
    "github": "summary.md",
    "classroom": "classroom.b64",
    "csv": "results.csv",
    "html": "feedback.html",  # rewritten with the code and a link back once the class report is written
}


# -- jobs: what a worker receives, and the worker's side --------------------------------------------------
@dataclass(frozen=True)
class Job:
    """One submission, read by the parent: the worker needs no access to the files (so Dask workers on other
    machines can grade it)."""

    student: str
    display: str
    filename: str
    data: bytes
    key: str
    extras: tuple[tuple[str, bytes], ...] = ()  # files the lesson reads beside the code (the quiz's answers)
    lesson: str = ""  # the lesson's folder (what the worker loads); "" for the run's first lesson


_lessons: dict[str, Lesson] = {}
_worker_lock = threading.Lock()  # Hypothesis and the lesson's property objects are not shared between threads
_ending = threading.Event()  # set in a pool worker when the grader is gone (see _end_worker)


def grade_job(job: Job, lesson_ref: str, language: str | None, limits: dict[str, float] | None, isolation: str = "auto") -> Report:
    """Grade one job in this process (a pool worker or a Dask worker). Never raises for the student's code.
    ``isolation`` is what was asked for (a mode of :data:`grader.isolation.modes.MODES`)."""
    from .check import check

    with _worker_lock:
        if _ending.is_set():
            raise KeyboardInterrupt  # the grader is gone: this worker grades nothing more
        set_language(language)
        lesson = _lessons.get(lesson_ref)
        if lesson is None:
            lesson = _lessons[lesson_ref] = load_lesson(lesson_ref)
        with tempfile.TemporaryDirectory(prefix="grader-grade-") as tmp:
            path = Path(tmp) / job.filename
            try:
                path.write_bytes(job.data)
                for name, data in job.extras:
                    (Path(tmp) / name).write_bytes(data)
                report = check(path, lesson, limits, isolation)
            except Exception as exc:  # noqa: BLE001 - a fault of the grader, reported on this submission only
                report = not_graded(lesson, job.display, ReportStatus.GRADER_ERROR,
                                    _("The grader failed on this submission: {error}").format(error=f"{type(exc).__name__}: {exc}"),
                                    _isolation_label(isolation))
        _relabel(report, (str(path), tmp), job.display)
        return report


def not_graded(lesson: Lesson, display: str, status: ReportStatus, message: str, isolation: str) -> Report:
    """The report of a submission the grader failed on: every part at 0, and the quiz not counted either."""
    from .engine import grade_answers

    return grade_answers(empty_report(lesson, display, status, message, isolation), lesson, None, _("the submission was not graded"))


def _isolation_label(requested: str) -> str:
    from .isolation.modes import IsolationUnavailable, resolve

    try:
        return resolve(requested).label
    except (IsolationUnavailable, ValueError):
        return requested


# -- workers end with the grader -----------------------------------------------------------------------------
# multiprocessing hands every worker the write ends of the fork server's and the resource tracker's "alive"
# pipes; each of those servers ends only when every holder has closed its end. A worker waits on its call
# queue, whose write end it holds itself, so when the grader is killed nothing wakes it: the workers live on,
# and with them the two servers. The lifeline is a pipe whose write end only the grader holds: each worker
# watches the read end, and at its end of file stops the grading it is doing and exits.
GRACE_SECONDS = 2.0  # how long a worker lets the grading it interrupted end its child before killing it


def _watch_grader(lifeline: Connection) -> None:
    """Pool initializer: end this worker, and what it started, as soon as the grader is gone."""
    threading.Thread(target=_when_grader_ends, args=(lifeline,), name="grader-lifeline", daemon=True).start()


def _when_grader_ends(lifeline: Connection) -> None:
    fd = lifeline.fileno()
    try:
        while os.read(fd, 1):  # the grader never writes; end of file when its last copy of the write end closes
            pass
    except OSError:
        pass
    _end_worker()


def _end_worker() -> None:
    """The grader is gone: nobody reads this worker's output or results any more. Stop the grading under way
    (Ctrl-C in the main thread: the grading's own cleanup ends its child, its sandbox and its uid), kill any
    child still left, and exit."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
    except OSError:
        pass
    _ending.set()  # the jobs still queued in this worker start nothing
    if not _worker_lock.acquire(blocking=False):  # a grading is under way: interrupt it, let it clean up
        try:
            signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)
        except (OSError, ValueError):
            pass
        _worker_lock.acquire(timeout=GRACE_SECONDS)
    # holding the lock: no grading starts any more
    _kill_children()
    os._exit(1)


def _kill_children() -> None:
    """SIGKILL this process's children, their process groups and, for a child that runs as a uid of its own,
    every process of that uid (Linux /proc; nothing elsewhere)."""
    from .isolation.modes import UID_RANGE, kill_uid

    me = os.getpid()
    try:
        entries = [e for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return
    for entry in entries:
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
            ppid, pgrp = (int(x) for x in stat[stat.rindex(b")") + 2:].split()[1:3])
            if ppid != me:
                continue
            with open(f"/proc/{entry}/status", "rb") as handle:
                uids = next((line.split()[1:3] for line in handle if line.startswith(b"Uid:")), [])
        except (OSError, ValueError):
            continue
        pid = int(entry)
        for kill, target in ((os.killpg, pgrp if pgrp == pid else 0), (os.kill, pid)):
            if target:
                try:
                    kill(target, signal.SIGKILL)
                except OSError:
                    pass
        for uid in {int(u) for u in uids}:
            if UID_RANGE[0] <= uid < UID_RANGE[1]:
                kill_uid(uid)


def _relabel(report: Report, temporary: tuple[str, ...], display: str) -> None:
    """Name the submission as the instructor gave it, not by the worker's temporary copy."""

    def fix(text: str | None) -> str | None:
        if text is None:
            return None
        for old in temporary:
            text = text.replace(old, display)
        return text

    report.submission = display
    report.message = fix(report.message)
    for prop in report.properties():
        prop.message = fix(prop.message)


# -- reading submissions and the state of earlier runs -----------------------------------------------------
def job_key(data: bytes, lesson: Lesson, language: str | None, limits: dict[str, float] | None,
            extras: tuple[tuple[str, bytes], ...] = (), isolation: str = "") -> str:
    """What a report depends on: the submission's bytes and files, the grader, the lesson, the language, the
    limits and the isolation mode it ran under (``sandbox``, ``landlock`` or ``basic``)."""
    digest = hashlib.sha256(data)
    for name, extra in extras:
        digest.update(b"\0" + name.encode() + b"\0" + hashlib.sha256(extra).digest())
    settings = {"grader": __version__, "lesson": lesson.id, "lesson_version": lesson.version, "language": language or "",
                "limits": sorted((k, v) for k, v in (limits or {}).items() if v is not None), "isolation": isolation}
    digest.update(json.dumps(settings, sort_keys=True).encode())
    return digest.hexdigest()


def report_from_dict(data: dict[str, Any]) -> Report:
    """Rebuild a report from :meth:`Report.to_dict` (as kept in a student's state file)."""

    def pick(cls: Any, raw: dict[str, Any]) -> dict[str, Any]:
        return {f.name: raw[f.name] for f in fields(cls) if f.name in raw}

    parts = []
    for raw_part in data["parts"]:
        props = []
        for raw in raw_part["properties"]:
            values = pick(PropertyResult, raw)
            values["status"] = PropertyStatus(raw["status"])
            if raw.get("counterexample"):
                values["counterexample"] = Counterexample(**pick(Counterexample, raw["counterexample"]))
            props.append(PropertyResult(**values))
        values = pick(PartResult, raw_part)
        values["properties"] = props
        parts.append(PartResult(**values))
    values = pick(Report, data)
    values["parts"] = parts
    values["status"] = ReportStatus(data["status"])
    values["skipped_parts"] = [SkippedPart(**pick(SkippedPart, raw)) for raw in data.get("skipped_parts", [])]
    return Report(**values)


def _read_state(folder: Path, key: str) -> Report | None:
    try:
        state = json.loads((folder / STATE).read_text(encoding="utf-8"))
        if state.get("key") != key:
            return None
        return report_from_dict(state["report"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


# -- writing ------------------------------------------------------------------------------------------------
def _format_file(format_name: str, report: Report) -> tuple[str, str]:
    from .render import render

    if format_name == "github":
        from .render.github import summary

        return FORMAT_FILES["github"], summary(report)
    if format_name == "gradescope":
        from .render.gradescope import to_data

        return FORMAT_FILES["gradescope"], json.dumps(to_data(report, timings=True), indent=2, ensure_ascii=False) + "\n"
    return FORMAT_FILES.get(format_name, f"report.{format_name}"), render(report, format_name)


def write_student(folder: Path, report: Report, formats: Sequence[str], key: str) -> None:
    """The student's folder: each requested format, the readable feedback, then the state file."""
    from .render.text import render as text_render

    for format_name in formats:
        if format_name != "text":
            name, text = _format_file(format_name, report)
            write_atomic(folder / name, text)
    write_atomic(folder / FEEDBACK, text_render(report))
    state = {"key": key, "grader_version": __version__, "report": report.to_dict(timings=True, source=True)}
    write_atomic(folder / STATE, json.dumps(state, ensure_ascii=False) + "\n")


def gradebook_text(lesson: Lesson, rows: Sequence[tuple[str, Report]]) -> str:
    """The gradebook: one row per student, a column per part (the lesson's, then any other a report has, such
    as the quiz when answers were handed in; empty where a report does not have the part, which then is not in
    its maximum either), the number of properties that failed because a call timed out, and why the maximum is
    what it is."""
    from .outcome import maximum_note

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    part_ids = [part.id for part in lesson.parts]
    for _student, report in rows:
        part_ids += [part.id for part in report.parts if part.id not in part_ids]
    writer.writerow(["student", "status", "total", "maximum", *part_ids, "submission", "message", "timeouts", "maximum_note"])
    for student, report in sorted(rows, key=lambda row: row[0].lower()):
        by_part = {part.id: part.points for part in report.parts}
        writer.writerow([
            _cell(student), report.status.value, f"{report.score:g}", f"{report.max_score:g}",
            *[f"{by_part[part_id]:g}" if part_id in by_part else "" for part_id in part_ids],
            _cell(report.submission), _cell(report.message or ""), str(report.timeouts), _cell(maximum_note(report)),
        ])
    return buffer.getvalue()


# -- running ------------------------------------------------------------------------------------------------
@dataclass
class Options:
    out: Path
    formats: Sequence[str] = ("json",)
    jobs: int | None = None
    force: bool = False
    lesson: str | None = None  # one lesson to grade (a name or a lesson folder); None: every lesson handed in
    language: str | None = None
    limits: dict[str, float] | None = None
    dask: str | None = None
    assignment: str | None = None
    isolation: str = "auto"  # one of grader.isolation.modes.MODES
    lessons: Sequence[str] = ()  # the lessons to grade (--lesson, repeatable); empty: ``lesson``, else every lesson


@dataclass
class Graded:
    student: str
    report: Report
    reused: bool = False  # taken from an earlier run (unchanged submission)
    lesson: str = ""  # the lesson's id


@dataclass
class ClassResult:
    lesson: Lesson
    graded: list[Graded]
    total: int
    skipped: list[str]
    interrupted: bool = False
    duration: float = 0.0
    gradebook: Path | None = None  # OUT/gradebook.csv: the lesson's, or with several lessons the combined one
    isolation: str = ""  # how this run isolated the submissions' code, as the reports name it
    lessons: list[Lesson] = field(default_factory=list)  # the lessons handed in
    several: bool = False  # more than one: each lesson's outputs are in OUT/<lesson>/

    def of(self, lesson: Lesson) -> list[Graded]:
        return [g for g in self.graded if g.lesson == lesson.id]

    @property
    def grader_errors(self) -> int:
        return sum(1 for g in self.graded if g.report.status is ReportStatus.GRADER_ERROR)


Progress = Callable[[Graded], None]


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["grader.check", "grader.engine"])
        return ctx
    return multiprocessing.get_context("spawn")


def _broken(job: Job, lesson: Lesson, isolation: str) -> Report:
    return not_graded(lesson, job.display, ReportStatus.GRADER_ERROR,
                      _("Grading this submission stopped the grader's worker process; it was not graded."), isolation)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop a pool at once: queued jobs are dropped, running ones get Ctrl-C (so each ends its child)."""
    import signal

    for process in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            os.kill(process.pid, signal.SIGINT)
        except (ProcessLookupError, PermissionError):
            pass
    pool.shutdown(wait=True, cancel_futures=True)


class _Servers:
    """The fork server and resource tracker that multiprocessing starts for a pool live as long as the process
    that started them. A run stops the ones it started, so that a caller (a test suite, a notebook) is left
    with no process of the grader's behind it."""

    def __init__(self) -> None:
        from multiprocessing import forkserver, resource_tracker

        self.forkserver = getattr(forkserver, "_forkserver", None)
        self.tracker = getattr(resource_tracker, "_resource_tracker", None)
        self.had_forkserver = getattr(self.forkserver, "_forkserver_pid", None) is not None
        self.had_tracker = getattr(self.tracker, "_pid", None) is not None

    def stop_new(self) -> None:
        for server, had in ((self.forkserver, self.had_forkserver), (self.tracker, self.had_tracker)):
            stop = getattr(server, "_stop", None)
            if not had and callable(stop):
                try:
                    stop()
                except (OSError, ChildProcessError, RuntimeError):
                    pass


def run_local(jobs: Sequence[Job], options: Options, lesson: Lesson, workers: int,
              work: Callable[..., Report] = grade_job) -> Generator[tuple[Job, Report], None, None]:
    """Grade in a pool of worker processes, at most twice as many jobs in flight as workers.

    When a worker dies, the jobs that were in flight are graded again one at a time in a fresh worker, so only
    the one that kills it again is marked; the rest of the class goes on in a new pool.
    """
    queue = deque(jobs)
    args = (options.language, options.limits, options.isolation)
    label = _isolation_label(options.isolation)
    servers = _Servers()
    context = _context()
    lifeline, keep = context.Pipe(duplex=False)  # workers get the read end; only this process holds `keep`

    def pool_of(size: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=size, mp_context=context, initializer=_watch_grader, initargs=(lifeline,))

    try:
        while queue:
            suspects: list[Job] = []
            with pool_of(workers) as pool:
                running: dict[Future[Report], Job] = {}
                try:
                    while queue or running:
                        while queue and len(running) < 2 * workers:
                            job = queue.popleft()
                            running[pool.submit(work, job, job.lesson or str(lesson.folder), *args)] = job
                        done, _pending = wait(running, return_when=FIRST_COMPLETED)
                        for future in done:
                            job = running.pop(future)
                            try:
                                yield job, future.result()
                            except BrokenProcessPool:
                                suspects.append(job)
                            except Exception as exc:  # noqa: BLE001 - a grader fault on one submission
                                yield job, not_graded(lesson, job.display, ReportStatus.GRADER_ERROR, f"{type(exc).__name__}: {exc}", label)
                        if suspects:
                            suspects.extend(running.values())
                            running.clear()
                            break
                except (KeyboardInterrupt, GeneratorExit):
                    _stop(pool)
                    raise
            for job in suspects:
                with pool_of(1) as alone:
                    try:
                        yield job, alone.submit(work, job, job.lesson or str(lesson.folder), *args).result()
                    except BrokenProcessPool:
                        yield job, _broken(job, lesson, label)
    finally:
        keep.close()
        lifeline.close()
        servers.stop_new()


def run_dask(jobs: Sequence[Job], options: Options, lesson: Lesson) -> Generator[tuple[Job, Report], None, None]:
    """Grade on a Dask cluster (``distributed``), one task per submission."""
    try:
        from distributed import Client, as_completed
    except ImportError as exc:  # pragma: no cover - depends on the extra being installed
        from .errors import UsageError

        raise UsageError(_("--dask needs the dask extra: pip install 'neuron-grader[dask]'")) from exc
    with Client(options.dask) as client:
        futures = {client.submit(grade_job, job, job.lesson or str(lesson.folder), options.language, options.limits, options.isolation, pure=False): job
                   for job in jobs}
        try:
            for future in as_completed(futures):
                job = futures[future]
                try:
                    yield job, future.result()
                except Exception as exc:  # noqa: BLE001 - a worker lost, or a grader fault
                    yield job, not_graded(lesson, job.display, ReportStatus.GRADER_ERROR, f"{type(exc).__name__}: {exc}",
                                          _isolation_label(options.isolation))
        finally:
            client.cancel(list(futures))


def _extras(found: Found, lesson: Lesson) -> tuple[tuple[str, bytes], ...]:
    """The quiz's answers file beside the code, when the code sits in the student's own folder."""
    from .quiz import load_quiz

    if found.origin == "file" and found.path.stem != lesson.module:
        return ()  # one file among other students' files: what lies beside it is not this student's
    quiz = load_quiz(lesson.folder)
    if quiz is None:
        return ()
    answers = found.path.parent / quiz.answers
    try:
        if answers.is_file() and answers.stat().st_size <= 1024 * 1024:
            return ((safe_name(quiz.answers), answers.read_bytes()),)
    except OSError:
        pass
    return ()


def _read_job(found: Found, lesson: Lesson, options: Options, mode: str) -> Job | Report:
    """Read a submission's bytes in the parent, or say at once why it cannot be graded."""
    from .check import check

    path = found.path
    try:
        if path.is_file() and path.stat().st_size <= MAX_READ_BYTES:
            data = path.read_bytes()
            name = safe_name(path.stem) + (path.suffix if path.suffix in (".py", ".ipynb") else ".py")
            extras = tuple((n, d) for n, d in _extras(found, lesson) if n != name)
            return Job(student=found.student, display=found.display, filename=name, data=data,
                       key=job_key(data, lesson, options.language, options.limits, extras, mode), extras=extras,
                       lesson=str(lesson.folder))
    except OSError:
        pass
    # a folder with nothing to pick, a missing or huge file: check() says why, without running anything
    report = check(path, lesson, options.limits, options.isolation)
    report.submission = found.display
    return report


def _lessons_of(options: Options) -> list[Lesson]:
    """The lessons a run grades: those named (``--lesson``, repeatable), else every lesson of the kit."""
    from .lesson import all_lessons

    named = list(options.lessons) or ([options.lesson] if options.lesson else [])
    lessons = [load_lesson(name) for name in named] if named else all_lessons()
    if not lessons:
        from .errors import UsageError

        raise UsageError(_("the kit has no lessons"))
    return lessons


def _sort_out(found: Discovery, lessons: Sequence[Lesson]) -> tuple[dict[str, list[Found]], list[str]]:
    """The submissions of each lesson (by lesson id), and a sentence for each one whose lesson cannot be told: with
    one lesson in play (or handed in), every submission is for it."""
    by_file = {lesson.filename: lesson for lesson in lessons}
    groups: dict[str, list[Found]] = {lesson.id: [] for lesson in lessons}
    unsure: list[Found] = []
    for item in found.found:
        lesson = by_file.get(item.lesson or "")
        if lesson is None:
            unsure.append(item)
        else:
            groups[lesson.id].append(item)
    handed_in = [lesson_id for lesson_id, items in groups.items() if items]
    skipped = []
    fallback = lessons[0].id if len(lessons) == 1 else handed_in[0] if len(handed_in) == 1 else None
    for item in unsure:
        if fallback is not None:
            groups[fallback].append(item)
        else:
            skipped.append(_("{path}: cannot tell which lesson it is for: name it after the lesson's file, or give --lesson "
                             "(lessons: {known}).").format(path=item.display, known=", ".join(f"{one.id} ({one.filename})" for one in lessons)))
    return {lesson_id: items for lesson_id, items in groups.items() if items}, skipped


def lesson_out(out: Path, lesson: Lesson, several: bool) -> Path:
    """Where a lesson's gradebook, class report and students' folders go: OUT itself when the class handed in one
    lesson, ``OUT/<lesson>/`` when it handed in several."""
    return out / lesson.id if several else out


def grade_class(paths: Sequence[Path], options: Options, progress: Callable[[int], Progress] | None = None) -> ClassResult:
    """Grade every submission under ``paths`` into ``options.out``. ``progress(total)`` returns a callback
    called once per submission done. On Ctrl-C, the gradebook holds what was done and the result says so.
    Raises UsageError, before anything is written, when ``options.isolation`` cannot be used here.

    A class may hand in several lessons (each student's folder or repository holding the files of several): each
    lesson is then graded into ``OUT/<lesson>/`` (its gradebook, class report and students' folders, as for one
    lesson), and ``OUT/gradebook.csv`` combines them, a column per lesson total. One lesson: all of it in OUT."""
    from .check import resolve_isolation
    from .discover import part_names

    set_language(options.language)
    started = time.monotonic()
    lessons = _lessons_of(options)
    isolation = resolve_isolation(options.isolation)
    out = options.out
    out.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="grader-unpack-"))
    graded: dict[tuple[str, str], Graded] = {}
    last_write = 0.0
    by_id = {lesson.id: lesson for lesson in lessons}
    several = False

    def write_gradebooks() -> None:
        for lesson_id, lesson in by_id.items():
            rows = [(g.student, g.report) for (lid, _s), g in graded.items() if lid == lesson_id]
            if rows or not several:
                write_atomic(lesson_out(out, lesson, several) / GRADEBOOK, gradebook_text(lesson, rows))
        if several:
            write_atomic(out / GRADEBOOK, combined_gradebook_text(list(by_id.values()), [(g.student, g.report) for g in graded.values()]))

    result = ClassResult(lesson=lessons[0], graded=[], total=0, skipped=[], isolation=isolation.label, lessons=lessons)
    try:
        names = {lesson.filename: part_names(lesson.names) for lesson in lessons} if len(lessons) > 1 else None
        found: Discovery = discover(paths, [lesson.filename for lesson in lessons], workdir, options.assignment, names)
        groups, unsure = _sort_out(found, lessons)
        if groups:
            by_id = {lesson_id: by_id[lesson_id] for lesson_id in by_id if lesson_id in groups}
        several = len(groups) > 1
        result.lessons = list(by_id.values())
        result.lesson = result.lessons[0]
        result.several = several
        result.skipped = found.skipped + unsure
        result.total = sum(len(items) for items in groups.values())
        tick = progress(result.total) if progress else None

        def record(lesson: Lesson, student: str, report: Report, key: str | None, reused: bool = False) -> None:
            nonlocal last_write
            item = Graded(student, report, reused, lesson.id)
            if not reused:
                write_student(lesson_out(out, lesson, several) / student, report, options.formats, key or "")
            graded[(lesson.id, student)] = item
            if tick:
                tick(item)
            if time.monotonic() - last_write > 1.0:
                write_gradebooks()
                last_write = time.monotonic()

        todo: list[Job] = []
        for lesson_id, items in groups.items():
            lesson = by_id[lesson_id]
            folder = lesson_out(out, lesson, several)
            for item in items:
                job = _read_job(item, lesson, options, isolation.mode)
                if isinstance(job, Report):
                    record(lesson, item.student, job, None)
                    continue
                previous = None if options.force else _read_state(folder / item.student, job.key)
                if previous is not None:
                    missing = any(not (folder / item.student / FORMAT_FILES.get(f, f"report.{f}")).exists() for f in options.formats)
                    record(lesson, item.student, previous, job.key, reused=not missing)
                else:
                    todo.append(job)
        shutil.rmtree(workdir, ignore_errors=True)  # everything is read: the unpacked copies are no longer needed
        if todo:
            first = by_id[next(iter(groups))]
            runner = run_dask(todo, options, first) if options.dask else run_local(todo, options, first, min(options.jobs or default_jobs(), len(todo)))
            keys = {(job.lesson, job.student): job.key for job in todo}
            folders = {str(lesson.folder): lesson for lesson in by_id.values()}
            try:
                for job, report in runner:
                    record(folders.get(job.lesson, first), job.student, report, keys[(job.lesson, job.student)])
            finally:
                runner.close()
    except KeyboardInterrupt:
        result.interrupted = True
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if graded or result.total:
            write_gradebooks()
            result.gradebook = out / GRADEBOOK
            from .class_report import write_for_class

            for lesson_id, lesson in by_id.items():
                rows = [(g.student, g.report) for (lid, _s), g in graded.items() if lid == lesson_id]
                if rows or not several:
                    write_for_class(lesson_out(out, lesson, several), rows)
    result.graded = sorted(graded.values(), key=lambda g: (g.lesson, g.student.lower()))
    result.duration = time.monotonic() - started
    return result


def combined_gradebook_text(lessons: Sequence[Lesson], rows: Sequence[tuple[str, Report]]) -> str:
    """The gradebook of a class that handed in several lessons: one row per student, the total over the lessons,
    the maximum (each lesson's report's maximum; a lesson not handed in counts with all its points), a column per
    lesson total (empty when not handed in: see that lesson's gradebook for its parts) and why the maximum is what
    it is."""
    from .outcome import maximum_note

    by_student: dict[str, dict[str, Report]] = {}
    for student, report in rows:
        by_student.setdefault(student, {})[report.lesson] = report
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", "total", "maximum", *[lesson.id for lesson in lessons], "maximum_note"])
    for student in sorted(by_student, key=str.lower):
        reports = by_student[student]
        total = sum(report.score for report in reports.values())
        maximum = sum(reports[lesson.id].max_score if lesson.id in reports else lesson.max_points for lesson in lessons)
        notes = []
        for lesson in lessons:
            if lesson.id not in reports:
                notes.append(_("{lesson}: not handed in ({points} points).").format(lesson=lesson.id, points=f"{lesson.max_points:g}"))
            elif reports[lesson.id].skipped_parts:
                notes.append(f"{lesson.id}: {maximum_note(reports[lesson.id])}")
        writer.writerow([_cell(student), f"{total:g}", f"{maximum:g}",
                         *[f"{reports[lesson.id].score:g}" if lesson.id in reports else "" for lesson in lessons],
                         _cell(" ".join(notes))])
    return buffer.getvalue()


# -- the summary on the terminal --------------------------------------------------------------------------
def summary_tables(result: ClassResult, lesson: Lesson | None = None) -> list[Any]:
    """Rich renderables: statuses (and time-outs), the score distribution per maximum, and how many submissions
    failed each property, of those in which it was graded (of one ``lesson``'s submissions, or all). The numbers are
    :func:`grader.class_report.summarise`'s, the same as ``report.html`` shows."""
    from rich.table import Table

    from .class_report import summarise
    from .outcome import timeouts_sentence, with_timeouts

    chosen = result.of(lesson) if lesson is not None else result.graded
    reports = [g.report for g in chosen]
    summary = summarise(reports)
    tables: list[Any] = []
    statuses = Counter(r.status.value for r in reports)
    status_table = Table(title=_("Submissions"), title_justify="left")
    status_table.add_column(_("status"))
    status_table.add_column(_("count"), justify="right")
    for status in ReportStatus:
        if statuses.get(status.value):
            status_table.add_row(status.value, str(statuses[status.value]))
        if status is ReportStatus.GRADED and summary.with_timeouts:  # what "timed out" means: see grader.outcome
            status_table.add_row(with_timeouts(), str(summary.with_timeouts), style="yellow")
    if summary.timeout_properties:
        status_table.caption, status_table.caption_justify = timeouts_sentence(summary.timeout_properties), "left"
    reused = sum(1 for g in chosen if g.reused)
    if reused:
        status_table.add_row(_("(unchanged, not graded again)"), str(reused), style="dim")
    tables.append(status_table)

    notes = [_("Submissions out of {maximum}: {count}. {why}").format(maximum=f"{group.max_score:g}", count=group.students,
                                                                       why=" ".join(group.notes)) for group in summary.groups]
    dist = Table(title=_("Score distribution"), title_justify="left", caption="\n".join(notes), caption_justify="left")
    dist.add_column(_("score"), justify="right")
    dist.add_column(_("students"), justify="right")
    dist.add_column("")
    counts = [(group.max_score, Counter(group.scores)) for group in summary.groups]
    most = max((n for _maximum, scores in counts for n in scores.values()), default=1)
    for maximum, scores in counts:  # the highest maximum first, and in each the best score first
        for score in sorted(scores, reverse=True):
            dist.add_row(f"{score:g}/{maximum:g}", str(scores[score]), "█" * max(1, round(30 * scores[score] / most)))
    tables.append(dist)

    if summary.properties:
        props = Table(title=_("Failed properties (of the submissions in which each was graded)"), title_justify="left")
        props.add_column(_("property"))
        props.add_column(_("failed"), justify="right")
        props.add_column(_("of"), justify="right")
        for stats in summary.properties:  # most often failed first, as in report.html
            props.add_row(stats.name, str(stats.failed), str(stats.graded), style="red" if stats.failed else "green")
        tables.append(props)
    return tables


__all__ = ["FORMAT_FILES", "GRADEBOOK", "ClassResult", "Graded", "Job", "Options", "grade_class", "grade_job", "report_from_dict", "run_grade",
           "summary_tables", "write_atomic"]


def run_grade(paths: Sequence[Path], options: Options, quiet: bool = False) -> int:
    """``grader grade``: a progress bar while it runs, then the summary; returns the exit code."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    console = Console(highlight=False)
    errors = Console(stderr=True, highlight=False)
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
                   console=errors, disable=quiet, transient=False)

    def start(total: int) -> Callable[[Graded], None]:
        task = bar.add_task(_("grading"), total=total)

        def tick(item: Graded) -> None:
            bar.update(task, advance=1, description=item.student[:30])

        return tick

    with bar:
        result = grade_class(paths, options, start)
    for sentence in result.skipped:
        errors.print(_("skipped: {what}").format(what=sentence), style="yellow")
    if result.total == 0:
        from .errors import UsageError

        raise UsageError(_("no submissions found in {paths}").format(paths=", ".join(map(str, paths))))
    if not quiet:
        for lesson in result.lessons if result.several else [None]:
            if lesson is not None:
                console.print(_("Lesson {lesson}: {path}").format(lesson=lesson.id, path=lesson_out(options.out, lesson, True)), style="bold")
            for table in summary_tables(result, lesson):
                console.print(table)
    done = len(result.graded)
    rate = done / result.duration if result.duration > 0 else 0.0
    console.print(_("isolation: {mode}").format(mode=result.isolation), style="dim")
    console.print(_("{done} of {total} submissions in {seconds:.1f} s ({rate:.1f}/s); gradebook: {path}").format(
        done=done, total=result.total, seconds=result.duration, rate=rate, path=result.gradebook))
    if result.interrupted:
        errors.print(_("Interrupted: the gradebook holds the {done} submissions done; run the same command again to go on.").format(done=done),
                     style="bold yellow")
        return 130
    return 3 if result.grader_errors else 0
