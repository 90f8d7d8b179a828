"""``grader release``: what the student version of the lesson holds, and what it must never hold."""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from grader.cli import main
from grader.errors import UsageError
from grader.lesson import load_lesson
from grader.release import (
    MANIFEST,
    PLACEHOLDER,
    build_release,
    check_release,
    classroom_runners,
    placeholder_requirement,
    requirement_problem,
    write_release,
)

ROOT = Path(__file__).resolve().parent.parent
LESSON_DIR = ROOT / "exercises" / "neuron"
STUB = LESSON_DIR / "neuron.py"
REFERENCE = ROOT / "solutions" / "neuron" / "neuron.py"
PINNED = "neuron-grader @ https://github.com/course/neuron/releases/download/v0.1.0/neuron_grader-0.1.0-py3-none-any.whl"


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def reference_bodies() -> dict[str, str]:
    """Every function body of the reference, docstring left out, as its source text."""
    source = REFERENCE.read_text(encoding="utf-8")
    bodies = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef):
            body = node.body[1:] if isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant) else node.body
            lines = source.splitlines()[body[0].lineno - 1 : body[-1].end_lineno]
            bodies[node.name] = "\n".join(lines)
    return bodies


@pytest.fixture()
def release(tmp_path: Path) -> Path:
    target = tmp_path / "release"
    result = CliRunner().invoke(main, ["release", str(target), "--lesson", "neuron", "--requirement", PINNED])
    assert result.exit_code == 0, result.output
    return target


def test_release_holds_every_student_file_and_the_ci(release: Path) -> None:
    files = tree(release)
    student_files = [p for p in sorted(LESSON_DIR.rglob("*")) if p.is_file() and ".meta" not in p.relative_to(LESSON_DIR).parts
                     and "__pycache__" not in p.parts]
    assert student_files, "the lesson folder has student files"
    for path in student_files:
        name = "exercises/neuron/" + path.relative_to(LESSON_DIR).as_posix()
        assert files.get(name) == path.read_bytes(), f"{name} is missing from the release or differs from the kit's"
    assert files["exercises/neuron/neuron.py"] == STUB.read_bytes()
    for needed in ("README.md", "requirements.txt", ".github/workflows/grade.yml", ".github/workflows/classroom.yml", ".gitlab-ci.yml"):
        assert needed in files
    assert PINNED in files["requirements.txt"].decode()
    # The student README says what CI is worth.
    readme = files["README.md"].decode()
    assert "feedback for you, not your grade" in readme
    assert "grader check" in readme and "exercises/neuron/neuron.py" in readme


def test_release_holds_no_solution_and_no_hidden_material(release: Path) -> None:
    files = tree(release)
    assert not [p for p in files if ".meta" in p.split("/") or "solutions" in p.split("/")]
    hidden = {p.read_bytes() for p in (LESSON_DIR / ".meta").rglob("*") if p.is_file()}
    assert not [p for p, data in files.items() if data in hidden]
    stub = squeeze(STUB.read_text(encoding="utf-8"))
    bodies = reference_bodies()
    assert set(bodies) >= {"sigmoid", "relu", "__init__", "activate"}
    for name, body in bodies.items():
        assert squeeze(body) not in stub, f"the stub already holds the body of {name}"
        for path, data in files.items():
            assert squeeze(body) not in squeeze(data.decode("utf-8", "replace")), f"{path} holds the reference's body of {name}"


