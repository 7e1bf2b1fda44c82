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


def _slow_square(x: int, *, wait_s: float) -> int:
    import time

    time.sleep(wait_s * x)
    return x * x


def test_results_come_in_task_order_whatever_order_they_finish(client: Any) -> None:
    from sharpeyes.jobs.dask_gather import gather_in_order

    arrived: list[int] = []
    in_memory: list[int] = []  # results the cluster holds as each one arrives

    def arrive(i: int, _: Any) -> None:
        arrived.append(i)
        in_memory.append(
            client.run_on_scheduler(
                lambda dask_scheduler: sum(
                    t.state == "memory" for t in dask_scheduler.tasks.values()
                )
            )
        )

    tasks = [4, 3, 2, 1, 0]  # the first task is the slowest: they finish in reverse
    results = gather_in_order(client, _slow_square, tasks, wait_s=0.4, on_result=arrive)
    assert results == [16, 9, 4, 1, 0]
    assert arrived != sorted(arrived) and sorted(arrived) == [0, 1, 2, 3, 4]
    assert max(in_memory) < len(tasks)  # never every result at once, as one gather at the end
    # every result was fetched and released as it came: the cluster forgets them (the last
    # release reaches the scheduler a moment later)
    import time

    for _ in range(100):
        held = client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))
        if held == 0:
            break
        time.sleep(0.1)
    assert held == 0


def test_the_rest_reads_near_no_zone_not_along_the_counties_borders() -> None:
    from sharpeyes.jobs.partitioned_gaps import eroded_boxes

    # two counties side by side and one above the first (an L): shrunk by 0.1 degree
    boxes = eroded_boxes([(0.0, 0.0, 1.0, 1.0), (1.0, 0.0, 2.0, 1.0), (0.0, 1.0, 1.0, 2.0)], 0.1)

    def inside(x: float, y: float) -> bool:
        return any(a <= x <= c and b <= y <= d for a, b, c, d in boxes)

    assert inside(1.0, 0.5) and inside(0.5, 1.0)  # the borders between counties: not read
    assert inside(0.85, 1.5) and inside(1.5, 0.85)  # near the L's inner corner, but 0.1 away
    for x, y in [(0.05, 0.5), (1.95, 0.5), (1.05, 1.05), (0.95, 1.95), (1.5, 0.95)]:
        assert not inside(x, y), (x, y)  # within 0.1 of no zone: read
    assert eroded_boxes([(0.0, 0.0, 1.0, 1.0)], 0.6) == []  # nothing left: every camera is read


def test_a_long_road_reads_its_corridor_not_its_extent() -> None:
    import geopandas as gpd
    import numpy as np
    import shapely

    from sharpeyes.jobs.partitioned_gaps import corridor_boxes

    road = shapely.LineString([(0.0, 0.0), (3.0, 2.0), (4.0, 2.0)])
    boxes = corridor_boxes(gpd.GeoDataFrame(geometry=[road], crs="EPSG:4326"), 0.01, 0.05)
    rng = np.random.default_rng(0)
    points = shapely.points(rng.uniform(-0.1, 4.1, 20_000), rng.uniform(-0.1, 2.1, 20_000))
    near = points[shapely.distance(points, road) <= 0.01]
    assert len(near) > 20
    tree = shapely.STRtree([shapely.box(*b) for b in boxes])
    hit = tree.query(near, predicate="intersects")[0]
    assert set(hit) == set(range(len(near)))  # every point within reach is in some box
    area = sum((c - a) * (d - b) for a, b, c, d in boxes)
    assert area < 0.1 * 4.0 * 2.0  # a small part of the road's extent (8 square degrees)


def test_the_rest_is_split_one_task_per_long_road(store_url: str) -> None:
    from sharpeyes.jobs.partitioned import ReportOptions, partition_plan
    from sharpeyes.jobs.partitioned_gaps import gap_tasks

    store = _odd_city(store_url)
    plan, _ = partition_plan(store, ReportOptions())
    assert plan is not None
    tasks = gap_tasks(store, store_url, plan, h3_resolution=9, hd_min_lines=1080)
    rest = [t for t in tasks if not t.county]
    assert [t.county for t in tasks[: len(plan.counties)]] == plan.counties
    assert rest[0].cells and rest[0].roads == ()  # cells and places of no zone
    assert all(len(t.roads) == 1 and not t.cells and t.places == () for t in rest[1:])
    assert "R-far" in {r for t in rest[1:] for r in t.roads}
    store.close()
