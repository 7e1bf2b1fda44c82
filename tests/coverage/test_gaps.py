from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest

from sharpeyes._errors import InputError
from sharpeyes.coverage.gaps import find_gaps, write_gaps
from sharpeyes.coverage.kpis import prepare_inputs

from .test_kpis import _places_roads


def test_gap_layers_on_the_tiny_city(
    units: gpd.GeoDataFrame, cameras: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    places, roads = _places_roads()
    inputs = prepare_inputs(cameras, units, places=places, roads=roads)
    gaps = find_gaps(inputs, units, places=places, h3_resolution=9)
    # 二村 (c2 not networked) and 四村 (c4 not networked) have no networked camera
    assert sorted(gaps.villages["code"]) == ["219901001002", "219901002002"]
    assert gaps.villages.set_index("code").loc["219901001002", "cameras"] == 1
    # the hospital (seen only by the non-networked c2) and the bank are uncovered
    assert sorted(gaps.places["place_id"]) == ["p2", "p3"]
    # r1 is 4 km, 320 m of it seen (c1 200 m, c3 120 m); r2 (4 km) is seen by nobody
    assert gaps.roads["length_m"].sum() == pytest.approx(8000 - 320, abs=2.0)
    assert set(gaps.roads["road_id"]) == {"r1", "r2"}
    assert gaps.roads.crs.to_epsg() == 4326
    cells = gaps.cells
    assert cells["cameras"].sum() == 4  # c1, c2, c3, c5 have positions
    assert (cells["coverage"] >= 0).all() and (cells["coverage"] <= 1).all()
    assert cells.loc[cells["cameras"] > 0, "coverage"].max() > 0
    summary = gaps.summary()
    assert summary["villages_without_network"] == 2 and summary["metric_crs"] == "EPSG:32651"

    paths = write_gaps(gaps, tmp_path / "gaps.geojson")
    combined = json.loads(paths[0].read_text(encoding="utf-8"))
    layers = {f["properties"]["layer"] for f in combined["features"]}
    assert layers == {"villages", "places", "roads", "cells"}
    assert (tmp_path / "gaps_villages.geojson").exists()
    with pytest.raises(InputError):
        write_gaps(gaps, tmp_path / "g.shp", fmt="shp")
    with pytest.raises(InputError):
        find_gaps(inputs, units, h3_resolution=16)
