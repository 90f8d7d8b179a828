"""The release's CI files, run as CI would run them, in clones of the release, with the grader users install.

The release is written with the kit's wheel (built from the working tree by ``tests/installed.py``) as its
pinned requirement, and every step runs in the clean environment of the venv that wheel is installed in
(``InstalledGrader.env``: the venv's bin first on a system PATH, no PYTHONPATH, nothing of the dev venv), so
``python``, ``pip`` and ``grader`` are the venv's, exactly as on a runner after ``actions/setup-python``.

Each workflow's ``run:`` steps (GitHub Actions) or ``script:`` lines (GitLab CI) are read from the YAML and
executed in order, as written, in a git clone of the release holding one submission, with
``GITHUB_STEP_SUMMARY``, ``GITHUB_OUTPUT`` and ``RUNNER_TEMP`` pointed at temporary files. The install steps
run for real: ``python -m pip install -r requirements.txt`` resolves the pinned requirement to the wheel and
checks its dependencies against the venv, with ``PIP_NO_INDEX=1`` (nothing is downloaded; the wheel is the
version already installed, so pip leaves the venv as it is). The instructor's ``python -m pip install .``
installs the kit's checkout, which here is the working tree the wheel was built from: it runs as
``python -m pip install <the wheel>`` (the one rewritten step, listed in ``Run.replaced``).

Steps that are not run:

- ``uses:`` steps (actions/checkout: the clone is the checkout; actions/setup-python: the venv's Python;
  upload-artifact: the test reads the files; the Classroom reporter: its input, the step output, is decoded
  and checked instead);
- steps whose command starts with ``sudo`` (installing bubblewrap, lifting AppArmor's restriction on user
  namespaces): they would change this machine. Each test asserts that the step is in the workflow
  (``Run.sudo``); the grader then uses whatever isolation this machine allows, and the job summary must name it.
"""

from __future__ import annotations

import base64
import csv
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import pytest
import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from grader.isolation.modes import resolve
from grader.lesson import load_lesson
from grader.release import write_release

from . import classroom_reporter
from .installed import InstalledGrader

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "solutions" / "neuron" / "neuron.py"
SCHEMAS = ROOT / "tests" / "schemas"  # the published schemas the report formats are tested against
STUB_PATH = "exercises/neuron/neuron.py"
INSTALL = re.compile(r"^\s*python -m pip install\b")
SUDO = re.compile(r"^\s*sudo\b")
# What the release's GitHub workflows and the instructor's must do before grading, so that bubblewrap can start.
SANDBOX_STEP = ("sudo apt-get install -y", "bubblewrap", "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 || true")
EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")

# The lesson's quiz, if it has one: the release ships its answers file, which a complete submission fills in.
QUIZ = ROOT / "exercises" / "neuron" / ".meta" / "quiz.toml"
QUIZ_ANSWERS = ROOT / "solutions" / "neuron" / "quiz.toml"
QUIZ_POINTS = sum(float(q.get("points", 1)) for q in tomllib.loads(QUIZ.read_text(encoding="utf-8"))["questions"]) if QUIZ.is_file() else 0.0
QUIZ_QUESTIONS = len(tomllib.loads(QUIZ.read_text(encoding="utf-8"))["questions"]) if QUIZ.is_file() else 0

# The reference with relu wrong: abs(z) is right for z >= 0 only. relu's value checks fail; nothing else does.
WRONG = REFERENCE.read_text(encoding="utf-8").replace("return np.maximum(0, z)", "return np.abs(z)")
WRONG_FAILS = {"relu.scalar", "relu.array"}

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is needed to clone the release")


def git(*args: str, cwd: Path) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, installed: InstalledGrader) -> Path:
    """The release as the instructor's template repository, pinned to the kit's wheel: a git repository with one
    commit."""
    repo = tmp_path_factory.mktemp("template") / "neuron-template"
    write_release(repo, "neuron", f"neuron-grader @ {installed.wheel.as_uri()}", local=True)  # file: only for a local try
    git("init", "-q", "-b", "main", cwd=repo)
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "Template", cwd=repo)
    return repo


def student_repo(template: Path, where: Path, source: str | None) -> Path:
    """A clone of the template with ``source`` as the student's code (None: the untouched stub), committed."""
    git("clone", "-q", str(template), str(where), cwd=template.parent)
    if source is not None:
        (where / STUB_PATH).write_text(source, encoding="utf-8")
        if QUIZ_ANSWERS.is_file():
            (where / STUB_PATH).with_name(QUIZ_ANSWERS.name).write_bytes(QUIZ_ANSWERS.read_bytes())
        git("commit", "-q", "-am", "My neuron", cwd=where)
    return where


