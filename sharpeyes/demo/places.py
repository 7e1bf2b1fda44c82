"""Key places and key roads of the demo city (Tieling): SYNTHETIC, labelled so, deterministic.

No open dataset of Tieling's schools, hospitals or roads could be shipped, so the demo makes them
from the administrative units (every name ends in "（模拟）", every feature has
``source = "synthetic"``):

- places: per county seat a railway station, a coach station, squares, malls, a scenic spot, a
  county hospital, schools, banks and the county government; per township/street its government,
  a school, a health centre (卫生院), a bank and a market; one village school in ten villages.
  Each place lies inside its unit, a short random distance from the unit's centre (seat).
- roads: national roads (国道, ``trunk``) joining the county seats along a minimum spanning
  tree, provincial roads (省道, ``primary``) from the city seat to each county seat, and county
  roads (县道, ``secondary``) from each county seat to each of its townships; slightly bent so
  they are not perfectly straight.

The same ``units`` and ``seed`` always give the same files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from sharpeyes.model.columns import WGS84

__all__ = ["write_places_and_roads"]

_SEAT_PLACES: Final = (
    ("station", "火车站"),
    ("station", "客运站"),
    ("square", "人民广场"),
    ("square", "文化广场"),
    ("mall", "百货大楼"),
    ("mall", "购物中心"),
    ("scenic", "风景区"),
    ("hospital", "人民医院"),
    ("hospital", "中医院"),
    ("school", "第一高级中学"),
    ("school", "实验小学"),
    ("bank", "工商银行支行"),
    ("bank", "农村信用社"),
    ("government", "人民政府"),
    ("government", "公安局"),
)
_TOWNSHIP_PLACES: Final = (
    ("government", "人民政府"),
    ("school", "中心小学"),
    ("hospital", "卫生院"),
    ("bank", "信用社"),
    ("market", "集贸市场"),
)
_MARK: Final = "（模拟）"


def _seat_points(counties: gpd.GeoDataFrame) -> dict[str, shapely.Point]:
    try:
        from sharpeyes.demo.city import COUNTY_SEATS  # the demo's seats, where its cameras cluster

        seats = dict(COUNTY_SEATS)
    except Exception:  # the demo city module may not define them
        seats = {}
    out: dict[str, shapely.Point] = {}
    for code, geom in zip(counties["code"], counties.geometry, strict=True):
        p = shapely.Point(*seats[code]) if code in seats else None
        if p is None or not geom.contains(p):
            p = geom.representative_point()
        out[str(code)] = p
    return out


def _near(
    rng: np.random.Generator,
    centre: shapely.Point,
    area: shapely.Geometry,
    spread_m: float,
    to_m: pyproj.Transformer,
    to_deg: pyproj.Transformer,
) -> shapely.Point:
    cx, cy = to_m.transform(centre.x, centre.y)
    for _ in range(20):
        ang = rng.uniform(0, 2 * np.pi)
        dist = spread_m * np.sqrt(rng.random())
        lon, lat = to_deg.transform(cx + dist * np.sin(ang), cy + dist * np.cos(ang))
        p = shapely.Point(lon, lat)
        if area.contains(p):
            return p
    return centre


def _bent_line(
    rng: np.random.Generator,
    a: shapely.Point,
    b: shapely.Point,
    to_m: pyproj.Transformer,
    to_deg: pyproj.Transformer,
) -> shapely.LineString:
    ax, ay = to_m.transform(a.x, a.y)
    bx, by = to_m.transform(b.x, b.y)
    length = float(np.hypot(bx - ax, by - ay))
    t = np.linspace(0.0, 1.0, max(3, int(length // 2000) + 2))
    nx, ny = (-(by - ay) / length, (bx - ax) / length) if length > 0 else (0.0, 0.0)
    bend = rng.normal(0, 0.04) * length * np.sin(np.pi * t)
    xs = ax + (bx - ax) * t + nx * bend
    ys = ay + (by - ay) * t + ny * bend
    lon, lat = to_deg.transform(xs, ys)
    return shapely.LineString(np.column_stack([lon, lat]).round(7))


def _mst(points: list[shapely.Point]) -> list[tuple[int, int]]:
    n = len(points)
    if n < 2:
        return []
    xy = np.array([(p.x, p.y * 1.35) for p in points])
    inside = {0}
    edges = []
    while len(inside) < n:
        best = None
        for i in inside:
            for j in range(n):
                if j in inside:
                    continue
                d = float(np.hypot(*(xy[i] - xy[j])))
                if best is None or d < best[0]:
                    best = (d, i, j)
        assert best is not None
        edges.append((best[1], best[2]))
        inside.add(best[2])
    return edges


def write_places_and_roads(
    units: gpd.GeoDataFrame, workdir: Path, *, seed: int = 0
) -> tuple[Path, Path]:
    """Write ``places.geojson`` and ``roads.geojson`` (WGS-84) for the demo into ``workdir``.

    Parameters
    ----------
    units
        The demo's administrative units (:data:`~sharpeyes.model.columns.UNIT_COLUMNS`), with
        county and township polygons.
    workdir
        Folder to write into (created if missing).
    seed
        Random seed.

    Returns
    -------
    tuple of Path
        The places file (fields ``place_id, name, category, source``) and the roads file (fields
        ``road_id, name, road_class, source``).
    """
    from sharpeyes.model.crs import metric_crs

    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    units = units.to_crs(WGS84) if units.crs is not None else units.set_crs(WGS84)
    has = ~(units.geometry.isna() | units.geometry.is_empty)
    level = units["level"].astype(str)
    counties = units[has & (level == "county")].sort_values("code")
    townships = units[has & (level == "township")].sort_values("code")
    villages = units[has & (level == "village")].sort_values("code")
    crs = metric_crs(units[has])
    to_m = pyproj.Transformer.from_crs(WGS84, crs, always_xy=True)
    to_deg = pyproj.Transformer.from_crs(crs, WGS84, always_xy=True)
    seats = _seat_points(counties)
    places = _places(rng, counties, townships, villages, seats, to_m, to_deg)
    roads = _roads(rng, counties, townships, seats, to_m, to_deg)
    places_path = workdir / "places.geojson"
    roads_path = workdir / "roads.geojson"
    for path, rows in ((places_path, places), (roads_path, roads)):
        _write_features(path, rows)
    return places_path, roads_path


def _places(
    rng: np.random.Generator,
    counties: gpd.GeoDataFrame,
    townships: gpd.GeoDataFrame,
    villages: gpd.GeoDataFrame,
    seats: dict[str, shapely.Point],
    to_m: pyproj.Transformer,
    to_deg: pyproj.Transformer,
) -> list[dict[str, Any]]:
    """Key places around county seats, township centres and (a tenth of) villages, WGS-84."""
    places: list[dict[str, Any]] = []

    def add(category: str, name: str, point: shapely.Point) -> None:
        places.append(
            {
                "place_id": f"P{len(places) + 1:05d}",
                "name": name + _MARK,
                "category": category,
                "source": "synthetic",
                "geometry": point,
            }
        )

    for code, name, geom in zip(counties["code"], counties["name"], counties.geometry, strict=True):
        seat = seats[str(code)]
        for category, label in _SEAT_PLACES:
            add(category, f"{name}{label}", _near(rng, seat, geom, 2500.0, to_m, to_deg))
    for name, geom in zip(townships["name"], townships.geometry, strict=True):
        centre = geom.representative_point()
        for category, label in _TOWNSHIP_PLACES:
            add(category, f"{name}{label}", _near(rng, centre, geom, 800.0, to_m, to_deg))
    for name, geom in zip(villages["name"], villages.geometry, strict=True):
        if rng.random() < 0.1:
            add(
                "school",
                f"{name}小学",
                _near(rng, geom.representative_point(), geom, 300.0, to_m, to_deg),
            )
    return places


def _roads(
    rng: np.random.Generator,
    counties: gpd.GeoDataFrame,
    townships: gpd.GeoDataFrame,
    seats: dict[str, shapely.Point],
    to_m: pyproj.Transformer,
    to_deg: pyproj.Transformer,
) -> list[dict[str, Any]]:
    """Trunk roads between county seats, primary ones from the first seat, secondary ones to
    township centres, WGS-84."""
    roads: list[dict[str, Any]] = []

    def road(road_class: str, name: str, line: shapely.LineString) -> None:
        roads.append(
            {
                "road_id": f"R{len(roads) + 1:04d}",
                "name": name + _MARK,
                "road_class": road_class,
                "source": "synthetic",
                "geometry": line,
            }
        )

    seat_list = [seats[str(c)] for c in counties["code"]]
    seat_names = list(counties["name"])
    for k, (i, j) in enumerate(_mst(seat_list), start=1):
        road(
            "trunk",
            f"G{100 + k} {seat_names[i]}—{seat_names[j]}",
            _bent_line(rng, seat_list[i], seat_list[j], to_m, to_deg),
        )
    if seat_list:
        hub = 0
        for j in range(1, len(seat_list)):
            road(
                "primary",
                f"S{200 + j} {seat_names[hub]}—{seat_names[j]}",
                _bent_line(rng, seat_list[hub], seat_list[j], to_m, to_deg),
            )
    county_of = {str(c): str(c)[:6] for c in townships["code"]}
    for k, (code, name, geom) in enumerate(
        zip(townships["code"], townships["name"], townships.geometry, strict=True), start=1
    ):
        seat = seats.get(county_of[str(code)])
        if seat is None:
            continue
        centre = geom.representative_point()
        if centre.distance(seat) < 1e-4:
            continue
        road("secondary", f"X{k:03d} 至{name}", _bent_line(rng, seat, centre, to_m, to_deg))
    return roads


def _write_features(path: Path, rows: list[dict[str, Any]]) -> None:
    """``rows`` as a GeoJSON FeatureCollection (WGS-84) named after the file, marked synthetic."""
    frame = (
        gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)
        if rows
        else gpd.GeoDataFrame({"geometry": []}, geometry="geometry", crs=WGS84)
    )
    document = json.loads(frame.to_json(drop_id=True, ensure_ascii=False))
    document["name"] = path.stem
    document["description"] = "SYNTHETIC demo data for Tieling (铁岭), not real places or roads"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
