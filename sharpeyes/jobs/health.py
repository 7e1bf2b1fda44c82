"""The nightly camera-health job: store ↔ :mod:`sharpeyes.health`.

``run_nightly(store)`` checks every camera that has a stream, a bounded number at a time (threads
here, or the workers of a Dask cluster with ``dask_address``), writes one results row per camera as
soon as it is done, resumes the same night's run after a crash without checking a camera twice,
and ends with a summary (kept in the run and as ``save_result("health", ...)``) and a Prometheus
text file.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import pandas as pd

from sharpeyes._errors import ConfigError, InputError
from sharpeyes.health.nightly import check_camera, offline_streak, prometheus_text, summarize_run
from sharpeyes.health.reader_pool import close_orphans, warm
from sharpeyes.health.verdict import DEFAULT_CONFIG, HealthConfig
from sharpeyes.model.columns import HEALTH_RESULT_COLUMNS
from sharpeyes.model.urls import mask_url
from sharpeyes.store.health_extra import references, set_reference

log = logging.getLogger(__name__)

_ROW_KEYS = HEALTH_RESULT_COLUMNS[1:]  # run_id is given apart


def _cameras_with_streams(store: Any, device_ids: list[str] | None = None) -> pd.DataFrame:
    cameras = store.cameras(include_credentials=True, device_ids=device_ids)
    frame = pd.DataFrame(cameras.drop(columns="geometry", errors="ignore"))
    if frame.empty or "stream_url" not in frame.columns:
        return frame.iloc[0:0]
    has = frame["stream_url"].notna() & (frame["stream_url"].astype(str).str.strip() != "")
    return frame.loc[has].reset_index(drop=True)


def probe_registry(store: Any) -> pd.DataFrame:
    """Every camera that should be probed: networked, or with a stream URL (for 未巡检)."""
    cameras = pd.DataFrame(store.cameras().drop(columns="geometry", errors="ignore"))
    if cameras.empty:
        return cameras
    networked = (
        cameras["networked"].astype("boolean").fillna(False)
        if "networked" in cameras
        else pd.Series(False, index=cameras.index)
    )
    has_url = (
        cameras["stream_url"].notna() & (cameras["stream_url"].astype(str).str.strip() != "")
        if "stream_url" in cameras
        else pd.Series(False, index=cameras.index)
    )
    return cameras.loc[networked.to_numpy(bool) | has_url.to_numpy(bool)].reset_index(drop=True)


def _job_row(camera: Mapping[Any, Any]) -> dict[str, Any]:
    keys = ("device_id", "stream_url", "stream_user", "stream_password", "fov_deg")
    return {k: camera.get(k) for k in keys}


#: One job: the camera's row and its reference views by mode.
Job = tuple[dict[str, Any], dict[str, bytes | None]]


def _progress(total: int, enabled: bool) -> Callable[[], None]:
    if not enabled or total == 0:
        return lambda: None
    from tqdm import tqdm

    bar = tqdm(total=total, file=sys.stderr, unit="camera", desc="health")
    return lambda: bar.update(1)


def _checks_local(
    jobs: Sequence[Job],
    *,
    concurrency: int,
    config: HealthConfig,
    deadline_s: float,
    transport: str,
) -> Iterator[dict[str, Any]]:
    with ThreadPoolExecutor(
        max_workers=max(1, concurrency), thread_name_prefix="health", initializer=warm
    ) as pool:
        futures = [
            pool.submit(
                check_camera,
                cam,
                references=ref,
                config=config,
                deadline_s=deadline_s,
                transport=transport,
            )
            for cam, ref in jobs
        ]
        for future in as_completed(futures):
            yield future.result()
    close_orphans()  # the pool's threads are gone: so are their reader children


def _checks_dask(
    jobs: Sequence[Job],
    *,
    address: str,
    config: HealthConfig,
    deadline_s: float,
    transport: str,
) -> Iterator[dict[str, Any]]:
    from dask.distributed import Client
    from dask.distributed import as_completed as dask_completed

    with Client(address) as client:
        futures = [
            client.submit(
                check_camera,
                cam,
                references=ref,
                config=config,
                deadline_s=deadline_s,
                transport=transport,
                key=f"health-{cam['device_id']}-{i}",
                pure=False,
            )
            for i, (cam, ref) in enumerate(jobs)
        ]
        for future in dask_completed(futures):
            yield future.result()


def run_nightly(
    store: Any,
    *,
    concurrency: int = 4,
    resume: bool = False,
    dask_address: str | None = None,
    snapshot_dir: Path | str | None = None,
    deadline_s: float = 20.0,
    progress: bool = True,
    night: str | None = None,
    prometheus_path: Path | str | None = None,
    transport: str = "tcp",
    config: HealthConfig = DEFAULT_CONFIG,
    device_ids: list[str] | None = None,
    auto_reference: bool = True,
) -> dict[str, Any]:
    """Check every camera with a stream and keep the results; returns the run's summary.

    Parameters
    ----------
    concurrency:
        Cameras probed at the same time (threads, each driving one ffmpeg child).
    resume:
        Continue the night's unfinished run and skip cameras it already has. Without it an
        unfinished run of the same night is still continued (a camera is never counted twice),
        but cameras already done are checked again.
    dask_address:
        Scheduler address (``tcp://host:8786``): the probes run on that cluster's workers.
    snapshot_dir:
        Also write each camera's last snapshot there as ``<device_id>.jpg``.
    deadline_s:
        Hard limit per camera, seconds of wall time.
    prometheus_path:
        Where to write the run's figures in Prometheus text format (default: beside
        ``snapshot_dir`` if given, else not written).
    auto_reference:
        A camera without a reference view gets its picture as reference when it is ``ok``.
    """
    _check_run_options(concurrency=concurrency, deadline_s=deadline_s, transport=transport)
    t0 = time.monotonic()
    cameras, run_id, done, jobs = _start_run(
        store, night=night, device_ids=device_ids, resume=resume
    )
    snapshots = Path(snapshot_dir) if snapshot_dir else None
    if snapshots:
        snapshots.mkdir(parents=True, exist_ok=True)
    checks = _checks(
        jobs,
        dask_address,
        concurrency=concurrency,
        config=config,
        deadline_s=deadline_s,
        transport=transport,
    )
    max_camera_s = _keep_checks(
        store, run_id, checks, jobs, auto=auto_reference, snapshots=snapshots, progress=progress
    )
    summary = _finish_run(
        store,
        run_id,
        cameras,
        {
            "checked_now": len(jobs),
            "resumed_skipped": len(done),
            "duration_s": round(time.monotonic() - t0, 3),
            "max_camera_s": round(max_camera_s, 3),
            "deadline_s": deadline_s,
            "concurrency": concurrency if not dask_address else None,
            "dask": mask_url(dask_address) if dask_address else None,
        },
    )
    target = (
        Path(prometheus_path)
        if prometheus_path
        else (snapshots / "health.prom" if snapshots else None)
    )
    if target:
        _write_prometheus(summary, run_id=run_id, target=target)
    return summary


def _start_run(
    store: Any, *, night: str | None, device_ids: list[str] | None, resume: bool
) -> tuple[pd.DataFrame, int, set[str], list[Job]]:
    """Open (or continue) the night's run: the cameras with a stream, the run id, the cameras
    already done in it (when resuming), and the jobs left (camera row, references)."""
    cameras = _cameras_with_streams(store, device_ids)
    run_id = int(store.start_health_run(night))
    done = store.done_in_run(run_id) if resume else set()
    todo = [c for c in cameras.to_dict("records") if str(c["device_id"]) not in done]
    log.info(
        "health run %s: %d cameras with a stream, %d already done", run_id, len(cameras), len(done)
    )
    jobs: list[Job] = [(_job_row(c), references(store, str(c["device_id"]))) for c in todo]
    return cameras, run_id, done, jobs


def _checks(
    jobs: list[Job],
    dask_address: str | None,
    *,
    concurrency: int,
    config: HealthConfig,
    deadline_s: float,
    transport: str,
) -> Iterator[dict[str, Any]]:
    """The checks' rows as they finish: on the dask cluster at ``dask_address``, else here."""
    if dask_address:
        return _checks_dask(
            jobs, address=dask_address, config=config, deadline_s=deadline_s, transport=transport
        )
    return _checks_local(
        jobs, concurrency=concurrency, config=config, deadline_s=deadline_s, transport=transport
    )