def test_the_same_kit_gives_the_same_files(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    write_release(first, "neuron", PINNED)
    write_release(second, "neuron", PINNED)
    assert tree(first) == tree(second)
    # Writing again over a checkout of the template (a .git folder, a student's extra file) changes nothing else.
    (first / ".git").mkdir()
    (first / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    before = tree(first)
    write_release(first, "neuron", PINNED)
    assert tree(first) == before
    # A file the earlier release wrote and the new one does not is removed; others stay.
    (first / "notes.txt").write_text("mine\n")
    write_release(first, "neuron", PINNED, ci=["gitlab"])
    assert not (first / ".github" / "workflows" / "grade.yml").exists()
    assert (first / ".gitlab-ci.yml").is_file() and (first / "notes.txt").is_file()


def test_the_ci_files_are_valid_yaml(release: Path) -> None:
    grade = yaml.safe_load((release / ".github/workflows/grade.yml").read_text())
    classroom = yaml.safe_load((release / ".github/workflows/classroom.yml").read_text())
    gitlab = yaml.safe_load((release / ".gitlab-ci.yml").read_text())
    steps = grade["jobs"]["grade"]["steps"]
    setup = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python"))
    assert setup["with"]["cache"] == "pip"
    assert any("--format github" in s.get("run", "") for s in steps)
    reporter = classroom["jobs"]["run-autograding-tests"]["steps"][-1]
    assert reporter["uses"].startswith("classroom-resources/autograding-grading-reporter@")
    # One runner per check (property or quiz question), each with its own results from the grading step.
    runners = reporter["with"]["runners"].split(",")
    lesson = load_lesson("neuron")
    assert runners == classroom_runners(lesson) and len(runners) == len(lesson.properties) + 2
    assert all(re.fullmatch(r"[a-z][a-z0-9]*", runner) for runner in runners)  # what the reporter's input check allows
    assert reporter["env"] == {f"{runner.upper()}_RESULTS": f"${{{{ steps.grade.outputs.{runner} }}}}" for runner in runners}
    assert any(s.get("id") == "grade" and "--format classroom" in s["run"] for s in classroom["jobs"]["run-autograding-tests"]["steps"])
    job = gitlab["grade"]
    assert job["artifacts"]["reports"]["junit"] in " ".join(job["script"])
    assert job["artifacts"]["when"] == "always"
    kit_workflow = yaml.safe_load((ROOT / ".github/workflows/grade-class.yml").read_text())
    assert any("grader grade" in s.get("run", "") for s in kit_workflow["jobs"]["grade"]["steps"])


def test_a_clean_release_validates(release: Path) -> None:
    assert [str(p) for p in check_release(release) if p.error] == []


def test_validate_finds_leaks_and_broken_files(release: Path) -> None:
    shutil.copytree(LESSON_DIR / ".meta", release / ".meta")
    shutil.copy(REFERENCE, release / "solution_copy.py")
    (release / "notes.md").write_text("Hint: self.weights = np.random.uniform(-1, 1, size=n_inputs)\n")
    (release / ".gitlab-ci.yml").write_text("grade: [unclosed\n")
    (release / "README.md").unlink()
    problems = {p.path: p.message for p in check_release(release) if p.error}
    assert any(path.startswith(".meta/") for path in problems)
    assert "solution_copy.py" in problems
    assert "notes.md" in problems and "__init__" in problems["notes.md"]
    assert ".gitlab-ci.yml" in problems
    assert problems.get("README.md") == "missing"


def test_release_refuses_to_write_without_a_requirement(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["release", str(tmp_path / "r"), "--lesson", "neuron"])
    assert result.exit_code == 2
    error = result.output.strip().splitlines()[-1]
    assert error.startswith("Error: a release needs the grader its CI installs") and "--requirement SPEC" in error
    assert "--requirement placeholder" in error and error.count(". ") == 0  # one sentence
    assert not (tmp_path / "r").exists()
    with pytest.raises(UsageError, match="--requirement"):
        write_release(tmp_path / "r", "neuron")


def test_the_placeholder_is_written_only_when_asked_for_and_validate_refuses_it(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["release", str(tmp_path / "r"), "--lesson", "neuron", "--requirement", PLACEHOLDER])
    assert result.exit_code == 0, result.output
    assert "placeholder" in result.output and "--requirement" in result.output  # the warning
    assert placeholder_requirement() in (tmp_path / "r" / "requirements.txt").read_text()
    problems = [p for p in check_release(tmp_path / "r") if p.error]
    assert [(p.path, p.message.split(":")[0]) for p in problems] == [("requirements.txt", "still the placeholder")]
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "r")])
    assert result.exit_code == 1 and "still the placeholder" in result.output


def test_a_file_url_is_refused_by_release_and_by_validate(tmp_path: Path) -> None:
    wheel = (tmp_path / "neuron_grader-0.1.0-py3-none-any.whl").as_uri()
    result = CliRunner().invoke(main, ["release", str(tmp_path / "r"), "--lesson", "neuron", "--requirement", f"neuron-grader @ {wheel}"])
    assert result.exit_code == 2 and "no CI runner can fetch" in result.output
    assert not (tmp_path / "r").exists()
    # Written anyway (as a test does, to run the release on this machine): validate refuses it.
    write_release(tmp_path / "r", "neuron", f"neuron-grader @ {wheel}", local=True)
    problems = [p for p in check_release(tmp_path / "r") if p.error]
    assert [p.path for p in problems] == ["requirements.txt"] and "no CI runner can fetch" in problems[0].message
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "r")])
    assert result.exit_code == 1 and "no CI runner can fetch" in result.output


