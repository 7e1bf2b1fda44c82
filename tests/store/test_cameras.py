"""Camera imports and reads, on SQLite and PostGIS (``store_url``)."""

from __future__ import annotations

import pandas as pd
import pytest

from sharpeyes import StoreError
from sharpeyes.model.columns import CAMERA_COLUMNS, CAMERA_SIDE_COLUMNS, empty_rejects
from sharpeyes.store import Store
from sharpeyes.store import imports as repo
from sharpeyes.store.imports import CameraImports
from tests.store._frames import camera_frame, device_id


def _rejects(*rows: tuple[str, int, str, str, str]) -> pd.DataFrame:
    frame = empty_rejects()
    for file, row, column, value, reason in rows:
        frame.loc[len(frame)] = [file, None, row, column, value, reason]
    return frame


def _head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from sharpeyes.store.engine import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return str(ScriptDirectory.from_config(config).get_current_head())


def test_open_migrates_and_reopens(store_url: str) -> None:
    store = Store.open(store_url)
    assert store.revision() == _head()  # migrated to the newest revision
    assert store.count_cameras() == 0
    store.close()
    again = Store.open(store_url)
    assert again.revision() == _head()
    again.close()


def test_open_refuses_unknown_backend() -> None:
    with pytest.raises(StoreError, match="unsupported database"):
        Store.open("mysql://u:p@localhost/x")


def test_import_round_trips_the_canonical_frame(store_url: str) -> None:
    store = Store.open(store_url)
    frame = camera_frame(12)
    frame.loc[3, "lon"] = None
    frame.loc[3, "lat"] = None
    frame.loc[4, "is_hd"] = None
    frame.loc[5, "extra"] = '{"品牌": "海康", "楼层": 3}'
    frame.loc[6, "warnings"] = "class I without coordinates"
    rejects = _rejects(("a.csv", 20, "经度", "abc", "longitude is not a number"))
    result = store.import_cameras(frame, rejects, source="contractor", file="a.csv")
    assert (result.accepted, result.warned, result.refused) == (12, 1, 1)
    assert (result.inserted, result.updated, result.unchanged) == (12, 0, 0)
    assert result.import_id is not None

    got = store.cameras()
    assert list(got.columns) == [*CAMERA_COLUMNS, *CAMERA_SIDE_COLUMNS, "geometry"]
    assert got.crs == "EPSG:4326"
    assert len(got) == 12
    assert got["device_id"].tolist() == frame["device_id"].tolist()
    for c in CAMERA_COLUMNS:
        if c == "source":
            continue
        expected, actual = frame[c], got[c]
        assert str(actual.dtype) == str(expected.dtype), c
        pd.testing.assert_series_equal(actual, expected, check_names=False), c
    assert (got["source"] == "contractor").all()
    assert got.geometry.iloc[3] is None
    assert got.geometry.iloc[0].x == pytest.approx(frame.loc[0, "lon"])
    assert got.loc[6, "warnings"] == "class I without coordinates"
    # credentials are apart: empty unless asked for
    assert got["stream_password"].isna().all()
    with_creds = store.cameras(include_credentials=True)
    assert with_creds.loc[2, "stream_password"] == "secret2"
    assert with_creds.loc[2, "stream_user"] == "admin"

    one = store.camera(device_id(5))
    assert one is not None and one["name"] == "铁岭 点位 5"
    assert one["point_class"] == 3 and one["created_import_id"] == result.import_id
    assert '"品牌": "海康"' in one["extra"] or "海康" in one["extra"]
    assert store.camera("nope") is None

    assert store.rejects(result.import_id)["reason"].tolist() == ["longitude is not a number"]
    imports = store.imports()
    assert imports.loc[0, "accepted"] == 12 and imports.loc[0, "refused"] == 1


def test_credentials_never_stay_in_stream_url(store_url: str) -> None:
    store = Store.open(store_url)
    frame = camera_frame(2, stream_user=None, stream_password=None)
    frame.loc[0, "stream_url"] = "rtsp://admin:p%40ss@10.0.0.9:554/ch1"
    store.import_cameras(frame, None, source="s", file="f")
    got = store.cameras()
    assert got.loc[0, "stream_url"] == "rtsp://10.0.0.9:554/ch1"
    secret = store.camera(device_id(0), include_credentials=True)
    assert secret is not None
    assert (secret["stream_user"], secret["stream_password"]) == ("admin", "p@ss")
    public = store.camera(device_id(0))
    assert public is not None and public["stream_password"] is None


