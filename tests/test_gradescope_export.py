"""``grader export gradescope``: the autograder zip, end to end from the built wheel.

The zip is made by the installed grader with the wheel bundled, unpacked into a folder laid out like
Gradescope's ``/autograder`` (``source/``, ``submission/``, ``results/``), and ``setup.sh`` really installs the
grader from it (once for the module: pip's cache makes it quick). ``run_autograder`` then grades the reference,
a wrong submission, a notebook, a syntax error and a hostile submission, each results.json is validated
against the schema of Gradescope's published format, and the scores are what the lesson says.
"""

from __future__ import annotations

import ast
import json
import shutil
import stat
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import nbformat
import pytest
from click.testing import CliRunner

from grader.authoring.gradescope import FAULT_RESULTS, finish_results
from grader.cli import main
from grader.lesson import Lesson
from grader.quiz import load_quiz

from .conftest import REFERENCE, ROOT
from .installed import InstalledGrader

SCHEMA = json.loads((ROOT / "tests" / "schemas" / "gradescope-results.schema.json").read_text(encoding="utf-8"))
HOSTILE = ROOT / "tests" / "hostile" / "tamper"
QUIZ = ROOT / "solutions" / "neuron" / "quiz.toml"
VISIBILITY = "after_due_date"  # not the default, so that a visibility that is not passed on shows


@dataclass(frozen=True)
class Autograder:
    """An unpacked autograder after setup.sh, and a way to grade one submission with it."""

    zip: Path
    root: Path  # laid out like /autograder
    setup_output: str
    grade: Callable[..., dict[str, Any]]