def _finish_run(
    store: Any, run_id: int, cameras: pd.DataFrame, figures: dict[str, Any]
) -> dict[str, Any]:
    """The run's summary (the stored results, then ``figures`` of this pass), stored as the run's
    and as the latest ``health`` result."""
    results = store.health_results(run_id, include_snapshots=False)
    summary = summarize_run(results, cameras, registry=probe_registry(store))
    summary.update(
        {
            "run_id": run_id,
            "night": _night_of(store, run_id),
            "cameras_with_stream": len(cameras),
            **figures,
        }
    )
    store.finish_health_run(run_id, summary)
    store.save_result("health", summary)
    return summary


def _check_run_options(*, concurrency: int, deadline_s: float, transport: str) -> None:
    """Refuse options the run cannot honour, before anything is started."""
    if concurrency < 1:
        raise ConfigError(f"--concurrency must be at least 1 (got {concurrency})")
    if deadline_s <= 0:
        raise ConfigError(f"--deadline-s must be positive (got {deadline_s})")
    if transport not in ("tcp", "udp"):
        raise ConfigError(f"RTSP transport must be tcp or udp (got {transport!r})")


def _keep_checks(
    store: Any,
    run_id: int,
    checks: Iterator[dict[str, Any]],
    jobs: list[Job],
    *,
    auto: bool,
    snapshots: Path | None,
    progress: bool,
) -> float:
    """Keep every check of ``jobs`` as it finishes (:func:`_keep_check`), with a progress bar if
    ``progress``; returns the slowest camera's seconds. ``auto``: take ok pictures as references."""
    has_reference = {str(c["device_id"]): refs for c, refs in jobs}
    tick = _progress(len(jobs), progress)
    max_camera_s = 0.0
    for row in checks:
        max_camera_s = max(max_camera_s, float(row.get("duration_s") or 0.0))
        _keep_check(
            store,
            run_id,
            row,
            refs=has_reference.get(row["device_id"]),
            auto_reference=auto,
            snapshots=snapshots,
        )
        tick()
    return max_camera_s


