"""The columnar import path stores exactly what the full merge stores, and skips unchanged rows."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from sharpeyes.store import Store, bulk
from sharpeyes.store.cameras import CameraQueries
from sharpeyes.store.imports import CameraImports, Split
from tests.store._frames import camera_frame, device_id


def _full_merge_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every row through the full merge (the path before the columnar one existed)."""

    def split(self: CameraImports, conn: Any, batch: bulk.Batch, empty: bool) -> Split:
        n = len(batch.frame)
        nothing = np.zeros(n, dtype=bool)
        stored = np.zeros(n, dtype=bool) if empty else ~nothing
        return Split(fresh=np.zeros(0, dtype=np.int64), skip=nothing, slow=~nothing, stored=stored)

    monkeypatch.setattr(CameraImports, "_split", split)


def _registry(n: int, *, start: int = 0, **columns: Any) -> pd.DataFrame:
    """Cameras with duplicates, non-finite floats, empty columns, extra bags and one without
    credentials: everything a column-by-column writer could get wrong."""
    frame = camera_frame(n, start=start, **columns)
    frame.loc[1, "range_m"] = np.inf
    frame.loc[2, "fov_deg"] = 75.5
    frame.loc[3, "extra"] = '{"序号": "3", "备注": "路口"}'
    frame.loc[4, "warnings"] = "coordinates (0, 0) dropped"
    frame.loc[5, ["stream_user", "stream_password"]] = None
    frame.loc[6, "name"] = ""
    frame.loc[7, "device_id"] = f"  {frame.loc[7, 'device_id']} "
    twice = frame.iloc[[8, 9]].copy()
    twice["name"] = ["second row of 8", None]
    return pd.concat([frame, twice], ignore_index=True)


def _state(store: Store) -> dict[str, Any]:
    changes = store.changes().drop(columns=["changed_at", "change_id"])
    imports = store.imports().drop(columns=["started_at", "finished_at"])
    with store.engine.connect() as conn:
        stamps = conn.execute(
            sa.text(
                "SELECT device_id, created_import_id, updated_import_id, provenance, warnings "
                "FROM cameras ORDER BY camera_id"
            )
        ).all()
    warnings = [store.import_warnings(i) for i in imports["import_id"]]
    return {
        "cameras": store.cameras(include_credentials=True),
        "changes": changes,
        "imports": imports,
        "stamps": [tuple(r) for r in stamps],
        "warnings": warnings,
    }


def _assert_same(a: dict[str, Any], b: dict[str, Any]) -> None:
    pd.testing.assert_frame_equal(a["cameras"], b["cameras"])
    pd.testing.assert_frame_equal(a["changes"], b["changes"])
    pd.testing.assert_frame_equal(a["imports"], b["imports"])
    assert a["stamps"] == b["stamps"]
    for x, y in zip(a["warnings"], b["warnings"], strict=True):
        pd.testing.assert_frame_equal(x, y)


def _rounds(store: Store) -> None:
    """Three sources in turn: a new file, an overlapping one, the first again, one edited."""
    store.import_cameras(_registry(40), None, source="a.csv", file="a.csv")
    store.import_cameras(_registry(30, start=20, status="维修"), None, source="b.csv", file="b.csv")
    store.import_cameras(_registry(40), None, source="a.csv", file="a.csv")
    edited = _registry(40)
    edited.loc[10, "address"] = "新地址"
    store.import_cameras(edited, None, source="a.csv", file="a.csv")


@pytest.mark.parametrize("stage_rows", [1, 10_000])
def test_columnar_path_stores_what_the_full_merge_stores(
    store_url: str, sqlite_url: str, monkeypatch: pytest.MonkeyPatch, stage_rows: int
) -> None:
    monkeypatch.setattr(bulk, "STAGE_ROWS", stage_rows)  # 1: through the staging file on SQLite
    fast = Store.open(store_url)
    _rounds(fast)
    got = _state(fast)
    fast.close()

    _full_merge_only(monkeypatch)
    reference = Store.open(sqlite_url.replace("sharpeyes.db", "reference.db"))
    _rounds(reference)
    _assert_same(got, _state(reference))
    assert got["imports"]["inserted"].tolist() == [40, 10, 0, 0]
    assert got["imports"]["updated"].iloc[3] == 1


def test_unchanged_file_is_not_read_back(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store.open(store_url)
    frame = _registry(50)
    first = store.import_cameras(frame, None, source="a.csv", file="a.csv")
    before = _state(store)
    read_back: list[int] = []
    real = CameraQueries.stored_rows

    def spy(self: CameraQueries, conn: Any, ids: np.ndarray) -> Any:
        read_back.append(len(ids))
        return real(self, conn, ids)

    monkeypatch.setattr(CameraQueries, "stored_rows", spy)
    again = store.import_cameras(frame, None, source="a.csv", file="a.csv")
    assert (again.inserted, again.updated, again.conflicts) == (0, 0, 0)
    assert again.unchanged == first.inserted
    assert (again.accepted, again.warned) == (first.accepted, first.warned)
    # only the two cameras named twice in the file (4 rows) are merged in full; 48 skipped by hash
    assert read_back == [4]
    after = _state(store)
    pd.testing.assert_frame_equal(after["cameras"], before["cameras"])
    pd.testing.assert_frame_equal(after["changes"], before["changes"])
    pd.testing.assert_frame_equal(after["warnings"][1], before["warnings"][0])


def test_a_camera_written_by_anyone_else_is_merged_in_full_again(
    store_url: str, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def story(store: Store) -> None:
        store.import_cameras(_registry(20), None, source="a.csv", file="a.csv")
        with store.engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE cameras SET name = 'edited by hand' WHERE device_id = :d"),
                {"d": device_id(12)},
            )
        store.import_cameras(_registry(20), None, source="a.csv", file="a.csv")

    fast = Store.open(store_url)
    story(fast)
    got = _state(fast)
    assert fast.camera(device_id(12))["name"] == "铁岭 点位 12"  # taken back by the file
    assert got["imports"]["updated"].tolist() == [0, 1]
    _full_merge_only(monkeypatch)
    reference = Store.open(sqlite_url.replace("sharpeyes.db", "reference.db"))
    story(reference)
    _assert_same(got, _state(reference))


def test_row_hash_sees_every_field() -> None:
    base = bulk.keyed_batch(camera_frame(3), source="a")
    again = bulk.keyed_batch(camera_frame(3), source="a")
    assert (base.hashes == again.hashes).all()
    assert len(set(base.hashes.tolist())) == 3
    samples = {"text": "x", "float": 1.25, "int": 7, "bool": False}
    for name in bulk.HASHED_FIELDS:
        frame = camera_frame(3)
        value = samples[bulk.KINDS[name]]
        current = frame[name].iloc[0] if name in frame.columns else None
        if not pd.isna(current) and current == value:
            value = samples["text"] + "y" if bulk.KINDS[name] == "text" else 2
        if name not in frame.columns:
            frame[name] = None
        frame[name] = frame[name].astype(object)
        frame.loc[0, name] = value
        changed = bulk.keyed_batch(frame, source="a")
        assert changed.hashes[0] != base.hashes[0], name
        assert (changed.hashes[1:] == base.hashes[1:]).all(), name
    blank = camera_frame(3)
    blank.loc[0, "address"] = ""
    missing = camera_frame(3)
    missing.loc[0, "address"] = None
    assert (
        bulk.keyed_batch(blank, source="a").hashes[0]
        != bulk.keyed_batch(missing, source="a").hashes[0]
    )