@pytest.fixture(scope="module")
def autograder(installed: InstalledGrader, tmp_path_factory: pytest.TempPathFactory) -> Autograder:
    out = tmp_path_factory.mktemp("export")
    made = installed.run(["grader", "export", "gradescope", str(out / "neuron-autograder.zip"), "--lesson", "neuron", "--wheel", str(installed.wheel),
                          "--visibility", VISIBILITY], cwd=out)
    assert made.returncode == 0, made.stdout + made.stderr
    assert "19 autograder points" in made.stdout
    root = tmp_path_factory.mktemp("autograder")
    for folder in ("source", "submission", "results"):
        (root / folder).mkdir()
    with zipfile.ZipFile(out / "neuron-autograder.zip") as archive:
        for info in archive.infolist():  # as Gradescope unpacks it: the modes kept
            target = root / "source" / info.filename
            target.write_bytes(archive.read(info))
            target.chmod(info.external_attr >> 16 & 0o777)
    env = installed.env(GRADER_AUTOGRADER_ROOT=str(root))  # python3 is the installed venv's: no apt-get
    setup = installed.run(["bash", "./setup.sh"], cwd=root / "source", env=env, timeout=600)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    assert (root / "venv" / "bin" / "grader").exists()

    def grade(*files: Path, names: dict[str, str] | None = None, links: dict[str, Path] | None = None, **extra: str) -> dict[str, Any]:
        for folder in ("submission", "results"):
            shutil.rmtree(root / folder)
            (root / folder).mkdir()
        for name, points_to in (links or {}).items():
            (root / "submission" / name).symlink_to(points_to)
        for file in files:
            target = root / "submission" / (names or {}).get(file.name, file.name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(file, target)
        done = installed.run([str(root / "source" / "run_autograder")], cwd=root, env={**env, **extra}, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        data = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
        jsonschema.validate(data, SCHEMA)
        return data

    return Autograder(out / "neuron-autograder.zip", root, setup.stdout + setup.stderr, grade)


def by_name(data: dict[str, Any]) -> dict[str, tuple[float, float]]:
    return {test["name"]: (test["score"], test["max_score"]) for test in data["tests"]}


def expected_names(lesson: Lesson, quiz: bool) -> set[str]:
    names = {f"{spec.part}: {spec.title}" for spec in lesson.properties}
    questions = load_quiz(lesson.folder)
    assert questions is not None
    return names | ({f"quiz: {question.title}" for question in questions.questions} if quiz else set())


# -- the zip -------------------------------------------------------------------------------------------------
def test_the_zip_holds_the_scripts_at_its_root_and_is_byte_identical(autograder: Autograder, installed: InstalledGrader,
                                                                      tmp_path: Path) -> None:
    with zipfile.ZipFile(autograder.zip) as archive:
        infos = archive.infolist()
        names = [info.filename for info in infos]
        assert names == sorted(names)
        assert set(names) == {"grader-fault.json", "requirements.txt", "run_autograder", "setup.sh", installed.wheel.name}
        modes = {info.filename: stat.S_IMODE(info.external_attr >> 16) for info in infos}
        assert modes["setup.sh"] == modes["run_autograder"] == 0o755
        assert modes["requirements.txt"] == 0o644
        assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
        assert archive.read(installed.wheel.name) == installed.wheel.read_bytes()
        requirements = archive.read("requirements.txt").decode("utf-8")
    assert [line for line in requirements.splitlines() if not line.startswith("#")] == [f"./{installed.wheel.name}"]
    # again, into a folder: <lesson>-autograder.zip with the very same bytes
    again = installed.run(["grader", "export", "gradescope", str(tmp_path), "--lesson", "neuron", "--wheel", str(installed.wheel), "--visibility", VISIBILITY],
                          cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "neuron-autograder.zip").read_bytes() == autograder.zip.read_bytes()


def test_setup_installed_the_bundled_wheel_without_apt(autograder: Autograder) -> None:
    assert "Reading package lists" not in autograder.setup_output  # apt-get did not run
    assert "neuron-grader" in autograder.setup_output and "grader, version" in autograder.setup_output


# -- grading on "Gradescope" ---------------------------------------------------------------------------------
def test_the_reference_gets_every_point(autograder: Autograder, lesson: Lesson) -> None:
    data = autograder.grade(REFERENCE, QUIZ)
    assert set(by_name(data)) == expected_names(lesson, quiz=True)
    assert data["score"] == sum(t["max_score"] for t in data["tests"]) == 19
    assert all(t["status"] == "passed" and t["score"] == t["max_score"] for t in data["tests"])
    assert data["visibility"] == VISIBILITY and {t["visibility"] for t in data["tests"]} == {VISIBILITY}
    assert data["stdout_visibility"] == "hidden"
    assert 0 < data["execution_time"] < 300


def test_a_wrong_relu_loses_points_in_relu_only(autograder: Autograder, tmp_path: Path) -> None:
    wrong = tmp_path / "neuron.py"
    wrong.write_text(REFERENCE.read_text(encoding="utf-8").replace("np.maximum(0, z)", "np.abs(z)"), encoding="utf-8")
    data = autograder.grade(wrong, QUIZ)
    lost = {name: score for name, score in by_name(data).items() if score[0] < score[1]}
    assert lost and all(name.startswith("relu: ") for name in lost), lost
    assert data["score"] == 19 - sum(maximum - score for score, maximum in lost.values())
    assert any("diagnosis:relu.abs" in t.get("tags", []) for t in data["tests"])


def _reference_definitions() -> dict[str, str]:
    source = REFERENCE.read_text(encoding="utf-8")
    return {node.name: ast.get_source_segment(source, node) or "" for node in ast.parse(source).body
            if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


def test_a_notebook_is_graded_like_the_same_code(autograder: Autograder, tmp_path: Path) -> None:
    notebook = nbformat.read(str(ROOT / "exercises" / "neuron" / "neuron.ipynb"), as_version=4)
    definitions = _reference_definitions()
    filled = 0
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        for name, code in definitions.items():
            if cell.source.startswith((f"def {name}(", f"class {name}:")):
                cell.source = code
                filled += 1
    assert filled == 3
    path = tmp_path / "neuron.ipynb"
    nbformat.write(notebook, str(path))
    # uploaded as a zip of a folder: Gradescope unpacks it to that one folder (beside macOS's __MACOSX)
    data = autograder.grade(path, QUIZ, REFERENCE, names={"neuron.ipynb": "my work/neuron.ipynb", "quiz.toml": "my work/quiz.toml",
                                                          "neuron.py": "__MACOSX/my work/._neuron.py"})
    assert data["score"] == 19 and all(t["status"] == "passed" for t in data["tests"])
    assert "submission/my work: 19 of 19" in data["output"]


def test_a_syntax_error_gets_zero_with_one_clear_sentence(autograder: Autograder, tmp_path: Path, lesson: Lesson) -> None:
    broken = tmp_path / "neuron.py"
    broken.write_text("import numpy as np\n\ndef sigmoid(z)\n    return 1 / (1 + np.exp(-z))\n", encoding="utf-8")
    data = autograder.grade(broken)
    assert data["score"] == 0 and all(t["score"] == 0 for t in data["tests"])
    assert set(by_name(data)) == expected_names(lesson, quiz=False)
    assert "syntax error on line 3" in data["output"]
    assert "grader itself failed" not in data["output"]


def test_a_hostile_submission_gains_nothing(autograder: Autograder, tmp_path: Path) -> None:
    """Fake results on every stream, then os._exit(0) during the import; uploaded under another name."""
    hostile = tmp_path / "my_neuron.py"
    tricks = (HOSTILE / "exit_at_import_os.py").read_text(encoding="utf-8")
    hostile.write_text((HOSTILE / "fake_results.py").read_text(encoding="utf-8") + "\n\n" + tricks[tricks.index("# trick:begin"):],
                       encoding="utf-8")
    honest = autograder.grade(HOSTILE / "_honest.py", names={"_honest.py": "neuron.py"})
    data = autograder.grade(hostile)
    assert data["score"] == honest["score"] < 17
    assert by_name(data) == by_name(honest)
    assert '"score": 17' in data["output"]  # shown as what the code printed, nothing more


def test_a_symbolic_link_is_not_followed(autograder: Autograder, tmp_path: Path) -> None:
    """A link in the upload could point at a file of the autograder: it is removed, not graded."""
    data = autograder.grade(links={"neuron.py": REFERENCE})
    assert data["score"] == 0 and "has no neuron.py" in data["output"]
    assert REFERENCE.is_file()


def test_a_grader_that_cannot_run_still_gives_results_that_say_so(autograder: Autograder) -> None:
    data = autograder.grade(REFERENCE, GRADER_AUTOGRADER_VENV=str(autograder.root / "no-such-venv"))
    assert data == json.loads((autograder.root / "source" / FAULT_RESULTS).read_text(encoding="utf-8"))
    assert data["score"] == 0 and data["tests"] and all(t["score"] == 0 for t in data["tests"])
    assert "not a fault in your code" in data["output"]
    assert data["visibility"] == VISIBILITY


# -- run_autograder's last step, and the command's checks (in this process) ----------------------------------
def test_the_graders_own_fault_report_is_kept_and_garbage_is_not(lesson: Lesson) -> None:
    from grader._fault import student_message
    from grader.engine import empty_report
    from grader.model import ReportStatus
    from grader.render import render

    fault = render(empty_report(lesson, "x.py", ReportStatus.GRADER_ERROR, student_message()), "gradescope").encode()
    kept = finish_results(fault, 3, "hidden", started=10.0, now=12.5)
    assert kept is not None and kept["execution_time"] == 2.5 and kept["visibility"] == "hidden"
    jsonschema.validate(kept, SCHEMA)
    assert finish_results(fault, 2, "hidden") is None  # bad usage: what it printed is no report
    for garbage in (b"", b"{", b'{"score": 17}', b'{"score": 17, "tests": []}', b"\xff", b'{"score": NaN, "tests": [{"name": "a", "score": 1}]}'):
        assert finish_results(garbage, 0, "visible") is None, garbage


@pytest.mark.parametrize(("args", "says"), [
    ([], "give --requirement SPEC or --wheel PATH"),
    (["--requirement", "neuron-grader"], "is not pinned"),
    (["--requirement", "numpy==2.0"], "not on neuron-grader"),
    (["--requirement", "neuron-grader==0.1.0", "--wheel", "x.whl"], "not both"),
    (["--wheel", "missing.whl"], "does not exist"),
    (["--requirement", "neuron-grader==0.1.0", "--visibility", "public"], "Invalid value"),
    (["--requirement", "neuron-grader==0.1.0", "--isolation", "none"], "Invalid value"),
])
def test_usage_errors(tmp_path: Path, args: list[str], says: str) -> None:
    result = CliRunner().invoke(main, ["export", "gradescope", str(tmp_path / "a.zip"), "--lesson", "neuron", *args])
    assert result.exit_code == 2 and says in result.output, result.output
    assert not (tmp_path / "a.zip").exists()


def test_a_pinned_requirement_is_written_as_given(tmp_path: Path) -> None:
    spec = "neuron-grader @ https://example.org/releases/download/v0.1.0/neuron_grader-0.1.0-py3-none-any.whl"
    result = CliRunner().invoke(main, ["export", "gradescope", str(tmp_path), "--lesson", "neuron", "--requirement", spec, "--isolation", "basic"])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "neuron-autograder.zip") as archive:
        assert sorted(archive.namelist()) == ["grader-fault.json", "requirements.txt", "run_autograder", "setup.sh"]
        assert archive.read("requirements.txt").decode().splitlines()[-1] == spec
        assert "ISOLATION=basic\n" in archive.read("run_autograder").decode()
        fault = json.loads(archive.read("grader-fault.json"))
    jsonschema.validate(fault, SCHEMA)
    assert fault["visibility"] == "visible"
