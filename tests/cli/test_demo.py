"""``sharpeyes demo`` end to end: the demo city through every job, on a real SQLite file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sharpeyes.store import Store


@pytest.mark.slow
def test_demo_runs_every_job_on_a_small_tieling(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "sharpeyes",
            "demo",
            "--scale",
            "0.02",
            "--db",
            str(db),
            "--workdir",
            str(tmp_path / "city"),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    doc = json.loads(out.stdout)
    steps = {s["name"]: s for s in doc["steps"]}
    assert list(steps) == [
        "build city",
        "import registries",
        "import units",
        "import grids",
        "import police units",
        "import key places",
        "import key roads",
        "import network",
        "network check",
        "nightly health run",
        "coverage report",
        "police report",
        "coverage gaps",
        "expansion plan",
    ]
    imported = steps["import registries"]
    assert imported["accepted"] > 0.9 * steps["build city"]["cameras"]
    assert imported["refused"] > 0  # the planted bad rows are refused, with reasons
    assert imported["not_cameras"] > 0  # NVRs and groups of the catalog are told apart
    health = steps["nightly health run"]
    assert 0 < health["online_rate"] < 1 and health["degraded"] > 0
    assert doc["token"] and doc["map_url"].endswith("/map")
    assert (tmp_path / "city" / "report.xlsx").stat().st_size > 0
    assert (tmp_path / "city" / "gaps.geojson").stat().st_size > 0

    store = Store.open(f"sqlite:///{db}")
    try:
        # one record per camera: rows of the same camera in two registries were merged
        assert 0.9 * steps["build city"]["cameras"] < store.count_cameras() <= imported["accepted"]
        report = store.latest_result("report")
        assert report is not None and report["rows"]
        # the synthetic police tree: KPIs per police station
        police = store.latest_result("police_report")
        assert police is not None
        stations = [
            r for r in police["rows"] if r["level"] == "station" and r["point_class"] == "all"
        ]
        assert len(stations) == steps["import police units"]["levels"]["station"]
        assert sum(r["cameras"] for r in stations) > 0.9 * store.count_cameras()
        assert (tmp_path / "city" / "report_police.xlsx").stat().st_size > 0
        plan = store.latest_result("plan")
        assert plan is not None and plan["sites"]["features"]
        network = store.latest_result("network")
        assert network is not None and network["networked_without_path"]
        _assert_grids(store, steps)
        stream_urls = store.cameras()["stream_url"].dropna()
        assert not stream_urls.str.contains("Demo2024").any()  # credentials never in stream_url
    finally:
        store.close()


def _assert_grids(store: Store, steps: dict[str, Any]) -> None:
    """The demo city has grids under its villages (synthetic); the report's grid rows add up to
    each village's cameras; an offline camera's worklist row names its grid and whom to call."""
    from sharpeyes.jobs.worklist import build_worklist

    assert steps["import grids"]["imported"] > 3000
    assert steps["import grids"]["villages_with_grids"] == len(store.units(level="village"))
    report = store.latest_result("report")
    assert report is not None
    per_village: dict[str, int] = {}
    for row in report["grid_rows"]:
        per_village[row["parent_code"]] = per_village.get(row["parent_code"], 0) + row["cameras"]
    villages = [r for r in report["rows"] if r["level"] == "village" and r["point_class"] == "all"]
    for row in villages:
        in_grids = per_village.get(row["unit_code"], 0)
        assert in_grids + row["cameras_without_grid"] == row["cameras"]
    gaps = store.latest_result("gaps")
    assert gaps is not None and gaps["grids"]["features"]
    rows = build_worklist(store, phones=True)["rows"]
    offline = rows[(rows["verdict"] == "offline") & rows["grid_code"].notna()]
    assert len(offline) and offline["grid_workers"].str.contains("1390000").all()