def full_marks() -> float:
    """The code's points plus the quiz's."""
    return sum(p.points for p in load_lesson("neuron").properties) + QUIZ_POINTS


@dataclass
class Run:
    steps: list[subprocess.CompletedProcess[str]] = field(default_factory=list)
    scripts: list[str] = field(default_factory=list)  # what ran, one per step in ``steps``
    installs: list[str] = field(default_factory=list)  # the install steps, as written (all of them ran)
    replaced: list[str] = field(default_factory=list)  # the steps that ran rewritten (see the module's docstring)
    sudo: list[str] = field(default_factory=list)  # the steps not run because they start with sudo
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)

    def step(self, script: str) -> subprocess.CompletedProcess[str]:
        return self.steps[self.scripts.index(script)]

    @property
    def failed(self) -> subprocess.CompletedProcess[str] | None:
        return next((s for s in self.steps if s.returncode != 0), None)

    @property
    def stdout(self) -> str:
        return "".join(s.stdout for s in self.steps)


def read_outputs(path: Path) -> dict[str, str]:
    """``$GITHUB_OUTPUT``: ``name=value`` lines and ``name<<DELIMITER`` blocks."""
    values: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, i + 1)
            values[name] = "\n".join(lines[i + 1 : end])
            i = end + 1
            continue
        name, _sep, value = line.partition("=")
        values[name] = value
        i += 1
    return values


def base_env(tmp: Path, installed: InstalledGrader) -> dict[str, str]:
    """The installed grader's clean environment, as a CI runner's (pip may not download anything)."""
    (tmp / "home").mkdir(exist_ok=True)
    (tmp / "runner-temp").mkdir(exist_ok=True)
    return installed.env(
        LANGUAGE="en", LC_ALL="C.UTF-8",
        HOME=str(tmp / "home"),  # a step that configures git globally does so here
        CI="true", GITHUB_ACTIONS="true", RUNNER_TEMP=str(tmp / "runner-temp"),
        PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1",
    )


def run_github_job(workflow: Path, job: str, cwd: Path, tmp: Path, installed: InstalledGrader, inputs: dict[str, str] | None = None,
                   rewrite: dict[str, str] | None = None) -> Run:
    """Run the ``run:`` steps of one job in order, as GitHub does (``bash -e``), until one fails; ``rewrite``
    maps a step's script, as written, to what runs instead."""
    steps = yaml.safe_load(workflow.read_text(encoding="utf-8"))["jobs"][job]["steps"]
    env = base_env(tmp, installed)
    env["GITHUB_WORKSPACE"] = str(cwd)
    result = Run()
    for number, step in enumerate(steps):
        if "run" not in step:
            continue
        script = step["run"]
        assert "${{" not in script, "run: scripts take expressions through env:, so that they run as written"
        if SUDO.match(script):
            result.sudo.append(script.strip())  # it would change this machine (see the module's docstring)
            continue
        if INSTALL.match(script):
            result.installs.append(script.strip())
        if rewrite and script.strip() in rewrite:
            result.replaced.append(script.strip())
            script = rewrite[script.strip()]
        outputs = tmp / f"output-{number}"
        summary = tmp / "step-summary.md"
        step_env = {**env, "GITHUB_OUTPUT": str(outputs), "GITHUB_STEP_SUMMARY": str(summary)}
        for name, value in (step.get("env") or {}).items():
            step_env[name] = evaluate(str(value), inputs or {}, result.outputs)
        done = subprocess.run(["bash", "-e", "-c", script], cwd=cwd, env=step_env, capture_output=True, text=True, timeout=300)
        result.steps.append(done)
        result.scripts.append(script.strip())
        if "id" in step:
            result.outputs[step["id"]] = read_outputs(outputs)
        if done.returncode != 0:
            break
    return result


def evaluate(value: str, inputs: dict[str, str], outputs: dict[str, dict[str, str]]) -> str:
    """The few expressions the workflows use in ``env:``: inputs, secrets (none in a test), step outputs."""
    def one(match: re.Match[str]) -> str:
        expression = match.group(1)
        if expression.startswith("inputs."):
            return inputs[expression.removeprefix("inputs.")]
        if expression.startswith("secrets."):
            return ""
        step = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expression)
        if step:
            return outputs[step.group(1)][step.group(2)]
        raise AssertionError(f"the test does not know the expression {expression!r}")

    return EXPRESSION.sub(one, value)


