"""The police tree in the API: ``/api/units?hierarchy=police`` and the police choropleths'
``/api/map/units?level=station``, over the test city with a police tree made of its townships."""

from __future__ import annotations

import geopandas as gpd

from sharpeyes.jobs.police import compute_police_report
from tests.api.conftest import Server


def _police_tree(server: Server) -> dict[str, str]:
    """Bureau → one sub-bureau per county → one station per township (its polygon); codes are the
    admin codes padded to 12 digits, so the county's sub-bureau shares its 12-digit code."""
    units = server.store.units()
    counties = units[units["level"] == "county"]
    towns = units[units["level"] == "township"]
    rows = [("990000000000", "市公安局", "bureau", None, None)]
    rows += [
        (f"{c}000000", f"{n}分局", "sub_bureau", "990000000000", g)
        for c, n, g in zip(counties["code"], counties["name"], counties.geometry, strict=True)
    ]
    rows += [
        (f"{c}500", f"{n}派出所", "station", f"{str(c)[:6]}000000", g)
        for c, n, g in zip(towns["code"], towns["name"], towns.geometry, strict=True)
    ]
    frame = gpd.GeoDataFrame(
        {
            "code": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "level": [r[2] for r in rows],
            "parent_code": [r[3] for r in rows],
            "population": [None] * len(rows),
        },
        geometry=gpd.GeoSeries([r[4] for r in rows], crs="EPSG:4326"),
        crs="EPSG:4326",
    )
    server.store.replace_police_units(frame)
    compute_police_report(server.store, area="none")
    return {str(c): str(t) for c, t in zip(towns["code"], towns["name"], strict=True)}


def test_units_by_police_hierarchy_and_admin_unchanged(fresh_server: Server) -> None:
    towns = _police_tree(fresh_server)
    with fresh_server.client("viewer") as client:
        admin_before = client.get("/api/units").json()
        police = client.get("/api/units", params={"hierarchy": "police", "level": "station"})
        assert police.status_code == 200, police.text
        body = police.json()
        assert body["report_available"] is True
        assert {u["code"] for u in body["units"]} == {f"{c}500" for c in towns}
        assert all(u["level"] == "station" and u["kpis"] for u in body["units"])
        admin = client.get("/api/units").json()
        assert admin == admin_before  # the admin tree is what it was
        assert {u["level"] for u in admin["units"]} <= {"city", "county", "township", "village"}
        tree = client.get("/api/units", params={"hierarchy": "police", "tree": "true"}).json()
        assert [u["code"] for u in tree["units"]] == ["990000000000"]
        station_cameras = sum(
            next(k["cameras"] for k in u["kpis"] if k["point_class"] == "all")
            for u in body["units"]
        )
        bureau = tree["units"][0]["kpis"]
        assert next(k["cameras"] for k in bureau if k["point_class"] == "all") == station_cameras
        assert client.get("/api/units", params={"hierarchy": "nope"}).status_code == 400
        assert (
            client.get("/api/units", params={"hierarchy": "police", "level": "county"}).status_code
            == 400
        )


def test_station_choropleth_data(fresh_server: Server) -> None:
    towns = _police_tree(fresh_server)
    with fresh_server.client("viewer") as client:
        fc = client.get("/api/map/units", params={"level": "station"}).json()
        assert {f["properties"]["code"] for f in fc["features"]} == {f"{c}500" for c in towns}
        assert all(f["geometry"] is not None for f in fc["features"])
        assert any(f["properties"]["networking_rate"] is not None for f in fc["features"])
        page = client.get("/map").text
        assert '"station:networking_rate"' in page  # the choropleth is a layer of the page
