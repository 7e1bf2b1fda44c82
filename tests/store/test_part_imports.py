"""An import given in parts (each part's new cameras written while the next is read) stores exactly
what the import of the whole frame stores, re-imports as a no-op, and a failure in any part leaves
the store as it was (no camera, no import, the indexes back, no scratch file, no thread)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
import sqlalchemy as sa

from sharpeyes._errors import InputError
from sharpeyes.ingest.parts import REPEATED_IDS, RepeatedIds
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


def _numbers(store: Store) -> list[tuple[int, str, int | None]]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT camera_id, device_id, row_hash FROM cameras ORDER BY camera_id")
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


@pytest.mark.parametrize("told", [False, True], ids=["not-told", "told-by-the-reader"])
def test_an_id_given_again_in_a_later_part_leaves_no_camera_id_unused(
    sqlite_url: str, tmp_path: Path, told: bool
) -> None:
    """camera_id, row hashes and order as the whole frame's import gives them (1…n, no gap), for
    parts that do not say which IDs repeat (the first row is written, taken out, the cameras
    numbered again) and for parts that say so (the reader's whole-file duplicates: such rows are
    left to the merge of duplicates)."""
    frame = _frame()
    repeated = frame["device_id"].str.strip()
    repeated = repeated[repeated.duplicated(keep=False)].unique()

    def parts() -> Iterator[tuple[pd.DataFrame, None]]:
        for part, _ in _parts(frame, 10):
            if told:
                part.attrs[REPEATED_IDS] = RepeatedIds(pa.array(repeated, pa.string()))
            yield part, None

    whole = Store.open(f"sqlite:///{tmp_path / 'whole.db'}")
    store = Store.open(sqlite_url)
    whole.import_cameras(frame, None, source="a.csv", file="a.csv")
    import_camera_parts(store, parts(), source="a.csv", file="a.csv")
    numbers = _numbers(store)
    assert [n for n, _, _ in numbers] == list(range(1, 46))
    assert numbers == _numbers(whole)
    _assert_same(_state(store), _state(whole))
    whole.close()
    store.close()


def test_a_row_held_back_as_repeated_but_named_once_takes_its_place_in_file_order(
    sqlite_url: str, tmp_path: Path
) -> None:
    """An ID the reader found twice in the file whose other row it refused: held back from its
    part, then written after the parts and numbered in its place, as the whole frame's import."""
    frame = _registry(30).iloc[:30].reset_index(drop=True)  # no ID given twice
    alone = str(frame.loc[3, "device_id"]).strip()
    whole = Store.open(f"sqlite:///{tmp_path / 'whole.db'}")
    store = Store.open(sqlite_url)
    whole.import_cameras(frame, None, source="a.csv", file="a.csv")

    def parts() -> Iterator[tuple[pd.DataFrame, None]]:
        for part, _ in _parts(frame, 10):
            part.attrs[REPEATED_IDS] = RepeatedIds(pa.array([alone], pa.string()))
            yield part, None

    import_camera_parts(store, parts(), source="a.csv", file="a.csv")
    assert _numbers(store) == _numbers(whole)
    assert [n for n, _, _ in _numbers(store)] == list(range(1, 31))
    _assert_same(_state(store), _state(whole))
    again = import_camera_parts(store, parts(), source="a.csv", file="a.csv")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 30)
    whole.close()
    store.close()


def test_a_csv_read_in_parts_numbers_its_cameras_as_the_whole_file(
    sqlite_url: str, tmp_path: Path
) -> None:
    """The reader's parts of a CSV (an ID in the first and the last part, an ID whose other row is
    refused) into an empty store: the same cameras, numbers and row hashes as the whole file."""
    from sharpeyes.ingest import read_cameras
    from sharpeyes.ingest.parts import camera_parts
    from tests.ingest.conftest import camera_row, write_csv

    rows = [camera_row(i) for i in range(20)]
    rows.append(camera_row(1, 设备名称="row 1 again"))  # ID of an early row, in the last part
    rows.append(camera_row(5, 经度="东经abc"))  # ID of row 5 again, refused: row 5 is alone
    path = write_csv(tmp_path / "registry.csv", rows)
    parts = list(camera_parts(path, part_rows=6))
    assert isinstance(parts[0][0].attrs[REPEATED_IDS], RepeatedIds)
    whole = Store.open(f"sqlite:///{tmp_path / 'whole.db'}")
    store = Store.open(sqlite_url)
    cameras, rejects = read_cameras(path)
    whole.import_cameras(cameras, rejects, source="r", file="registry.csv")
    import_camera_parts(store, iter(parts), source="r", file="registry.csv")
    assert [n for n, _, _ in _numbers(store)] == list(range(1, 21))
    assert _numbers(store) == _numbers(whole)
    _assert_same(_state(store), _state(whole))
    whole.close()
    store.close()
