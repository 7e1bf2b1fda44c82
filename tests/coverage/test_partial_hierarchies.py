"""Partial hierarchies (issue 14, item 4): counties only, counties and villages without townships,
townships without polygons … every report format (xlsx, csv, json; zh and en) and every gaps format
works and names the levels that are missing; no area is counted twice."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from sharpeyes.jobs import coverage as jobs
from sharpeyes.model.codes import ADMIN_LEVELS
from sharpeyes.store import Store
from tests.cli.conftest import TinyCity, write_tiny_city

from .conftest import tiny_cameras, tiny_units

LEVELS = ("county", "township", "village")
#: how a level reaches the store: not at all, as polygons, or as a code list without polygons
HOW = st.sampled_from(["absent", "polygons", "codes"])
#: county area of the tiny city, km² (4 km × 2 km)
COUNTY_KM2 = 8.0


def _import_level(store: Store, folder: Path, level: str, how: str, keep: list[bool]) -> None:
    units = tiny_units()
    part = units[units["level"] == level]
    part = part[[keep[i % len(keep)] for i in range(len(part))]]
    if how == "polygons":
        path = folder / f"{level}.geojson"
        part.to_file(path, driver="GeoJSON")
        jobs.import_units(store, path)
    else:
        path = folder / f"{level}.csv"
        pd.DataFrame(
            {"code": part["code"], "name": part["name"], "parent": part["parent_code"]}
        ).to_csv(path, index=False)
        jobs.import_units(store, path, parent_field="parent", level=level)


_CITY: dict[str, TinyCity] = {}


def _store(folder: Path, plan: dict[str, str], keep: list[bool]) -> Store:
    store = Store.open(f"sqlite:///{folder / 'db.sqlite'}")
    cams = tiny_cameras()
    store.import_cameras(cams.drop(columns="geometry"), None, source="t", file="t")
    if "city" not in _CITY:  # the places and roads files, written once
        _CITY["city"] = write_tiny_city(folder / "city")
    city = _CITY["city"]
    jobs.import_places(store, city.places)
    jobs.import_roads(store, city.roads)
    for level in LEVELS:
        if plan[level] != "absent":
            _import_level(store, folder, level, plan[level], keep if level != "county" else [True])
    return store


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    plan=st.fixed_dictionaries({lvl: HOW for lvl in LEVELS}).filter(
        lambda p: any(v != "absent" for v in p.values())
    ),
    keep=st.lists(st.booleans(), min_size=2, max_size=2).filter(any),
    lang=st.sampled_from(["zh", "en"]),
)
def test_every_format_on_a_random_partial_hierarchy(
    tmp_path_factory: pytest.TempPathFactory, plan: dict[str, str], keep: list[bool], lang: str
) -> None:
    folder = tmp_path_factory.mktemp("partial")
    store = _store(folder, plan, keep)
    missing = [lvl for lvl in LEVELS if plan[lvl] == "absent"]
    undrawn = [lvl for lvl in LEVELS if plan[lvl] == "codes"]
    present = [lvl for lvl in LEVELS if plan[lvl] != "absent"]

    r = jobs.write_report(store, folder / "r.json", fmt="json")
    assert r["missing_levels"] == missing and r["levels_without_polygons"] == undrawn
    doc = json.loads((folder / "r.json").read_text(encoding="utf-8"))
    assert doc["missing_levels"] == missing
    assert {row["level"] for row in doc["rows"]} == set(present)
    county = [x for x in doc["rows"] if x["level"] == "county" and x["point_class"] == "all"]
    if plan["county"] == "polygons":  # whatever lies below it, the county's area is its own
        assert county[0]["area_km2"] == pytest.approx(COUNTY_KM2, rel=1e-6)
        assert 0 <= county[0]["area_coverage"] <= 1

    jobs.write_report(store, folder / "r.csv", fmt="csv", lang=lang)
    csv = pd.read_csv(folder / "r.csv", dtype=str, keep_default_na=False)
    assert len(csv) == len(doc["rows"])

    x = jobs.write_report(store, folder / "r.xlsx", fmt="xlsx", lang=lang)
    assert x["missing_levels"] == missing
    book = CalamineWorkbook.from_path(str(folder / "r.xlsx"))
    titles = {lvl: ADMIN_LEVELS[lvl].zh for lvl in LEVELS} if lang == "zh" else None
    if titles:
        assert [t for t in book.sheet_names if t in titles.values()] == [titles[p] for p in present]
        notes = {r[0]: r[1] for r in book.get_sheet_by_name("说明").to_python()}
        shown = notes["未导入的层级"]
        for lvl in LEVELS:
            assert (ADMIN_LEVELS[lvl].zh in shown) == (lvl in missing), shown
        assert notes["无边界的层级(按编码计数)"] == (
            "、".join(ADMIN_LEVELS[lvl].zh for lvl in undrawn) or "无"
        )

    for fmt in ("geojson", "gpkg", "csv"):
        g = jobs.write_gaps(store, folder / f"g.{fmt}", fmt=fmt)
        assert g["missing_levels"] == missing
        assert all(Path(p).exists() for p in g["files"])
        if plan["village"] == "absent":
            assert g["villages_without_network"] == 0
    store.close()


def test_counties_only_at_the_command_line(tmp_path: Path) -> None:
    """The reported case: a store with counties only, ``sharpeyes report -o r.xlsx`` and the gaps,
    through the real command, end with exit 0 and name the missing levels."""
    from tests.cli.conftest import sharpeyes

    store = _store(
        tmp_path, {"county": "polygons", "township": "absent", "village": "absent"}, [True]
    )
    store.close()
    db = str(tmp_path / "db.sqlite")
    for args in (
        ["report", "-o", "r.xlsx"],
        ["report", "-o", "r.csv"],
        ["gaps", "-o", "g.geojson"],
    ):
        out = sharpeyes(*args, "--db", db, cwd=tmp_path)
        assert out.returncode == 0, out.stderr
        assert "Traceback" not in out.stderr
        assert "levels not imported: township, village" in out.stdout