def function_lines(source: str, name: str) -> range:
    import ast

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef) and node.name == name:
            assert node.end_lineno is not None
            return range(node.lineno, node.end_lineno + 1)
    raise AssertionError(name)


def points_of(ids: set[str]) -> float:
    return sum(p.points for p in load_lesson("neuron").properties if p.id in ids)


def assert_sandbox_step(run: Run) -> None:
    """The job installs bubblewrap and lifts AppArmor's restriction before grading (the step is not run here)."""
    assert len(run.sudo) == 1 and all(part in run.sudo[0] for part in SANDBOX_STEP), run.sudo


def expected_isolation() -> str:
    """The isolation ``--isolation auto`` gets on this machine (sandbox where bubblewrap starts)."""
    return resolve("auto").mode


def assert_pip_installed_from_the_wheel(run: Run, installed: InstalledGrader, script: str, tmp: Path) -> None:
    """The install step ran and pip took the wheel; the grader the later steps ran is the venv's."""
    step = run.step(script)
    assert step.returncode == 0, step.stdout + step.stderr
    assert installed.wheel.name in step.stdout, step.stdout
    located = installed.run(["python", "-c", "import grader; print(grader.__file__)"], cwd=tmp).stdout
    assert Path(located.strip()).resolve().is_relative_to(installed.venv.resolve()), "the grader came from the wheel"


# -- GitHub Actions ------------------------------------------------------------------------------------------
def test_github_workflow_passes_a_correct_submission(template: Path, tmp_path: Path, installed: InstalledGrader) -> None:
    """The whole GitHub workflow, install step included, from the pinned wheel."""
    repo = student_repo(template, tmp_path / "alice", REFERENCE.read_text(encoding="utf-8"))
    assert (repo / "requirements.txt").read_text(encoding="utf-8").strip().endswith(installed.wheel.as_uri())
    run = run_github_job(repo / ".github/workflows/grade.yml", "grade", repo, tmp_path, installed)
    assert run.installs == ["python -m pip install -r requirements.txt"] and run.replaced == []
    assert_sandbox_step(run)
    assert run.failed is None, run.stdout + "".join(s.stderr for s in run.steps)
    assert_pip_installed_from_the_wheel(run, installed, "python -m pip install -r requirements.txt", tmp_path)
    summary = (tmp_path / "step-summary.md").read_text(encoding="utf-8")
    assert f"{full_marks():g}/{full_marks():g}" in summary.splitlines()[0]
    assert "❌" not in summary and "✅" in summary
    assert "::error" not in run.stdout and "::warning" not in run.stdout
    # The summary ends with the isolation the code ran under, as the text report does.
    assert summary.splitlines()[-1].startswith(f"isolation: {expected_isolation()}"), summary


def test_github_workflow_fails_a_wrong_submission_with_annotations_on_the_function(template: Path, tmp_path: Path,
                                                                                   installed: InstalledGrader) -> None:
    repo = student_repo(template, tmp_path / "bob", WRONG)
    run = run_github_job(repo / ".github/workflows/grade.yml", "grade", repo, tmp_path, installed)
    assert run.failed is not None and run.failed.returncode == 1, run.stdout
    summary = (tmp_path / "step-summary.md").read_text(encoding="utf-8")
    expected = full_marks() - points_of(WRONG_FAILS)
    assert f"{expected:g}/{full_marks():g}" in summary.splitlines()[0]
    assert re.search(r"❌ relu\(z\) \| 1/3", summary), summary
    errors = [line for line in run.stdout.splitlines() if line.startswith("::error ")]
    assert len(errors) == 1, run.stdout
    fields = dict(item.split("=", 1) for item in errors[0].split("::")[1].removeprefix("error ").split(","))
    assert fields["file"] == STUB_PATH
    assert int(fields["line"]) in function_lines(WRONG, "relu")


BROKEN = "def sigmoid(z)\n    return z\n"  # a syntax error: nothing imports; the quiz is still graded


@pytest.mark.parametrize(("source", "who"), [(REFERENCE.read_text(encoding="utf-8"), "correct"), (WRONG, "partly-wrong"),
                                             (BROKEN, "not-importing")], ids=["correct", "partly-wrong", "not-importing"])
