"""Month on month as pure functions over report rows: periods, the comparison (changes in
percentage points, targets newly met or missed, units that appear or disappear, empty KPIs), the
trend and a unit's history."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from sharpeyes._errors import InputError
from sharpeyes.coverage.trend import (
    PeriodRun,
    compare_kpis,
    current_period,
    parse_period,
    previous_period,
    trend_frame,
    trend_level,
    unit_history,
)


def row(code: str, cls: object = "all", level: str = "county", **kpis: object) -> dict[str, object]:
    base: dict[str, object] = {
        "unit_code": code,
        "unit_name": f"单位{code}",
        "level": level,
        "point_class": cls,
        "cameras": 10,
        "networked": 5,
        "networking_rate": 0.5,
        "online_rate": None,
        "target_networking_met": False,
    }
    return {**base, **kpis}


@pytest.mark.parametrize(
    ("text", "expected"), [("2026-11", "2026-11"), ("2026-1", "2026-01"), (" 2025-12 ", "2025-12")]
)
def test_periods_are_months(text: str, expected: str) -> None:
    assert parse_period(text) == expected


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "202611", "2026/11", "last", ""])
def test_a_period_that_is_not_a_month_is_refused(text: str) -> None:
    with pytest.raises(InputError, match="YYYY-MM") as err:
        parse_period(text, field="compare")
    assert err.value.field == "compare"


def test_current_and_previous_period() -> None:
    assert current_period(datetime(2026, 3, 31, 23, 59)) == "2026-03"
    stored = ["2026-01", "2026-03", "2025-12"]
    assert previous_period(stored, "2026-03") == "2026-01"
    assert previous_period(stored, "2026-02") == "2026-01"
    assert previous_period(stored, "2025-12") is None


def test_changes_in_percentage_points_and_targets_newly_met_or_missed() -> None:
    before = pd.DataFrame(
        [
            row("A", networking_rate=0.5, networked=5, target_networking_met=False),
            row("A", 1, networking_rate=1.0, networked=10, target_networking_met=True),
            row("B", networking_rate=0.8, online_rate=None),
        ]
    )
    now = pd.DataFrame(
        [
            row("A", networking_rate=1.0, networked=10, target_networking_met=True),
            row("A", 1, networking_rate=0.9, networked=9, target_networking_met=False),
            row("B", networking_rate=0.8, online_rate=0.7, target_networking_met=None),
        ]
    )
    c = compare_kpis(now, before, period="2026-11", previous_period="2026-10")
    a, a1, b = c.rows.to_dict("records")
    assert a["networking_rate_prev"] == 0.5 and a["networking_rate_change_pp"] == 50.0
    assert a["networked_prev"] == 5 and a["networked_change"] == 5
    assert a["target_networking_met_change"] == "newly_met"
    assert a1["networking_rate_change_pp"] == pytest.approx(-10.0)
    assert a1["target_networking_met_change"] == "newly_missed"
    # a KPI empty last period: no previous value, no change (not a change from 0)
    assert b["online_rate_prev"] is None and b["online_rate_change_pp"] is None
    assert b["networking_rate_change_pp"] == 0.0
    # a flag unknown now is no change either way
    assert b["target_networking_met_change"] is None
    assert c.summary()["newly_met"] == 1 and c.summary()["newly_missed"] == 1


def test_units_that_appear_or_disappear() -> None:
    before = pd.DataFrame([row("A"), row("A", 1), row("GONE", level="village")])
    now = pd.DataFrame([row("A"), row("NEW", level="village"), row("A", 2)])
    c = compare_kpis(now, before, previous_period="2026-10", previous_result_id=7)
    status = dict(
        zip(
            c.rows["unit_code"] + "|" + c.rows["point_class"].astype(str),
            c.rows["compare_status"],
            strict=False,
        )
    )
    assert status == {"A|all": None, "NEW|all": "new", "A|2": "new"}
    new = c.rows[c.rows["unit_code"] == "NEW"].iloc[0]
    assert new["networking_rate_prev"] is None and new["networking_rate_change_pp"] is None
    assert sorted(
        zip(c.removed["unit_code"], c.removed["point_class"].astype(str), strict=False)
    ) == [
        ("A", "1"),
        ("GONE", "all"),
    ]
    assert set(c.removed["compare_status"]) == {"removed"}
    assert c.summary() == {
        "compared_to": "2026-10",
        "compared_result_id": 7,
        "new_rows": 2,
        "removed_rows": 2,
        "newly_met": 0,
        "newly_missed": 0,
    }


def test_a_kpi_only_one_period_has_is_compared_as_empty() -> None:
    before = pd.DataFrame([row("A")])
    now = pd.DataFrame([row("A", community_coverage=0.4)])
    c = compare_kpis(now, before, previous_period="2026-10")
    first = c.rows.iloc[0]
    assert (
        first["community_coverage_prev"] is None and first["community_coverage_change_pp"] is None
    )


def test_trend_and_history_follow_the_periods() -> None:
    runs = [
        PeriodRun(
            "2026-11",
            2,
            "t2",
            [row("A", networking_rate=0.9), row("A", 1), row("V", level="village")],
        ),
        PeriodRun(
            "2026-10", 1, "t1", [row("A", networking_rate=0.5), row("B", networking_rate=0.2)]
        ),
    ]
    assert trend_level(runs[0].rows) == "county"
    assert trend_level([row("T", level="township")]) == "township"
    trend = trend_frame(runs)
    assert list(
        zip(trend["period"], trend["unit_code"], trend["networking_rate"], strict=False)
    ) == [
        ("2026-10", "A", 0.5),
        ("2026-10", "B", 0.2),
        ("2026-11", "A", 0.9),
    ]
    assert "community_coverage" not in trend  # no report had it
    history = unit_history(runs, "A")
    assert [(h["period"], h["point_class"], h["result_id"]) for h in history] == [
        ("2026-10", "all", 1),
        ("2026-11", "all", 2),
        ("2026-11", 1, 2),
    ]
    assert unit_history(runs, "nowhere") == []
