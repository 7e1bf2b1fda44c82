"""Demand items and generated candidates of city plans, on tiny layers built by hand (UTM 51N)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from sharpeyes.planning.candidates import entrance_sites, intersection_sites, village_sites
from sharpeyes.planning.demand import coverage_figures, demand_items
from sharpeyes.planning.plans import plan_city

UTM = "EPSG:32651"
X0, Y0 = 500_000.0, 4_680_000.0  # about 123°E 42.3°N


def _units() -> gpd.GeoDataFrame:
    # one township of two 1 km villages side by side; the east village has 2,000 residents
    # (village codes 2xx: GB/T 10114's 村民委员会; 001-199 would be 居民委员会, communities)
    return gpd.GeoDataFrame(
        {
            "code": ["211221001", "211221001201", "211221001202"],
            "name": ["T", "West", "East"],
            "level": ["township", "village", "village"],
            "parent_code": ["211221", "211221001", "211221001"],
            "population": [np.nan, np.nan, 2000.0],
        },
        geometry=[
            box(X0, Y0, X0 + 2000, Y0 + 1000),
            box(X0, Y0, X0 + 1000, Y0 + 1000),
            box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000),
        ],
        crs=UTM,
    )


def _roads() -> gpd.GeoDataFrame:
    # a cross: two roads meeting at (X0+500, Y0+500), plus a third ending there -> one node of degree 4
    return gpd.GeoDataFrame(
        {"road_id": ["r1", "r2"], "name": ["a", "b"], "road_class": ["trunk", "residential"]},
        geometry=[
            LineString([(X0, Y0 + 500), (X0 + 500, Y0 + 500), (X0 + 1000, Y0 + 500)]),
            LineString([(X0 + 500, Y0), (X0 + 500, Y0 + 500), (X0 + 500, Y0 + 1000)]),
        ],
        crs=UTM,
    )


def _places() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"place_id": ["s1"], "name": ["school"], "category": ["school"]},
        geometry=[Point(X0 + 800, Y0 + 540)],  # 40 m north of road r1
        crs=UTM,
    )


def test_intersections_from_the_road_graph() -> None:
    sites = intersection_sites(_roads())
    assert len(sites) == 1
    assert sites.geometry.iloc[0].equals(Point(X0 + 500, Y0 + 500))
    assert sites["camera_type"].iloc[0] == 1 and sites["fov_deg"].iloc[0] == 360.0


def test_entrance_faces_the_place_from_the_road_side() -> None:
    sites = entrance_sites(_places(), _roads())
    site = sites.iloc[0]
    # 20 m from the school toward the road (south), heading north (0°) at the school
    assert site.geometry.distance(Point(X0 + 800, Y0 + 520)) < 1e-6
    assert site["heading_deg"] == pytest.approx(0.0, abs=1e-6)
    assert site["point_class"] == 2 and site["camera_type"] == 3


def test_demand_items_weights_and_amounts() -> None:
    demand = demand_items(units=_units(), places=_places(), roads=_roads(), crs=UTM)
    kinds = demand["kind"].value_counts().to_dict()
    assert kinds["village"] == 2 and kinds["place"] == 1
    road = demand[demand["kind"] == "road"]
    assert road["amount"].sum() == pytest.approx(2.0)  # 2 km of road, in 50 m pieces
    assert len(road) == 40
    trunk = road[road["category"] == "trunk"]
    assert trunk["weight"].sum() == pytest.approx(8.0)  # 1 km of trunk at 8 per km
    pop = demand[demand["kind"] == "population"]
    assert pop["amount"].sum() == pytest.approx(2000.0)
    assert pop["weight"].sum() == pytest.approx(20.0)  # 10 per 1,000 residents
    assert set(pop["key"]) == {"211221001202"}
    covered = (demand["kind"] == "village").to_numpy()
    figures = coverage_figures(demand, covered)
    assert figures["village_coverage"] == 1.0 and figures["place_coverage"] == 0.0


def test_a_community_is_no_village_gap() -> None:
    # the west unit is a community (社区): by its kind, by its code, or by its name
    for change in (
        {"village_kind": [None, "community", None]},
        {"code": ["211221001", "211221001003", "211221001202"]},
        {"name": ["T", "西街社区", "East"]},
    ):
        units = _units().assign(**change)
        demand = demand_items(units=units, places=_places(), roads=_roads(), crs=UTM)
        villages = demand[demand["kind"] == "village"]
        assert villages["key"].tolist() == [units["code"].iloc[2]], change


def test_plan_city_counts_existing_cameras_and_covers_the_school() -> None:
    units = _units().to_crs("EPSG:4326")
    # an existing networked dome at the west village centre: West is covered already
    cams = gpd.GeoDataFrame(
        {"device_id": ["c1"], "camera_type": [1], "networked": [True], "is_hd": [True]},
        geometry=[Point(X0 + 500, Y0 + 500)],
        crs=UTM,
    ).to_crs("EPSG:4326")
    result = plan_city(
        cameras=cams,
        units=units,
        places=_places().to_crs("EPSG:4326"),
        roads=_roads().to_crs("EPSG:4326"),
        budget=2,
    )
    assert result.before["village_coverage"] == 0.5
    assert result.after["village_coverage"] == 1.0
    assert result.after["place_coverage"] == 1.0
    assert result.before["place_coverage"] == 0.0
    assert len(result.sites) == 2
    assert result.curve[0]["covered_weight"] < result.curve[-1]["covered_weight"]
    assert result.solver["status"] == "optimal"
    frame = pd.DataFrame(result.sites.drop(columns="geometry"))
    assert (frame["marginal_gain"] > 0).all()


def test_village_sites_lie_inside_their_village() -> None:
    units = _units()
    villages = units[units["level"] == "village"]
    sites = village_sites(villages)
    assert all(v.contains(p) for v, p in zip(villages.geometry, sites.geometry, strict=True))


def test_plan_city_budget_per_village() -> None:
    result = plan_city(
        cameras=gpd.GeoDataFrame(geometry=[], crs="EPSG:4326"),
        units=_units().to_crs("EPSG:4326"),
        places=_places().to_crs("EPSG:4326"),
        roads=_roads().to_crs("EPSG:4326"),
        budget=1,
        per_unit="village",
    )
    # one site per village at most: two villages -> two sites, one in each
    sites = result.sites.to_crs(UTM)
    assert len(sites) == 2
    assert sorted((sites.geometry.x > X0 + 1000).tolist()) == [False, True]
    assert result.after["village_coverage"] == 1.0
