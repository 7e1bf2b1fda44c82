"""The basemap with no internet: a small MBTiles and the PMTiles made from it, served at
``/tiles/base/{z}/{x}/{y}`` and drawn in Chromium with no request leaving 127.0.0.1; with no archive
and no tile server, the key roads and places of the store drawn as the reference basemap."""

from __future__ import annotations

import io
import math
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import geopandas as gpd
import numpy as np
import pytest
from PIL import Image
from shapely.geometry import LineString, Point, box

from sharpeyes._errors import ConfigError
from sharpeyes.api import create_app
from sharpeyes.api.basemap import open_archive
from sharpeyes.model.columns import WGS84
from sharpeyes.settings import Settings
from tests.api import city
from tests.api.cdp import chromium, chromium_path
from tests.api.conftest import Server, city_store, serve
from tests.api.test_browser import off_host, share_near
from tests.api.test_map_panel import log_in
from tests.conftest import unavailable

#: The archive's one colour (an unusual blue, not used by any layer of the page).
TILE_RGB = (40, 120, 230)
ZOOMS = range(8, 14)


def tile_xy(lon: float, lat: float, z: int) -> tuple[int, int]:
    """XYZ tile (y from the north) holding WGS-84 ``lon``/``lat`` at zoom ``z`` (Web Mercator)."""
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def png(rgb: tuple[int, int, int], mark: int = 0) -> bytes:
    image = Image.new("RGB", (256, 256), rgb)
    if mark:
        image.putpixel((0, 0), (mark % 256, 0, 0))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def make_mbtiles(path: Path) -> dict[tuple[int, int, int], bytes]:
    """An MBTiles file covering the test city at zooms 8–13 (TMS rows, as the format keeps them);
    returns the tiles by XYZ address. Every tile differs (a marked pixel), so flips show."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE metadata (name text, value text)")
    conn.execute(
        "CREATE TABLE tiles (zoom_level integer, tile_column integer, tile_row integer, tile_data blob)"
    )
    metadata = {
        "name": "test city",
        "format": "png",
        "minzoom": str(min(ZOOMS)),
        "maxzoom": str(max(ZOOMS)),
        "bounds": f"{city.WEST - 0.05},{city.SOUTH - 0.05},{city.EAST + 0.05},{city.NORTH + 0.05}",
        "center": f"{(city.WEST + city.EAST) / 2},{(city.SOUTH + city.NORTH) / 2},11",
        "attribution": "测试底图",
        "type": "baselayer",
        "version": "1",
        "description": "",
    }
    conn.executemany("INSERT INTO metadata VALUES (?, ?)", list(metadata.items()))
    tiles: dict[tuple[int, int, int], bytes] = {}
    for z in ZOOMS:
        x0, y0 = tile_xy(city.WEST - 0.05, city.NORTH + 0.05, z)
        x1, y1 = tile_xy(city.EAST + 0.05, city.SOUTH - 0.05, z)
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                data = png(TILE_RGB, mark=len(tiles) + 1)
                tiles[(z, x, y)] = data
                conn.execute(
                    "INSERT INTO tiles VALUES (?, ?, ?, ?)", (z, x, (1 << z) - 1 - y, data)
                )
    conn.commit()
    conn.close()
    return tiles


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    from pmtiles.convert import mbtiles_to_pmtiles

    folder = tmp_path_factory.mktemp("tiles")
    mbtiles = folder / "city.mbtiles"
    tiles = make_mbtiles(mbtiles)
    pmtiles = folder / "city.pmtiles"
    mbtiles_to_pmtiles(str(mbtiles), str(pmtiles), max(ZOOMS))
    return {"mbtiles": mbtiles, "pmtiles": pmtiles, "tiles": tiles}


@pytest.mark.parametrize("kind", ["mbtiles", "pmtiles"])
def test_archive_serves_each_tile_at_its_xyz_address(
    kind: str, archives: dict[str, object]
) -> None:
    archive = open_archive(archives[kind])  # type: ignore[arg-type]
    tiles: dict[tuple[int, int, int], bytes] = archives["tiles"]  # type: ignore[assignment]
    assert (archive.kind, archive.format, archive.raster) == (kind, "png", True)
    assert (archive.min_zoom, archive.max_zoom) == (min(ZOOMS), max(ZOOMS))
    assert archive.bounds is not None and archive.bounds[0] < city.WEST < archive.bounds[2]
    for (z, x, y), data in list(tiles.items())[::7]:
        assert archive.tile(z, x, y) == data, (z, x, y)
    assert archive.tile(3, 0, 0) is None
    assert archive.tile(9, 10**6, 0) is None
    archive.close()


def test_a_bad_archive_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SHARPEYES_BASEMAP: no such file"):
        open_archive(tmp_path / "missing.pmtiles")
    text = tmp_path / "notes.mbtiles"
    text.write_text("not a database")
    with pytest.raises(ConfigError, match="SHARPEYES_BASEMAP"):
        open_archive(text)
    store, _ = city_store(tmp_path / "c.db")
    with pytest.raises(ConfigError, match="SHARPEYES_BASEMAP"):
        create_app(Settings(basemap=str(tmp_path / "missing.mbtiles")), store)


@pytest.fixture(scope="module", params=["mbtiles", "pmtiles"])
def tiled_server(
    request: pytest.FixtureRequest,
    archives: dict[str, object],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Server]:
    store, tokens = city_store(tmp_path_factory.mktemp("basemap") / "city.db")
    app = create_app(Settings(basemap=str(archives[request.param])), store)
    for url in serve(app):
        yield Server(url, store, tokens)


def test_tile_route(tiled_server: Server, archives: dict[str, object]) -> None:
    tiles: dict[tuple[int, int, int], bytes] = archives["tiles"]  # type: ignore[assignment]
    (z, x, y), data = next(iter(tiles.items()))
    with tiled_server.client("viewer") as client:
        r = client.get(f"/tiles/base/{z}/{x}/{y}")
        assert r.status_code == 200 and r.headers["content-type"] == "image/png"
        assert r.content == data
        assert client.get(f"/tiles/base/{z}/{x}/{y}.png").content == data
        assert client.get("/tiles/base/2/0/0").status_code == 404
    with tiled_server.client() as anonymous:
        assert anonymous.get(f"/tiles/base/{z}/{x}/{y}").status_code == 401


@pytest.mark.browser
@pytest.mark.slow
def test_archive_basemap_draws_with_no_request_leaving_the_server(tiled_server: Server) -> None:
    if chromium_path() is None:
        unavailable("headless Chromium")
    port = urlsplit(tiled_server.url).port
    assert port is not None
    with chromium(1280, 720) as page:
        log_in(page, tiled_server)
        # the indicator off, so the basemap shows unblended
        page.evaluate("document.querySelector('#se-panel input[value=none]').click(); true")
        page.wait_for("document.querySelectorAll('img.leaflet-tile-loaded').length >= 4")
        page.wait_for("window.sharpeyesMapStatus.pending === 0")
        page.pump(0.5)
        tiles = [u for u in page.requests if "/tiles/base/" in u]
        assert tiles, page.requests
        pixels = np.asarray(Image.open(io.BytesIO(page.screenshot())).convert("RGB"), dtype=float)
        assert share_near(pixels, np.array(TILE_RGB, dtype=float), 6) > 0.3, "no basemap drawn"
        assert not off_host(page.requests, port), off_host(page.requests, port)
        # Leaflet cancels the tiles of the opening zoom when the view is fitted: aborted, not failed
        assert not [f for f in page.failed if f[1] != "net::ERR_ABORTED"], page.failed
        assert not page.http_errors, page.http_errors
        assert not page.exceptions, page.exceptions
        # the reference layers from the store are switches, off under a tile basemap
        assert page.evaluate("window.sharpeyesMap.hasLayer(window.sharpeyesLayers.tiles)")
        assert not page.evaluate("window.sharpeyesMap.hasLayer(window.sharpeyesLayers.refRoads)")


# -- no archive, no tile server: the reference basemap from the store ------------------------------


def reference_layers() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Three roads of three grades and two key places inside the test city (EPSG:4326)."""
    mid_lat = (city.SOUTH + city.NORTH) / 2
    roads = gpd.GeoDataFrame(
        {
            "road_id": ["g1", "s2", "x3"],
            "name": ["京哈高速", "银州路", "村道"],
            "road_class": ["motorway", "primary", "residential"],
        },
        geometry=[
            LineString([(city.WEST, mid_lat), (city.EAST, mid_lat)]),
            LineString([(123.80, city.SOUTH), (123.80, city.NORTH)]),
            LineString([(123.72, 42.22), (123.73, 42.23)]),
        ],
        crs=WGS84,
    )
    places = gpd.GeoDataFrame(
        {
            "place_id": ["p1", "p2"],
            "name": ["铁岭站", "第一中学"],
            "category": ["station", "school"],
        },
        geometry=[Point(123.78, 42.28), box(123.84, 42.34, 123.85, 42.35)],
        crs=WGS84,
    )
    return roads, places


