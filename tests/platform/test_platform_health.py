"""``health run --via wvp``: streams started through the platform, probed, and always stopped."""

from __future__ import annotations

import httpx
import pytest

from sharpeyes.jobs.platform_health import run_via_platform
from sharpeyes.jobs.sync import sync_wvp
from sharpeyes.store import Store
from tests.health.conftest import clips, rtsp_server  # noqa: F401  (fixtures)
from tests.platform import wvp_data as w
from tests.platform.test_sync_rest import load, rest_url


@pytest.fixture
def platform_store(
    wvp_app: httpx.Client, wvp_app_url: str, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> Store:
    from tests.platform.wvp_app import PASSWORD

    monkeypatch.setenv("SHARPEYES_WVP_PASSWORD", PASSWORD)
    devices, channels = w.platform(2, 5)
    load(wvp_app, devices, channels)
    store = Store.open(sqlite_url)
    sync_wvp(store, rest_url(wvp_app_url))
    return store


@pytest.mark.rtsp
def test_every_stream_opened_is_closed_and_never_more_than_max_open(
    platform_store: Store,
    wvp_app: httpx.Client,
    wvp_app_url: str,
    rtsp_server: str,  # noqa: F811
) -> None:
    ids = [w.channel_id(d, i) for d in range(2) for i in range(5)]
    rtsp = {c: f"{rtsp_server}/healthy" for c in ids[:6]}
    rtsp[ids[6]] = f"{rtsp_server}/black"
    rtsp[ids[7]] = "rtsp://127.0.0.1:1/nothing"  # the media server's URL does not answer
    # ids[8], ids[9]: the platform answers 486 点播超时 (device does not send the stream)
    wvp_app.post("/_test/state", json={"rtsp": rtsp, "play_delay_s": 0.2})
    before = wvp_app.get("/_test/counts").json()
    summary = run_via_platform(
        platform_store, rest_url(wvp_app_url), max_open=2, deadline_s=8.0, concurrency=1
    )
    after = wvp_app.get("/_test/counts").json()
    played = after["play"] - before["play"]
    assert played == 10
    assert after["stop"] - before["stop"] == played
    assert after["open"] == {}
    assert after["max_open"] <= 2
    results = platform_store.health_results(include_snapshots=False).set_index("device_id")
    assert set(results.index) == set(ids)
    assert (results.loc[ids[:6], "verdict"] == "ok").all()
    assert results.at[ids[6], "verdict"] == "degraded"
    assert "black" in list(results.at[ids[6], "faults"])
    assert results.at[ids[7], "verdict"] == "offline"
    assert results.loc[ids[8:], "verdict"].eq("offline").all()
    assert results.at[ids[8], "reason"] == "timeout"
    assert summary["checked"] == 10 and summary["via_platform"]["cameras"] == 10


def test_snapshot_only_uses_the_snapshot_api_and_opens_no_stream(
    platform_store: Store, wvp_app: httpx.Client, wvp_app_url: str
) -> None:
    import cv2
    import numpy as np

    frame = np.zeros((180, 320, 3), np.uint8)  # a black picture
    ok, jpeg = cv2.imencode(".jpg", frame)
    assert ok
    wvp_app.post("/_test/state", json={"snapshot_hex": jpeg.tobytes().hex()})
    before = wvp_app.get("/_test/counts").json()
    run_via_platform(platform_store, rest_url(wvp_app_url), snapshot_only=True, max_open=3)
    after = wvp_app.get("/_test/counts").json()
    assert after["play"] == before["play"]
    results = platform_store.health_results(include_snapshots=False)
    assert len(results) == 10
    assert all("black" in list(f) for f in results["faults"])
