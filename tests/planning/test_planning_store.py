"""The store-based plan: job and CLI on a small synthetic city (SQLite and PostGIS)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sharpeyes.coverage.synthetic import synthetic_city
from sharpeyes.jobs.planning import plan
from sharpeyes.model.columns import empty_rejects
from sharpeyes.store import Store


def _city_store(url: str) -> Store:
    city = synthetic_city(400, counties=1, township_rows=1, township_cols_per_county=1, n_places=30)
    store = Store.open(url)
    store.replace_units(city.units)
    store.replace_places(city.places)
    store.replace_roads(city.roads)
    store.import_cameras(city.cameras, empty_rejects(), source="synthetic", file="synthetic")
    return store


def test_plan_job_on_store(store_url: str, tmp_path: Path) -> None:
    store = _city_store(store_url)
    doc = plan(store, tmp_path / "plan.geojson", budget=5)
    assert len(doc["selected"]) == 5
    gains = [f["properties"]["marginal_gain"] for f in doc["sites"]["features"]]
    assert gains == sorted(gains, reverse=True) and gains[-1] > 0
    # the plan never makes today's figures worse, and improves the weighted coverage
    for key, value in doc["before"].items():
        if key.endswith("coverage") and value is not None:
            assert doc["after"][key] >= value
    assert doc["after"]["weighted_coverage"] > doc["before"]["weighted_coverage"]
    assert doc["curve"][0]["covered_weight"] == pytest.approx(
        doc["before"]["weighted_coverage"] * doc["total_weight"]
    )
    saved = store.latest_result("plan")
    assert saved is not None and saved["selected"] == doc["selected"]
    assert saved["sites"]["type"] == "FeatureCollection"
    lon, lat = saved["sites"]["features"][0]["geometry"]["coordinates"]
    assert 123 < lon < 124 and 41.9 < lat < 42.5  # WGS-84 degrees
    assert (tmp_path / "plan_curve.png").exists()


def test_plan_cli_on_store_with_unit_and_candidate_file(tmp_path: Path) -> None:
    db = tmp_path / "city.db"
    store = _city_store(f"sqlite:///{db}")
    units = store.units()
    township = units[units["level"] == "township"]["code"].iloc[0]
    village = units[units["level"] == "village"].iloc[0]
    p = village.geometry.representative_point()
    cands = tmp_path / "cands.csv"
    cands.write_text(
        f"id,lon,lat,camera_type\nin1,{p.x},{p.y},1\nin2,{p.x + 0.002},{p.y},1\nfar,100.0,30.0,1\n",
        encoding="utf-8",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "sharpeyes", "plan", "--db", str(db), "--budget", "2",
         "--unit", str(township), "--candidates", str(cands), "-o", str(tmp_path / "p.xlsx"),
         "--json"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert set(doc["selected"]) <= {"in1", "in2"}
    assert any("outside every unit" in n and "far" in n for n in doc["notes"])
    assert (tmp_path / "p.xlsx").exists()
