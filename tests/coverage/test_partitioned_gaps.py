"""``gaps --dask``: per-county tasks on a real LocalCluster of 2 workers (SQLite and PostGIS), each
reading its county from the store, reduced to the gaps document one process writes — the same
items in the same order, the same totals to the last digit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sharpeyes.jobs import coverage as jobs
from sharpeyes.jobs.partitioned_gaps import run_gaps_partitioned
from tests.coverage.test_partitioned_lists import _odd_city

pytestmark = pytest.mark.dask


def test_county_tasks_give_the_single_process_gaps(store_url: str, client: Any) -> None:
    store = _odd_city(store_url)
    single, _ = jobs.compute_gaps(store, h3_resolution=9)
    url = store.engine.url.render_as_string(hide_password=False)
    dask = run_gaps_partitioned(url, client, h3_resolution=9)
    assert dask.summary() == single.summary()
    one, many = single.to_feature_collections(), dask.to_feature_collections()
    assert one.keys() == many.keys()
    for layer in one:
        assert many[layer] == one[layer], layer  # every item, property and coordinate
    summary = single.summary()
    assert summary["villages_without_network"] > 0 and summary["uncovered_places"] > 3
    assert summary["uncovered_road_segments"] > 10 and summary["cells"] > 300
    ids = {f["properties"]["place_id"] for f in one["places"]["features"]}
    # outside every unit: P-strip (the east county's zone) is seen by the camera in the border
    # strip, P-city and P-far (in no zone: the rest's task) by none
    assert {"P-city", "P-far"} <= ids and "P-strip" not in ids
    roads = {f["properties"]["road_id"] for f in one["roads"]["features"]}
    assert {"R-cross", "R-far"} <= roads


def test_gaps_cli_with_dask_prints_one_json_document(tmp_path: Path) -> None:
    db = tmp_path / "city.db"
    _odd_city(str(db)).close()
    runs = {}
    for name, extra in (("single", []), ("dask", ["--dask", "local:2"])):
        out = tmp_path / name / "gaps.geojson"
        cmd = [sys.executable, "-m", "sharpeyes", "gaps", "-o", str(out), "--db", str(db)]
        done = subprocess.run(
            [*cmd, "--json", *extra],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        runs[name] = (json.loads(done.stdout), out.read_text(encoding="utf-8"))
    (single, single_file), (dask, dask_file) = runs["single"], runs["dask"]
    assert dask_file == single_file
    assert {k: v for k, v in dask.items() if k not in ("files", "result_id")} == {
        k: v for k, v in single.items() if k not in ("files", "result_id")
    }
    assert "one process" not in str(dask)
