"""The gaps' shortcuts (``sharpeyes.coverage.gaps``, ``gaps_cells``) against the plain computation:
a road's sectors found from its short pieces are those meeting the whole road; the sectors built
only near the cells and places change no layer."""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from sharpeyes.coverage.counts import camera_sectors
from sharpeyes.coverage.fov import sector_polygons
from sharpeyes.coverage.gaps import _meeting, _needed_sectors, find_gaps
from sharpeyes.coverage.gaps_cells import cell_frame, cell_table, near_box
from sharpeyes.coverage.kpis import prepare_inputs

from .test_kpis import _places_roads


def test_a_roads_sectors_from_its_pieces_are_those_meeting_it() -> None:
    rng = np.random.default_rng(11)
    n = 3000
    x, y = rng.uniform(0, 20_000, n), rng.uniform(0, 20_000, n)
    sectors = sector_polygons(
        x, y, rng.uniform(0, 360, n), rng.choice([60.0, 90.0, 360.0], n), rng.uniform(20, 150, n)
    )
    # long diagonal roads (their boxes hold most sectors), a bent one and a two-part one
    roads = np.array(
        [
            shapely.LineString([(0, 0), (20_000, 20_000)]),
            shapely.LineString([(0, 20_000), (10_000, 9_000), (20_000, 19_000)]),
            shapely.MultiLineString(
                [[(500, 500), (9_000, 1_000)], [(12_000, 3_000), (19_000, 300)]]
            ),
            shapely.LineString([(30_000, 30_000), (31_000, 31_000)]),  # far from every sector
        ],
        dtype=object,
    )
    tree = shapely.STRtree(sectors)
    want_r, want_s = tree.query(roads, predicate="intersects")
    got_r, got_s = _meeting(tree, sectors, roads.copy())
    want = sorted(zip(want_r.tolist(), want_s.tolist(), strict=True))
    assert len(want) > 50
    assert sorted(zip(got_r.tolist(), got_s.tolist(), strict=True)) == want


def test_near_box_holds_every_sector_meeting_the_box() -> None:
    rng = np.random.default_rng(4)
    n = 2000
    cams = pd.DataFrame(
        {
            "x": rng.uniform(-500, 1500, n),
            "y": rng.uniform(-500, 1500, n),
            "heading_deg": rng.uniform(0, 360, n),
            "fov_deg": rng.choice([30.0, 90.0, 360.0], n),
            "range_m": rng.uniform(10, 200, n),
        }
    )
    box = np.array([0.0, 0.0, 1000.0, 1000.0])
    sectors = sector_polygons(*(cams[c].to_numpy() for c in cams.columns))
    meets = shapely.intersects(sectors, shapely.box(*box))
    near = near_box(cams, box)
    assert meets.sum() > 100 and (~near).sum() > 100  # both kinds present
    assert not (meets & ~near).any()


def test_far_cameras_change_no_cell(units: gpd.GeoDataFrame, cameras: gpd.GeoDataFrame) -> None:
    """Cameras far from every cell measured (a county task's outer band), and from the places and
    roads, get no sector: the cells read what they read with every camera's sector built."""
    places, roads = _places_roads()
    full = prepare_inputs(cameras, units, places=places, roads=roads)
    inputs = replace(full, places=full.places.iloc[0:0], roads=full.roads.iloc[0:0])
    every = find_gaps(inputs, units, h3_resolution=10).cells
    for cell in every.loc[every["cameras"] > 0, "h3"]:

        def keep(cells: np.ndarray, cell: str = cell) -> np.ndarray:
            return np.asarray(cells == cell)

        table = cell_table(inputs, 10, keep)
        built = _needed_sectors(inputs, table)
        assert (built == None).any()  # noqa: E711 - some camera got no sector
        got = find_gaps(inputs, units, h3_resolution=10, keep_cells=keep).cells
        want = cell_frame(table, camera_sectors(inputs.cameras))
        assert len(got) == 1
        pd.testing.assert_frame_equal(pd.DataFrame(got), pd.DataFrame(want))
        assert got["coverage"].iloc[0] == every.set_index("h3").loc[cell, "coverage"]
