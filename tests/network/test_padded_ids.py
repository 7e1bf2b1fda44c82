"""Two stored device IDs that differ only by surrounding spaces are one camera to the network
check, whichever path reads them: ``check_network`` on the frame keeps the first row (store order)
and reports the others as ``duplicate_camera``; ``network check`` on the store (streamed, and a
task per county on Dask) leaves the same rows out of its blocks and reports them the same way.

The store's own writers strip IDs; a store written by another tool (or by hand) need not, so the
test writes the padded IDs with SQL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from sharpeyes.jobs import network as jobs
from sharpeyes.model.columns import empty_cameras
from sharpeyes.network import check_network
from sharpeyes.store import Store
from tests.coverage.conftest import client as client  # the LocalCluster fixture
from tests.network.test_store_path import NVR, SPEC, _seeded, _sheets

LINKED = "21010200001329000005"  # a camera of test_store_path's links file


def _set_id(store: Store, camera_id: int, device_id: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE cameras SET device_id = :d WHERE camera_id = :i"),
            {"d": device_id, "i": camera_id},
        )


def _padded(url: str) -> tuple[Store, list[str]]:
    """The seeded store with four padded IDs: a later row repeating an earlier one of another
    county, an earlier padded row repeated by a later plain one, a linked camera padded, and the
    recorder two cameras name as their parent, padded, on the platform (its chain reaches it)."""
    store = _seeded(url)
    nodes, _ = store.network()
    platform = str(nodes.loc[nodes["kind"] == "platform", "node_id"].iloc[0])
    with store.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE cameras SET device_id = :d, parent_id = :p WHERE device_id = :n"),
            {"d": f" {NVR}", "p": platform, "n": NVR},
        )
    frame = store.cameras()
    ids = frame["device_id"].astype(str).tolist()
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT camera_id, device_id FROM cameras ORDER BY camera_id"))
        camera_id = {str(d): int(i) for i, d in rows}
    county = frame["admin_code"].astype("string").str[:6]
    first, other = ids[0], ids[int((county != county.iloc[0]).fillna(False).to_numpy().argmax())]
    _set_id(store, camera_id[other], f" {first} ")  # later row, other county: left out
    _set_id(store, camera_id[ids[1]], f"\t{ids[2]}  ")  # earlier padded row: kept
    _set_id(store, camera_id[LINKED], f"{LINKED} ")  # a camera the links file names, padded
    with store.engine.begin() as conn:  # and without a position (its access link is overloaded)
        conn.execute(
            sa.text("UPDATE cameras SET lon = NULL, lat = NULL WHERE camera_id = :i"),
            {"i": camera_id[LINKED]},
        )
    return store, [ids[2], first]  # the rows left out, in store order


def test_padded_ids_are_one_camera_on_both_paths(store_url: str, tmp_path: Path) -> None:
    store, repeated = _padded(store_url)
    document = jobs.check(store, out=tmp_path / "store.xlsx", fmt="xlsx")
    nodes, links = store.network()
    expected = check_network(nodes, links, store.cameras()).document()
    assert document == expected
    assert document["summary"]["cameras"] == SPEC.cameras + 8 - 2  # two rows left out
    problem = [p for p in document["problems"] if p["problem"] == "duplicate_camera"]
    assert len(problem) == 1
    assert problem[0]["value"] == repeated[0]
    assert all(d in str(problem[0]["reason"]) for d in repeated)
    assert str(problem[0]["reason"]).startswith("2 inventory row(s)")
    linked = [p for p in document["problems"] if p["problem"] == "camera_not_in_inventory"]
    assert all(LINKED not in str(p["reason"]) for p in linked)  # found, stripped, on both paths
    units = {r["unit"] for r in document["networking_rates"]}
    assert "21010" not in units  # " 210102" (a stray space) is county 210102, as in the report
    chained = check_network(nodes, links, store.cameras()).reach
    behind = chained[chained["attach"].astype(str) == NVR]
    assert len(behind) == 2 and behind["has_path"].all()  # the padded recorder's parent read


def test_padded_ids_on_dask(store_url: str, client: Any, tmp_path: Path) -> None:
    store, _ = _padded(store_url)
    one = jobs.check(store, out=tmp_path / "one.xlsx", fmt="xlsx")
    dask = jobs.check(store, out=tmp_path / "dask.xlsx", fmt="xlsx", dask_address=client)
    assert dask == one
    assert _sheets(tmp_path / "dask.xlsx") == _sheets(tmp_path / "one.xlsx")
    assert dask["summary"]["cameras"] == SPEC.cameras + 8 - 2


def test_frame_keeps_the_first_row_of_an_id() -> None:
    rows = pd.DataFrame(
        {
            "device_id": ["21010200001320000001", " 21010200001320000001 ", "21010200001320000002"],
            "point_class": [1, 2, 3],
            "networked": [True, False, True],
            "uplink": ["SW", "SW", "SW"],
        }
    )
    cameras = pd.concat([empty_cameras(), rows], ignore_index=True)
    nodes = pd.DataFrame({"node_id": ["P", "SW"], "kind": ["platform", "access"]})
    links = pd.DataFrame({"a": ["SW"], "b": ["P"], "capacity_mbps": [1000.0]})
    document = check_network(nodes, links, cameras).document()
    assert document["summary"]["cameras"] == 2
    totals = {r["point_class"]: r["cameras"] for r in document["networking_rates"]}
    assert totals.get("2", totals.get(2, 0)) == 0  # the second row (class 2) is left out
    assert document["path_but_not_networked"] == []  # its "not networked" flag is not read
    codes = [p["problem"] for p in document["problems"]]
    assert codes.count("duplicate_camera") == 1


def test_import_finds_a_padded_camera_a_link_names(sqlite_url: str, tmp_path: Path) -> None:
    store = Store.open(sqlite_url)
    rows = pd.DataFrame({"device_id": ["CAM-A"], "point_class": [1], "networked": [True]})
    cameras = pd.concat([empty_cameras(), rows], ignore_index=True).astype({"point_class": "Int64"})
    store.import_cameras(cameras, None, source="test", file=None)
    with store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE cameras SET device_id = ' CAM-A' WHERE device_id = 'CAM-A'"))
    nodes, links = tmp_path / "nodes.csv", tmp_path / "links.csv"
    nodes.write_text("node_id,kind\nP,platform\nA,access\n", encoding="utf-8")
    links.write_text("a,b,capacity_mbps\nA,P,1000\nCAM-A,A,100\n", encoding="utf-8")
    imported = jobs.import_topology(store, nodes, links)
    assert imported["links"] == 2 and "unknown_node" not in imported["problem_counts"]
    document = jobs.check(store)
    assert document["summary"]["cameras"] == 1
    assert document["summary"]["attached_by"].get("link") == 1
    assert document == check_network(*store.network(), store.cameras()).document()
