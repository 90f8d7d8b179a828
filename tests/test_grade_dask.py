"""``grader grade --dask``: the same results on a Dask cluster (a LocalCluster on loopback) as in the local pool."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from grader.grade import GRADEBOOK, Options, grade_class

from .conftest import REFERENCE

distributed = pytest.importorskip("distributed", reason="the dask extra is not installed (pip install -e '.[test]')")

LIMITS = {"call_seconds": 0.5, "import_seconds": 5.0}


def _rows(out: Path) -> list[dict[str, str]]:
    with open(out / GRADEBOOK, newline="", encoding="utf-8") as handle:
        return [{k: v for k, v in row.items() if k != "submission"} for row in csv.DictReader(handle)]


def test_dask_gives_the_same_gradebook(tmp_path: Path) -> None:
    root = tmp_path / "class"
    root.mkdir()
    reference = REFERENCE.read_text()
    (root / "alice.py").write_text(reference)
    (root / "carol.py").write_text(reference.replace("np.maximum(0, z)", "max(0, z)"))
    (root / "dave.py").write_text("def sigmoid(z:\n")
    local = grade_class([root], Options(out=tmp_path / "local", jobs=2, limits=LIMITS))
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=True, host="127.0.0.1",
                                  dashboard_address=None, protocol="tcp") as cluster:
        on_dask = grade_class([root], Options(out=tmp_path / "dask", dask=cluster.scheduler_address, limits=LIMITS))
    assert not on_dask.interrupted and on_dask.grader_errors == 0
    assert _rows(tmp_path / "dask") == _rows(tmp_path / "local")
    assert [g.report.to_dict() for g in on_dask.graded] == [g.report.to_dict() for g in local.graded]
    assert {row["student"]: row["total"] for row in _rows(tmp_path / "dask")}["alice"] == "17"


def _warm_processes() -> int:
    """In a Dask worker: how many warm processes this worker keeps (idle between tasks)."""
    from grader.isolation import warm

    return sum(len(group) for group in warm._state["idle"].values())


def test_each_dask_worker_keeps_a_warm_child(tmp_path: Path) -> None:
    import sys

    if not sys.platform.startswith("linux"):
        pytest.skip("warm children are Linux's")
    root = tmp_path / "class"
    root.mkdir()
    reference = REFERENCE.read_text()
    for name in ("alice", "bob", "carol", "dave"):
        (root / f"{name}.py").write_text(reference)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, protocol="tcp") as cluster:
        result = grade_class([root], Options(out=tmp_path / "dask", dask=cluster.scheduler_address, limits=LIMITS))
        with distributed.Client(cluster.scheduler_address) as client:
            kept = client.run(_warm_processes)
    assert result.grader_errors == 0 and [g.report.score for g in result.graded] == [17.0] * 4
    assert sum(kept.values()) >= 1 and all(count <= 1 for count in kept.values()), kept  # one per worker that graded
