"""Month on month: a report's KPIs beside those of an earlier period, and each unit's KPIs over the
stored periods. Pure functions over report rows (the JSON rows of
:func:`~sharpeyes.coverage.report.report_rows`); the store keeps one report per period
(``YYYY-MM``, the newest run of a period superseding the earlier ones).

For each unit and point class (rows matched on ``unit_code`` and ``point_class``):

- ``{rate}_prev`` = the rate in the earlier period, ``{rate}_change_pp`` = (rate − earlier rate)
  × 100, in percentage points, for every rate of :data:`COMPARED_RATES`; ``None`` when either
  side is empty (no denominator, no health run, a unit or class not there);
- ``cameras_prev``, ``cameras_change`` (and the same for ``networked``): counts and their difference;
- ``{flag}_change`` for every target flag: ``"newly_met"`` (missed before, met now),
  ``"newly_missed"`` (met before, missed now), else ``None`` (unchanged, or unknown on one side);
- ``compare_status``: ``"new"`` for a unit/class the earlier period did not have, else ``None``;
  rows of the earlier period whose unit/class is gone are returned apart (status ``"removed"``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

import pandas as pd

from sharpeyes._errors import InputError

__all__ = [
    "COMPARED_COUNTS",
    "COMPARED_RATES",
    "TARGET_FLAGS",
    "TREND_RATES",
    "Comparison",
    "PeriodRun",
    "compare_columns",
    "compare_kpis",
    "current_period",
    "parse_period",
    "previous_period",
    "trend_frame",
    "trend_level",
    "unit_history",
]

#: Rates compared in percentage points (those a row has; communities where the report has them).
COMPARED_RATES: Final = (
    "networking_rate",
    "hd_ratio",
    "online_rate",
    "platform_online_rate",
    "intact_rate",
    "village_coverage",
    "community_coverage",
    "area_coverage",
    "place_coverage",
    "road_coverage",
)
#: Counts compared as differences.
COMPARED_COUNTS: Final = ("cameras", "networked")
#: Target flags whose change (newly met / newly missed) is reported.
TARGET_FLAGS: Final = (
    "target_coverage_met",
    "target_networking_met",
    "target_hd_met",
    "target_intact_met",
    "targets_met",
)
#: The rate each target flag judges: its change is highlighted with the flag's change.
JUDGED_RATE: Final = {
    "target_coverage_met": "place_coverage",
    "target_networking_met": "networking_rate",
    "target_hd_met": "hd_ratio",
    "target_intact_met": "intact_rate",
}
#: The KPIs of the trend (each county's rates over the stored periods).
TREND_RATES: Final = tuple(r for r in COMPARED_RATES if r != "platform_online_rate")

_PERIOD = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
_KEY: Final = ("unit_code", "point_class")
_LEVELS: Final = ("city", "county", "township", "village", "grid")


def parse_period(text: str, *, field: str = "period") -> str:
    """``YYYY-MM`` (a month ``YYYY-M`` is padded); anything else is an :class:`InputError`."""
    match = _PERIOD.match(str(text))
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise InputError("a period is a month, YYYY-MM (e.g. 2026-11)", field=field, value=text)
    return f"{int(match.group(1)):04d}-{int(match.group(2)):02d}"


def current_period(now: datetime | None = None) -> str:
    """The month of ``now`` (default: now, in the machine's local time: the office's month)."""
    return (now or datetime.now()).strftime("%Y-%m")


def previous_period(stored: Iterable[str], period: str) -> str | None:
    """The latest of the ``stored`` periods before ``period``, or ``None``."""
    earlier = [p for p in stored if p < period]
    return max(earlier) if earlier else None


@dataclass(frozen=True)
class Comparison:
    """A report's rows beside an earlier period's: ``rows`` (the report's rows with the comparison
    columns), ``removed`` (rows of units/classes gone since), the two periods."""

    period: str | None
    previous_period: str
    previous_result_id: int | None
    rows: pd.DataFrame
    removed: pd.DataFrame
    columns: tuple[str, ...] = field(default=())

    def summary(self) -> dict[str, Any]:
        """Counts for the command's summary: rows compared, new and removed rows, flags changed."""
        changes = [c for c in self.rows.columns if c.endswith("_change") and c.startswith("target")]
        flags: list[Any] = list(self.rows[changes].to_numpy().ravel()) if changes else []
        status = self.rows["compare_status"] if len(self.rows) else pd.Series([], dtype=object)
        return {
            "compared_to": self.previous_period,
            "compared_result_id": self.previous_result_id,
            "new_rows": int((status == "new").sum()),
            "removed_rows": len(self.removed),
            "newly_met": int(sum(1 for f in flags if f == "newly_met")),
            "newly_missed": int(sum(1 for f in flags if f == "newly_missed")),
        }


def _keyed(rows: pd.DataFrame) -> pd.DataFrame:
    out = rows.copy()
    out["_key"] = out["unit_code"].astype(str) + "|" + out["point_class"].astype(str)
    return out.drop_duplicates("_key", keep="last").set_index("_key")


def _number(value: Any) -> float | None:
    if value is None or value is pd.NA or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _flag(value: Any) -> bool | None:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return bool(value)


def compare_columns(columns: Iterable[str]) -> tuple[str, ...]:
    """The comparison columns for report rows with ``columns``, in the order they are added."""
    cols = set(columns)
    out: list[str] = ["compare_status"]
    out += [f"{c}{s}" for c in COMPARED_COUNTS if c in cols for s in ("_prev", "_change")]
    out += [f"{r}{s}" for r in COMPARED_RATES if r in cols for s in ("_prev", "_change_pp")]
    out += [f"{f}_change" for f in TARGET_FLAGS if f in cols]
    return tuple(out)


