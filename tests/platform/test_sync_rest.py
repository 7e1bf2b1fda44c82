"""``sync wvp`` through the platform's REST API, against the stand-in wvp app on 127.0.0.1."""

from __future__ import annotations

import logging

import httpx
import pandas as pd
import pytest

from sharpeyes.ingest.wvp import PlatformError
from sharpeyes.jobs.sync import sync_wvp
from sharpeyes.store import Store
from sharpeyes.store.platform import platform_syncs
from tests.platform import wvp_app as app_module
from tests.platform import wvp_data as w
from tests.platform.test_sync_db import inventory

PASSWORD = app_module.PASSWORD


def load(client: httpx.Client, devices: list[dict], channels: list[dict]) -> None:
    by_device: dict[str, list[dict]] = {d["deviceId"]: [] for d in devices}
    for c in channels:
        by_device[c["deviceId"]].append(c)
    client.post("/_test/data", json={"devices": devices, "channels": by_device}).raise_for_status()


def rest_url(base: str) -> str:
    return base.replace("http://", "http://admin@")


@pytest.fixture
def password(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SHARPEYES_WVP_PASSWORD", PASSWORD)
    return PASSWORD


def test_rest_and_database_give_the_same_inventory(
    wvp_app: httpx.Client, wvp_app_url: str, mysql_url: str, tmp_path, password: str
) -> None:
    devices, channels = w.platform(4, 130, seed=2)
    load(wvp_app, devices, channels)
    w.fill(mysql_url, devices, channels)
    by_rest = Store.open(f"sqlite:///{tmp_path}/rest.db")
    by_db = Store.open(f"sqlite:///{tmp_path}/db.db")
    doc = sync_wvp(by_rest, rest_url(wvp_app_url), page_size=50)
    sync_wvp(by_db, mysql_url)
    assert doc["channels"] == 520 and doc["devices"] == 4
    pd.testing.assert_frame_equal(inventory(by_rest), inventory(by_db))
    # wvp's login takes the MD5 of the password: the password itself never went over the wire
    seen = wvp_app.get("/_test/counts").json()["passwords_seen"]
    assert password not in seen
    # a second sync with one status change records exactly that one
    channels[5]["status"] = 1 - channels[5]["status"]
    load(wvp_app, devices, channels)
    again = sync_wvp(by_rest, rest_url(wvp_app_url), page_size=50)
    assert [d["device_id"] for d in again["status_changed"]] == [channels[5]["channelId"]]


def test_wrong_password_is_told_and_never_shown(
    wvp_app: httpx.Client, wvp_app_url: str, sqlite_url: str, monkeypatch, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("SHARPEYES_WVP_PASSWORD", "not-the-password")
    store = Store.open(sqlite_url)
    with pytest.raises(PlatformError) as err:
        sync_wvp(store, rest_url(wvp_app_url))
    text = str(err.value)
    assert wvp_app_url in text and "用户名或密码错误" in text
    assert "not-the-password" not in text and "not-the-password" not in caplog.text
    assert store.count_cameras() == 0 and len(platform_syncs(store)) == 0


def test_password_in_url_is_masked(
    wvp_app: httpx.Client, wvp_app_url: str, sqlite_url: str, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    devices, channels = w.platform(1, 5)
    load(wvp_app, devices, channels)
    doc = sync_wvp(
        Store.open(sqlite_url), wvp_app_url.replace("http://", f"http://admin:{PASSWORD}@")
    )
    assert doc["channels"] == 5
    assert PASSWORD not in repr(doc) and PASSWORD not in caplog.text


def test_slow_page_times_out_with_its_name_and_changes_nothing(
    wvp_app: httpx.Client, wvp_app_url: str, sqlite_url: str, password: str
) -> None:
    devices, channels = w.platform(2, 30)
    load(wvp_app, devices, channels)
    store = Store.open(sqlite_url)
    sync_wvp(store, rest_url(wvp_app_url), page_size=10)
    before = store.count_cameras(), len(platform_syncs(store))
    path = f"/api/device/query/devices/{w.device_id(1)}/channels?page=2"
    wvp_app.post("/_test/state", json={"slow_path": path, "slow_s": 2.0})
    with pytest.raises(PlatformError) as err:
        sync_wvp(store, rest_url(wvp_app_url), page_size=10, timeout_s=0.5, retries=1)
    message = str(err.value)
    assert "page=2" in message and w.device_id(1) in message and "no answer within 0.5 s" in message
    assert "after 2 attempts" in message
    assert (store.count_cameras(), len(platform_syncs(store))) == before


def test_non_json_page_is_named(
    wvp_app: httpx.Client, wvp_app_url: str, sqlite_url: str, password: str
) -> None:
    devices, channels = w.platform(1, 30)
    load(wvp_app, devices, channels)
    path = f"/api/device/query/devices/{w.device_id(0)}/channels?page=3"
    wvp_app.post("/_test/state", json={"html_path": path})
    with pytest.raises(PlatformError, match=r"page=3.*not JSON \(text/html"):
        sync_wvp(Store.open(sqlite_url), rest_url(wvp_app_url), page_size=10)


def test_unreachable_platform(sqlite_url: str, password: str) -> None:
    with pytest.raises(
        PlatformError,
        match=r"wvp http://127.0.0.1:1: GET /api/user/login\?username=admin: cannot connect \(ConnectError",
    ):
        sync_wvp(Store.open(sqlite_url), "http://admin@127.0.0.1:1", retries=0)


def test_malformed_channel_id_names_page_and_row(
    wvp_app: httpx.Client, wvp_app_url: str, sqlite_url: str, password: str
) -> None:
    devices, channels = w.platform(1, 25)
    channels[17]["channelId"] = "21120200A01320000017"
    load(wvp_app, devices, channels)
    doc = sync_wvp(Store.open(sqlite_url), rest_url(wvp_app_url), page_size=10)
    assert doc["channels"] == 24 and doc["refused"] == 1
    bad = doc["rejects"][0]
    assert (bad["file"], bad["sheet"], bad["row"]) == (
        f"wvp {wvp_app_url}",
        f"device {w.device_id(0)} page 2",
        8,
    )
    assert bad["value"] == "21120200A01320000017"


def test_expired_token_logs_in_again(
    wvp_app: httpx.Client, wvp_app_url: str, sqlite_url: str, password: str
) -> None:
    from sharpeyes.jobs.sync import client_for

    devices, channels = w.platform(1, 3)
    load(wvp_app, devices, channels)
    with client_for(rest_url(wvp_app_url)) as client:
        client.login()
        wvp_app.post("/_test/state", json={"expire_tokens": True})
        assert len(client.devices()) == 1
