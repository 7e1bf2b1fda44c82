"""The pure parts of the nightly run: check one camera, summarise a run, Prometheus text, streaks.

No store here: :mod:`sharpeyes.jobs.health` reads cameras and reference views from the store, calls
:func:`check_camera` (in threads or on Dask workers — it is a plain picklable function of plain
values) and writes the rows back.

KPIs (DESIGN.md §2), per run and per group:

* online rate = cameras online (``ok`` or ``degraded``) / cameras probed in the run (``checked``);
* intact rate = cameras ``ok`` (online and no picture fault) / cameras probed;
* cameras not probed (no stream URL, not reached) are counted apart as ``not_probed`` (未巡检),
  never as offline.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from sharpeyes.health.probe import probe_stream
from sharpeyes.health.verdict import DEFAULT_CONFIG, FAULT_NAMES, HealthConfig
from sharpeyes.model.codes import OFFLINE_REASONS
from sharpeyes.model.urls import scrub


def check_camera(
    camera: Mapping[str, Any],
    *,
    reference_jpeg: bytes | None = None,
    references: Mapping[str, bytes | None] | None = None,
    config: HealthConfig = DEFAULT_CONFIG,
    deadline_s: float = 20.0,
    transport: str = "tcp",
) -> dict[str, Any]:
    """Probe one camera (``device_id``, ``stream_url``, optional ``stream_user``/``stream_password``
    and ``fov_deg``) and return its results row: ``device_id, verdict, faults, reason, measures,
    started_at, duration_s, snapshot_jpeg, frame_jpeg, detail, mode``. ``references`` are its
    reference views by mode (``day``, ``ir``). Never raises for a bad stream; an unexpected error
    gives ``unknown`` (never ``ok``)."""
    started = datetime.now(UTC)
    t0 = time.monotonic()
    device_id = str(camera["device_id"])
    try:
        fov = camera.get("fov_deg")
        result = probe_stream(
            str(camera["stream_url"]),
            user=_text(camera.get("stream_user")),
            password=_text(camera.get("stream_password")),
            reference_jpeg=reference_jpeg,
            references=references,
            config=config,
            deadline_s=deadline_s,
            transport=transport,
            fov_deg=float(fov) if isinstance(fov, (int, float)) and fov == fov else None,
        )
        row: dict[str, Any] = {
            "device_id": device_id,
            "verdict": result.verdict,
            "faults": list(result.faults),
            "reason": result.reason,
            "measures": dict(result.measures),
            "snapshot_jpeg": result.snapshot_jpeg,
            "frame_jpeg": result.frame_jpeg,
            "detail": result.detail,
            "mode": result.mode,
        }
    except Exception as exc:  # a probe must never take the run down
        row = {
            "device_id": device_id,
            "verdict": "unknown",
            "faults": [],
            "reason": None,
            "measures": {},
            "snapshot_jpeg": None,
            "frame_jpeg": None,
            "detail": scrub(f"{type(exc).__name__}: {exc}")[:300],
            "mode": None,
        }
    row["started_at"] = started.isoformat()
    row["duration_s"] = round(time.monotonic() - t0, 3)
    return row


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value)
    return text or None


def _rates(group: pd.DataFrame) -> dict[str, Any]:
    checked = len(group)
    online = int(group["verdict"].isin(["ok", "degraded"]).sum())
    intact = int((group["verdict"] == "ok").sum())
    return {
        "checked": checked,
        "online": online,
        "intact": intact,
        "offline": int((group["verdict"] == "offline").sum()),
        "degraded": int((group["verdict"] == "degraded").sum()),
        "unknown": int((group["verdict"] == "unknown").sum()),
        "online_rate": round(online / checked, 4) if checked else None,
        "intact_rate": round(intact / checked, 4) if checked else None,
    }


def _not_probed(
    results: pd.DataFrame, cameras: pd.DataFrame | None, group_by: Iterable[str]
) -> tuple[int | None, dict[str, dict[str, int]]]:
    """Cameras of ``cameras`` without a result (未巡检): in all, and per value of each group."""
    if cameras is None or "device_id" not in cameras.columns:
        return None, {}
    done = set(results["device_id"].astype(str)) if len(results) else set()
    missing = cameras[~cameras["device_id"].astype(str).isin(done)]
    by: dict[str, dict[str, int]] = {}
    for column in group_by:
        if column in missing.columns:
            counts = missing[column].fillna("(none)").astype(str).value_counts()
            by[column] = {str(k): int(v) for k, v in counts.items()}
    return len(missing), by


def summarize_run(
    results: pd.DataFrame,
    cameras: pd.DataFrame | None = None,
    *,
    group_by: Iterable[str] = ("admin_code", "township_code", "management_unit"),
    registry: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Summary of a run: rates overall, faults by type, offline reasons, and rates by each of
    ``group_by`` (administrative unit, township, management unit — the contractor) taken from
    ``cameras`` (joined on ``device_id``). Rates are 0–1, over the cameras probed (``checked``).
    ``registry`` (every camera that should be probed, e.g. the networked ones) gives
    ``not_probed`` (未巡检): its cameras without a result, overall and per group."""
    group_by = tuple(group_by)
    not_probed, not_probed_by = _not_probed(results, registry, group_by)
    summary = _summarize(results, registry if registry is not None else cameras, group_by)
    summary["probed"] = summary["checked"]
    summary["not_probed"] = not_probed
    for column, groups in summary["by"].items():
        for key, entry in groups.items():
            entry["not_probed"] = not_probed_by.get(column, {}).get(key, 0)
    for column, counts in not_probed_by.items():
        groups = summary["by"].setdefault(column, {})
        for key, count in counts.items():
            if key not in groups:
                none = pd.DataFrame({"verdict": pd.Series([], dtype=object)})
                groups[key] = {**_rates(none), "not_probed": count, "faults": {}}
    return summary