def test_the_release_refuses_a_lesson_that_gives_the_solution_away(tmp_path: Path) -> None:
    lesson_copy = tmp_path / "neuron"
    shutil.copytree(LESSON_DIR, lesson_copy)
    (lesson_copy / "README.md").write_text("# Neuron\n\nSolution: `return np.maximum(0, z)`\n")
    lesson = load_lesson(lesson_copy)
    lesson.reference = REFERENCE
    with pytest.raises(UsageError, match="relu"):
        build_release(lesson, PINNED)


def test_the_student_readme_points_at_the_lesson_text(tmp_path: Path) -> None:
    lesson_copy = tmp_path / "neuron"
    shutil.copytree(LESSON_DIR, lesson_copy)
    (lesson_copy / "README.md").write_text("# A neuron\n\n[Nederlands](README.nl.md)\n")
    (lesson_copy / "README.nl.md").write_text("# Een neuron\n\n[English](README.md)\n")
    (lesson_copy / "data").mkdir()
    (lesson_copy / "data" / "inputs.csv").write_text("x\n1\n")
    lesson = load_lesson(lesson_copy)
    lesson.reference = REFERENCE
    files = {f.path: f.data.decode() for f in build_release(lesson, PINNED)}
    assert files["exercises/neuron/README.nl.md"] == "# Een neuron\n\n[English](README.md)\n"
    assert files["exercises/neuron/data/inputs.csv"] == "x\n1\n"
    readme = files["README.md"]
    assert "[`exercises/neuron/README.md`](exercises/neuron/README.md)" in readme
    assert "De opdracht staat in [`exercises/neuron/README.nl.md`](exercises/neuron/README.nl.md)" in readme
    assert MANIFEST in files


@pytest.mark.parametrize(
    ("requirement", "pinned"),
    [
        ("neuron-grader==0.1.0", True),
        ("neuron-grader @ git+ssh://git@github.com/course/neuron-grader@v0.1.0", True),
        (placeholder_requirement(), False),
        ("neuron-grader @ file:///tmp/neuron_grader-0.1.0-py3-none-any.whl", False),
        ("neuron-grader @ git+file:///tmp/kit@v0.1.0", False),
        ("neuron-grader @ ftp://example.org/neuron_grader-0.1.0-py3-none-any.whl", False),
        ("neuron-grader @ git+https://github.com/course/neuron-grader@v0.1.0", True),
        (PINNED, True),
        ("neuron-grader", False),
        ("neuron-grader>=0.1", False),
        ("neuron-grader @ git+https://github.com/course/neuron-grader", False),
        ("numpy==1.26.0", False),
        ("not a requirement ==", False),
    ],
)
def test_the_grader_requirement_must_be_pinned(requirement: str, pinned: bool) -> None:
    assert (requirement_problem(requirement) is None) is pinned


def test_release_refuses_an_unpinned_requirement(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["release", str(tmp_path / "r"), "--lesson", "neuron", "--requirement", "neuron-grader"])
    assert result.exit_code == 2
    assert not (tmp_path / "r").exists()


def test_grader_validate_checks_a_release_folder(release: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(release)])
    assert result.exit_code == 0, result.output
    assert "no solutions and no hidden material" in result.output
    shutil.copy(REFERENCE, release / "exercises" / "neuron" / "neuron.py")
    result = CliRunner().invoke(main, ["validate", str(release)])
    assert result.exit_code == 1
    assert "exercises/neuron/neuron.py: this is the reference solution" in result.output


def test_release_refuses_to_write_into_the_kit() -> None:
    for inside in (ROOT, ROOT / "exercises" / "neuron", ROOT / "solutions"):
        with pytest.raises(UsageError, match="part of the kit"):
            write_release(inside, "neuron", PINNED)


def test_validate_claims_no_check_it_could_not_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without PyYAML the CI files are not parsed: validate warns, and does not also say they parse."""
    import builtins

    from grader.release import release_findings, write_release

    write_release(tmp_path / "repo", "neuron", "neuron-grader==0.1.0")
    real_import = builtins.__import__

    def no_yaml(name: str, *args: object, **kwargs: object) -> object:
        if name == "yaml":
            raise ImportError("no yaml here")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_yaml)
    lines = [what for _ok, what in release_findings(tmp_path / "repo")]
    assert any("PyYAML is not installed" in line for line in lines), lines
    assert not any("the CI files parse" in line for line in lines), lines
