"""The morning worklist (派修清单): who fixes which camera, from one finished night's results.

Pure functions over frames (no store, no files): :mod:`sharpeyes.jobs.worklist` reads the store
and writes the workbook.

* :func:`fault_streaks` — how many finished nights in a row each camera has been faulty or offline;
* :func:`worklist_rows` — one row per faulty or offline camera, routed to whoever fixes it: the
  carrier (运营商) for a network fault (no TCP connection to the camera), the camera's maintenance
  contractor (``management_unit``) for a stream or picture fault;
* :func:`contractor_summary` — each contractor's online and intact rates (完好率) against the
  targets: ≥ 98 % for class I (key public areas), ≥ 95 % for class II (key industries).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from sharpeyes.model.codes import FAULT_KINDS, FAULTS, OFFLINE_REASONS

#: Where network faults go: the carrier of the video private network, not a camera contractor.
CARRIER = "运营商(网络故障)"
#: Cameras with no maintenance contractor in the registry.
NO_CONTRACTOR = "(未填维护单位)"
#: Intact-rate targets by point class (DESIGN.md: 98 % key public areas, 95 % key industries).
INTACT_TARGETS: Mapping[int, float] = {1: 0.98, 2: 0.95}

ROW_COLUMNS = (
    "route",
    "device_id",
    "name",
    "address",
    "township",
    "management_unit",
    "point_class",
    "verdict",
    "fault_kind",
    "fault_kind_zh",
    "faults",
    "faults_zh",
    "reason",
    "reason_zh",
    "detail",
    "nights",
    "since",
    "mode",
)


def _zh(table: Any, key: str | None) -> str:
    if not key:
        return ""
    code = table.get(key) if hasattr(table, "get") else None
    return str(getattr(code, "zh", key)) if code is not None else str(key)


def _kind(verdict: str, measures: Any, faults: Sequence[str]) -> str | None:
    m = measures if isinstance(measures, dict) else {}
    kind = m.get("fault_kind")
    if kind:
        return str(kind)
    if verdict == "offline":
        return "stream"
    return "picture" if faults else None


def fault_streaks(history: Sequence[tuple[str, pd.DataFrame]]) -> pd.DataFrame:
    """``device_id, nights, since``: for every camera faulty or offline in the newest of ``history``
    (``(night, results)`` of finished runs, oldest first), how many runs in a row ended so, and the
    night the streak began."""
    if not history:
        return pd.DataFrame(columns=["device_id", "nights", "since"])
    bad_by_night = []
    for night, results in history:
        faulty = results[results["verdict"].isin(["offline", "degraded"])]
        bad_by_night.append((str(night), set(faulty["device_id"].astype(str))))
    rows = []
    for device_id in sorted(bad_by_night[-1][1]):
        nights, since = 0, bad_by_night[-1][0]
        for night, ids in reversed(bad_by_night):
            if device_id not in ids:
                break
            nights += 1
            since = night
        rows.append({"device_id": device_id, "nights": nights, "since": since})
    return pd.DataFrame(rows, columns=["device_id", "nights", "since"])


def worklist_rows(
    cameras: pd.DataFrame,
    results: pd.DataFrame,
    streaks: pd.DataFrame | None = None,
    *,
    township_names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """One row per camera ``offline`` or ``degraded`` in ``results`` (:data:`ROW_COLUMNS`), faults
    and reasons also in Chinese, ``route`` = :data:`CARRIER` for a network fault, else the
    camera's ``management_unit``; sorted by route, then longest streak first."""
    bad = results[results["verdict"].isin(["offline", "degraded"])]
    if bad.empty:
        return pd.DataFrame(columns=list(ROW_COLUMNS))
    info = cameras.copy()
    info["device_id"] = info["device_id"].astype(str)
    info = info.drop_duplicates("device_id").set_index("device_id")
    streak = (
        streaks.set_index("device_id") if streaks is not None and len(streaks) else pd.DataFrame()
    )
    names = township_names or {}
    rows = []
    for rec in bad.to_dict("records"):
        device_id = str(rec["device_id"])
        cam = info.loc[device_id].to_dict() if device_id in info.index else {}
        faults = [str(f) for f in (rec.get("faults") or [])]
        kind = _kind(str(rec["verdict"]), rec.get("measures"), faults)
        unit = cam.get("management_unit")
        unit = str(unit) if isinstance(unit, str) and unit.strip() else NO_CONTRACTOR
        township = cam.get("township_code")
        township = str(township) if isinstance(township, str) else ""
        reason = rec.get("reason") if isinstance(rec.get("reason"), str) else None
        rows.append(
            {
                "route": CARRIER if kind == "network" else unit,
                "device_id": device_id,
                "name": cam.get("name"),
                "address": cam.get("address"),
                "township": names.get(township, township),
                "management_unit": unit,
                "point_class": cam.get("point_class"),
                "verdict": rec["verdict"],
                "fault_kind": kind,
                "fault_kind_zh": _zh(FAULT_KINDS, kind),
                "faults": faults,
                "faults_zh": "、".join(_zh(FAULTS, f) for f in faults)
                or _zh(OFFLINE_REASONS, reason),
                "reason": reason,
                "reason_zh": _zh(OFFLINE_REASONS, reason),
                "detail": rec.get("detail") or "",
                "nights": int(streak.loc[device_id, "nights"]) if device_id in streak.index else 1,  # type: ignore[arg-type]
                "since": streak.at[device_id, "since"] if device_id in streak.index else None,
                "mode": (rec.get("measures") or {}).get("mode")
                if isinstance(rec.get("measures"), dict)
                else None,
            }
        )
    frame = pd.DataFrame(rows, columns=list(ROW_COLUMNS))
    frame = frame.sort_values(["route", "nights", "device_id"], ascending=[True, False, True])
    return frame.reset_index(drop=True)


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def contractor_summary(
    cameras: pd.DataFrame, results: pd.DataFrame, *, registry: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per maintenance contractor: cameras probed, online, intact, online and intact rates (over
    the probed), intact rate of class I and II against :data:`INTACT_TARGETS`, ``target_met``,
    faults by kind, and ``not_probed`` (未巡检: cameras of ``registry`` without a result)."""
    info = cameras[["device_id", "management_unit", "point_class"]].copy()
    info["device_id"] = info["device_id"].astype(str)
    info["management_unit"] = info["management_unit"].where(
        info["management_unit"].notna() & (info["management_unit"].astype(str).str.strip() != ""),
        NO_CONTRACTOR,
    )
    joined = results.assign(device_id=results["device_id"].astype(str)).merge(
        info.drop_duplicates("device_id"), on="device_id", how="left"
    )
    joined["management_unit"] = joined["management_unit"].fillna(NO_CONTRACTOR)
    kinds = [
        _kind(str(v), m, f or [])
        for v, m, f in zip(joined["verdict"], joined["measures"], joined["faults"], strict=True)
    ]
    joined["fault_kind"] = kinds
    done = set(joined["device_id"])
    missing = pd.Series(dtype=object)
    if registry is not None and len(registry):
        reg = registry[~registry["device_id"].astype(str).isin(done)]
        missing = reg["management_unit"].where(reg["management_unit"].notna(), NO_CONTRACTOR)
    rows = []
    units = sorted(set(joined["management_unit"].astype(str)) | set(missing.astype(str)))
    for unit in units:
        g = joined[joined["management_unit"].astype(str) == unit]
        row: dict[str, Any] = {"management_unit": unit, "probed": len(g)}
        row["online"] = int(g["verdict"].isin(["ok", "degraded"]).sum())
        row["intact"] = int((g["verdict"] == "ok").sum())
        row["online_rate"] = _rate(row["online"], row["probed"])
        row["intact_rate"] = _rate(row["intact"], row["probed"])
        met: list[bool] = []
        for cls, target in INTACT_TARGETS.items():
            c = g[pd.to_numeric(g["point_class"], errors="coerce") == cls]
            rate = _rate(int((c["verdict"] == "ok").sum()), len(c))
            row[f"intact_rate_class{cls}"] = rate
            row[f"target_class{cls}"] = target
            if rate is not None:
                met.append(rate >= target)
        row["target_met"] = all(met) if met else None
        for kind in FAULT_KINDS:
            row[f"{kind}_faults"] = int((g["fault_kind"] == str(kind)).sum())
        row["not_probed"] = int((missing.astype(str) == unit).sum())
        rows.append(row)
    return pd.DataFrame(rows)