def test_reimport_changes_nothing(store_url: str) -> None:
    store = Store.open(store_url)
    frame = camera_frame(30)
    first = store.import_cameras(frame, None, source="a", file="a.csv")
    changes_before = store.changes()
    cameras_before = store.cameras(include_credentials=True)
    second = store.import_cameras(frame, None, source="a", file="a.csv")
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 30)
    assert store.count_cameras() == 30
    pd.testing.assert_frame_equal(store.changes(), changes_before)
    pd.testing.assert_frame_equal(store.cameras(include_credentials=True), cameras_before)
    assert len(store.imports()) == 2
    assert first.import_id != second.import_id


def test_merge_keeps_values_logs_changes_and_warns_on_conflicts(store_url: str) -> None:
    store = Store.open(store_url)
    first = store.import_cameras(camera_frame(4), None, source="contractor", file="a.xlsx")
    # a second registry: knows only some fields, disagrees on a name, adds a new camera
    update = camera_frame(
        3,
        start=2,
        name=["铁岭 点位 2", "改名", "新点位"],
        address=None,
        stream_url=None,
        stream_user=None,
        stream_password=None,
        status=None,
    )
    second = store.import_cameras(update, None, source="platform", file="catalog.xml")
    assert (second.inserted, second.updated, second.unchanged) == (1, 2, 0)
    assert second.conflicts == 1
    assert second.warned == 1

    cam3 = store.camera(device_id(3), include_credentials=True)
    assert cam3 is not None
    assert cam3["name"] == "改名"
    assert cam3["address"] == "银州区 街道 3 号"  # nulls never blank a stored value
    assert cam3["stream_password"] == "secret3"
    assert cam3["source"] == "contractor; platform"
    assert "conflict" in cam3["warnings"] and "contractor" in cam3["warnings"]
    assert cam3["provenance"]["name"] == "platform"
    assert cam3["provenance"]["_seen"]["name"] == {"contractor": "铁岭 点位 3", "platform": "改名"}

    log = store.changes(device_id=device_id(3))
    assert log.iloc[0]["action"] == "create" and log.iloc[0]["import_id"] == first.import_id
    name_change = log[log["field"] == "name"].iloc[0]
    assert (name_change["before"], name_change["after"]) == ("铁岭 点位 3", "改名")
    assert name_change["import_id"] == second.import_id
    assert set(log[log["action"] == "update"]["field"]) == {"name", "source"}
    # the camera only the platform knows was created by the second import
    assert store.changes(import_id=second.import_id)["action"].tolist().count("create") == 1
    # importing both registries again, in turn, changes nothing (no ping-pong between sources)
    for frame, source in ((camera_frame(4), "contractor"), (update, "platform")):
        again = store.import_cameras(frame, None, source=source, file=f"{source}.again")
        assert again.updated == 0 and again.inserted == 0, source
    assert store.camera(device_id(3))["name"] == "改名"  # type: ignore[index]
    # the same source correcting its own value is not a conflict
    again = camera_frame(1, start=3, name="改名二")
    third = store.import_cameras(again, None, source="platform", file="catalog2.xml")
    assert third.conflicts == 0 and third.updated == 1


def test_changed_credentials_are_logged_masked(store_url: str) -> None:
    store = Store.open(store_url)
    store.import_cameras(camera_frame(1), None, source="a", file="a")
    store.import_cameras(camera_frame(1, stream_password="new"), None, source="a", file="a")
    log = store.changes(device_id=device_id(0))
    row = log[log["field"] == "stream_password"].iloc[0]
    assert (row["before"], row["after"]) == ("***", "***")
    assert "new" not in log.astype(str).to_string()


def test_duplicate_ids_in_one_file_are_merged(store_url: str) -> None:
    store = Store.open(store_url)
    frame = camera_frame(3)
    frame.loc[2, "device_id"] = device_id(0)
    frame.loc[2, "address"] = None
    frame.loc[2, "warnings"] = "duplicate device_id in this file"
    result = store.import_cameras(frame, None, source="a", file="a")
    assert result.accepted == 3 and result.inserted == 2
    cam = store.camera(device_id(0))
    assert cam is not None
    assert cam["name"] == "铁岭 点位 2"  # the later row wins
    assert cam["address"] == "银州区 街道 0 号"  # but not with its blanks


def test_rows_without_a_key_are_refused_not_lost(store_url: str) -> None:
    store = Store.open(store_url)
    frame = camera_frame(4)
    frame.loc[1, "device_id"] = None
    frame.loc[2, "device_id"] = "  "
    result = store.import_cameras(frame, None, source="a", file="a.csv")
    assert (result.accepted, result.refused, result.inserted) == (2, 2, 2)
    assert result.import_id is not None
    rejects = store.rejects(result.import_id)
    assert len(rejects) == 2 and (rejects["column"] == "device_id").all()
    assert (rejects["file"] == "a.csv").all()