def _summarize(
    results: pd.DataFrame, cameras: pd.DataFrame | None, group_by: tuple[str, ...]
) -> dict[str, Any]:
    frame = results.copy()
    if frame.empty:
        summary = _rates(pd.DataFrame({"verdict": pd.Series([], dtype=object)}))
        summary.update({"faults": dict.fromkeys(FAULT_NAMES, 0), "reasons": {}, "by": {}})
        return summary
    summary = _rates(frame)
    faults = dict.fromkeys(FAULT_NAMES, 0)
    for value in frame["faults"]:
        for f in value if isinstance(value, (list, tuple)) else []:
            faults[str(f)] = faults.get(str(f), 0) + 1
    summary["faults"] = faults
    reasons = frame.loc[frame["verdict"] == "offline", "reason"].fillna("unknown").value_counts()
    summary["reasons"] = {
        str(k): int(v) for k, v in reasons.items() if k in OFFLINE_REASONS or k == "unknown"
    }
    by: dict[str, Any] = {}
    if cameras is not None and not cameras.empty:
        keep = [c for c in group_by if c in cameras.columns]
        joined = frame.merge(
            pd.DataFrame(cameras[["device_id", *keep]]), on="device_id", how="left"
        )
        for column in keep:
            groups: dict[str, Any] = {}
            for key, group in joined.groupby(joined[column].fillna("(none)").astype(str)):
                entry = _rates(group)
                entry["faults"] = {
                    f: int(
                        sum(
                            f in (v if isinstance(v, (list, tuple)) else [])
                            for v in group["faults"]
                        )
                    )
                    for f in FAULT_NAMES
                }
                groups[str(key)] = entry
            by[column] = groups
    summary["by"] = by
    return summary


#: The text file's metrics: name → (help, label names besides ``night``).
_PROMETHEUS_METRICS: dict[str, tuple[str, tuple[str, ...]]] = {
    "online_rate": ("Cameras online / cameras checked in the last run.", ()),
    "intact_rate": ("Cameras with a good picture / cameras checked.", ()),
    "cameras": ("Cameras checked in the last run, by verdict.", ("verdict",)),
    "not_probed": ("Cameras of the registry the run did not probe (未巡检).", ()),
    "faults": ("Cameras showing each picture fault.", ("fault",)),
    "offline": ("Offline cameras by reason.", ("reason",)),
    "duration_s": ("Wall time of the run, s.", ()),
    "max_camera_s": ("Time of the slowest camera, s.", ()),
    "run_id": ("The run these figures are from.", ()),
}


def prometheus_text(
    summary: Mapping[str, Any], *, run_id: int | None = None, night: str | None = None
) -> str:
    """The run's figures in the Prometheus text exposition format (for node_exporter's textfile
    collector): rates, counts by verdict, faults by type, offline reasons, run timings. Written by
    prometheus_client, which escapes labels and formats values as Prometheus reads them."""
    from prometheus_client import CollectorRegistry, Gauge, generate_latest

    registry = CollectorRegistry()
    base = {"night": night} if night else {}
    gauges: dict[str, Gauge] = {}

    def put(name: str, value: Any, **labels: str) -> None:
        if name not in gauges:  # made on first use: a metric with no value is left out
            doc, extra = _PROMETHEUS_METRICS[name]
            gauges[name] = Gauge(
                f"sharpeyes_health_{name}", doc, [*base, *extra], registry=registry
            )
        gauge = gauges[name]
        target = gauge.labels(**base, **labels) if (base or labels) else gauge
        target.set(float("nan") if value is None else float(value))

    put("online_rate", summary.get("online_rate"))
    put("intact_rate", summary.get("intact_rate"))
    for verdict in ("ok", "degraded", "offline", "unknown"):
        put("cameras", summary.get({"ok": "intact"}.get(verdict, verdict), 0), verdict=verdict)
    if summary.get("not_probed") is not None:
        put("not_probed", summary["not_probed"])
    for fault, count in (summary.get("faults") or {}).items():
        put("faults", count, fault=str(fault))
    for reason, count in (summary.get("reasons") or {}).items():
        put("offline", count, reason=str(reason))
    for key in ("duration_s", "max_camera_s"):
        if summary.get(key) is not None:
            put(key, summary[key])
    if run_id is not None:
        put("run_id", run_id)
    return generate_latest(registry).decode("utf-8")


def offline_streak(history: pd.DataFrame) -> int:
    """How many of the latest runs in a row found the camera offline (``history`` oldest first, with
    ``verdict``)."""
    streak = 0
    for verdict in reversed(list(history["verdict"]) if not history.empty else []):
        if verdict != "offline":
            break
        streak += 1
    return streak