@pytest.fixture(scope="module")
def reference_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    store, tokens = city_store(tmp_path_factory.mktemp("reference") / "city.db")
    roads, places = reference_layers()
    store.replace_roads(roads)
    store.replace_places(places)
    app = create_app(Settings(), store)
    for url in serve(app):
        yield Server(url, store, tokens)


def test_roads_by_grade_and_places_from_the_store(reference_server: Server) -> None:
    bbox = f"{city.WEST},{city.SOUTH},{city.EAST},{city.NORTH}"
    with reference_server.client("viewer") as client:
        far = client.get(f"/api/map/roads?bbox={bbox}&zoom=8").json()
        assert {f["properties"]["road_class"] for f in far["features"]} == {"motorway"}
        near = client.get(f"/api/map/roads?bbox={bbox}&zoom=15").json()
        assert {f["properties"]["road_id"] for f in near["features"]} == {"g1", "s2", "x3"}
        grades = {
            f["properties"]["road_id"]: f["properties"]["road_class_zh"] for f in near["features"]
        }
        assert grades["g1"] == "高速公路"
        elsewhere = client.get("/api/map/roads?bbox=100,30,100.1,30.1&zoom=15").json()
        assert elsewhere["features"] == []
        places = client.get(f"/api/map/places?bbox={bbox}&zoom=13").json()["features"]
        assert {p["properties"]["name"]: p["properties"]["category_zh"] for p in places} == {
            "铁岭站": "车站",
            "第一中学": "学校",
        }
        assert all(p["geometry"]["type"] == "Point" for p in places)
        assert client.get(f"/api/map/places?bbox={bbox}&zoom=9").json()["features"] == []
        assert client.get("/api/map/roads?zoom=9").status_code == 422


