"""What the API reads from the store, in one place: the service layer between the routes and the store.

Every function takes the open :class:`~sharpeyes.store.Store` and returns frames or plain values;
stream credentials never leave here (URLs masked), and server paths of uploaded files are cut to the
file's name.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

import pandas as pd

from sharpeyes.model.urls import mask_url
from sharpeyes.store import Store
from sharpeyes.store.health_extra import finished_results, last_finished_run
from sharpeyes.store.versions import camera_columns, data_versions

#: How many of a camera's last health results are searched for a snapshot.
SNAPSHOT_RUNS = 5


def fingerprint(store: Store) -> str:
    """A short text that changes whenever an import or a health run happened."""
    parts: list[str] = []
    for frame in (store.imports(), store.health_runs()):
        parts.append(str(len(frame)))
        if len(frame):
            parts.append(repr(tuple(frame.iloc[-1].astype(str))))
    return "|".join(parts)


def index_frames(store: Store) -> tuple[pd.DataFrame, pd.Series | None]:
    """Every camera (no geometry) and its verdict in the last *finished* health run per
    ``device_id`` (or ``None``): a run still going, or killed half-way, is not what the map shows."""
    cameras = store.cameras()
    _, results = finished_results(store)
    verdicts = None
    if results is not None and len(results) and "verdict" in results:
        verdicts = results.drop_duplicates("device_id", keep="last").set_index("device_id")[
            "verdict"
        ]
    return pd.DataFrame(cameras.drop(columns="geometry", errors="ignore")), verdicts


def open_store(url: str) -> Store:
    """The store at ``url`` (a SQLite path or a SQLAlchemy URL), migrated: for a server worker."""
    return Store.open(url)


def versions(store: Store) -> dict[str, str]:
    """The store's version stamps of cameras, health, units and results (cheap: a few lookups)."""
    return data_versions(store.db)


def index_columns(store: Store, columns: list[str]) -> dict[str, Any]:
    """Columns of every camera for the API's index (arrays; never a credential)."""
    return camera_columns(store.db, columns)


def camera_names(store: Store, device_ids: list[str]) -> dict[str, str]:
    """The name of each of ``device_ids`` that has one."""
    columns = camera_columns(store.db, ["device_id", "name"], device_ids=device_ids)
    return {
        str(d): str(n)
        for d, n in zip(columns["device_id"], columns["name"], strict=True)
        if n is not None
    }


def last_verdicts(store: Store) -> pd.Series | None:
    """The verdict of each camera in the last *finished* health run, by ``device_id`` (or ``None``)."""
    _, results = finished_results(store)
    if results is None or not len(results) or "verdict" not in results:
        return None
    latest = results.drop_duplicates("device_id", keep="last").set_index("device_id")
    return latest["verdict"]


def latest_result(store: Store, kind: str) -> dict[str, Any] | None:
    """The newest saved result document of ``kind`` ("report", "gaps", "network", "plan", "health")."""
    return store.latest_result(kind)


def units(store: Store) -> pd.DataFrame:
    """Every administrative unit (GeoDataFrame, EPSG:4326)."""
    frame: pd.DataFrame = store.units()
    return frame


def police_units(store: Store) -> pd.DataFrame:
    """Every police unit (GeoDataFrame, EPSG:4326; bureau, sub_bureau, station)."""
    frame: pd.DataFrame = store.police_units()
    return frame


def cameras_by_id(store: Store, device_ids: list[str]) -> pd.DataFrame:
    """Full records of ``device_ids`` (any order; missing IDs left out), credentials masked."""
    frame = pd.DataFrame(store.cameras(device_ids=device_ids))
    if "stream_url" in frame:
        frame["stream_url"] = [mask_url(u) for u in frame["stream_url"]]
    return frame


def camera(store: Store, device_id: str) -> dict[str, Any] | None:
    """One camera's record (no geometry, stream URL masked), or ``None``."""
    record = store.camera(device_id)
    if record is None:
        return None
    out = dict(record)
    out.pop("geometry", None)
    out["stream_url"] = mask_url(out.get("stream_url"))
    return out


def changes(store: Store, device_id: str) -> pd.DataFrame:
    """Every field-by-field change imports made to one camera."""
    return store.changes(device_id=device_id)


def health_history(store: Store, device_id: str) -> pd.DataFrame:
    """One camera's health results, oldest first (no snapshots)."""
    return store.health_history(device_id)


def snapshot(store: Store, device_id: str) -> bytes | None:
    """The newest JPEG snapshot among the camera's last :data:`SNAPSHOT_RUNS` health results."""
    history = store.health_history(device_id)
    if history is None or len(history) == 0:
        return None
    for run_id in reversed(history["run_id"].tolist()[-SNAPSHOT_RUNS:]):
        jpeg = store.snapshot(int(run_id), device_id)
        if jpeg:
            return jpeg
    return None


def imports(store: Store) -> pd.DataFrame:
    """Every import, newest last; ``file`` is the file's name only (never a server folder)."""
    frame = store.imports()
    if "file" in frame:
        frame["file"] = [_name_only(v) for v in frame["file"]]
    return frame


def _name_only(value: Any) -> Any:
    if not isinstance(value, str) or not value:
        return value
    return PurePath(value.replace("\\", "/")).name


def rejects(store: Store, import_id: int) -> pd.DataFrame | None:
    """Rows one import refused (file names only), or ``None`` for an unknown import."""
    frame = store.rejects(import_id)
    if frame is not None and "file" in frame:
        frame = frame.copy()
        frame["file"] = [_name_only(v) for v in frame["file"]]
    return frame


def health_runs(store: Store) -> pd.DataFrame:
    """Every health run: night, start, finish, summary."""
    return store.health_runs()


def health_results(store: Store, run_id: int | None) -> pd.DataFrame | None:
    """Per-camera verdicts of one run (default the last *finished* one; no snapshots), ``None``
    before any finished run."""
    if run_id is None:
        run_id = last_finished_run(store)
        if run_id is None:
            return None
    return store.health_results(run_id, include_snapshots=False)
