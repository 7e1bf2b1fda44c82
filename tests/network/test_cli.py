"""`sharpeyes network import` and `network check` end to end: real files, the real store, a subprocess.

The topology is the hand graph of ``test_checks`` in miniature: P – C – G – A, with a dual uplink
G – C2 – P, cameras on A; one registered-networked camera hangs on the island X.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from sharpeyes.cli import app
from sharpeyes.jobs import network as jobs
from sharpeyes.model.columns import empty_cameras, empty_rejects
from sharpeyes.store import Store

NODES = """节点编号,节点类型,名称,经度,纬度
P,平台,市平台,123.84,42.29
C,监控中心,银州分局,123.85,42.30
C2,监控中心,清河分局,123.95,42.35
G,汇聚,街道汇聚,123.86,42.31
A,接入交换机,新华村,123.87,42.32
X,接入交换机,孤岛村,123.88,42.33
X,汇聚,孤岛村,123.88,42.33
"""

LINKS = """起点,终点,带宽(Mbps)
C,P,1000
C2,P,1000
G,C,1000
G,C2,1000
A,G,10
A,G,10
A,A,1
A,NOPE,1
"""

IDS = [f"2112020000132000000{i}" for i in range(1, 5)]


def _cameras() -> pd.DataFrame:
    frame = empty_cameras()
    rows = pd.DataFrame(
        {
            "device_id": IDS,
            "name": ["一号", "二号", "三号", "四号"],
            "point_class": [1, 1, 3, 2],
            "networked": [True, True, False, True],
            "admin_code": ["211202"] * 4,
            "resolution": [1080, 2160, 720, 1080],
            "uplink": ["A", "A", "A", "X"],
            "lon": [123.87] * 4,
            "lat": [42.32] * 4,
        }
    )
    frame = pd.concat([frame, rows], ignore_index=True)
    for column, dtype in empty_cameras().dtypes.items():
        if column != "geometry":
            frame[column] = frame[column].astype(dtype)
    return frame


def _files(tmp_path: Path) -> tuple[Path, Path]:
    nodes, links = tmp_path / "nodes.csv", tmp_path / "links.csv"
    nodes.write_text(NODES, encoding="utf-8")
    links.write_text(LINKS, encoding="utf-8")
    return nodes, links


def _run(*args: str, db: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, SHARPEYES_DB=db)
    return subprocess.run(
        [sys.executable, "-m", "sharpeyes", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def _invoke(*args: str) -> tuple[int, str, str]:
    """The CLI in-process (for the cheap cases; the end-to-end test runs a real subprocess)."""
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _seed(url: str) -> None:
    store = Store.open(url)
    store.import_cameras(_cameras(), empty_rejects(), source="test", file="cameras.csv")


def _cli(*args: str, url: str, real: bool) -> tuple[int, str, str]:
    if real:
        done = _run(*args, "--db", url, db=url)
        return done.returncode, done.stdout, done.stderr
    return _invoke(*args, "--db", url)


def _end_to_end(url: str, tmp_path: Path, *, real: bool) -> None:
    _seed(url)
    nodes, links = _files(tmp_path)
    code, out, err = _cli("network", "import", str(nodes), str(links), "--json", url=url, real=real)
    assert code == 0, err
    imported = json.loads(out)
    assert (imported["nodes"], imported["links"]) == (6, 5)
    assert imported["problem_counts"] == {
        "conflicting_kind": 1,
        "duplicate_link": 1,
        "self_loop": 1,
        "unknown_node": 1,
        "island": 1,
    }
    where = {(p["problem"], p["file"], p["row"]) for p in imported["problems"]}
    assert ("conflicting_kind", "nodes.csv", 8) in where and (
        "unknown_node",
        "links.csv",
        9,
    ) in where

    report = tmp_path / "report.json"
    code, out, err = _cli("network", "check", "-o", str(report), "--json", url=url, real=real)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["networked_without_path"] == [IDS[3]]  # on the island X
    assert doc["path_but_not_networked"] == [IDS[2]]
    # A cuts its three cameras; G too (its uplinks C and C2 are a ring, but A hangs on G alone)
    assert [(s["node"], s["cameras_cut_off"]) for s in doc["single_points_of_failure"]] == [
        ("A", 3),
        ("G", 3),
    ]
    # A–G carries 4 (1080p) + 12 (4K) + 2 (720p) = 18 Mbit/s on a 10 Mbit/s link
    assert doc["overloaded_links"] == [
        {
            "a": "A",
            "b": "G",
            "link": "infrastructure",
            "load_mbps": 18.0,
            "capacity_mbps": 10.0,
            "utilisation": 1.8,
            "cameras": 3,
        }
    ]
    assert json.loads(report.read_text(encoding="utf-8"))["layers"]["links"]["features"]
    saved = Store.open(url).latest_result("network")
    assert saved is not None and saved["networked_without_path"] == [IDS[3]]
    assert {"links", "spof", "nodes"} <= set(saved["layers"])

    book = tmp_path / "report.xlsx"
    code, _, err = _invoke("network", "check", "-o", str(book), "--format", "xlsx", "--db", url)
    assert code == 0, err
    sheets = load_workbook(book, read_only=True)
    assert {"概要", "联网核对", "单点故障节点", "链路负载"} <= set(sheets.sheetnames)
    header = [c.value for c in next(sheets["单点故障节点"].iter_rows(max_row=1))]
    assert header[:4] == ["节点编号", "节点类型", "名称", "故障时失联摄像机数"]


def test_cli_end_to_end_sqlite(sqlite_url: str, tmp_path: Path) -> None:
    _end_to_end(sqlite_url, tmp_path, real=True)


@pytest.mark.postgis
def test_cli_end_to_end_postgis(pg_url: str, tmp_path: Path) -> None:
    _end_to_end(pg_url, tmp_path, real=False)


def test_cli_errors_are_one_line(sqlite_url: str, tmp_path: Path) -> None:
    db = ("--db", sqlite_url)
    code, out, err = _invoke("network", "import", str(tmp_path / "absent.csv"), "x.csv", *db)
    assert code == 1 and err.strip().count("\n") == 0 and "absent.csv" in err
    code, out, err = _invoke("network", "check", "--json", *db)
    assert code == 1 and "network import" in err and out == ""
    nodes, links = _files(tmp_path)
    code, out, err = _invoke("network", "import", str(nodes), str(links), *db)
    assert code == 0 and "stored 6 nodes and 5 links" in out
    assert "nodes.csv, row 8, field 'kind'" in out or "nodes.csv, row 8, field kind" in out
    code, out, err = _invoke("network", "check", "--format", "pdf", *db)
    assert code == 1 and "--format" in err


def test_job_without_cameras_uses_topology_camera_links(sqlite_url: str, tmp_path: Path) -> None:
    nodes, links = _files(tmp_path)
    links.write_text(LINKS + "21120200001320000009,A,100\n", encoding="utf-8")
    store = Store.open(sqlite_url)
    jobs.import_topology(store, nodes, links)
    doc = jobs.check(store, layers_dir=tmp_path / "layers")
    assert doc["summary"]["cameras_only_in_topology"] == 1
    assert {p.name for p in (tmp_path / "layers").iterdir()} == {
        "links.geojson",
        "spof.geojson",
        "nodes.geojson",
    }
