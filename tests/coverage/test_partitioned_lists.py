"""The lists beside the partitioned report's counts, on a real LocalCluster of 2 workers (SQLite and
PostGIS): outside every unit, ID–county mismatches, no position, resolution contradictions — the
single-process lists, row for row and in the same order."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
import shapely

from sharpeyes.coverage.synthetic import synthetic_city
from sharpeyes.health.resolution import resolution_mismatches
from sharpeyes.jobs import coverage as jobs
from sharpeyes.jobs.partitioned import run_report_partitioned
from sharpeyes.jobs.report_beside import listed_records
from sharpeyes.model.columns import empty_rejects
from sharpeyes.store import Store
from sharpeyes.store.health_extra import finished_results

pytestmark = pytest.mark.dask


def _odd_city(url: str) -> Store:
    """3 counties under a city whose polygon has a strip east of them; cameras outside every unit
    (beyond the city, in a county's border strip, in the city but in no county), without a
    position (placed by village codes of every county), with IDs naming another county, and
    streams contradicting the registry."""
    city = synthetic_city(1500, counties=3, township_rows=2, n_places=60, seed=11)
    units = city.units.copy()
    units["parent_code"] = units["parent_code"].where(units["level"] != "county", "219900")
    west, y0, x1, y1 = (float(v) for v in units.total_bounds)
    whole = shapely.union_all(
        [*units.geometry.to_numpy(), shapely.box(x1 + 0.01, y0, x1 + 0.05, y1)]
    )
    top = units.iloc[:1].copy()
    top[["code", "name", "level", "parent_code"]] = ["219900", "市", "city", None]
    top["geometry"] = [whole]
    units = pd.concat([top, units], ignore_index=True).set_geometry("geometry", crs=units.crs)
    units["village_kind"] = np.where(units["level"] == "village", "village", None)
    cams = city.cameras.copy()
    cams.loc[cams["lon"] < west + 0.08, "networked"] = False  # villages without a network
    villages = units[units["level"] == "village"]["code"].tolist()
    cams["village_code"] = None
    moves = {  # row → (lon, lat): beyond the city; the border strip; in the city, no county
        5: (x1 + 1.0, y0 + 0.05),
        6: (x1 + 1.2, y0 + 0.06),
        7: (x1 + 0.0004, y0 + 0.03),
        8: (x1 + 0.03, y0 + 0.04),
        9: (x1 + 0.02, y0 + 0.02),
    }
    for row, (lon, lat) in moves.items():
        cams.loc[row, ["lon", "lat"]] = [lon, lat]
    for k, row in enumerate(range(20, 27)):  # no position: by village code, then by admin code
        cams.loc[row, ["lon", "lat"]] = [np.nan, np.nan]
        cams.loc[row, "village_code"] = villages[(k * 37) % len(villages)] if k < 5 else None
    ids = cams["device_id"].astype(str)
    wrong = ids.str.startswith("219903") & (np.arange(len(cams)) % 9 == 0)
    cams.loc[wrong, "device_id"] = "219901" + ids[wrong].str[6:]
    cams = cams.drop(columns="geometry")
    places, roads = city.places.copy(), city.roads.copy()
    extra = {  # outside every unit: the border strip, the city's strip, far away
        "P-strip": (x1 + 0.0005, y0 + 0.03),
        "P-city": (x1 + 0.02, y0 + 0.05),
        "P-far": (x1 + 1.0, y0 + 0.05),
    }
    for pid, (lon, lat) in extra.items():
        places.loc[len(places)] = [pid, pid, "school", shapely.Point(lon, lat)]
    # a short road across the border of counties 1 and 2, one beyond the city
    border = float(units[units["code"] == "219901"].total_bounds[2])
    roads.loc[len(roads)] = [
        "R-cross",
        "cross",
        "primary",
        shapely.LineString([(border - 0.004, y0 + 0.07), (border + 0.004, y0 + 0.071)]),
    ]
    roads.loc[len(roads)] = [
        "R-far",
        "far",
        "primary",
        shapely.LineString([(x1 + 1.0, y0), (x1 + 1.0, y0 + 0.06)]),
    ]
    store = Store.open(url)
    store.replace_units(units)
    store.replace_places(places)
    store.replace_roads(roads)
    store.import_cameras(cams, empty_rejects(), source="synthetic", file="synthetic")
    run = store.start_health_run("2026-11-20")
    store.add_health_results(
        run,
        [
            {
                "device_id": d,
                "verdict": "ok",
                "faults": [],
                "measures": {"stream_width_px": 1280.0, "stream_height_px": 720.0, "codec": "h264"}
                if i % 4 == 0
                else {"stream_width_px": 1920.0, "stream_height_px": 1080.0, "codec": "h265"},
            }
            for i, d in enumerate(cams["device_id"].astype(str).tolist()[::2])
        ],
    )
    store.finish_health_run(run, {})
    return store


def _frames_equal(single: pd.DataFrame, dask: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        pd.DataFrame(single).reset_index(drop=True),
        pd.DataFrame(dask).reset_index(drop=True),
        check_dtype=False,
    )


def test_the_lists_beside_the_counts_are_the_single_process_lists(
    store_url: str, client: Any
) -> None:
    store = _odd_city(store_url)
    inputs, _, _, _ = jobs._inputs(store, hd_min_lines=1080)
    single = inputs.placement
    _, health = finished_results(store)
    registry = pd.DataFrame(store.cameras().drop(columns="geometry"))
    resolution = resolution_mismatches(registry, health, hd_min_lines=1080)
    url = store.engine.url.render_as_string(hide_password=False)
    result = run_report_partitioned(url, client, area="none")
    assert result.placement == single.summary()
    _frames_equal(single.outside, result.outside)
    _frames_equal(single.mismatches, result.mismatches)
    _frames_equal(single.unplaced, result.unplaced)
    # as the report's JSON lists them (a missing name is None either way)
    assert listed_records(resolution, limit=10**6) == listed_records(
        result.resolution_mismatches, limit=10**6
    )
    # the city exercises every list: beyond every box, a border strip, the city only, every county
    summary = single.summary()
    # a city polygon places no camera: beyond the city (2), the border strip (1), the city's strip
    # (2; these 4 in no county's box: only the remainder task reads them)
    assert summary["outside_every_unit"] == 5 and summary["id_county_mismatch"] >= 10
    assert summary["unplaced_no_position"] >= 7
    assert single.unplaced["county"].nunique() == 3
    assert len(resolution) > 100
