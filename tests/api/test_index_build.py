"""The camera index is built by the import job (not by the first map request), an unchanged
re-import rebuilds nothing, the Arrow-made index equals one made from the canonical frame, and the
camera pages' plain records equal the records of the canonical frame (SQLite, and PostGIS)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sharpeyes.api import create_app
from sharpeyes.api.convert import records
from sharpeyes.api.deps import camera_index
from sharpeyes.jobs import camera_index as ci
from sharpeyes.jobs import ingest, reads
from sharpeyes.jobs.camera_records import camera_records
from sharpeyes.settings import Settings
from sharpeyes.store import Store
from tests.api import city
from tests.api.conftest import serve
from tests.api.test_api import csv_registry


def _folders(root: Path) -> list[Path]:
    return sorted(root.glob("cameras-*"))


def test_the_import_job_builds_the_index_and_the_server_only_maps_it(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'city.db'}")
    city.populate(store, 300)
    root = tmp_path / "city.db.cache"
    registry = tmp_path / "new.csv"
    registry.write_bytes(csv_registry(9))
    result = ingest.import_files(store, [registry], progress=False)
    assert result["inserted"] == 9
    [folder] = _folders(root)
    built_ns = (folder / "lon.npy").stat().st_mtime_ns
    # the server's first request finds the import's index: nothing is built again
    index = camera_index(create_app(Settings(), store).state.sharpeyes)
    assert len(index) == 309 and isinstance(index.lon, np.memmap)
    assert _folders(root) == [folder] and (folder / "lon.npy").stat().st_mtime_ns == built_ns
    # the same file again changes no camera: the folder stays, nothing is rebuilt
    again = ingest.import_files(store, [registry], progress=False)
    assert again["inserted"] == again["updated"] == 0
    assert _folders(root) == [folder] and (folder / "lon.npy").stat().st_mtime_ns == built_ns
    # a dry run writes nothing, a changed registry makes a new index and removes the old one
    ingest.import_files(store, [registry], progress=False, dry_run=True)
    assert _folders(root) == [folder]
    registry.write_bytes(csv_registry(12))
    ingest.import_files(store, [registry], progress=False)
    [newer] = _folders(root)
    assert newer != folder
    assert len(camera_index(create_app(Settings(), store).state.sharpeyes)) == 312


def _same_arrays(store: Store) -> None:
    made, categories = ci.arrays_from_table(ci.read_columns(store))
    frame = store.cameras()
    expected, expected_categories = ci.arrays_from_frame(frame)
    assert len(made["device_id"]) == len(frame) > 0
    for name in ci.ARRAYS:
        if name.startswith("unit_"):
            column = name.removeprefix("unit_")
            decode = np.array([*categories[column], None], dtype=object)
            decode_expected = np.array([*expected_categories[column], None], dtype=object)
            assert (decode[made[name]] == decode_expected[expected[name]]).all(), name
        else:
            np.testing.assert_array_equal(made[name], expected[name], err_msg=name)


def test_the_index_read_from_the_store_equals_the_one_made_from_the_frame(tmp_path: Path) -> None:
    empty = Store.open(f"sqlite:///{tmp_path / 'empty.db'}")
    arrays, _ = ci.arrays_from_table(ci.read_columns(empty))
    assert all(len(arrays[name]) == 0 for name in ci.ARRAYS)
    store = Store.open(f"sqlite:///{tmp_path / 'city.db'}")
    city.populate(store, 400)
    # missing values late in the file: a camera without position, class, status or units
    lost = city.cameras(401).iloc[400:].copy()
    for column in ("lon", "lat", "point_class", "status", "networked", "admin_code"):
        lost[column] = None
    lost["township_code"] = lost["village_code"] = None
    lost["geometry"] = None
    store.import_cameras(lost, city.empty_rejects(), source="test", file="lost.csv")
    frame = store.cameras()
    assert frame["lon"].isna().any() and frame["admin_code"].isna().any()
    _same_arrays(store)


def _same_records(store: Store) -> None:
    ids = sorted(store.cameras()["device_id"].astype(str))[::7]
    plain = camera_records(store, ids)
    expected = {r["device_id"]: r for r in records(reads.cameras_by_id(store, ids))}
    for record in expected.values():  # the frame path masked a missing URL into the text "<NA>"
        if record["stream_url"] == "<NA>":
            record["stream_url"] = None
    assert set(plain) == set(expected) == set(ids)
    for device_id in ids:
        assert plain[device_id] == expected[device_id]
        assert list(plain[device_id]) == list(expected[device_id])
    assert not any(city.SECRET in str(r) for r in plain.values())
    assert any(r["stream_url"] for r in plain.values())


def test_plain_records_equal_the_canonical_frame_records(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'city.db'}")
    city.populate(store, 300)
    _same_records(store)


@pytest.mark.postgis
def test_index_and_records_on_postgis(pg_url: str) -> None:
    store = Store.open(pg_url)
    try:
        city.populate(store, 300)
        _same_arrays(store)
        _same_records(store)
    finally:
        store.close()


def test_a_units_import_and_a_new_report_by_another_process_show_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import httpx

    from sharpeyes.api import deps
    from sharpeyes.jobs.auth import add_user, create_token

    store = Store.open(f"sqlite:///{tmp_path / 'city.db'}")
    city.populate(store, 100)
    add_user(store, "viewer1", "viewer")
    token = create_token(store, "viewer1")
    # a read cache that would keep its values for an hour; the store's stamps read every request
    monkeypatch.setattr(deps, "VERSION_CHECK_S", 0.0)
    for url in serve(create_app(Settings(), store, cache_ttl_s=3600)):
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as client:
            _check_fresh_units(store, tmp_path, client)


def _check_fresh_units(store: Store, tmp_path: Path, client: Any) -> None:

    def counties() -> dict[str, dict[str, object]]:
        body = client.get("/api/units", params={"level": "county"}).json()
        return {u["code"]: u for u in body["units"]}

    before = counties()
    other = Store.open(f"sqlite:///{tmp_path / 'city.db'}")  # the CLI, the nightly job
    units = other.units()
    renamed = units.copy()
    code = next(iter(before))
    renamed.loc[renamed["code"] == code, "name"] = "改了名的县"
    other.replace_units(renamed)
    assert counties()[code]["name"] == "改了名的县" != before[code]["name"]
    report = other.latest_result("report") or {}
    rows = [dict(r, networking_rate=0.123) for r in report.get("rows", [])]
    assert rows
    other.save_result("report", {**report, "rows": rows})
    kpis = counties()[code]["kpis"]
    assert kpis and all(k["networking_rate"] == 0.123 for k in kpis)
    other.close()
