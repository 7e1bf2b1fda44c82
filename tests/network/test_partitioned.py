"""`network check --dask`: a task per county reads its county's cameras from the store and reduces
them per switch; the client adds the parts. The report — JSON, Excel, every list of cameras — is
the single-process one to the value, on SQLite and PostGIS, on a LocalCluster of 2 workers.

The inventory is ``test_store_path``'s: the synthetic province plus cameras for every attachment
rule (parent chains, an unknown uplink, access links, a dual-homed camera, a topology camera the
inventory lacks, codecs, a county only in the device ID, no flag).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from sharpeyes.jobs import network as jobs
from sharpeyes.jobs.partitioned_network import county_slices
from sharpeyes.network import check_network
from sharpeyes.store.network_reads import CameraSlice, camera_blocks
from tests.coverage.conftest import client as client  # the LocalCluster fixture
from tests.network.test_store_path import SPEC, _seeded, _sheets


def test_dask_check_equals_one_process(store_url: str, client: Any, tmp_path: Path) -> None:
    store = _seeded(store_url)
    one = jobs.check(store, out=tmp_path / "one.xlsx", fmt="xlsx")
    dask = jobs.check(store, out=tmp_path / "dask.xlsx", fmt="xlsx", dask_address=client)
    assert dask == one
    assert _sheets(tmp_path / "dask.xlsx") == _sheets(tmp_path / "one.xlsx")
    nodes, links = store.network()
    assert dask == check_network(nodes, links, store.cameras()).document()

    summary = dask["summary"]
    assert summary["cameras"] == SPEC.cameras + 8
    assert set(summary["attached_by"]) == {"link", "uplink", "parent_id", "none"}
    assert dask["networked_without_path"]  # the unknown uplink and the chain to nowhere
    assert dask["path_but_not_networked"]
    problems = {p["problem"] for p in dask["problems"]}
    assert {"camera_uplink_unknown", "camera_not_in_inventory", "camera_multi_homed"} <= problems


def test_county_slices_take_every_camera_once(store_url: str) -> None:
    store = _seeded(store_url)
    slices = county_slices(store)
    assert len(slices) == SPEC.counties + 1  # a task per county, then the cameras of none
    taken = [
        np.concatenate([b["camera_id"].to_numpy() for b in camera_blocks(store.db, s)] or [[]])
        for s in slices
    ]
    every = np.concatenate([b["camera_id"].to_numpy() for b in camera_blocks(store.db)])
    assert len(every) == SPEC.cameras + 10
    assert sorted(np.concatenate(taken).tolist()) == sorted(every.tolist())
    admin = store.cameras()["admin_code"].astype("string")
    for part, ids in zip(slices[:-1], taken[:-1], strict=True):
        assert len(ids) > 0
        assert part.county is not None
        assert len(ids) == int(admin.str.startswith(part.county).fillna(False).sum())
    rest = taken[-1]
    assert len(rest) >= 5  # no admin code, a short one, a stray space, the recorder and platform
    with_parent = CameraSlice(with_parent=True)
    parents = sum(len(b) for b in camera_blocks(store.db, with_parent))
    assert parents == int(store.cameras()["parent_id"].notna().sum())
