"""Finding a class's submissions (no grading here): layouts, names, and unpacking zip files safely."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from grader import discover as disc
from grader.discover import UnsafeArchive, discover, extract_zip, safe_name
from grader.errors import UsageError
from grader.grade import report_from_dict
from grader.model import Counterexample, PartResult, PropertyResult, PropertyStatus, Report, ReportStatus

FILE = "neuron.py"


def _touch(path: Path, text: str = "x = 1\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _students(found: disc.Discovery) -> dict[str, Path]:
    return {f.student: f.path for f in found.found}


def test_a_folder_of_files_and_folders(tmp_path: Path) -> None:
    root = tmp_path / "class"
    _touch(root / "alice.py")
    _touch(root / "bob" / FILE)
    _touch(root / "carol" / "work.ipynb", "{}")
    _touch(root / "dave" / "readme.txt")
    _touch(root / "notes.txt")
    _touch(root / ".hidden.py")
    found = discover([root], FILE, tmp_path / "work")
    students = _students(found)
    assert set(students) == {"alice", "bob", "carol", "dave"}
    assert students["alice"] == root / "alice.py"
    assert students["bob"] == root / "bob" / FILE
    assert students["carol"] == root / "carol" / "work.ipynb"
    assert students["dave"] == root / "dave"  # nothing to pick: graded as a folder, so the report says why
    assert any("notes.txt" in s for s in found.skipped)


def test_single_submissions(tmp_path: Path) -> None:
    _touch(tmp_path / "alice" / FILE)
    _touch(tmp_path / "bob.py")
    found = discover([tmp_path / "alice", tmp_path / "alice" / FILE, tmp_path / "bob.py"], FILE, tmp_path / "w")
    assert [f.student for f in found.found] == ["alice", "alice-2", "bob"]  # names stay unique
    _touch(tmp_path / "c" / "gradebook.csv.py")
    _touch(tmp_path / "c" / "report.html.py")
    assert [f.student for f in discover([tmp_path / "c"], FILE, tmp_path / "w").found] == ["gradebook.csv_", "report.html_"]


def test_nbgrader_layout(tmp_path: Path) -> None:
    course = tmp_path / "course"
    _touch(course / "source" / "ps1" / "neuron.ipynb", "{}")
    _touch(course / "submitted" / "s001" / "ps1" / "neuron.ipynb", "{}")
    _touch(course / "submitted" / "s002" / "ps1" / "neuron.ipynb", "{}")
    _touch(course / "submitted" / "s002" / "ps2" / "other.ipynb", "{}")
    with pytest.raises(UsageError, match="--assignment"):
        discover([course], FILE, tmp_path / "w")
    found = discover([course], FILE, tmp_path / "w", assignment="ps1")
    assert _students(found) == {
        "s001": course / "submitted" / "s001" / "ps1" / "neuron.ipynb",
        "s002": course / "submitted" / "s002" / "ps1" / "neuron.ipynb",
    }
    assert {f.origin for f in found.found} == {"nbgrader"}
    assert _students(discover([course / "submitted"], FILE, tmp_path / "w", assignment="ps2")) == {
        "s002": course / "submitted" / "s002" / "ps2" / "other.ipynb"}
    with pytest.raises(UsageError):
        discover([course], FILE, tmp_path / "w", assignment="ps9")


def test_github_classroom_clones(tmp_path: Path) -> None:
    root = tmp_path / "neuron-submissions"
    for user, where in (("alice", FILE), ("bob-smith", "src/neuron.py"), ("carol", "README.md")):
        (root / f"neuron-{user}" / ".git").mkdir(parents=True)
        _touch(root / f"neuron-{user}" / where)
    _touch(root / "neuron-alice" / ".venv" / "lib" / FILE)  # never picked from an environment
    found = discover([root], FILE, tmp_path / "w")
    students = _students(found)
    assert set(students) == {"alice", "bob-smith", "carol"}  # the assignment prefix is dropped
    assert students["alice"] == root / "neuron-alice" / FILE
    assert students["bob-smith"] == root / "neuron-bob-smith" / "src" / FILE
    assert students["carol"] == root / "neuron-carol"
    assert {f.origin for f in found.found} == {"repository"}


def test_a_zip_of_a_class(tmp_path: Path) -> None:
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("submissions/alice.py", "a = 1\n")
        zf.writestr("submissions/bob/neuron.py", "b = 1\n")
        zf.writestr("__MACOSX/submissions/._alice.py", "junk")
    found = discover([archive], FILE, tmp_path / "work")
    students = _students(found)
    assert set(students) == {"alice", "bob"}
    assert students["alice"].read_text() == "a = 1\n"
    assert all((tmp_path / "work") in p.parents for p in students.values())
    assert found.found[0].display.startswith(str(archive))


def test_zip_paths_cannot_leave_the_folder(tmp_path: Path) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../escaped.py", "x")
        zf.writestr("/abs/escaped2.py", "x")
        zf.writestr("a/../../escaped3.py", "x")
        zf.writestr("C:/escaped4.py", "x")
        link = zipfile.ZipInfo("link.py")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
        zf.writestr("ok/neuron.py", "fine = True\n")
    work = tmp_path / "deep" / "work"
    root = extract_zip(archive, work)
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() or p.is_symlink())
    assert files == ["ok/neuron.py"]
    assert not any(p.name.startswith("escaped") for p in tmp_path.rglob("*"))


def test_zip_size_caps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a/neuron.py", "0" * 200_000)
        zf.writestr("b/neuron.py", "0" * 200_000)
    monkeypatch.setattr(disc, "MAX_ZIP_BYTES", 300_000)
    with pytest.raises(UnsafeArchive):
        extract_zip(archive, tmp_path / "w1")
    monkeypatch.setattr(disc, "MAX_ZIP_BYTES", 10_000_000)
    monkeypatch.setattr(disc, "MAX_MEMBER_BYTES", 100_000)
    root = extract_zip(archive, tmp_path / "w2")
    assert not any(root.rglob("*.py"))  # members over the cap are left out
    monkeypatch.setattr(disc, "MAX_ZIP_MEMBERS", 1)
    with pytest.raises(UnsafeArchive):
        extract_zip(archive, tmp_path / "w3")


def test_a_member_larger_than_declared_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "liar.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("neuron.py", "x" * 1000)
    data = bytearray(archive.read_bytes())
    # lower the declared size in the central directory (the local header's size is not what zipfile trusts)
    central = data.rfind(b"PK\x01\x02")
    data[central + 24:central + 28] = (10).to_bytes(4, "little")
    archive.write_bytes(bytes(data))
    with pytest.raises(UnsafeArchive):
        extract_zip(archive, tmp_path / "w")


def test_not_a_zip(tmp_path: Path) -> None:
    archive = tmp_path / "fake.zip"
    archive.write_bytes(b"not a zip")
    with pytest.raises(UnsafeArchive):
        extract_zip(archive, tmp_path / "w")
    assert not any((tmp_path / "w").iterdir())


def test_safe_names() -> None:
    assert safe_name("alice") == "alice"
    assert safe_name("../../etc") == "etc"
    assert safe_name("=cmd|'/c calc'!A1") == "cmd_c_calc_A1"
    assert safe_name("Zoë Ünal") == "Zoë_Ünal"
    assert safe_name("...") == "student"
    assert "/" not in safe_name("a/b\\c")


def test_a_missing_argument_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        discover([tmp_path / "nope"], FILE, tmp_path / "w")


def test_report_round_trip() -> None:
    report = Report(
        lesson="neuron", lesson_title="A single neuron", lesson_version="1.0.0", grader_version="0.1.0",
        submission="x.py", status=ReportStatus.GRADED,
        parts=[PartResult(id="sigmoid", title="sigmoid(z)", line=3, properties=[
            PropertyResult(id="s", part="sigmoid", title="t", max_points=2, points=0, status=PropertyStatus.FAILED,
                           message="m", counterexample=Counterexample(call="sigmoid(1)", returned="2", expected="0.7"),
                           hint="h", diagnosis="d", notes=["n"], line=4, duration=0.5)])],
        message=None, output="printed", output_truncated=True, output_total=99, duration=1.5,
    )
    again = report_from_dict(report.to_dict(timings=True))
    assert again == report
