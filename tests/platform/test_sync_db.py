"""``sync wvp`` from the platform's database, on MariaDB and on PostgreSQL."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import sqlalchemy as sa

from sharpeyes import InputError
from sharpeyes.jobs.sync import sync_wvp
from sharpeyes.store import Store
from sharpeyes.store.platform import latest_platform_status, platform_syncs
from tests.platform import wvp_data as w

DEVICES, PER_DEVICE = 6, 500  # 3,000 channels


def _with_bad_rows(channels: list[dict]) -> list[dict]:
    bad_id = {**channels[0], "channelId": "2112020000132", "name": "短编码"}
    group = {**channels[0], "channelId": "21120200002150000001", "name": "业务分组"}
    return [*channels, bad_id, group]


def inventory(store: Store) -> pd.DataFrame:
    cams = pd.DataFrame(store.cameras().drop(columns="geometry"))
    keep = ["device_id", "name", "camera_type", "lon", "lat", "address", "admin_code", "parent_id"]
    return cams[keep].sort_values("device_id").reset_index(drop=True)


def test_two_syncs_record_exactly_the_changes(wvp_db_url: str, sqlite_url: str) -> None:
    devices, channels = w.platform(DEVICES, PER_DEVICE)
    w.fill(wvp_db_url, devices, _with_bad_rows(channels))
    store = Store.open(sqlite_url)
    first = sync_wvp(store, wvp_db_url, crs="wgs84")
    assert first["channels"] == DEVICES * PER_DEVICE
    assert store.count_cameras() == DEVICES * PER_DEVICE
    assert first["added"] == DEVICES * PER_DEVICE and first["removed"] == 0
    assert first["devices"] == DEVICES
    reasons = {r["value"]: r for r in first["rejects"]}
    assert "not a 20-digit" in reasons["2112020000132"]["reason"]
    assert reasons["2112020000132"]["sheet"].startswith("device_channel page")
    assert reasons["21120200002150000001"]["reason"].startswith("not a camera: type 215")
    assert "password" not in (store.camera(w.channel_id(0, 0))["extra"] or "")
    one = store.camera(w.channel_id(1, 7))
    assert one["camera_type"] is not None and one["admin_code"] == "211202"
    assert json.loads(one["extra"])["wvp_device_id"] == w.device_id(1)
    online_first = int(sum(c["status"] for c in channels))
    assert first["online"] == online_first

    # between the syncs: 40 channels change status, 5 are renamed, 3 are removed
    engine = sa.create_engine(wvp_db_url)
    flipped = [c["channelId"] for c in channels[100:140]]
    renamed = [c["channelId"] for c in channels[200:205]]
    removed = [c["channelId"] for c in channels[300:303]]
    t = w.CHANNEL
    later = "2026-11-02 09:00:00"
    with engine.begin() as conn:
        conn.execute(
            t.update()
            .where(t.c.channelId.in_(flipped))
            .values(status=1 - t.c.status, updateTime=later)
        )
        conn.execute(
            t.update()
            .where(t.c.channelId.in_(renamed))
            .values(name=t.c.name + " 新", updateTime=later)
        )
        conn.execute(t.delete().where(t.c.channelId.in_(removed)))
    engine.dispose()
    second = sync_wvp(store, wvp_db_url, crs="wgs84")
    assert sorted(d["device_id"] for d in second["status_changed"]) == sorted(flipped)
    assert second["changed"] == 5 and sorted(second["changed_ids"]) == sorted(renamed)
    assert sorted(second["removed_ids"]) == sorted(removed) and second["added"] == 0
    assert second["merged"] == 45  # only what the platform says changed goes through the merge
    log = store.changes()
    assert set(log.loc[log["action"] == "remove", "device_id"]) == set(removed)
    status = latest_platform_status(store).set_index("device_id")["status"]
    was = {c["channelId"]: c["status"] for c in channels}
    for d in flipped:
        assert status[d] == ("offline" if was[d] else "online")
    assert len(platform_syncs(store)) == 2


def test_same_inventory_from_mariadb_and_postgresql(
    mysql_url: str, pg_url: str, tmp_path: pytest.TempPathFactory
) -> None:
    devices, channels = w.platform(3, 200, seed=4)
    frames = []
    for n, url in enumerate((mysql_url, pg_url)):
        w.fill(url, devices, channels)
        store = Store.open(f"sqlite:///{tmp_path}/s{n}.db")  # type: ignore[operator]
        sync_wvp(store, url, crs="gcj02")
        frames.append(inventory(store))
    pd.testing.assert_frame_equal(frames[0], frames[1])
    # GCJ-02 was converted: points moved by the GCJ offset (hundreds of metres), not kept as given
    given = {c["channelId"]: c["longitude"] for c in channels}
    shift = (frames[0]["lon"] - frames[0]["device_id"].map(given)).abs()
    assert (shift > 1e-3).all() and (shift < 1e-2).all()


def test_unreachable_database_names_it_and_changes_nothing(sqlite_url: str) -> None:
    store = Store.open(sqlite_url)
    url = "mysql+pymysql://wvp:topsecret@127.0.0.1:1/wvp"
    with pytest.raises(InputError) as err:
        sync_wvp(store, url)
    assert "127.0.0.1:1" in str(err.value) and "topsecret" not in str(err.value)
    assert store.count_cameras() == 0 and len(platform_syncs(store)) == 0


def test_database_without_wvp_tables(mysql_url: str, sqlite_url: str) -> None:
    with pytest.raises(InputError, match="no channel table"):
        sync_wvp(Store.open(sqlite_url), mysql_url)
