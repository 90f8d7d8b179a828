"""The ``grader`` command: a thin layer over plain functions.

Exit codes: 0 full marks (or success), 1 the submission is not yet fully right, 2 bad usage, 3 grader fault.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from . import __version__
from .errors import GraderError, UsageError
from .i18n import set_language
from .i18n_cli import TranslatedGroup, lang_option
from .isolation.modes import MODES
from .render.gradescope import VISIBILITIES

EXIT_OK = 0
EXIT_NOT_FULL_MARKS = 1
EXIT_USAGE = 2
EXIT_GRADER_FAULT = 3

FORMATS = ("text", "json", "gradescope", "junit", "github", "classroom", "csv", "html")


@click.group(cls=TranslatedGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="grader")
def main() -> None:
    """Grade neural-network exercises with property tests. Student code runs in a separate process."""


def _prestart_child(isolation: str) -> None:
    """Start the warm process that will run the submission while the lesson loads (nothing if ``isolation``
    cannot be used here: the check itself says so)."""
    from .isolation.modes import IsolationUnavailable, resolve
    from .isolation.runner import prestart

    try:
        prestart(resolve(isolation))
    except (IsolationUnavailable, ValueError):
        pass


@main.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--lesson", default=None, help="Lesson to grade against (default: the one PATH is for, by its file's name).")
@click.option("--format", "format_name", type=click.Choice(FORMATS), default="text", show_default=True, help="Output format.")
@lang_option()
@click.option("--call-timeout", type=float, default=None, help="Seconds each call may take.")
@click.option("--isolation", type=click.Choice(MODES), default="auto", show_default=True,
              help="How student code is isolated: the bubblewrap sandbox, landlock, basic (rlimits, own process group), or auto.")
@click.option("--submission-timeout", type=float, default=None, help="Seconds for grading the whole submission.")
@click.option("--cpu-seconds", type=float, default=None, help="CPU seconds one process of student code may use.")
@click.option("--memory", "memory_mib", type=float, default=None, help="MiB of memory (address space) for student code.")
@click.option("--file-size", "file_mib", type=float, default=None, help="MiB of the largest file student code may write.")
@click.option("--output-bytes", type=int, default=None, help="Characters of the student's printed output kept in the report.")
@click.option("--watch", is_flag=True, help="Grade again each time the file (or the quiz answers beside it) is saved, the report redrawn in place; Ctrl-C stops (exit 0).")
def check(path: Path | None, lesson: str | None, format_name: str, lang: str | None, call_timeout: float | None, isolation: str,
          submission_timeout: float | None, cpu_seconds: float | None, memory_mib: float | None, file_mib: float | None,
          output_bytes: int | None, watch: bool) -> None:
    """Grade one submission: a .py file, or a folder holding the lesson's file.

    The lesson is the one PATH is for: perceptron.py or perceptron.ipynb is the lesson whose file that is, and a
    folder the lesson whose file it holds (or exercises/<lesson>/). PATH defaults to the stub of the lesson here,
    exercises/<lesson>/<stub>. Exits 0 at full marks, 1 when the submission is not
    fully right or cannot be graded (missing, empty, binary, too large: the report says why), 2 on bad usage,
    3 when the grader itself failed. Limits default to the lesson's [limits].
    """
    from .check import PathNotFound, resolve_target
    from .check import check as run_check
    from .isolation.limits import overrides
    from .lesson import LessonNotFound
    from .render import render

    set_language(lang)
    if watch and format_name != "text":
        from .i18n import _

        raise click.UsageError(_("--watch shows the text report only, not --format {format}.").format(format=format_name))
    limits = overrides(call_timeout, submission_timeout, cpu_seconds, memory_mib, file_mib, output_bytes)
    _prestart_child(isolation)
    try:
        the_lesson, target = resolve_target(path, lesson)
        if watch:
            from .watch import watch as run_watch

            run_watch(target, the_lesson, limits, isolation, out=Console(highlight=False, soft_wrap=True))
            sys.exit(EXIT_OK)
        try:
            report = run_check(target, the_lesson, limits=limits, isolation=isolation)
        except (UsageError, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001 - the grader's fault: say so in the chosen format, exit 3
            from ._fault import grader_fault_report

            report = grader_fault_report(exc, the_lesson, str(target))
    except (PathNotFound, LessonNotFound) as exc:
        raise _one_sentence(exc) from exc
    except UsageError as exc:
        raise click.UsageError(str(exc)) from exc
    if format_name == "text":
        from .render.text import build

        Console(highlight=False, soft_wrap=True).print(build(report))
    else:
        sys.stdout.write(render(report, format_name))
        if format_name == "github":
            from .render.github import write_step_summary

            write_step_summary(report)
    if report.status.value == "grader_error":
        sys.exit(EXIT_GRADER_FAULT)
    sys.exit(EXIT_OK if report.full_marks else EXIT_NOT_FULL_MARKS)


@main.command()
@click.argument("submissions", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "out", type=click.Path(path_type=Path, file_okay=False), default=Path("grades"), show_default=True,
              help="Folder for the gradebook and one folder per student.")
@click.option("--formats", default="json", show_default=True, metavar="X,Y",
              help=f"Formats written for each student, besides feedback.txt: {', '.join(FORMATS)}.")
@click.option("--lesson", "lessons", multiple=True,
              help="Lesson to grade (repeatable; default: every lesson handed in, told by the files' names).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Submissions graded at once (default: all cores).")
@click.option("--force", is_flag=True, help="Grade again even the submissions that did not change since the last run.")
@click.option("--assignment", default=None, help="The assignment to grade in nbgrader's submitted/<student>/<assignment>/ layout.")
@click.option("--dask", "dask_address", default=None, metavar="ADDRESS", help="Grade on a Dask cluster (scheduler address; needs the dask extra).")
@click.option("--lang", type=click.Choice(["en", "nl"]), default=None, help="Language of the reports (default: from the locale).")
@click.option("--call-timeout", type=float, default=None, help="Seconds each call may take.")
@click.option("--isolation", type=click.Choice(MODES), default="auto", show_default=True,
              help="How student code is isolated, as for grader check (auto: the strongest mode that works here).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary tables.")
def grade(submissions: tuple[Path, ...], out: Path, formats: str, lessons: tuple[str, ...], jobs: int | None, force: bool, assignment: str | None,
          dask_address: str | None, lang: str | None, call_timeout: float | None, isolation: str, quiet: bool) -> None:
    """Grade a class: .py files, folders, notebooks, nbgrader's layout, cloned repositories or a .zip.

    Writes OUT/gradebook.csv, the class report OUT/report.html, and OUT/<student>/ (feedback.txt,
    feedback.html and the --formats). A class that handed in several lessons gets all that per lesson in
    OUT/<lesson>/, and OUT/gradebook.csv with a column per lesson total. Exits 0 when every submission got a report, 3 if the grader
    failed on some, 130 if interrupted (the gradebook then holds what was done; run again to go on).
    """
    from .grade import Options, run_grade

    chosen = [f.strip() for f in formats.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown:
        raise click.UsageError(f"unknown format(s) {', '.join(unknown)} (choose from: {', '.join(FORMATS)})")
    options = Options(out=out, formats=chosen, jobs=jobs, force=force, lessons=lessons, language=lang,
                      limits={"call_seconds": call_timeout} if call_timeout else None, dask=dask_address, assignment=assignment,
                      isolation=isolation)
    try:
        code = run_grade(list(submissions), options, quiet=quiet)
    except UsageError as exc:
        raise click.UsageError(str(exc)) from exc
    sys.exit(code)


@main.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
@click.option("--lesson", "lessons", multiple=True, help="Lesson to release (repeatable; default: every lesson of the kit).")
@click.option("--requirement", default=None, metavar="SPEC",
              help="The pinned grader students' CI installs, e.g. 'neuron-grader @ https://.../neuron_grader-0.1.0-py3-none-any.whl' "
                   "(required; 'placeholder' writes an OWNER/REPO URL to fill in later).")
@click.option("--ci", "ci", multiple=True, type=click.Choice(["github", "classroom", "gitlab"]),
              help="CI files to include (repeatable; default: all three).")
def release(directory: Path, lessons: tuple[str, ...], requirement: str | None, ci: tuple[str, ...]) -> None:
    """Write the student version of the lessons into DIRECTORY: stubs, lesson texts, CI files, pinned grader.

    It never holds solutions or the lesson's hidden material. See the README's section on CI.
    """
    from .i18n import _
    from .release import CI_CHOICES, PLACEHOLDER, placeholder_requirement, write_release

    try:
        written = write_release(directory, list(lessons) or None, requirement, ci or CI_CHOICES)
    except UsageError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(_("{path}: {count} files written").format(path=directory, count=len(written)))
    if requirement is not None and requirement.strip() in (PLACEHOLDER, placeholder_requirement()):
        click.echo(_("requirements.txt holds a placeholder ({requirement}); give --requirement before students use this release.").format(
            requirement=placeholder_requirement()), err=True)


@main.command()
@click.argument("path", required=False, type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--lesson", default=None, help="Lesson folder (a name or a path) to validate (default: every lesson of the kit).")
@click.option("--no-grade", is_flag=True, help="Skip grading the reference and the stub.")
def validate(path: Path | None, lesson: str | None, no_grade: bool) -> None:
    """Author command: check that a lesson folder is consistent (exit 0 if it is, 1 if not).

    PATH may also be a folder written by `grader release`: it is then checked for solutions and hidden
    material, missing or stale files, an unpinned grader, and CI files that do not parse.
    """
    from .validate import validate as run_validate
    from .validate import validate_all

    target = path if path is not None else lesson
    results = [run_validate(target, grade=not no_grade)] if target is not None else validate_all(grade=not no_grade)
    console = Console(highlight=False, soft_wrap=True)
    for result in results:
        for finding in result.findings:
            console.print(("[green]✓[/green] " if finding.ok else "[red]✗[/red] ") + finding.what)
        console.print(f"[bold]{result.lesson}: {'valid' if result.ok else 'not valid'}[/bold]")
    sys.exit(EXIT_OK if all(result.ok for result in results) else EXIT_NOT_FULL_MARKS)


@main.group()
def dev() -> None:
    """Author commands for kit maintainers (students never need these)."""


@dev.command("examples")
@click.option("--lesson", default=None, help="Lesson folder (a name or a path; default: the kit's only lesson).")
def dev_examples(lesson: str | None) -> None:
    """Draw every property's examples once and store them in the lesson's .meta/examples.json."""
    from ._examples import write_examples
    from .lesson import load_lesson

    path = write_examples(load_lesson(lesson))
    click.echo(f"wrote {path}")


@main.group()
def export() -> None:
    """Write the lesson in other tools' formats (nbgrader, Jupyter, Gradescope)."""