def _flag_change(before: Any, now: Any) -> str | None:
    was, is_ = _flag(before), _flag(now)
    if was is False and is_ is True:
        return "newly_met"
    if was is True and is_ is False:
        return "newly_missed"
    return None


def _compared_row(
    row: Mapping[str, Any], prev: Mapping[str, Any] | None, cols: set[str]
) -> dict[str, Any]:
    """The comparison columns of one row (``prev``: the earlier period's row, or ``None``)."""
    out: dict[str, Any] = {"compare_status": "new" if prev is None else None}
    before = prev or {}
    for c in COMPARED_COUNTS:
        if c in cols:
            now, was = _number(row.get(c)), _number(before.get(c))
            out[f"{c}_prev"] = None if was is None else int(was)
            out[f"{c}_change"] = None if now is None or was is None else int(now - was)
    for r in COMPARED_RATES:
        if r in cols:
            now, was = _number(row.get(r)), _number(before.get(r))
            out[f"{r}_prev"] = was
            out[f"{r}_change_pp"] = (
                None if now is None or was is None else round((now - was) * 100, 4)
            )
    for f in TARGET_FLAGS:
        if f in cols:
            out[f"{f}_change"] = _flag_change(before.get(f), row.get(f))
    return out


def compare_kpis(
    current: pd.DataFrame,
    previous: pd.DataFrame,
    *,
    period: str | None = None,
    previous_period: str,
    previous_result_id: int | None = None,
) -> Comparison:
    """Compare the report rows ``current`` with the rows ``previous`` of ``previous_period``.

    Both frames are report rows (``unit_code``, ``point_class`` and the KPI columns); a KPI column
    missing on one side is empty there. See the module's docstring for the columns added.
    """
    for name, frame in (("current", current), ("previous", previous)):
        missing = [k for k in _KEY if k not in frame.columns and len(frame)]
        if missing:
            raise InputError(f"{name} report rows lack {', '.join(missing)}")
    cols = set(current.columns) | set(previous.columns)
    before = _keyed(previous) if len(previous) else pd.DataFrame()
    earlier = dict(zip(before.index, before.to_dict("records"), strict=True))
    added = [
        _compared_row(record, earlier.get(f"{record['unit_code']}|{record['point_class']}"), cols)  # type: ignore[arg-type]
        for record in current.to_dict("records")
    ]
    columns = compare_columns(cols)
    extra = pd.DataFrame(  # object columns: an empty value stays None (not NaN)
        {
            c: pd.Series([a.get(c) for a in added], index=current.index, dtype=object)
            for c in columns
        },
        index=current.index,
    )
    rows = pd.concat([current, extra], axis=1)
    now_keys = set(current["unit_code"].astype(str) + "|" + current["point_class"].astype(str))
    gone = before[[k not in now_keys for k in before.index]] if len(before) else before
    removed = gone.reset_index(drop=True).assign(compare_status="removed")
    return Comparison(period, previous_period, previous_result_id, rows, removed, columns)


@dataclass(frozen=True)
class PeriodRun:
    """The report of one period: its period, result id, generation time and rows."""

    period: str
    result_id: int
    generated_at: str | None
    rows: Sequence[Mapping[str, Any]]


def trend_level(rows: Iterable[Mapping[str, Any]]) -> str | None:
    """The level a trend follows: counties when the rows have them, else the highest level they have."""
    levels = {r.get("level") for r in rows}
    if "county" in levels:
        return "county"
    return next((lvl for lvl in _LEVELS if lvl in levels), None)


def trend_frame(
    runs: Sequence[PeriodRun],
    *,
    level: str | None = "county",
    units: Iterable[str] | None = None,
    point_class: Any = "all",
) -> pd.DataFrame:
    """Each unit's KPIs (``point_class`` rows, ``level`` units, or only ``units``) over the periods
    of ``runs``: ``period, unit_code, unit_name, level, cameras, networked`` and
    :data:`TREND_RATES` the rows have (``None`` where empty), oldest period first."""
    wanted = None if units is None else {str(u) for u in units}
    present = {k for run in runs for row in run.rows for k in row}
    rates = [r for r in TREND_RATES if r in present]
    keys = ("unit_code", "unit_name", "level", "point_class", *COMPARED_COUNTS, *rates)
    records = [
        {"period": run.period, **{k: row.get(k) for k in keys}}
        for run in sorted(runs, key=lambda r: r.period)
        for row in run.rows
        if str(row.get("point_class")) == str(point_class)
        and (level is None or row.get("level") == level)
        and (wanted is None or str(row.get("unit_code")) in wanted)
    ]
    frame = pd.DataFrame(records, columns=["period", *keys])
    frame["unit_code"] = frame["unit_code"].astype(str)
    return frame.drop(columns="point_class").reset_index(drop=True)


def unit_history(runs: Sequence[PeriodRun], code: str) -> list[dict[str, Any]]:
    """Every stored period's rows of unit ``code`` (one per point class), oldest period first:
    ``period, result_id, generated_at`` then the row's KPIs (plain values, ``None`` where empty)."""
    out: list[dict[str, Any]] = []
    for run in sorted(runs, key=lambda r: r.period):
        for row in run.rows:
            if str(row.get("unit_code")) == code:
                out.append(
                    {
                        "period": run.period,
                        "result_id": run.result_id,
                        "generated_at": run.generated_at,
                        **{k: _plain(v) for k, v in row.items()},
                    }
                )
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
