"""The first load of an empty SQLite store in parts runs with a rollback journal (its pages written
once, into the file) when nothing else has the file open, and is as atomic as in WAL mode: a load
killed half way leaves the store as it was; the store is back in WAL mode after the load; with
another connection open the load keeps the WAL. Constant text columns written as SQL literals
come back exactly (quotes included)."""

from __future__ import annotations

import sqlite3
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from sharpeyes.store import Store, bulk
from sharpeyes.store.part_writes import constant_texts, import_camera_parts
from tests.store._child import killed_half_way
from tests.store.test_bulk import _assert_same, _registry, _state

UNIT = "O'Brien 公安分局 ''"


def _frame() -> pd.DataFrame:
    frame = _registry(45)
    frame["management_unit"] = UNIT  # one value in every row: written as a literal
    return frame


def _journal_mode(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return str(conn.execute("PRAGMA journal_mode").fetchone()[0])


def _watched_parts(
    frame: pd.DataFrame, size: int, db: Path, seen: list[bool]
) -> Iterator[tuple[pd.DataFrame, None]]:
    """The parts of ``frame``; between parts, whether the rollback journal is there."""
    for start in range(0, len(frame), size):
        if start:
            seen.append(Path(f"{db}-journal").exists())
        yield frame.iloc[start : start + size].reset_index(drop=True), None


@pytest.fixture(autouse=True)
def _staged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "STAGE_ROWS", 1)


def test_a_first_load_alone_uses_a_rollback_journal_and_is_back_in_wal(tmp_path: Path) -> None:
    db = tmp_path / "parts.db"
    parts = Store.open(f"sqlite:///{db}")
    whole = Store.open(f"sqlite:///{tmp_path / 'whole.db'}")
    seen: list[bool] = []
    given = import_camera_parts(
        parts, _watched_parts(_frame(), 10, db, seen), source="a.csv", file="a.csv"
    )
    whole.import_cameras(_frame(), None, source="a.csv", file="a.csv")
    assert seen and all(seen)  # the journal was there while the load ran
    assert given.inserted == 45
    _assert_same(_state(parts), _state(whole))
    assert set(parts.cameras()["management_unit"]) == {UNIT}
    assert _journal_mode(db) == "wal" and not Path(f"{db}-journal").exists()
    # a second load into the filled store: WAL as always, and a no-op
    seen.clear()
    again = import_camera_parts(
        parts, _watched_parts(_frame(), 10, db, seen), source="a.csv", file="a.csv"
    )
    assert not any(seen) and (again.inserted, again.unchanged) == (0, 45)
    parts.close()
    whole.close()


def test_a_first_load_beside_another_connection_keeps_the_wal(tmp_path: Path) -> None:
    db = tmp_path / "parts.db"
    parts = Store.open(f"sqlite:///{db}")
    reader = sqlite3.connect(db)
    assert reader.execute("SELECT count(*) FROM cameras").fetchone() == (0,)
    seen: list[bool] = []
    given = import_camera_parts(
        parts, _watched_parts(_frame(), 10, db, seen), source="a.csv", file="a.csv"
    )
    assert seen and not any(seen)  # no rollback journal: the other connection has the file
    assert given.inserted == 45
    assert reader.execute("SELECT count(*) FROM cameras").fetchone() == (45,)
    assert _journal_mode(db) == "wal"
    reader.close()
    parts.close()


CHILD = textwrap.dedent(
    """
    import sys, threading, time
    from sharpeyes.store import Store, bulk
    from sharpeyes.store.part_writes import PartWriter, import_camera_parts
    from tests.store.test_first_load import _frame

    bulk.STAGE_ROWS = 1
    store = Store.open(sys.argv[1])
    wrote = threading.Event()
    real_write = PartWriter._write

    def write_and_tell(self, *args, **kwargs):
        real_write(self, *args, **kwargs)
        wrote.set()

    PartWriter._write = write_and_tell
    frame = _frame()

    def parts():
        yield frame.iloc[:20].reset_index(drop=True), None
        yield frame.iloc[20:40].reset_index(drop=True), None
        wrote.wait(60)
        print("rows written, not committed", flush=True)
        time.sleep(600)
        yield frame.iloc[40:].reset_index(drop=True), None

    import_camera_parts(store, parts(), source="b", file="b.csv")
    """
)


def test_a_first_load_killed_half_way_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    db = tmp_path / "killed.db"
    url = f"sqlite:///{db}"
    Store.open(url).close()  # created and migrated: an empty store
    with killed_half_way(CHILD, url, tmp_path):
        assert Path(f"{db}-journal").exists()  # killed inside the rollback-journal load

    reopened = Store.open(url)
    assert len(reopened.cameras()) == 0
    assert len(reopened.imports()) == 0 and len(reopened.changes()) == 0
    assert _journal_mode(db) == "wal" and not Path(f"{db}-journal").exists()
    result = import_camera_parts(reopened, iter([(_frame(), None)]), source="a", file="a.csv")
    assert result.inserted == 45 and len(reopened.cameras()) == 45
    reopened.close()


def test_constant_texts_are_the_columns_of_one_value() -> None:
    import pyarrow as pa

    table = pa.table(
        {
            "device_id": pa.array(["1", "1"], pa.large_string()),
            "source": pa.array(["a.csv", "a.csv"], pa.large_string()),
            "unit": pa.array([UNIT, UNIT], pa.large_string()),
            "name": pa.array(["x", "y"], pa.large_string()),
            "status": pa.array(["在用", None], pa.large_string()),
            "nul": pa.array(["a\x00b", "a\x00b"], pa.large_string()),
            "lon": pa.array([1.0, 1.0]),
        }
    )
    assert constant_texts(table) == {"source": "'a.csv'", "unit": "'O''Brien 公安分局 '''''"}