@export.command("nbgrader")
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
@click.option("--lesson", default=None, help="Lesson to export (default: the kit's only lesson).")
@click.option("--course", default=None, help="nbgrader course id (default: the lesson's id).")
@click.option("--force", is_flag=True, help="Overwrite the files of an earlier export.")
@click.option("--isolation", type=click.Choice(MODES), default="auto", show_default=True,
              help="How the notebook's test cells isolate student code (see grader check --isolation); checked where they run.")
def export_nbgrader(directory: Path, lesson: str | None, course: str | None, force: bool, isolation: str) -> None:
    """Write an nbgrader course into DIRECTORY: nbgrader_config.py and source/<lesson>/<lesson>.ipynb.

    Then, in DIRECTORY: nbgrader generate_assignment <lesson>, and after collecting: nbgrader autograde <lesson>.
    """
    from .i18n import _
    from .nbgrader.export import export_course

    try:
        written = export_course(directory, lesson, course=course, force=force, isolation=isolation)
    except UsageError as exc:
        raise click.UsageError(str(exc)) from exc
    for path in written:
        click.echo(_("wrote {path}").format(path=path))


@export.command("notebook")
@click.argument("path", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--lesson", default=None, help="Lesson to export (default: the kit's only lesson).")
def export_notebook(path: Path | None, lesson: str | None) -> None:
    """Write the student notebook (default: exercises/<lesson>/<lesson>.ipynb in the kit)."""
    from .i18n import _
    from .nbgrader.export import write_student_notebook

    try:
        written = write_student_notebook(lesson, path)
    except UsageError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(_("wrote {path}").format(path=written))


@export.command("gradescope")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--lesson", default=None, help="Lesson to export (default: the kit's only lesson).")
@click.option("--requirement", default=None, metavar="SPEC",
              help="The pinned grader setup.sh installs, as for `grader release` (a wheel's URL, ==VERSION or a git URL with a tag).")
@click.option("--wheel", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Bundle this wheel of the grader in the zip and install it from there (instead of --requirement).")
@click.option("--visibility", type=click.Choice(VISIBILITIES), default="visible",
              show_default=True, help="When students see the results and each test.")
@click.option("--isolation", type=click.Choice(MODES), default="auto", show_default=True,
              help="How run_autograder isolates student code (see grader check --isolation).")
@click.option("--lang", type=click.Choice(["en", "nl"]), default="en", show_default=True, help="Language of the students' results.")
def export_gradescope(out: Path, lesson: str | None, requirement: str | None, wheel: Path | None, visibility: str, isolation: str,
                      lang: str) -> None:
    """Write a Gradescope autograder zip to OUT (a folder gets OUT/<lesson>-autograder.zip).

    It holds setup.sh, run_autograder and requirements.txt at its root; upload it as the assignment's autograder.
    """
    from .authoring.gradescope import write_autograder
    from .i18n import _

    try:
        written = write_autograder(out, lesson, requirement=requirement, wheel=wheel, visibility=visibility, isolation=isolation,
                                   language=lang)
    except UsageError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(_("wrote {path}").format(path=written.path))
    click.echo(_("Give the assignment {points} autograder points.").format(points=f"{written.points:g}"))
    if written.answers:
        click.echo(_("{quiz} of them are for the quiz: students upload {answers} beside their code.").format(
            quiz=f"{written.quiz_points:g}", answers=written.answers))


@main.command()
@click.argument("arguments", nargs=-1, metavar="[PATH] [PART]")
@click.option("--submission", "-s", "path", type=click.Path(path_type=Path), default=None, hidden=True)  # the old spelling of PATH
@click.option("--lesson", default=None, help="Lesson to grade against (default: the one PATH is for, as for grader check).")
@lang_option()
@click.option("--reset", is_flag=True, help="Forget which hints were shown for this submission and start again.")
@click.option("--isolation", type=click.Choice(MODES), default="auto", show_default=True,
              help="How student code is isolated, as for grader check.")
def hint(arguments: tuple[str, ...], path: Path | None, lesson: str | None, lang: str | None, reset: bool, isolation: str) -> None:
    """Show the next hint for the first part that is not yet right.

    PATH is the submission, as for grader check (default: exercises/<lesson>/<lesson>.py). PART limits the
    hints to one part of the lesson: its id, such as relu or quiz (a wrong one lists them all). Each call shows
    the next hint, from a question or a pointer to a more concrete one, and after a part's last hint the first
    hint of the next part that is not yet right. Hints stop short of the solution.
    """
    from .check import PathNotFound, resolve_target
    from .hint import forget, next_hint, split_arguments
    from .hint import render as render_hint
    from .lesson import LessonNotFound, all_lessons, load_lesson

    try:
        given, part = _hint_arguments(arguments, path, lesson, split_arguments, load_lesson, all_lessons)
        the_lesson, target = resolve_target(given, lesson)
        if reset:
            forget(target, the_lesson)
        result = next_hint(target, the_lesson, part, isolation=isolation)
    except (PathNotFound, LessonNotFound) as exc:
        raise _one_sentence(exc) from exc
    except UsageError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(render_hint(result), nl=False)


def _hint_arguments(arguments: tuple[str, ...], path: Path | None, lesson: str | None, split: Any, load: Any,
                    every: Any) -> tuple[Path | None, str | None]:
    """PATH and PART of ``grader hint``: PART is a part of the lesson given, else of one of the kit's lessons."""
    if lesson is not None:
        return split(arguments, path, load(lesson))  # type: ignore[no-any-return]
    results: list[tuple[Path | None, str | None]] = []
    problem: UsageError | None = None
    for candidate in every():
        try:
            found = split(arguments, path, candidate)
        except UsageError as exc:
            problem = problem or exc
            continue
        if found[1] is None or found[1] in [part.id for part in candidate.all_parts]:
            return found  # type: ignore[no-any-return]
        results.append(found)
    if results:
        known = [part.id for candidate in every() for part in candidate.all_parts]
        if results[0][1] not in known:
            from .i18n import _

            raise UsageError(_("unknown part {part}; the parts are: {parts}").format(part=results[0][1], parts=", ".join(dict.fromkeys(known))))
        return results[0]
    if problem is not None:
        raise problem
    return path, None


class _OneSentence(click.ClickException):
    """A usage error shown as its one sentence ("Error: x does not exist."), without the usage lines; exit 2."""

    exit_code = EXIT_USAGE

    def show(self, file: Any = None) -> None:
        from .i18n import _

        click.echo(_("Error: {message}").format(message=self.format_message()), file=file, err=file is None)


def _one_sentence(exc: UsageError) -> click.ClickException:
    return _OneSentence(str(exc))


def run() -> None:
    """Entry point: a grader fault is reported as such, never as the student's."""
    try:
        main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted!", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except GraderError as exc:
        click.echo(f"grader: {exc}", err=True)
        sys.exit(EXIT_GRADER_FAULT)
    except Exception as exc:  # noqa: BLE001 - never a traceback: what happened, and what a bug report needs
        from ._fault import operator_message, save_details

        click.echo(operator_message(exc, save_details(exc)), err=True)
        sys.exit(EXIT_GRADER_FAULT)


if __name__ == "__main__":
    run()