@pytest.mark.browser
@pytest.mark.slow
def test_reference_basemap_draws_from_the_store(reference_server: Server) -> None:
    if chromium_path() is None:
        unavailable("headless Chromium")
    port = urlsplit(reference_server.url).port
    assert port is not None
    with chromium(1280, 720) as page:
        log_in(page, reference_server)
        assert page.evaluate("window.sharpeyesLayers.tiles === undefined")
        page.evaluate("window.sharpeyesMap.setView([42.29, 123.79], 14); true")
        page.wait_for("window.sharpeyesLayers.refPlaces.getLayers().length > 0")
        page.wait_for("document.querySelectorAll('.se-unit-village').length > 0")
        page.wait_for("window.sharpeyesMapStatus.pending === 0")
        page.pump(0.3)
        roads = page.evaluate(
            "(function () { var n = 0; window.sharpeyesLayers.refRoads.eachLayer(function (g) {"
            " n += g.getLayers().length; }); return n; })()"
        )
        assert roads >= 2
        labels = page.evaluate(
            "Array.from(document.querySelectorAll('.se-place')).map(function (e) { return e.innerText; })"
        )
        assert any("铁岭站" in t for t in labels), labels
        units = page.evaluate(
            "Array.from(document.querySelectorAll('.se-unit-label')).map(function (e) { return e.innerText; })"
        )
        assert any("街道" in t for t in units), units
        legend = page.evaluate("document.querySelector('.se-legend').innerText")
        assert "高速公路" in legend and "重点部位" in legend
        assert not off_host(page.requests, port), off_host(page.requests, port)
        assert not page.exceptions, page.exceptions
