"""``sharpeyes health run --via wvp URL``: the nightly job, streams of cameras without a URL from the platform.

Cameras with a ``stream_url`` are checked as always (:func:`sharpeyes.jobs.health.run_nightly`);
cameras without one that a wvp sync brought in (``extra.wvp_device_id``) are checked first through
the platform (:mod:`sharpeyes.health.platform_streams`), in the same night's run, with at most
``max_open`` streams open on the media server at once.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from sharpeyes._errors import ConfigError
from sharpeyes.health.platform_streams import check_all_via_platform
from sharpeyes.health.verdict import DEFAULT_CONFIG, HealthConfig
from sharpeyes.jobs.health import run_nightly
from sharpeyes.jobs.sync import client_for
from sharpeyes.model.columns import HEALTH_RESULT_COLUMNS

_ROW_KEYS = HEALTH_RESULT_COLUMNS[1:]


def platform_cameras(store: Any) -> list[dict[str, Any]]:
    """Cameras with no stream URL and a wvp parent device: ``device_id``, ``wvp_device_id``."""
    cams = pd.DataFrame(store.cameras().drop(columns="geometry", errors="ignore"))
    if cams.empty:
        return []
    no_url = cams["stream_url"].isna() | (cams["stream_url"].astype(str).str.strip() == "")
    out = []
    for device_id, extra in zip(
        cams.loc[no_url, "device_id"], cams.loc[no_url, "extra"], strict=True
    ):
        bag = json.loads(extra) if isinstance(extra, str) and extra else {}
        if bag.get("wvp_device_id"):
            out.append({"device_id": str(device_id), "wvp_device_id": str(bag["wvp_device_id"])})
    return out


def run_via_platform(
    store: Any,
    url: str,
    *,
    max_open: int = 16,
    snapshot_only: bool = False,
    password_file: str | Path | None = None,
    timeout_s: float = 30.0,
    deadline_s: float = 20.0,
    concurrency: int = 4,
    transport: str = "tcp",
    config: HealthConfig = DEFAULT_CONFIG,
    night: str | None = None,
    progress: bool = False,
    **nightly: Any,
) -> dict[str, Any]:
    """The nightly run with platform streams; returns its summary plus ``via_platform`` counts.

    ``url`` is the platform's REST API (``http(s)://user@host:18080``, password as for
    ``sync wvp``); ``timeout_s`` bounds each platform request (play waits for the device).
    """
    if max_open < 1:
        raise ConfigError(f"--max-open must be at least 1 (got {max_open})")
    cameras = platform_cameras(store)
    run_id = int(store.start_health_run(night))
    verdicts: dict[str, int] = {}
    with client_for(url, password_file=password_file, timeout_s=timeout_s) as client:
        refs = {c["device_id"]: store.reference_frame(c["device_id"]) for c in cameras}
        for row in check_all_via_platform(
            cameras,
            client,
            max_open=max_open,
            references=refs,
            config=config,
            deadline_s=deadline_s,
            transport=transport,
            snapshot_only=snapshot_only,
        ):
            store.add_health_results(run_id, [{k: row.get(k) for k in _ROW_KEYS}])
            if (
                row["verdict"] == "ok"
                and refs.get(row["device_id"]) is None
                and row.get("frame_jpeg")
            ):
                store.set_reference_frame(row["device_id"], row["frame_jpeg"])
            verdicts[row["verdict"]] = verdicts.get(row["verdict"], 0) + 1
        platform = client.name
    summary = run_nightly(
        store,
        concurrency=concurrency,
        night=night,
        deadline_s=deadline_s,
        transport=transport,
        config=config,
        progress=progress,
        **nightly,
    )
    summary["via_platform"] = {
        "platform": platform,
        "cameras": len(cameras),
        "max_open": max_open,
        "snapshot_only": snapshot_only,
        "verdicts": verdicts,
    }
    return summary