def test_classroom_workflow_reports_the_kit_s_points(template: Path, tmp_path: Path, installed: InstalledGrader, source: str,
                                                      who: str) -> None:
    """The Classroom workflow as written; its reporter's figures, by the reporter's own formulas
    (tests/classroom_reporter.py), on the env the workflow hands it: the notified points, every table row, every
    "Total points for" line and the table's total are the kit's score."""
    repo = student_repo(template, tmp_path / who, source)
    workflow = repo / ".github/workflows/classroom.yml"
    run = run_github_job(workflow, "run-autograding-tests", repo, tmp_path, installed)
    assert run.installs == ["python -m pip install -r requirements.txt"] and run.replaced == []
    assert_sandbox_step(run)
    assert run.failed is None, run.stdout + "".join(s.stderr for s in run.steps)
    assert_pip_installed_from_the_wheel(run, installed, "python -m pip install -r requirements.txt", tmp_path)
    # The kit's own report of the same clone.
    kit = json.loads(installed.run(["grader", "check", STUB_PATH, "--format", "json"], cwd=repo).stdout)
    expected = {"correct": full_marks(), "partly-wrong": full_marks() - points_of(WRONG_FAILS), "not-importing": QUIZ_POINTS}[who]
    assert kit["score"] == expected and kit["max_score"] == full_marks()
    # The job summary: the points, and the isolation the code ran under on its last line.
    summary = (tmp_path / "step-summary.md").read_text(encoding="utf-8")
    assert f"{kit['score']:g}/{kit['max_score']:g}" in summary.splitlines()[0]
    assert summary.splitlines()[-1].startswith(f"isolation: {expected_isolation()}"), summary
    steps = yaml.safe_load(workflow.read_text(encoding="utf-8"))["jobs"]["run-autograding-tests"]["steps"]
    reporter = steps[-1]
    assert reporter["uses"].startswith("classroom-resources/autograding-grading-reporter@")
    runners = reporter["with"]["runners"]
    # What the reporter gets: its env, evaluated from the grading step's outputs.
    env = {name: evaluate(str(value), {}, run.outputs) for name, value in reporter["env"].items()}
    schema = json.loads((SCHEMAS / "classroom-result.schema.json").read_text(encoding="utf-8"))
    props = [prop for part in kit["parts"] for prop in part["properties"]]
    assert len(runners.split(",")) == len(props)  # every check of the kit's report has its runner
    for runner, prop in zip(runners.split(","), props, strict=True):
        result = json.loads(base64.b64decode(env[f"{runner.upper()}_RESULTS"], validate=True).decode("utf-8"))
        jsonschema.validate(result, schema)
        assert [test["test_code"] for test in result["tests"]] == [prop["id"]]
    shown = classroom_reporter.run(runners, env)
    assert shown.notice == f"Points {classroom_reporter.js(kit['score'])}/{classroom_reporter.js(kit['max_score'])}"
    assert shown.notified == shown.table_total == (kit["score"], kit["max_score"])
    assert [(score, maximum) for _name, score, maximum in shown.rows] == [(p["points"], p["max_points"]) for p in props]
    assert shown.total_lines == [f"Total points for {name}: {p['points']:.2f}/{p['max_points']:g}"
                                 for name, p in zip(runners.split(","), props, strict=True)]
    assert shown.failed is (who != "correct")
    failed = {prop["id"] for prop in props if prop["status"] != "passed"}
    if who == "partly-wrong":
        assert failed == WRONG_FAILS
        lines = [test["line_no"] for value in env.values()
                 for test in json.loads(base64.b64decode(value).decode("utf-8"))["tests"] if test["status"] != "pass"]
        assert lines and all(line in function_lines(WRONG, "relu") for line in lines)
    if who == "not-importing":
        assert kit["status"] == "did_not_import" and failed == {p.id for p in load_lesson("neuron").properties}


