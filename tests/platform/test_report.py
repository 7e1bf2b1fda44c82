"""The report shows the platform's online rate beside the probe's, and where the two disagree."""

from __future__ import annotations

import geopandas as gpd
import httpx
import pytest
import shapely

from sharpeyes.coverage.kpis import KPI_KEYS
from sharpeyes.jobs.coverage import compute_report
from sharpeyes.jobs.sync import sync_wvp
from sharpeyes.store import Store
from tests.platform import wvp_data as w
from tests.platform.test_sync_rest import load, rest_url
from tests.platform.wvp_app import PASSWORD


def _units() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "code": ["211200", "211202", "211202001", "211202002"],
            "name": ["铁岭市", "银州区", "西街道", "东街道"],
            "level": ["city", "county", "township", "township"],
            "parent_code": [None, "211200", "211202", "211202"],
        },
        geometry=[
            shapely.box(123.5, 42.0, 124.1, 42.5),
            shapely.box(123.5, 42.0, 124.1, 42.5),
            shapely.box(123.5, 42.0, 123.8, 42.5),
            shapely.box(123.8, 42.0, 124.1, 42.5),
        ],
        crs="EPSG:4326",
    )


def test_platform_online_rate_beside_probe_online_rate(
    wvp_app: httpx.Client, wvp_app_url: str, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHARPEYES_WVP_PASSWORD", PASSWORD)
    devices, channels = w.platform(2, 60, seed=9)
    load(wvp_app, devices, channels)
    store = Store.open(sqlite_url)
    store.replace_units(_units())
    sync_wvp(store, rest_url(wvp_app_url))
    # the night's probe: the first 40 channels checked, every 4th found offline
    run = store.start_health_run("2026-12-01")
    probed = channels[:40]
    verdict = {c["channelId"]: "offline" if i % 4 == 0 else "ok" for i, c in enumerate(probed)}
    store.add_health_results(
        run,
        [{"device_id": d, "verdict": v, "faults": [], "measures": {}} for d, v in verdict.items()],
    )
    store.finish_health_run(run, {})
    compute_report(store, area="none")
    doc = store.latest_result("report")
    assert doc is not None
    row = next(r for r in doc["rows"] if r["unit_code"] == "211202" and r["point_class"] == "all")
    keys = list(row)
    assert keys[: len(KPI_KEYS)] == list(KPI_KEYS)  # the report's promised first columns
    assert keys[len(KPI_KEYS)] == "platform_online_rate"
    online = sum(c["status"] for c in channels)
    assert row["platform_channels"] == len(channels)
    assert row["platform_online_rate"] == pytest.approx(online / len(channels))
    assert row["online_rate"] == pytest.approx(30 / 40)  # probe: online / cameras probed (#13)
    said = {c["channelId"]: c["status"] for c in channels}
    expected = sorted(
        d
        for d, v in verdict.items()
        if (said[d] == 1 and v == "offline") or (said[d] == 0 and v == "ok")
    )
    assert expected  # the seed gives both kinds of disagreement a chance; at least one exists
    assert [r["device_id"] for r in doc["platform_probe_disagreements"]] == expected
    assert row["platform_online_probe_offline"] + row["platform_offline_probe_online"] == len(
        expected
    )
    townships = [r for r in doc["rows"] if r["level"] == "township" and r["point_class"] == "all"]
    assert sum(r["platform_channels"] for r in townships) == len(channels)
