"""Per-county tasks on a real LocalCluster of 2 workers, each reading its county from the store
(SQLite + Parquet per county, PostGIS by SQL): the same KPIs as one process, to the last digit."""

from __future__ import annotations

import contextlib
import json
import pickle
import subprocess
import sys
import urllib.parse
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sharpeyes.coverage.kpis import kpis_by_unit
from sharpeyes.coverage.synthetic import synthetic_city
from sharpeyes.jobs import coverage as jobs
from sharpeyes.jobs.partitioned import (
    ReportOptions,
    county_tasks,
    partition_plan,
    run_report_partitioned,
)
from sharpeyes.jobs.task_url import task_store_url
from sharpeyes.model.columns import empty_rejects
from sharpeyes.store import Store

pytestmark = pytest.mark.dask


def _city_store(url: str) -> Store:
    """A synthetic city of 3 counties (one camera without a position), places, roads and a
    finished health run over part of the cameras."""
    city = synthetic_city(2400, counties=3, township_rows=2, n_places=150, seed=7)
    store = Store.open(url)
    store.replace_units(city.units)
    store.replace_places(city.places)
    store.replace_roads(city.roads)
    store.import_cameras(city.cameras, empty_rejects(), source="synthetic", file="synthetic")
    run = store.start_health_run("2026-11-20")
    ids = city.cameras["device_id"].astype(str).tolist()
    verdicts = ["ok", "degraded", "offline"]
    store.add_health_results(
        run,
        [
            {"device_id": d, "verdict": verdicts[i % 3], "faults": ["blur"] if i % 7 == 0 else []}
            for i, d in enumerate(ids[::3])
        ],
    )
    store.finish_health_run(run, {})
    return store


def _single(store: Store, area: str) -> tuple[pd.DataFrame, dict[str, int]]:
    inputs, units, _, _ = jobs._inputs(store, hd_min_lines=1080)
    return kpis_by_unit(None, units, inputs=inputs, area=area), inputs.placement.summary()  # type: ignore[arg-type]


@pytest.mark.parametrize("area", ["exact", "fast"])
def test_county_tasks_give_the_single_process_figures(
    store_url: str, client: Any, area: str
) -> None:
    store = _city_store(store_url)
    single, placement = _single(store, area)
    url = store.engine.url.render_as_string(hide_password=False)
    result = run_report_partitioned(url, client, area=area)
    pd.testing.assert_frame_equal(single, result.kpis)  # every float to the last digit
    assert result.placement == placement
    assert single["cameras"].sum() > 0 and single["online_rate"].notna().any()
    assert single["road_coverage"].notna().any() and single["place_coverage"].notna().any()
    # no task read the province: each read about its own county (plus a border strip)
    assert len(result.tasks) == 3
    assert result.tasks["cameras_read"].max() < 0.5 * placement["cameras"]
    if store_url.startswith("sqlite"):
        cache = Path(f"{store.engine.url.database}.cache") / "partitions"
        assert len(list(cache.glob("*/*.parquet"))) == 3
        again = run_report_partitioned(url, client, area=area)  # from the Parquet files
        pd.testing.assert_frame_equal(single, again.kpis)


def test_a_task_receives_a_county_code_and_the_store_url(store_url: str) -> None:
    store = _city_store(store_url)
    url = store.engine.url.render_as_string(hide_password=False)
    options = ReportOptions()
    plan, why = partition_plan(store, options)
    assert plan is not None, why
    with task_store_url(url) as carried:
        tasks = county_tasks(carried, plan, options)
        assert [t.county for t in tasks] == ["219901", "219902", "219903"]
        inventory = len(pickle.dumps(store.cameras()))
        for task in tasks:
            assert len(pickle.dumps(task)) < 2_000 < inventory / 100
            fields = vars(task)
            assert not any(isinstance(v, (pd.DataFrame, pd.Series)) for v in fields.values())
            # the password never shows in a task's repr (Dask logs reprs) nor in its pickle
            assert "sharpeyes:sharpeyes@" not in repr(task)
            assert b":sharpeyes@" not in pickle.dumps(task)
            with contextlib.closing(Store.open(task.store_url)) as opened:  # as a worker opens it
                assert opened.count_cameras() == store.count_cameras()
        if "@" in url:  # PostGIS: the URL names a passfile, removed with the run
            assert carried != url and "passfile=" in carried
    if "@" in url:
        passfile = carried.split("passfile=", 1)[1]
        assert not Path(urllib.parse.unquote(passfile)).exists()


def test_report_cli_with_dask_prints_one_json_document(tmp_path: Path) -> None:
    db = tmp_path / "city.db"
    _city_store(str(db)).close()
    runs = {}
    for name, extra in (("single", []), ("dask", ["--dask", "local:2"])):
        out = tmp_path / f"{name}.json"
        cmd = [sys.executable, "-m", "sharpeyes", "report", "-o", str(out), "--db", str(db)]
        done = subprocess.run(
            [*cmd, "--format", "json", "--json", *extra],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        runs[name] = (json.loads(done.stdout), json.loads(out.read_text(encoding="utf-8")))
    (single, single_file), (dask, dask_file) = runs["single"], runs["dask"]
    assert dask["dask"]["counties"] == 3 and "dask" not in single
    assert dask["cameras"] == single["cameras"] and dask["top"] == single["top"]
    assert dask_file["rows"] == single_file["rows"]


def test_gaps_and_network_check_accept_dask(tmp_path: Path) -> None:
    db = tmp_path / "city.db"
    _city_store(str(db)).close()
    cmd = [sys.executable, "-m", "sharpeyes", "gaps", "-o", str(tmp_path / "gaps.geojson")]
    done = subprocess.run(
        [*cmd, "--db", str(db), "--json", "--dask", "local:1"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["villages_without_network"] >= 0
    assert "one process" not in done.stderr  # gaps are split by county now (test_partitioned_gaps)
