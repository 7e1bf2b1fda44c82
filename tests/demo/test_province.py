"""The synthetic province: codes that nest, polygons that tile their parents, a deterministic
inventory, and — generated into a real store — a report whose figures add up."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from sharpeyes._errors import AnalysisError, InputError
from sharpeyes.demo.province import (
    ProvinceSpec,
    county_parts,
    province_roads,
    province_units,
    upper_network,
)
from sharpeyes.model.divisions import village_kind_from_code

SMALL = ProvinceSpec(cities=2, counties=4, townships=12, villages=120, cameras=20_000, switches=400)


@pytest.fixture(scope="module")
def small_units():  # type: ignore[no-untyped-def]
    return province_units(SMALL)


def test_unit_codes_nest_and_have_their_levels_lengths(small_units) -> None:  # type: ignore[no-untyped-def]
    units = small_units.units
    counts = units["level"].value_counts().to_dict()
    assert counts == {"city": 2, "county": 4, "township": 12, "village": 120}
    lengths = units["code"].str.len().groupby(units["level"]).unique().to_dict()
    assert {k: list(v) for k, v in lengths.items()} == {
        "city": [6],
        "county": [6],
        "township": [9],
        "village": [12],
    }
    assert units["code"].is_unique
    assert units["code"].str.startswith("21").all()
    by_code = units.set_index("code")
    below = units[units["level"] != "city"]
    for code, parent in zip(below["code"], below["parent_code"], strict=True):
        assert parent in by_code.index
        prefix = parent[:4] if by_code.loc[parent, "level"] == "city" else parent
        assert code.startswith(prefix), (code, parent)
        assert not code.endswith("01") or len(code) != 6  # 01 is 市辖区, never a county here
    villages = units[units["level"] == "village"]
    from_codes = [village_kind_from_code(c) for c in villages["code"]]
    assert from_codes == villages["village_kind"].tolist()
    # a county of three townships has one street (communities) and two with villages
    assert set(from_codes) == {"village", "community"}


def test_children_tile_their_parent_exactly(small_units) -> None:  # type: ignore[no-untyped-def]
    units = small_units.units
    geometry = dict(zip(units["code"], units.geometry, strict=True))
    for parent, group in units.groupby("parent_code"):
        whole = geometry[str(parent)]
        parts = group.geometry.to_numpy()
        assert shapely.union_all(parts).equals(whole), parent
        assert abs(shapely.area(parts).sum() - whole.area) < 1e-12 * max(1.0, whole.area)
        # no two children overlap (shared edges only)
        inter = shapely.intersection(parts[:, None], parts[None, :])
        off_diagonal = ~np.eye(len(parts), dtype=bool)
        assert (shapely.area(inter)[off_diagonal] < 1e-15).all(), parent


def test_every_unit_is_near_square_in_metres() -> None:
    """Units are cut near-square in metres at every level (not strips a few metres wide): villages
    about ``village_m`` on a side, so a camera's sector meets a few villages, as in a real place
    (slivers 6 m wide and 321 km tall made one full-size county's exact area cost 100× a compact one's)."""
    spec = ProvinceSpec.scaled(0.01)
    units = province_units(spec).units
    b = shapely.bounds(units.geometry.to_numpy())
    lat = (b[:, 1] + b[:, 3]) / 2
    w_m = (b[:, 2] - b[:, 0]) * 111_320.0 * np.cos(np.radians(lat))
    h_m = (b[:, 3] - b[:, 1]) * 111_320.0
    ratio = np.maximum(w_m, h_m) / np.minimum(w_m, h_m)
    assert ratio.max() < 2.5, units.loc[ratio.argmax(), ["code", "level"]].tolist()
    village = (units["level"] == "village").to_numpy()
    side_m = np.sqrt(w_m[village] * h_m[village])
    assert np.allclose(side_m, spec.village_m, rtol=0.2), (side_m.min(), side_m.max())
    assert int(village.sum()) == spec.villages


def test_cameras_are_inside_their_village_and_deterministic(small_units) -> None:  # type: ignore[no-untyped-def]
    parts = list(county_parts(small_units))
    cameras = pd.concat([p.cameras for p in parts], ignore_index=True)
    assert len(cameras) == SMALL.cameras
    assert cameras["device_id"].is_unique
    assert cameras["device_id"].str.len().eq(20).all()
    assert (cameras["device_id"].str.slice(0, 6) == cameras["admin_code"]).all()
    assert (cameras["village_code"].str.slice(0, 9) == cameras["township_code"]).all()
    villages = small_units.level("village").set_index("code").geometry
    points = shapely.points(cameras["lon"].to_numpy(), cameras["lat"].to_numpy())
    inside = shapely.contains(villages.loc[cameras["village_code"]].to_numpy(), points)
    assert inside.all()
    # networked cameras name an access switch of their own village; the others none
    networked = cameras["networked"].to_numpy(dtype=bool)
    assert cameras["uplink"].notna().to_numpy().tolist() == networked.tolist()
    up = cameras[networked]
    assert up["uplink"].str.slice(3, 15).eq(up["village_code"]).all()
    # the same seed gives the same county, whatever else is generated; another seed another one
    again = next(county_parts(province_units(SMALL)))
    pd.testing.assert_frame_equal(again.cameras, parts[0].cameras)
    other = next(county_parts(province_units(ProvinceSpec(**{**SMALL.__dict__, "seed": 1}))))
    assert not other.cameras["lon"].equals(parts[0].cameras["lon"])


def test_topology_reaches_every_switch_the_cameras_name(small_units) -> None:  # type: ignore[no-untyped-def]
    parts = list(county_parts(small_units))
    up_nodes, up_links = upper_network(small_units)
    nodes = pd.concat([up_nodes, *(p.nodes for p in parts)], ignore_index=True)
    links = pd.concat([up_links, *(p.links for p in parts)], ignore_index=True)
    assert nodes["node_id"].is_unique
    known = set(nodes["node_id"])
    assert set(links["a"]) | set(links["b"]) <= known
    named = set(pd.concat([p.cameras["uplink"] for p in parts]).dropna())
    access = set(nodes.loc[nodes["kind"] == "access", "node_id"])
    assert named <= access
    assert len(access) == SMALL.switches
    pairs = {frozenset(pair) for pair in zip(links["a"], links["b"], strict=True)}
    assert len(pairs) == len(links)  # no link twice
    assert len(province_roads(small_units)) == 2 * 12 + 4 + 2


def test_scaled_spec_and_refused_specs() -> None:
    spec = ProvinceSpec.scaled(0.01)
    assert (spec.cities, spec.counties, spec.townships, spec.villages) == (14, 14, 14, 600)
    assert spec.cameras == 100_000
    assert ProvinceSpec.scaled(1.0) == ProvinceSpec()
    with pytest.raises(InputError, match="scale"):
        ProvinceSpec.scaled(0)
    with pytest.raises(InputError, match="counties"):
        province_units(ProvinceSpec(cities=3, counties=2))
    with pytest.raises(InputError, match="villages per parent"):
        province_units(ProvinceSpec(cities=1, counties=1, townships=1, villages=300))


def test_generated_province_report_adds_up(store_url: str) -> None:
    from sharpeyes.jobs import network
    from sharpeyes.jobs.coverage import compute_report
    from sharpeyes.jobs.province import generate_province
    from sharpeyes.store import Store

    with Store.open(store_url) as store:
        counts = generate_province(store, SMALL)
        assert counts["cameras"] == store.count_cameras() == SMALL.cameras
        assert counts["villages"] == 120 and counts["places"] == 240
        with pytest.raises(AnalysisError, match="already holds cameras"):
            generate_province(store, SMALL)
        compute_report(store, area="fast")
        report = store.latest_result("report")
        assert report is not None
        rows = pd.DataFrame(report["rows"])
        rows = rows[rows["point_class"] == "all"].set_index("unit_code")
        assert rows.loc[rows["level"] == "city", "cameras"].sum() == SMALL.cameras
        for level, parent_level in (
            ("county", "city"),
            ("township", "county"),
            ("village", "township"),
        ):
            children = rows[rows["level"] == level].groupby("parent_code")
            parents = rows[rows["level"] == parent_level]
            for column in ("cameras", "networked", "hd", "places", "villages"):
                summed = children[column].sum()
                assert (summed == parents.loc[summed.index, column]).all(), (level, column)
        stored = store.cameras()
        assert (
            int(stored["networked"].sum()) == rows.loc[rows["level"] == "city", "networked"].sum()
        )
        document = network.check(store)
        summary = document["summary"]
        assert summary["cameras_with_path"] == int(stored["networked"].sum())
        assert summary["networked_without_path"] == 0
        assert summary["path_but_not_networked"] == 0
