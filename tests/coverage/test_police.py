"""KPIs per police unit over the tiny city (:mod:`tests.coverage.police_city`): the admin machinery
run on the police tree, counted by hand."""

from __future__ import annotations

import math
from typing import Any

import pytest

from sharpeyes.coverage.kpis import kpis_by_unit
from sharpeyes.coverage.police import PoliceKpis, police_kpis
from tests.coverage.conftest import tiny_units
from tests.coverage.police_city import BUREAU, EAST, SUB, WEST, police_cameras, police_units


def _all_rows(result: PoliceKpis) -> dict[str, dict[str, Any]]:
    rows = result.kpis[result.kpis["point_class"] == "all"]
    return {r["unit_code"]: r for r in rows.to_dict("records")}


def test_cameras_are_counted_per_station_by_position_and_by_police_unit() -> None:
    result = police_kpis(police_cameras(), police_units())
    rows = _all_rows(result)
    assert {c: rows[c]["level"] for c in rows} == {
        BUREAU: "bureau",
        SUB: "sub_bureau",
        WEST: "station",
        EAST: "station",
    }
    # west: c1 and c2 by position; east: c3 by position, c4 (no position) by its police_unit
    assert (rows[WEST]["cameras"], rows[WEST]["networked"]) == (2, 1)
    assert (rows[EAST]["cameras"], rows[EAST]["networked"]) == (2, 1)
    assert rows[SUB]["cameras"] == rows[BUREAU]["cameras"] == 4  # c5 stands outside: nowhere
    assert rows[WEST]["parent_code"] == SUB and rows[SUB]["parent_code"] == BUREAU
    assert math.isclose(rows[WEST]["networking_rate"], 0.5)
    assert math.isnan(rows[WEST]["village_coverage"])  # villages are not police units


def test_area_coverage_per_station_is_the_fields_of_view_inside_it() -> None:
    rows = _all_rows(police_kpis(police_cameras(), police_units()))
    # west station 2.2 km × 2 km: c1's dome (r 100 m) and c2's 90° sector (r 50 m)
    west = (math.pi * 100**2 + math.pi * 50**2 / 4) / (2200 * 2000)
    assert rows[WEST]["area_km2"] == pytest.approx(4.4, rel=1e-6)
    assert rows[WEST]["area_coverage"] == pytest.approx(west, rel=0.02)


def test_police_codes_equal_to_admin_codes_stay_apart() -> None:
    """The sub-bureau's code is the county's 12-digit statistical code; the cameras' admin codes
    and GB/T 28181 IDs never place a camera in the police tree, nor the other way round."""
    cams = police_cameras()
    police = _all_rows(police_kpis(cams, police_units()))
    admin = kpis_by_unit(cams, tiny_units())
    assert set(admin["unit_code"]).isdisjoint({BUREAU, WEST, EAST})
    assert set(admin["level"]) <= {"city", "county", "township", "village"}
    assert police[SUB]["area_km2"] == pytest.approx(8.0, rel=1e-6)


def test_registry_police_unit_is_checked_against_the_jurisdiction() -> None:
    result = police_kpis(police_cameras(), police_units())
    mism = result.mismatches
    # c2 names the east station but stands west; c3 names the sub-bureau (agrees); c4 has no
    # position, c5 is outside every polygon: neither is judged
    assert list(mism["device_id"]) == ["21990100001320000002"]
    assert mism.iloc[0]["police_unit"] == EAST and mism.iloc[0]["station"] == WEST
    assert EAST in mism.iloc[0]["reason"] and WEST in mism.iloc[0]["reason"]
    assert result.summary()["police_unit_mismatch"] == 1
    assert list(result.outside["device_id"]) == ["21990100001320000005"]
    assert list(result.unplaced["device_id"]) == ["21990100001320000004"]


def test_a_police_unit_that_is_no_unit_is_a_mismatch() -> None:
    cams = police_cameras()
    cams.loc[0, "police_unit"] = "219901599000"
    mism = police_kpis(cams, police_units()).mismatches
    row = mism[mism["device_id"] == "21990100001320000001"].iloc[0]
    assert "no police unit" in row["reason"]


def test_stations_without_polygons_take_the_cameras_police_unit_inside_their_sub_bureau() -> None:
    units = police_units()
    units.loc[units["level"] == "station", "geometry"] = None
    rows = _all_rows(police_kpis(police_cameras(), units))
    # by position only the sub-bureau; stations from police_unit: c1 west, c2 east, c4 east
    assert rows[SUB]["cameras"] == 4
    assert (rows[WEST]["cameras"], rows[EAST]["cameras"]) == (1, 2)
