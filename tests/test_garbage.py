"""Garbage in, one clear sentence out: every bad input gets a one-line message, said once, a valid report in
every format, exit code 1 (the submission's fault), and never a traceback. A path that does not exist is a
usage error (exit 2, one sentence, no report). A fault of the grader itself exits 3 and says so, with where
the details for a bug report are."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader import cli
from grader.render import RENDERERS


def _empty(folder: Path) -> Path:
    path = folder / "neuron.py"
    path.write_bytes(b"")
    return path


def _binary(folder: Path) -> Path:
    path = folder / "neuron.py"
    path.write_bytes(bytes(range(256)) * 4)
    return path


def _not_utf8(folder: Path) -> Path:
    path = folder / "neuron.py"
    path.write_bytes("def sigmoid(z):\n    return 'café'\n".encode("latin-1"))
    return path


def _huge(folder: Path) -> Path:
    path = folder / "neuron.py"
    with path.open("wb") as out:
        out.truncate(50 * 1000 * 1000)  # 50 MB (sparse: nothing is written, nothing should be read)
    return path


def _folder_without_file(folder: Path) -> Path:
    (folder / "other.py").write_text("x = 1\n")
    return folder


def _missing(folder: Path) -> Path:
    return folder / "nowhere" / "neuron.py"


def _symlink_loop(folder: Path) -> Path:
    os.symlink(folder / "b.py", folder / "a.py")
    os.symlink(folder / "a.py", folder / "b.py")
    return folder / "a.py"


def _notebook_not_json(folder: Path) -> Path:
    path = folder / "neuron.ipynb"
    path.write_text('{"cells": [ this is not JSON')
    return path


CASES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "empty": (_empty, "is empty"),
    "binary": (_binary, "binary file"),
    "not_utf8": (_not_utf8, "not UTF-8"),
    "huge": (_huge, "50.0 MB"),
    "folder_without_file": (_folder_without_file, "has no neuron.py"),
    "missing": (_missing, "does not exist"),
    "symlink_loop": (_symlink_loop, "loop"),
    "notebook_not_json": (_notebook_not_json, "not valid JSON"),
}


def _syntax_error(folder: Path) -> Path:
    path = folder / "neuron.py"
    path.write_text("import numpy as np\n\ndef sigmoid(z)\n    return 1\n")
    return path


def _run(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli.main, args)
    stderr = result.stderr if hasattr(result, "stderr") else ""
    return result.exit_code, result.stdout, stderr


REPORTED = sorted(set(CASES) - {"missing"})  # a path that does not exist gets no report from the command line


@pytest.mark.parametrize("case", REPORTED)
@pytest.mark.parametrize("format_name", sorted(RENDERERS))
def test_bad_input_gets_one_sentence_in_every_format(case: str, format_name: str, tmp_path: Path) -> None:
    make, words = CASES[case]
    target = make(tmp_path)
    code, out, err = _run(["check", str(target), "--lesson", "neuron", "--format", format_name, "--isolation", "basic"])
    assert code == cli.EXIT_NOT_FULL_MARKS, (out, err)
    assert "Traceback (most recent call last)" not in out + err
    assert out.strip()
    if format_name in ("json", "gradescope"):
        data = json.loads(out)
        assert data["score"] == 0
        message = data["message"] if format_name == "json" else data["output"].splitlines()[-1]
        assert words in message and "\n" not in message
    elif format_name == "text":
        assert any(words in line and line.rstrip().endswith(".") for line in out.splitlines()), out


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_sentence_names_the_problem(case: str, tmp_path: Path) -> None:
    from grader.check import check

    make, words = CASES[case]
    report = check(make(tmp_path), "neuron", isolation="basic")
    assert report.score == 0 and not report.full_marks
    assert report.message is not None and words in report.message
    assert "\n" not in report.message and report.message.endswith(".")


@pytest.mark.parametrize("format_name", sorted(RENDERERS))
def test_grader_fault_is_the_graders_not_the_students(format_name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    check_module = importlib.import_module("grader.check")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("an invariant of the grader broke")

    monkeypatch.setattr(check_module, "grade_path", broken)
    solution = Path(__file__).resolve().parent.parent / "solutions" / "neuron" / "neuron.py"
    code, out, err = _run(["check", str(solution), "--format", format_name, "--isolation", "basic"])
    assert code == cli.EXIT_GRADER_FAULT
    assert "Traceback (most recent" not in out and "invariant" not in out  # the student sees no internals
    assert "not a fault in your code" in out or format_name not in ("text", "json", "gradescope")
    if format_name in ("json", "gradescope"):
        data = json.loads(out)
        assert data["score"] == 0
    # what the person who ran the grader needs for a bug report, on stderr
    assert "internal error (RuntimeError)" in err and "grader-fault-" in err
    details = Path(err.split("The details are in ")[1].split(".txt")[0] + ".txt")
    assert "an invariant of the grader broke" in details.read_text()
    details.unlink()


def test_unexpected_crash_of_the_command_exits_3_without_traceback(monkeypatch: pytest.MonkeyPatch,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("state")

    monkeypatch.setattr(cli, "main", broken)
    with pytest.raises(SystemExit) as exit_info:
        cli.run()
    assert exit_info.value.code == cli.EXIT_GRADER_FAULT
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    assert "internal error (KeyError)" in captured.err
    details = captured.err.split("The details are in ")[1].split(".txt")[0] + ".txt"
    text = Path(details).read_text()
    assert "Traceback" in text and "grader " in text  # the file for the bug report has what it needs
    Path(details).unlink()


def test_bad_usage_exits_2(tmp_path: Path) -> None:
    code, _out, _err = _run(["check", str(tmp_path), "--isolation", "nowhere"])
    assert code == cli.EXIT_USAGE


@pytest.mark.parametrize("command", ["check", "hint"])
@pytest.mark.parametrize("format_name", sorted(RENDERERS))
def test_a_path_that_does_not_exist_is_a_usage_error_of_one_sentence(command: str, format_name: str, tmp_path: Path) -> None:
    target = tmp_path / "nowhere" / "neuron.py"
    args = [command, str(target), "--isolation", "basic"] + (["--format", format_name] if command == "check" else [])
    result = CliRunner().invoke(cli.main, args, env={"LANGUAGE": None, "LC_ALL": None, "LC_MESSAGES": None, "LANG": None})
    assert result.exit_code == cli.EXIT_USAGE
    assert result.stdout == ""  # no report
    assert result.stderr == f"Error: {target} does not exist.\n"  # one sentence, no usage lines


def test_a_missing_default_path_is_a_usage_error_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no exercises/neuron/neuron.py here
    for command in ("check", "hint"):
        code, out, err = _run([command, "--lesson", "neuron", "--isolation", "basic"])
        assert code == cli.EXIT_USAGE and out == "" and err.count("does not exist") == 1
        code, out, err = _run([command, "--isolation", "basic"])  # which lesson's stub: the kit has several
        assert code == cli.EXIT_USAGE and out == "" and len(err.strip().splitlines()) == 1 and "--lesson" in err


def test_a_missing_path_graded_from_python_still_gets_a_report(tmp_path: Path) -> None:
    from grader.check import check

    report = check(tmp_path / "nowhere.py", "neuron", isolation="basic")  # grader grade relies on this
    assert report.message is not None and "does not exist" in report.message and report.score == 0


ONCE = {**{case: CASES[case] for case in REPORTED}, "syntax_error": (_syntax_error, "a syntax error on line 3")}


@pytest.mark.parametrize("case", sorted(ONCE))
def test_why_a_file_was_not_graded_is_said_once_and_each_part_says_not_graded(case: str, tmp_path: Path) -> None:
    from grader.check import check
    from grader.model import PropertyStatus

    make, words = ONCE[case]
    target = make(tmp_path)
    report = check(target, "neuron", isolation="basic")
    assert report.message is not None and words in report.message
    code = [prop for prop in report.properties() if prop.part != "quiz"]
    assert code and all(prop.status is PropertyStatus.NOT_GRADED and prop.message == "not graded" for prop in code)
    code_, out, _err = _run(["check", str(target), "--lesson", "neuron", "--isolation", "basic", "--lang", "en"])
    assert code_ == cli.EXIT_NOT_FULL_MARKS
    assert out.count(words) == 1, out
    assert out.count("✗ not graded") == len({prop.part for prop in code}), out  # each part, briefly
    for format_name in ("json", "gradescope", "junit", "html"):
        _code, document, _err = _run(["check", str(target), "--lesson", "neuron", "--isolation", "basic", "--format", format_name])
        assert document.count(words) == 1, (format_name, document)
