"""An import given in parts (each part's new cameras written while the next is read) stores exactly
what the import of the whole frame stores, re-imports as a no-op, and a failure in any part leaves
the store as it was (no camera, no import, the indexes back, no scratch file, no thread)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from sharpeyes._errors import InputError
from sharpeyes.store import Store, bulk
from sharpeyes.store import schema as s
from sharpeyes.store.part_writes import import_camera_parts
from tests.store.test_bulk import _assert_same, _registry, _state


def _frame() -> pd.DataFrame:
    """48 rows: `_registry`'s duplicates (IDs 8 and 9 again at the end) and one more ID given in
    the first and in the last part."""
    frame = _registry(45)
    again = frame.iloc[[2]].copy()
    again["name"] = "row 2 again"
    return pd.concat([frame, again], ignore_index=True)


def _parts(frame: pd.DataFrame, size: int) -> Iterator[tuple[pd.DataFrame, None]]:
    for start in range(0, len(frame), size):
        yield frame.iloc[start : start + size].reset_index(drop=True), None


def _counts(result: Any) -> dict[str, Any]:
    return {k: v for k, v in result.to_dict().items() if k != "import_id"}


def _scratch(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    root = tmp_path / "scratch"
    root.mkdir()
    monkeypatch.setattr(bulk, "_scratch_root", lambda nbytes: str(root))
    return root


def _part_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("sharpeyes-parts")]


@pytest.mark.parametrize("stage_rows", [1, 10**9], ids=["staged", "bound"])
@pytest.mark.parametrize("size", [10, 47])
def test_parts_store_what_the_whole_frame_stores(
    sqlite_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    stage_rows: int,
    size: int,
) -> None:
    monkeypatch.setattr(bulk, "STAGE_ROWS", stage_rows)
    scratch = _scratch(monkeypatch, tmp_path)
    whole = Store.open(f"sqlite:///{tmp_path / 'whole.db'}")
    parts = Store.open(sqlite_url)
    one = whole.import_cameras(_frame(), None, source="a.csv", file="a.csv")
    given = import_camera_parts(parts, _parts(_frame(), size), source="a.csv", file="a.csv")
    assert _counts(given) == _counts(one)
    assert given.inserted == 45 and given.rows == 48
    _assert_same(_state(parts), _state(whole))
    names = {ix["name"] for ix in sa.inspect(parts.engine).get_indexes("cameras")}
    assert names >= set(s.CAMERA_INDEXES)
    assert not list(scratch.iterdir()) and not _part_threads()
    # the same file again: every camera unchanged, nothing logged, on both
    again = import_camera_parts(parts, _parts(_frame(), size), source="a.csv", file="a.csv")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 45)
    whole.import_cameras(_frame(), None, source="a.csv", file="a.csv")
    _assert_same(_state(parts), _state(whole))
    whole.close()
    parts.close()


def test_parts_into_postgis_store_what_sqlite_stores(pg_url: str, sqlite_url: str) -> None:
    pg, lite = Store.open(pg_url), Store.open(sqlite_url)
    results = [
        import_camera_parts(store, _parts(_frame(), 10), source="a.csv", file="a.csv")
        for store in (pg, lite)
    ]
    assert _counts(results[0]) == _counts(results[1])
    pd.testing.assert_frame_equal(
        pg.cameras(include_credentials=True), lite.cameras(include_credentials=True)
    )
    pg.close()
    lite.close()


def _failing(frame: pd.DataFrame, at: int) -> Iterator[tuple[pd.DataFrame, None]]:
    for k, part in enumerate(_parts(frame, 10)):
        if k == at:
            raise InputError("cut short", file="a.csv", row=k * 10 + 2)
        yield part


@pytest.mark.parametrize("where", ["reader", "writer"])
def test_a_failure_in_a_later_part_keeps_nothing(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    monkeypatch.setattr(bulk, "STAGE_ROWS", 1)
    scratch = _scratch(monkeypatch, tmp_path)
    store = Store.open(sqlite_url)
    if where == "writer":  # the third part's staging fails
        real, calls = bulk._stage, []

        def stage(path: Path, table: Any) -> None:
            calls.append(path)
            if len(calls) == 3:
                raise OSError("disk full")
            real(path, table)

        monkeypatch.setattr(bulk, "_stage", stage)
        parts: Any = _parts(_frame(), 10)
    else:
        parts = _failing(_frame(), 3)
    with pytest.raises((InputError, OSError)):
        import_camera_parts(store, parts, source="a.csv", file="a.csv")
    assert store.count_cameras() == 0 and store.imports().empty
    names = {ix["name"] for ix in sa.inspect(store.engine).get_indexes("cameras")}
    assert names >= set(s.CAMERA_INDEXES)
    assert not list(scratch.iterdir()) and not _part_threads()
    # and the store takes the same file afterwards
    result = import_camera_parts(store, _parts(_frame(), 10), source="a.csv", file="a.csv")
    assert result.inserted == 45
    store.close()
