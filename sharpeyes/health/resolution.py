"""What cameras really send, against what the registry claims (pure functions over frames).

A probe records each stream's codec and size (``measures``: ``codec``, ``stream_width_px``,
``stream_height_px``). From a run's results:

* :func:`stream_resolutions` — one row per probed camera with its stream's size and codec;
* :func:`with_stream_resolution` — the cameras frame with ``resolution`` (vertical lines) taken from
  the stream, for an HD ratio of what cameras really send (``report --hd-source stream``);
* :func:`resolution_mismatches` — cameras whose stream contradicts the registry (a registry saying
  1080p for a camera that sends 704×576).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

STREAM_COLUMNS = ("device_id", "stream_width_px", "stream_height_px", "codec")


def stream_resolutions(results: pd.DataFrame) -> pd.DataFrame:
    """``device_id, stream_width_px, stream_height_px, codec`` of every result whose probe read the
    stream's size (heights in lines; the last result of a camera wins)."""
    rows: list[dict[str, Any]] = []
    if len(results) and "measures" in results:
        for device_id, measures in zip(results["device_id"], results["measures"], strict=True):
            m = measures if isinstance(measures, dict) else {}
            height = m.get("stream_height_px")
            if height is None or height != height:
                continue
            rows.append(
                {
                    "device_id": str(device_id),
                    "stream_width_px": float(m.get("stream_width_px") or np.nan),
                    "stream_height_px": float(height),
                    "codec": m.get("codec"),
                }
            )
    frame = pd.DataFrame(rows, columns=list(STREAM_COLUMNS))
    return frame.drop_duplicates("device_id", keep="last").reset_index(drop=True)


def with_stream_resolution(cameras: pd.DataFrame, results: pd.DataFrame) -> pd.DataFrame:
    """``cameras`` with ``resolution`` = the vertical size of the stream each really sends, unknown
    (NaN) where it was not read, and ``is_hd`` cleared so that the stream decides."""
    sizes = stream_resolutions(results).set_index("device_id")["stream_height_px"]
    out = cameras.copy()
    ids = out["device_id"].astype(str) if "device_id" in out else pd.Series([], dtype=str)
    out["resolution"] = ids.map(sizes).astype("float64").to_numpy()
    if "is_hd" in out:
        out["is_hd"] = pd.array([pd.NA] * len(out), dtype="boolean")
    return out


#: The columns of :func:`resolution_mismatches` (and of the report's 分辨率不符 sheet).
MISMATCH_COLUMNS: tuple[str, ...] = (
    "device_id",
    "name",
    "management_unit",
    "registry_lines",
    "registry_hd",
    "stream_width_px",
    "stream_height_px",
    "codec",
)


def resolution_mismatches(
    cameras: pd.DataFrame,
    results: pd.DataFrame,
    *,
    hd_min_lines: int = 1080,
    tolerance: float = 0.1,
) -> pd.DataFrame:
    """Cameras whose registry resolution (vertical lines) differs from the stream's by more than
    ``tolerance`` (a share), or whose registry says HD while the stream is below ``hd_min_lines``:
    ``device_id, name, management_unit, registry_lines, registry_hd, stream_width_px,
    stream_height_px, codec``."""
    columns = list(MISMATCH_COLUMNS)
    streams = stream_resolutions(results)
    if streams.empty or cameras.empty:
        return pd.DataFrame(columns=columns)
    keep = [
        c for c in ("device_id", "name", "management_unit", "resolution", "is_hd") if c in cameras
    ]
    registry = pd.DataFrame(cameras[keep]).copy()
    registry["device_id"] = registry["device_id"].astype(str)
    joined = streams.merge(registry, on="device_id", how="inner")
    lines = pd.to_numeric(
        joined["resolution"] if "resolution" in joined else pd.Series(np.nan, index=joined.index),
        errors="coerce",
    ).astype("float64")
    claimed_hd = (
        pd.array(list(joined["is_hd"]), dtype="boolean")
        if "is_hd" in joined
        else pd.array([pd.NA] * len(joined), dtype="boolean")
    )
    height = joined["stream_height_px"].to_numpy(dtype=float)
    off = np.abs(lines.to_numpy() - height) > tolerance * np.maximum(lines.to_numpy(), 1.0)
    off &= ~np.isnan(lines.to_numpy())
    hd_claim = np.asarray(pd.Series(claimed_hd).fillna(False), dtype=bool)
    wrong_hd = hd_claim & (height < hd_min_lines)
    out = joined.loc[off | wrong_hd].copy()
    out["registry_lines"] = lines[off | wrong_hd]
    out["registry_hd"] = pd.Series(claimed_hd, index=joined.index)[off | wrong_hd]
    for c in columns:
        if c not in out:
            out[c] = None
    return pd.DataFrame(out[columns]).sort_values("device_id").reset_index(drop=True)