def test_dry_run_counts_and_keeps_nothing(store_url: str) -> None:
    store = Store.open(store_url)
    result = store.import_cameras(camera_frame(5), None, source="a", file="a", dry_run=True)
    assert result.inserted == 5 and result.import_id is None and result.dry_run
    assert store.count_cameras() == 0
    assert store.imports().empty


def test_failed_import_leaves_the_store_as_it_was(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store.open(store_url)
    store.import_cameras(camera_frame(3), None, source="a", file="a")
    before = store.cameras(include_credentials=True)

    real_insert = CameraImports._insert_new

    def insert_then_fail(self: CameraImports, *args: object, **kwargs: object) -> None:
        real_insert(self, *args, **kwargs)  # type: ignore[arg-type]
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(CameraImports, "_insert_new", insert_then_fail)
    bigger = camera_frame(6, name="renamed")
    with pytest.raises(RuntimeError, match="disk on fire"):
        store.import_cameras(bigger, None, source="b", file="b")
    pd.testing.assert_frame_equal(store.cameras(include_credentials=True), before)
    assert len(store.imports()) == 1
    assert (store.changes()["action"] == "create").all()


def test_bulk_load_rebuilds_indexes(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(repo, "BULK_THRESHOLD", 10)
    store = Store.open(store_url)
    store.import_cameras(camera_frame(50), None, source="a", file="a")
    import sqlalchemy as sa

    names = {ix["name"] for ix in sa.inspect(store.engine).get_indexes("cameras")}
    assert set(repo.s.CAMERA_INDEXES) <= names
    if store.dialect == "postgresql":
        assert "ix_cameras_geom" in names
    assert store.count_cameras(bbox=(123.80, 42.28, 123.8095, 42.30)) == 10


def test_filters(store_url: str) -> None:
    store = Store.open(store_url)
    frame = camera_frame(20)
    frame.loc[0, "admin_code"] = "211221"
    frame.loc[0, "township_code"] = "211221001"
    frame.loc[0, "village_code"] = "211221001001"
    # codes nest: a camera known only by its village is found by its township and county too
    frame.loc[2, ["admin_code", "township_code"]] = None
    store.import_cameras(frame, None, source="a", file="a")
    assert store.count_cameras() == 20
    assert store.count_cameras(unit="211221") == 1
    assert store.count_cameras(unit="211221001001") == 1
    assert store.count_cameras(unit="2112") == 20
    assert store.count_cameras(unit="211202") == 19
    assert store.count_cameras(unit="211202001") == 10
    assert store.count_cameras(unit="211202002") == 9
    assert store.count_cameras(unit="211202002003") == 9
    filled = store.camera(device_id(2))
    assert filled is not None
    assert (filled["admin_code"], filled["township_code"]) == ("211202", "211202002")
    assert store.count_cameras(point_class=1) == 7
    assert store.count_cameras(point_class=[1, 2]) == 14
    bbox = (123.80 - 1e-9, 42.28 - 1e-9, 123.8045, 42.29)
    inside = store.cameras(bbox=bbox)
    assert inside["device_id"].tolist() == [device_id(i) for i in range(5)]
    assert store.count_cameras(bbox=bbox) == 5
    wanted = [device_id(7), device_id(3), "missing"]
    assert sorted(store.cameras(device_ids=wanted)["device_id"]) == sorted(wanted[:2])
    page = store.cameras(limit=5, offset=5)
    assert page["device_id"].tolist() == [device_id(i) for i in range(5, 10)]
    assert len(store.cameras(unit="211202", point_class=2, limit=2)) == 2
    with pytest.raises(ValueError, match="unit"):
        store.cameras(unit="abc")


def test_catalog_items_that_are_not_cameras_are_not_refused_cameras(sqlite_url: str) -> None:
    store = Store.open(sqlite_url)
    rejects = _rejects(
        ("cat.sip", 4, "DeviceID", "21120200001180000090", "not a camera: type 118 NVR"),
        ("cat.sip", 5, "DeviceID", "2112020000132", "device ID must be 20 digits, got 13"),
    )
    result = store.import_cameras(camera_frame(2), rejects, source="platform", file="cat.sip")
    assert (result.accepted, result.refused, result.not_cameras) == (2, 1, 1)
    assert len(store.rejects(result.import_id)) == 2  # both kept, with their reasons
