"""Month on month, the service layer: the stored report periods, the period a report is compared
with (``--compare PERIOD|previous``), the comparison and the trend of a report being written, and a
unit's history (``GET /api/units/{code}/history``).

Every report run is kept with its period (``YYYY-MM``); a re-run in the same period supersedes the
earlier runs of that period: the newest run is the period's figures, the older ones stay in the
store (as results) but are never compared with nor drawn in a trend.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sharpeyes._errors import InputError
from sharpeyes.coverage.report import filter_rows, plain_value, report_rows
from sharpeyes.coverage.trend import (
    Comparison,
    PeriodRun,
    compare_kpis,
    parse_period,
    previous_period,
    trend_frame,
    trend_level,
    unit_history,
)
from sharpeyes.store import Store
from sharpeyes.store.results import period_result, periods

__all__ = [
    "MonthOnMonth",
    "compare_target",
    "history_of_unit",
    "month_on_month",
    "period_runs",
    "removed_records",
    "reported_codes",
    "stored_periods",
    "trend_records",
]


def stored_periods(store: Store) -> list[str]:
    """The periods with a stored report, oldest first."""
    return [str(p) for p in periods(store)["period"]]


def _listed(names: list[str]) -> str:
    return ", ".join(names) if names else "none (run `sharpeyes report` first)"


def compare_target(store: Store, compare: str, *, period: str) -> tuple[str, int]:
    """The period and result id a report of ``period`` is compared with: ``compare`` is a period
    (``YYYY-MM``) or ``previous`` (the latest stored period before ``period``).

    Raises :class:`InputError`, listing the stored periods, when that period has no stored report
    (the period being reported does not count: its stored run is about to be superseded).
    """
    table = periods(store)
    stored = [str(p) for p in table["period"]]
    others = [p for p in stored if p != period]
    if compare.strip().lower() == "previous":
        target = previous_period(others, period)
        if target is None:
            raise InputError(
                f"no stored report before {period} to compare with; stored periods: {_listed(stored)}",
                field="compare",
                value=compare,
            )
    else:
        target = parse_period(compare, field="compare")
        if target == period:
            raise InputError(
                f"cannot compare period {period} with itself: name another period or `previous`",
                field="compare",
                value=compare,
            )
        if target not in others:
            raise InputError(
                f"no stored report of period {target}; stored periods: {_listed(stored)}",
                field="compare",
                value=compare,
            )
    result_id = int(table.loc[table["period"] == target, "result_id"].iloc[0])
    return target, result_id


def period_runs(store: Store, names: list[str] | None = None) -> list[PeriodRun]:
    """The newest report of each stored period (of ``names``; default every one), oldest first."""
    runs = []
    for name in stored_periods(store) if names is None else names:
        found = period_result(store, name)
        if found is None:
            continue
        result_id, document = found
        rows = list(document.get("rows") or [])
        runs.append(PeriodRun(name, result_id, document.get("generated_at"), rows))
    return runs


@dataclass
class MonthOnMonth:
    """What a report being written gets from the earlier periods: its ``rows`` (with the comparison
    columns when compared), the ``comparison``, the ``trend`` frame, ``meta`` lines for the
    document and the 说明 sheet, and ``summary`` counts for the command."""

    rows: list[dict[str, Any]]
    comparison: Comparison | None = None
    trend: pd.DataFrame | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)

    def json_extra(self) -> dict[str, Any]:
        """Keys of the JSON report: ``removed_rows`` (when compared), ``trend`` (when drawn)."""
        extra: dict[str, Any] = {}
        if self.comparison is not None:
            extra["removed_rows"] = removed_records(self.comparison)
        if self.trend is not None:
            extra["trend"] = trend_records(self.trend)
        return extra

    def csv_rows(self) -> list[dict[str, Any]]:
        """The CSV's rows: the report's, then those of units gone since (``compare_status`` removed)."""
        return self.rows + removed_records(self.comparison)


def _filtered(
    rows: list[dict[str, Any]], unit: str | None, level: str | None
) -> list[dict[str, Any]]:
    """``rows`` under ``unit`` / of ``level``; an earlier period without that unit has no rows."""
    try:
        return filter_rows(rows, unit=unit, level=level)
    except InputError:
        return []


def month_on_month(
    store: Store,
    rows: list[dict[str, Any]],
    *,
    period: str,
    compare_to: tuple[str, int] | None = None,
    unit: str | None = None,
    level: str | None = None,
    with_trend: bool = True,
) -> MonthOnMonth:
    """Compare the report ``rows`` of ``period`` (already saved) with the stored report
    ``compare_to`` (period, result id), filtered alike by ``unit`` and ``level``; and, with
    ``with_trend``, each county's rates over every stored period (2 or more)."""
    out = MonthOnMonth(rows=rows, meta={"period": period}, summary={"period": period})
    if compare_to is not None:
        target, result_id = compare_to
        document = store.result(result_id) or {}
        previous = _filtered(list(document.get("rows") or []), unit, level)
        comparison = compare_kpis(
            pd.DataFrame(rows),
            pd.DataFrame(previous),
            period=period,
            previous_period=target,
            previous_result_id=result_id,
        )
        out.comparison = comparison
        out.rows = report_rows(comparison.rows)
        out.meta["compared_to"] = target
        out.meta["compared_result_id"] = result_id
        out.summary.update(comparison.summary())
    if with_trend:
        runs = period_runs(store)
        if len(runs) >= 2:
            scoped = [
                PeriodRun(
                    r.period,
                    r.result_id,
                    r.generated_at,
                    _filtered([dict(x) for x in r.rows], unit, None),
                )
                for r in runs
            ]
            trend = trend_frame(scoped, level=trend_level(_filtered(rows, unit, None)))
            out.trend = trend
            out.meta["trend_periods"] = [r.period for r in runs]
            out.summary["trend_periods"] = len(runs)
    return out


def removed_records(comparison: Comparison | None) -> list[dict[str, Any]]:
    """The earlier period's rows of units/classes gone since (plain values)."""
    if comparison is None or comparison.removed.empty:
        return []
    return [
        {str(k): plain_value(v) for k, v in r.items()}
        for r in comparison.removed.to_dict("records")
    ]


def trend_records(trend: pd.DataFrame | None) -> list[dict[str, Any]]:
    """The trend frame as JSON rows."""
    if trend is None:
        return []
    return [{str(k): plain_value(v) for k, v in r.items()} for r in trend.to_dict("records")]


def history_of_unit(
    store: Store, code: str, *, point_class: str | None = None
) -> dict[str, Any] | None:
    """Unit ``code``'s KPI rows in every stored period (oldest first), or ``None`` when no stored
    report has that unit. ``point_class``: ``all``, ``1``, ``2`` or ``3`` keeps that class's rows."""
    runs = period_runs(store)
    series = unit_history(runs, code)
    if not series:
        return None
    if point_class is not None:
        series = [s for s in series if str(s.get("point_class")) == point_class]
    latest: dict[str, Any] = series[-1] if series else {}
    return {
        "code": code,
        "name": latest.get("unit_name"),
        "level": latest.get("level"),
        "periods": [r.period for r in runs if any(s["period"] == r.period for s in series)],
        "series": series,
    }


def reported_codes(store: Store) -> frozenset[str]:
    """Every unit code in the stored reports of every period."""
    return frozenset(str(r.get("unit_code")) for run in period_runs(store) for r in run.rows)