def _keep_check(
    store: Any,
    run_id: int,
    row: dict[str, Any],
    *,
    refs: Any,
    auto_reference: bool,
    snapshots: Path | None,
) -> None:
    """Store one camera's check; take its picture as reference when it is ``ok`` and has none for
    its mode (``refs``: its references by mode); write its snapshot; log offline/unknown."""
    device_id = row["device_id"]
    store.add_health_results(run_id, [{k: row.get(k) for k in _ROW_KEYS}])
    mode = row.get("mode") or "day"
    if (
        auto_reference
        and row["verdict"] == "ok"
        and not (refs or {}).get(mode)
        and row.get("frame_jpeg")
    ):
        set_reference(store, device_id, row["frame_jpeg"], mode=mode)
    if snapshots and row.get("snapshot_jpeg"):
        (snapshots / f"{device_id}.jpg").write_bytes(row["snapshot_jpeg"])
    if row["verdict"] in ("offline", "unknown"):
        log.info("%s %s: %s (%s)", device_id, row["verdict"], row.get("reason"), row.get("detail"))


def _write_prometheus(summary: dict[str, Any], *, run_id: int, target: Path) -> None:
    """The run's figures in Prometheus text format, replaced atomically at ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".prom.tmp")
    tmp.write_text(
        prometheus_text(summary, run_id=run_id, night=summary["night"]), encoding="utf-8"
    )
    os.replace(tmp, target)


def _night_of(store: Any, run_id: int) -> str | None:
    runs = store.health_runs()
    match = runs.loc[runs["run_id"] == run_id, "night"]
    return None if match.empty else str(match.iloc[0])


def set_references(
    store: Any,
    *,
    device_ids: list[str] | None = None,
    deadline_s: float = 20.0,
    concurrency: int = 4,
    transport: str = "tcp",
    config: HealthConfig = DEFAULT_CONFIG,
    force: bool = False,
) -> dict[str, Any]:
    """Take each camera's current picture as its reference view (``sharpeyes health reference``)
    of the picture's mode: a colour picture replaces the day reference, an IR one the IR reference.

    Only a picture judged ``ok`` becomes a reference (a black, blurred or covered picture would
    hide its own fault), unless ``force``; returns ``{"set": [...], "failed": {id: reason}}``
    where the reason is the offline reason or the faults found.
    """
    cameras = _cameras_with_streams(store, device_ids)
    jobs: list[Job] = [(_job_row(c), {}) for c in cameras.to_dict("records")]
    done: list[str] = []
    failed: dict[str, str] = {}
    for row in _checks_local(
        jobs, concurrency=concurrency, config=config, deadline_s=deadline_s, transport=transport
    ):
        usable = row["verdict"] == "ok" or (force and row["verdict"] == "degraded")
        if row.get("frame_jpeg") and usable:
            set_reference(store, row["device_id"], row["frame_jpeg"], mode=row.get("mode") or "day")
            done.append(row["device_id"])
        else:
            why = row.get("reason") or ",".join(row.get("faults") or []) or row["verdict"]
            failed[row["device_id"]] = str(why)
    return {"set": sorted(done), "failed": dict(sorted(failed.items()))}


def camera_history(store: Any, device_id: str) -> dict[str, Any]:
    """One camera's results over the nights, oldest first, and its current offline streak.

    Raises :class:`~sharpeyes.InputError` for a device ID that is not in the store.
    """
    history = store.health_history(device_id)
    if len(history) == 0 and store.camera(device_id) is None:
        raise InputError(
            "no camera with this device ID in the store: see `sharpeyes cameras export`",
            field="device_id",
            value=device_id,
        )
    rows = [
        {
            "night": r.get("night"),
            "run_id": r.get("run_id"),
            "verdict": r.get("verdict"),
            "faults": r.get("faults"),
            "reason": r.get("reason"),
            "duration_s": r.get("duration_s"),
        }
        for r in history.to_dict("records")
    ]
    return {"device_id": device_id, "offline_streak": offline_streak(history), "runs": rows}


def offline_nights(store: Any, *, nights: int = 3) -> pd.DataFrame:
    """Cameras found offline in each of the last ``nights`` runs in a row ("offline three nights
    running"): columns ``device_id, offline_nights, last_reason``."""
    runs = store.health_runs()
    if runs.empty:
        return pd.DataFrame(columns=["device_id", "offline_nights", "last_reason"])
    recent = list(runs.sort_values("run_id")["run_id"])[-nights:]
    if len(recent) < nights:
        return pd.DataFrame(columns=["device_id", "offline_nights", "last_reason"])
    frames = [
        store.health_results(int(r), include_snapshots=False).assign(run_id=int(r)) for r in recent
    ]
    offline_sets = [set(f.loc[f["verdict"] == "offline", "device_id"].astype(str)) for f in frames]
    common = set.intersection(*offline_sets)
    last = frames[-1].set_index("device_id")
    rows = [
        {
            "device_id": d,
            "offline_nights": nights,
            "last_reason": last.at[d, "reason"] if d in last.index else None,
        }
        for d in sorted(common)
    ]
    return pd.DataFrame(rows, columns=["device_id", "offline_nights", "last_reason"])
