"""The reads a county task starts with: the unit table a worker keeps between tasks is read again as
soon as the store's units change (a units import), and no caller changes the kept one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import sqlalchemy as sa

from sharpeyes.jobs.county_reads import cameras_without_position, unit_hierarchy
from sharpeyes.store import Store
from sharpeyes.store import partitions as reads
from sharpeyes.store.edits import edit_camera
from tests.coverage.conftest import tiny_cameras, tiny_units


def test_a_units_import_is_seen_by_the_next_task(store_url: str) -> None:
    with Store.open(store_url) as store:
        store.replace_units(tiny_units())
        units, anc = unit_hierarchy(store)
        assert units["name"].tolist()[0] == "县"
        assert anc.set_index("code").loc["219901001002", "county"] == "219901"
        renamed = tiny_units()
        renamed.loc[0, "name"] = "新县"
        store.replace_units(renamed)
        again, _ = unit_hierarchy(store)
        assert again["name"].tolist()[0] == "新县"
        again.loc[0, "name"] = "changed by a caller"
        assert unit_hierarchy(store)[0]["name"].tolist()[0] == "新县"  # callers get copies


def _awkward_store(store: Store) -> tuple[float, float, float, float]:
    """The tiny inventory with text a CSV reader could misread (empty, ``NULL``, ``NaN``, quotes,
    commas, a line break), a camera on the box's edge and one a float's step outside it, and rows
    rewritten out of ``camera_id`` order (an UPDATE moves a PostgreSQL row to the heap's end)."""
    store.replace_units(tiny_units())
    store.import_cameras(tiny_cameras(), None, source="test", file="cams.csv")
    lon = tiny_cameras()["lon"].to_numpy()
    lat = tiny_cameras()["lat"].to_numpy()
    x0, y0, x1, y1 = float(lon[0]), float(lat[0]) - 0.01, float(lon[2]), float(lat[0]) + 0.01
    ids = tiny_cameras()["device_id"].tolist()
    with store.engine.begin() as conn:
        update = sa.text(
            "UPDATE cameras SET name = :name, address = '', contact = :contact, extra = 'NaN',"
            " is_hd = NULL, lon = :x WHERE device_id = :d"
        )  # lon is indexed: the row's new version is written after the others
        conn.execute(update, {"name": "NULL", "contact": 'a,"b"\nc', "x": x0 + 1e-9, "d": ids[0]})
        outside = float(np.nextafter(x1, np.inf))
        move = sa.text("UPDATE cameras SET lon = :x, lat = :y WHERE device_id = :d")
        conn.execute(move, {"x": outside, "y": y1, "d": ids[4]})
    return x0, y0, x1, y1


def test_a_county_read_gives_the_frame_of_the_store_s_box_filter(store_url: str) -> None:
    with Store.open(store_url) as store:
        box = _awkward_store(store)
        read = reads.cameras_in_box(store, box)
        expected = store.cameras(bbox=box)
        assert read["device_id"].tolist() == tiny_cameras()["device_id"].tolist()[:3]
        assert read.loc[0, "name"] == "NULL" and read.loc[0, "address"] == ""
        assert read.loc[0, "contact"] == 'a,"b"\nc' and read.loc[0, "extra"] == "NaN"
        pd.testing.assert_frame_equal(
            pd.DataFrame(read.drop(columns="geometry")),
            pd.DataFrame(expected.drop(columns="geometry")),
        )
        assert read.crs == expected.crs
        assert read.geometry.geom_equals_exact(expected.geometry, 0).all()
        empty = reads.cameras_in_box(store, (0.0, 0.0, 0.001, 0.001))
        pd.testing.assert_frame_equal(
            pd.DataFrame(empty.drop(columns="geometry")),
            pd.DataFrame(store.cameras(bbox=(0.0, 0.0, 0.001, 0.001)).drop(columns="geometry")),
        )


def test_a_camera_losing_its_position_is_seen_by_the_next_task(store_url: str) -> None:
    with Store.open(store_url) as store:
        store.replace_units(tiny_units())
        store.import_cameras(tiny_cameras(), None, source="test", file="cams.csv")
        assert cameras_without_position(store)["device_id"].tolist() == ["21990100001320000004"]
        # an import never blanks a value: an edit does
        edit_camera(store, "21990100001320000001", {"lon": None, "lat": None}, who="test")
        seen = cameras_without_position(store)["device_id"].tolist()
        assert seen == ["21990100001320000001", "21990100001320000004"]
