"""A first load into an empty store, staged in parts while the merge runs: the same rows as the full
merge, and a failure at any point of it leaves the store as it was (no scratch file, no thread)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from sharpeyes.store import Store, bulk, import_writes
from sharpeyes.store import imports as repo
from tests.store.test_bulk import _assert_same, _full_merge_only, _registry, _state


def _in_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small loads through the bulk path: staged (SQLite), in 4 parts, indexes rebuilt after."""
    monkeypatch.setattr(bulk, "STAGE_ROWS", 1)
    monkeypatch.setattr(bulk, "STAGE_PART_ROWS", 10)
    monkeypatch.setattr(repo, "BULK_THRESHOLD", 10)


def _indexes(store: Store) -> set[str]:
    return {ix["name"] for ix in sa.inspect(store.engine).get_indexes("cameras")}


def _stage_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("sharpeyes-stage")]


def _scratch(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The staging's scratch folders go under ``tmp_path/scratch`` (not ``/dev/shm``)."""
    root = tmp_path / "scratch"
    root.mkdir()
    monkeypatch.setattr(bulk, "_scratch_root", lambda nbytes: str(root))
    return root


def test_first_load_in_parts_stores_what_the_full_merge_stores(
    store_url: str, sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _in_parts(monkeypatch)
    scratch = _scratch(monkeypatch, tmp_path)
    real_stage, parts = bulk._stage, []

    def counted(path: Path, table: Any) -> None:
        parts.append(table.num_rows)
        real_stage(path, table)

    monkeypatch.setattr(bulk, "_stage", counted)
    fast = Store.open(store_url)
    result = fast.import_cameras(_registry(45), None, source="a.csv", file="a.csv")
    got = _state(fast)
    assert _indexes(fast) >= set(repo.s.CAMERA_INDEXES)
    fast.close()
    assert result.inserted == 45 and not list(scratch.iterdir()) and not _stage_threads()
    # SQLite: the 43 cameras named once staged in 4 parts; PostgreSQL: COPY, no staging
    assert parts == ([11, 11, 11, 10] if store_url.startswith("sqlite") else [])

    _full_merge_only(monkeypatch)
    reference = Store.open(sqlite_url.replace("sharpeyes.db", "reference.db"))
    reference.import_cameras(_registry(45), None, source="a.csv", file="a.csv")
    _assert_same(got, _state(reference))
    # every camera but the one named twice was created from its file row, in file order
    assert (
        got["cameras"]["device_id"].iloc[:3].tolist()
        == _registry(45)["device_id"].iloc[:3].str.strip().tolist()
    )


@pytest.mark.parametrize("empty", [True, False])
def test_failure_while_staging_leaves_the_store_as_it_was(
    store_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, empty: bool
) -> None:
    _in_parts(monkeypatch)
    scratch = _scratch(monkeypatch, tmp_path)
    store = Store.open(store_url)
    if not empty:
        store.import_cameras(_registry(12, start=100), None, source="a", file="a")
    before = store.cameras(include_credentials=True)
    indexes = _indexes(store)

    def fail(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk on fire")

    # the merge fails while the new cameras are being staged
    monkeypatch.setattr(import_writes, "write_known", fail)
    with pytest.raises(RuntimeError, match="disk on fire"):
        store.import_cameras(_registry(45), None, source="b", file="b")
    pd.testing.assert_frame_equal(store.cameras(include_credentials=True), before)
    assert len(store.imports()) == (0 if empty else 1)
    assert _indexes(store) == indexes
    assert not list(scratch.iterdir()) and not _stage_threads()


def test_failure_in_a_later_part_leaves_the_store_as_it_was(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _in_parts(monkeypatch)
    scratch = _scratch(monkeypatch, tmp_path)
    store = Store.open(sqlite_url)
    real_stage = bulk._stage
    staged: list[Path] = []

    def stage_then_fail(path: Path, table: Any) -> None:
        if staged:  # the first part went in; the second is never staged
            raise RuntimeError("scratch disk full")
        staged.append(path)
        real_stage(path, table)

    monkeypatch.setattr(bulk, "_stage", stage_then_fail)
    with pytest.raises(RuntimeError, match="scratch disk full"):
        store.import_cameras(_registry(45), None, source="b", file="b")
    assert staged and len(store.cameras()) == 0 and len(store.imports()) == 0
    assert _indexes(store) >= set(repo.s.CAMERA_INDEXES)
    assert not list(scratch.iterdir()) and not _stage_threads()
    # and the store takes the same import afterwards
    monkeypatch.setattr(bulk, "_stage", real_stage)
    assert store.import_cameras(_registry(45), None, source="b", file="b").inserted == 45


def test_a_long_load_in_one_transaction_stays_within_sqlites_attach_limit(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # the synthetic province loads county after county in ONE transaction: 15 staged blocks of
    # 4 parts each would ATTACH 60 scratch files, past SQLite's limit of 10
    from sharpeyes.store.loads import load_cameras
    from tests.store._frames import camera_frame

    _in_parts(monkeypatch)
    _scratch(monkeypatch, tmp_path)
    store = Store.open(sqlite_url)
    blocks = [camera_frame(40, start=40 * k) for k in range(15)]
    assert load_cameras(store.db, blocks) == 600
    ids = set(store.cameras()["device_id"])
    assert ids == {d for b in blocks for d in b["device_id"]}
    assert not _stage_threads()