# -- GitLab CI -----------------------------------------------------------------------------------------------
def test_gitlab_job_writes_a_valid_junit_report(template: Path, tmp_path: Path, installed: InstalledGrader) -> None:
    repo = student_repo(template, tmp_path / "dave", WRONG)
    job = yaml.safe_load((repo / ".gitlab-ci.yml").read_text(encoding="utf-8"))["grade"]
    lines = job.get("before_script", []) + job["script"]
    # A Docker runner: no bubblewrap step (it could not start there); --isolation auto picks Landlock.
    assert not any(SUDO.match(line) or "bubblewrap" in line for line in lines)
    env = base_env(tmp_path, installed)
    env["CI_PROJECT_DIR"] = str(repo)
    codes, installs = [], []
    for line in lines:
        done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", line], cwd=repo, env=env, capture_output=True, text=True, timeout=300)
        codes.append(done.returncode)
        if INSTALL.match(line):
            installs.append(line)
            assert installed.wheel.name in done.stdout, done.stdout + done.stderr
        if done.returncode:
            break
    assert installs == ["python -m pip install -r requirements.txt"]
    assert codes == [0, 1], "the install succeeds; the job fails: the submission does not have full marks"
    report = repo / job["artifacts"]["reports"]["junit"]
    root = ET.parse(report).getroot()
    cases = root.findall(".//testcase")
    assert len(cases) == len(load_lesson("neuron").properties) + QUIZ_QUESTIONS
    failed = [case.get("name") for case in cases if case.find("failure") is not None]
    assert failed and all(str(name).startswith("relu: ") for name in failed)
    assert len(failed) == len(WRONG_FAILS)
    xmlschema = pytest.importorskip("xmlschema")
    xmlschema.XMLSchema(str(SCHEMAS / "JUnit.xsd")).validate(str(report))


# -- the instructor's side -----------------------------------------------------------------------------------
def test_the_instructor_workflow_grades_every_repository(template: Path, tmp_path: Path, installed: InstalledGrader) -> None:
    workflow = ROOT / ".github/workflows/grade-class.yml"
    origin = tmp_path / "github"
    good = student_repo(template, origin / "neuron-alice", REFERENCE.read_text(encoding="utf-8"))
    student_repo(template, origin / "neuron-bob", WRONG)
    student_repo(template, origin / "neuron-carol", None)
    # A student who edits the workflow to pass gains nothing here: only the code is graded.
    (good / ".github/workflows/grade.yml").write_text("name: Grade\non: push\njobs: {}\n")
    kit = tmp_path / "kit"
    kit.mkdir()
    # GitHub Classroom's grades export: one row per student, with the repository's URL.
    with (kit / "grades.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["assignment_name", "github_username", "student_repository_name", "student_repository_url", "points_awarded"])
        for name in ("alice", "bob", "carol"):
            writer.writerow(["neuron", name, f"neuron-{name}", str(origin / f"neuron-{name}"), "17"])
    # `pip install .` in the kit's checkout: the wheel built from it (see the module's docstring).
    wheel_install = f"python -m pip install {shlex.quote(str(installed.wheel))}"
    run = run_github_job(workflow, "grade", kit, tmp_path, installed, inputs={"repos": "grades.csv"},
                         rewrite={"python -m pip install .": wheel_install})
    assert run.replaced == ["python -m pip install ."] and run.installs == ["python -m pip install ."]
    assert_sandbox_step(run)
    assert run.failed is None, run.stdout + "".join(s.stderr for s in run.steps)
    assert_pip_installed_from_the_wheel(run, installed, wheel_install, tmp_path)
    # The job summary names the isolation the class's code ran under.
    summary = (tmp_path / "step-summary.md").read_text(encoding="utf-8")
    assert re.search(rf"^- isolation: {expected_isolation()}\b.* \(submissions: 3\)$", summary, re.MULTILINE), summary
    with (kit / "class/grades/gradebook.csv").open(encoding="utf-8") as handle:
        rows = {row["student"]: row for row in csv.DictReader(handle)}
    with (kit / "class/commits.csv").open(encoding="utf-8") as handle:
        commits = {row["repository"]: row["commit"] for row in csv.DictReader(handle)}
    assert commits["neuron-bob"] == git("rev-parse", "HEAD", cwd=origin / "neuron-bob").strip()
    assert set(commits) == {"neuron-alice", "neuron-bob", "neuron-carol"}
    # The code gets the same points as the students' own CI gave it, part by part.
    lesson = load_lesson("neuron")
    relu = points_of({p.id for p in lesson.properties if p.part == "relu"})
    for part in lesson.parts:
        full = points_of({p.id for p in lesson.properties if p.part == part.id})
        assert float(rows["alice"][part.id]) == full
        assert float(rows["bob"][part.id]) == (full if part.id != "relu" else relu - points_of(WRONG_FAILS))
        assert float(rows["carol"][part.id]) == 0
    assert float(rows["carol"]["total"]) == 0
    # And the total, quiz included, is the one the students' CI showed.
    assert {name: float(row["total"]) for name, row in rows.items()} == {
        "alice": full_marks(), "bob": full_marks() - points_of(WRONG_FAILS), "carol": 0}
    assert all(float(row["maximum"]) == full_marks() for row in rows.values())
