"""Grid figures on the tiny city: grids nested in its villages, by polygon and as a code list."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from sharpeyes.coverage.grids import (
    assign_grids,
    grid_coverage_by_unit,
    grid_kpis,
    uncovered_grids,
)
from sharpeyes.coverage.kpis import kpis_by_unit, prepare_inputs
from tests.coverage.conftest import METRIC, box


def tiny_grids() -> gpd.GeoDataFrame:
    """一村 in two polygons (G1 south, G2 north), 二村 one polygon (G3); 三村 and 四村 as a code list."""
    rows = [
        ("G1", "一村一网格", "219901001001", box(0, 0, 1000, 1500)),
        ("G2", "一村二网格", "219901001001", box(0, 1500, 1000, 2000)),
        ("G3", "二村网格", "219901001002", box(1000, 0, 2000, 2000)),
        ("SC-1", "三村一网格", "219901002001", None),
        ("SC-2", "三村二网格", "219901002001", None),
        ("SI-1", "四村网格", "219901002002", None),
    ]
    frame = gpd.GeoDataFrame(
        {
            "code": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "parent_code": [r[2] for r in rows],
            "population": np.nan,
        },
        geometry=gpd.GeoSeries([r[3] for r in rows], crs=METRIC),
        crs=METRIC,
    )
    return frame.to_crs("EPSG:4326")


@pytest.fixture
def setup(cameras: gpd.GeoDataFrame, units: gpd.GeoDataFrame):  # type: ignore[no-untyped-def]
    cameras = cameras.assign(grid_code=pd.array([None, "G1", "SC-2", None, None], dtype="string"))
    grids = tiny_grids()
    inputs = prepare_inputs(cameras, units)
    villages = np.asarray(inputs.cameras["village"], dtype=object)
    grid_of = assign_grids(
        cameras, grids, villages=villages, known_villages=units["code"][units["level"] == "village"]
    )
    return cameras, units, grids, inputs, grid_of


def test_cameras_go_to_grids_of_their_village_by_polygon_then_by_code(setup) -> None:  # type: ignore[no-untyped-def]
    _, _, _, _, grid_of = setup
    # c1 inside G1; c2 inside G3 (its own code G1 names a grid of another village: position wins);
    # c3 by its code (三村 has no grid polygons); c4 has no grid code; c5 is outside every unit
    assert list(grid_of) == ["G1", "G3", "SC-2", None, None]


def test_a_code_naming_another_villages_grid_is_not_used(units: gpd.GeoDataFrame) -> None:
    cams = pd.DataFrame({"device_id": ["x"], "lon": [np.nan], "lat": [np.nan], "grid_code": ["G1"]})
    grids = tiny_grids()
    assert assign_grids(cams, grids, villages=np.array(["219901001002"], dtype=object))[0] is None
    assert assign_grids(cams, grids, villages=np.array(["219901001001"], dtype=object))[0] == "G1"


def test_grid_cameras_add_up_to_their_village(setup) -> None:  # type: ignore[no-untyped-def]
    _, units, grids, inputs, grid_of = setup
    rows = grid_kpis(inputs, grids, grid_of)
    village = kpis_by_unit(None, units, inputs=inputs)  # type: ignore[arg-type]
    per = grid_coverage_by_unit(rows, inputs.units, inputs.cameras, grid_of)
    allv = village[(village["level"] == "village") & (village["point_class"] == "all")]
    by_grid = rows[rows["point_class"] == "all"].groupby("parent_code")["cameras"].sum()
    lost = per[per["point_class"] == "all"].set_index("unit_code")["cameras_without_grid"]
    for rec in allv.itertuples():
        assert by_grid.get(rec.unit_code, 0) + lost.get(rec.unit_code, 0) == rec.cameras
    assert lost.get("219901002002") == 1  # c4: in 四村 by its village code, no grid code


def test_grid_kpis_and_covered_flags(setup) -> None:  # type: ignore[no-untyped-def]
    _, units, grids, inputs, grid_of = setup
    rows = grid_kpis(inputs, grids, grid_of)
    allc = rows[rows["point_class"] == "all"].set_index("unit_code")
    assert set(allc.index) == {"G1", "G2", "G3", "SC-1", "SC-2", "SI-1"}
    assert (allc["level"] == "grid").all()
    covered = allc["covered"].to_dict()
    assert covered == {
        "G1": True,
        "G2": False,
        "G3": False,
        "SC-1": False,
        "SC-2": True,
        "SI-1": False,
    }
    assert allc.loc["G3", "networking_rate"] == 0.0
    assert allc.loc["G1", "networking_rate"] == 1.0
    assert np.isnan(allc.loc["G2", "networking_rate"])  # no cameras: no rate
    # c1's whole field of view lies in G1: G1's covered area is 一村's
    village = kpis_by_unit(None, units, inputs=inputs)  # type: ignore[arg-type]
    v1 = village[(village["unit_code"] == "219901001001") & (village["point_class"] == "all")]
    g1_covered = allc.loc["G1", "area_coverage"] * allc.loc["G1", "area_km2"]
    v1_covered = float(v1["area_coverage"].iloc[0] * v1["area_km2"].iloc[0])
    assert g1_covered == pytest.approx(v1_covered, rel=1e-6)
    assert np.isnan(allc.loc["SC-1", "area_coverage"])  # a code-list grid has no area


def test_share_of_grids_covered_per_unit_and_gaps(setup) -> None:  # type: ignore[no-untyped-def]
    _, _, grids, inputs, grid_of = setup
    rows = grid_kpis(inputs, grids, grid_of)
    per = grid_coverage_by_unit(rows, inputs.units, inputs.cameras, grid_of)
    allc = per[per["point_class"] == "all"].set_index("unit_code")
    assert allc.loc["219901001001", "grid_coverage"] == 0.5
    assert allc.loc["219901", "grids"] == 6
    assert allc.loc["219901", "grids_covered"] == 2
    gaps = uncovered_grids(rows, grids)
    assert sorted(gaps["code"]) == ["G2", "G3", "SC-1", "SI-1"]
    assert gaps.set_index("code").loc["G3", "cameras"] == 1
    assert gaps.crs.to_epsg() == 4326
