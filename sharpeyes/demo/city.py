"""The demo city's administrative units: Tieling (铁岭市, Liaoning), real where open data exists.

Real: the city outline and its 7 county-level units (Amap polygons, converted here from GCJ-02 to
WGS-84), the 106 townships/streets and 1,471 villages/communities with their statistical division
codes and names (see ``tieling/SOURCES.md``). Synthetic: the township and village polygons (nested
Voronoi cells, seeded and deterministic) and every population figure. ``data/README.md`` says how.
"""

from __future__ import annotations

import json
import shutil
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Final, overload

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.ops
from numpy.typing import NDArray

from sharpeyes.model.columns import UNIT_COLUMNS, WGS84
from sharpeyes.model.crs import gcj02_to_wgs84

CITY_CODE: Final = "2112"
CITY_NAME: Final = "铁岭市"
PROVINCE_NAME: Final = "辽宁省"

#: Approximate county seats (WGS-84 lon, lat in degrees), used to place the streets (街道) and the
#: urban core of each county. Approximate by design; a seat outside its polygon is moved inside.
COUNTY_SEATS: Final[dict[str, tuple[float, float]]] = {
    "211202": (123.842, 42.286),  # 银州区
    "211204": (124.159, 42.546),  # 清河区
    "211221": (123.790, 42.225),  # 铁岭县 (凡河新区)
    "211223": (124.727, 42.738),  # 西丰县 (西丰镇)
    "211224": (124.111, 42.785),  # 昌图县 (昌图镇)
    "211281": (123.567, 42.468),  # 调兵山市
    "211282": (124.038, 42.546),  # 开原市
}

#: Synthetic population of the whole city (residents), about the size of the 2020 census count.
CITY_POPULATION: Final = 2_400_000

#: Longitude scale that makes lon/lat distances roughly isotropic at Tieling (cos 42.6°).
_LON_SCALE: Final = float(np.cos(np.radians(42.6)))

FloatArray = NDArray[np.float64]


# -- the packaged reference data ---------------------------------------------------------------
def data_path(name: str) -> Path:
    """Path of a packaged Tieling data file (``city_and_counties.geojson``, ``townships.csv`` …)."""
    return Path(str(resources.files("sharpeyes.demo").joinpath("tieling", name)))


@cache
def _code_lists() -> tuple[pd.DataFrame, pd.DataFrame]:
    townships = pd.read_csv(data_path("townships.csv"), dtype=str)
    villages = pd.read_csv(data_path("villages.csv"), dtype=str)
    townships = townships.rename(columns={"areaCode": "county_code"})[
        ["code", "name", "county_code"]
    ]
    villages = villages.rename(columns={"streetCode": "township_code"})[
        ["code", "name", "township_code"]
    ]
    return townships.sort_values("code", ignore_index=True), villages.sort_values(
        "code", ignore_index=True
    )


def township_codes() -> pd.DataFrame:
    """The 106 real townships/streets: ``code`` (9 digits), ``name``, ``county_code`` (6 digits)."""
    return _code_lists()[0].copy()


def village_codes() -> pd.DataFrame:
    """The 1,471 real villages/communities: ``code`` (12 digits), ``name``, ``township_code``."""
    return _code_lists()[1].copy()


@overload
def is_community(code: str) -> bool: ...
@overload
def is_community(code: pd.Series) -> pd.Series: ...
def is_community(code: pd.Series | str) -> pd.Series | bool:
    """True for communities, False for villages (村), by the statistical code's last 3 digits.

    001–199 residents' committees (居委会/社区), 200–399 villagers' committees (村委会), 400–499
    units like residents' committees (industrial parks, state-farm branches: 社区), 500–599 units
    like villagers' committees.
    """
    if isinstance(code, str):
        return int(code[9:12]) // 100 not in {2, 3, 5}
    hundreds = code.str.slice(9, 12).astype(int) // 100
    return ~hundreds.isin([2, 3, 5])


@overload
def is_street(name: str) -> bool: ...
@overload
def is_street(name: pd.Series) -> pd.Series: ...
def is_street(name: pd.Series | str) -> pd.Series | bool:
    """True for streets (街道, urban townships)."""
    if isinstance(name, str):
        return name.endswith("街道")
    return name.str.endswith("街道")


def short_name(name: str) -> str:
    """Everyday name of a village-level unit: 忠岭村民委员会 → 忠岭村, 马仲河村村民委员会 → 马仲河村, 青年社区居委会 → 青年社区."""
    for suffix in ("村民委员会", "村委会"):
        if name.endswith(suffix):
            base = name[: -len(suffix)]
            return base if base.endswith("村") else base + "村"
    for suffix, short in (
        ("社区居委会", "社区"),
        ("社区居民委员会", "社区"),
        ("居民委员会", "社区"),
        ("居委会", "社区"),
        ("家委会", "社区"),
    ):
        if name.endswith(suffix):
            return name[: -len(suffix)] + short
    return name


# -- geometry helpers ----------------------------------------------------------------------------
def _gcj02_to_wgs84_coords(xy: FloatArray) -> FloatArray:
    lon, lat = gcj02_to_wgs84(xy[:, 0], xy[:, 1])
    return np.column_stack([lon, lat])


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Only the polygonal part of ``geom`` (intersections may add slivers of lines or points)."""
    if isinstance(geom, shapely.Polygon | shapely.MultiPolygon):
        return geom
    parts = [
        g for g in shapely.get_parts(geom) if isinstance(g, shapely.Polygon | shapely.MultiPolygon)
    ]
    polys: list[shapely.Polygon] = []
    for part in parts:
        polys.extend(shapely.get_parts(part).tolist())
    return shapely.MultiPolygon(polys) if polys else shapely.MultiPolygon()


def _repair(geom: shapely.Geometry) -> shapely.Geometry:
    if shapely.is_valid(geom):
        return geom
    return _polygonal(shapely.make_valid(geom))


def _uniform_points(geom: shapely.Geometry, n: int, rng: np.random.Generator) -> FloatArray:
    """``n`` points uniformly inside ``geom`` (lon, lat), by rejection from its bounds."""
    minx, miny, maxx, maxy = geom.bounds
    shapely.prepare(geom)
    out: list[FloatArray] = []
    have = 0
    while have < n:
        batch = max(64, 2 * (n - have))
        x = rng.uniform(minx, maxx, batch)
        y = rng.uniform(miny, maxy, batch)
        inside = shapely.contains_xy(geom, x, y)
        pts = np.column_stack([x[inside], y[inside]])
        out.append(pts)
        have += len(pts)
    return np.concatenate(out)[:n]


def _clustered_points(
    geom: shapely.Geometry,
    n: int,
    centre: tuple[float, float],
    sigma_deg: float,
    rng: np.random.Generator,
) -> FloatArray:
    """``n`` points inside ``geom``, normally spread around ``centre`` (sigma in degrees of latitude)."""
    shapely.prepare(geom)
    out: list[FloatArray] = []
    have = 0
    tries = 0
    while have < n:
        tries += 1
        batch = max(32, 4 * (n - have))
        x = centre[0] + rng.normal(0.0, sigma_deg / _LON_SCALE, batch)
        y = centre[1] + rng.normal(0.0, sigma_deg, batch)
        inside = shapely.contains_xy(geom, x, y)
        out.append(np.column_stack([x[inside], y[inside]]))
        have += int(inside.sum())
        if tries > 50:  # a centre in a thin corner: fall back to anywhere in the unit
            out.append(_uniform_points(geom, n - have, rng))
            break
    return np.concatenate(out)[:n]


def _spread_points(
    geom: shapely.Geometry, n: int, fixed: FloatArray, rng: np.random.Generator
) -> FloatArray:
    """``n`` points inside ``geom`` kept apart from each other and from ``fixed`` (greedy farthest point)."""
    if n == 0:
        return np.empty((0, 2))
    candidates = _uniform_points(geom, max(40 * n, 200), rng)
    cx, cy = candidates[:, 0] * _LON_SCALE, candidates[:, 1]
    dist = np.full(len(candidates), np.inf)
    for fx, fy in fixed:
        dist = np.minimum(dist, np.hypot(cx - fx * _LON_SCALE, cy - fy))
    chosen: list[int] = []
    for _ in range(n):
        if not np.isfinite(dist).any():
            i = int(rng.integers(len(candidates)))
        else:
            i = int(np.argmax(dist))
        chosen.append(i)
        dist = np.minimum(dist, np.hypot(cx - cx[i], cy - cy[i]))
        dist[i] = -1.0
    return candidates[chosen]


def _voronoi_cells(parent: shapely.Geometry, seeds: FloatArray) -> list[shapely.Geometry]:
    """Voronoi cells of ``seeds`` (in a lon-scaled plane), clipped to ``parent``, in seed order.

    The cells tile ``parent``: their union is ``parent`` and they do not overlap (up to floating
    point), because the unclipped cells tile the plane around it.
    """
    if len(seeds) == 1:
        return [parent]
    scaled = shapely.multipoints(np.column_stack([seeds[:, 0] * _LON_SCALE, seeds[:, 1]]))
    minx, miny, maxx, maxy = parent.bounds
    pad = 0.1 + max(maxx - minx, maxy - miny)
    frame = shapely.box(minx * _LON_SCALE - pad, miny - pad, maxx * _LON_SCALE + pad, maxy + pad)
    cells = shapely.get_parts(shapely.voronoi_polygons(scaled, extend_to=frame, ordered=True))
    cells = shapely.transform(cells, lambda xy: np.column_stack([xy[:, 0] / _LON_SCALE, xy[:, 1]]))
    shapely.prepare(parent)
    clipped = [_polygonal(shapely.intersection(cell, parent)) for cell in cells]
    for cell, (x, y) in zip(clipped, seeds, strict=True):
        if cell.is_empty:  # cannot happen for a seed strictly inside parent; guard all the same
            raise RuntimeError(f"empty Voronoi cell for seed ({x:.6f}, {y:.6f})")
    return clipped


def _rng(seed: int, code: str, salt: int = 0) -> np.random.Generator:
    return np.random.default_rng([seed, int(code), salt])


# -- units -----------------------------------------------------------------------------------------
@cache
def _counties_wgs84() -> gpd.GeoDataFrame:
    raw = gpd.read_file(data_path("city_and_counties.geojson"))
    geoms = shapely.transform(np.asarray(raw.geometry.values), _gcj02_to_wgs84_coords)
    geoms = np.array([_repair(g) for g in geoms], dtype=object)
    frame = gpd.GeoDataFrame(
        {
            "adcode": raw["adcode"].astype(str),
            "name": raw["district"].fillna(raw["city"]).astype(str),
        },
        geometry=gpd.GeoSeries(geoms, crs=WGS84),
    )
    return frame


def _seat(code: str, polygon: shapely.Geometry) -> tuple[float, float]:
    if code not in COUNTY_SEATS:
        point = polygon.representative_point()
        return float(point.x), float(point.y)
    lon, lat = COUNTY_SEATS[code]
    if polygon.contains(shapely.Point(lon, lat)):
        return lon, lat
    inner = polygon.buffer(-0.003)
    if inner.is_empty:
        inner = polygon
    point = shapely.ops.nearest_points(inner, shapely.Point(lon, lat))[0]
    if not polygon.contains(point):
        point = polygon.representative_point()
    return float(point.x), float(point.y)


def _township_seeds(
    county_code: str,
    county: shapely.Geometry,
    townships: pd.DataFrame,
    seed: int,
) -> FloatArray:
    """One seed per township (rows of ``townships`` in order): streets near the seat, towns spread."""
    rng = _rng(seed, county_code, 1)
    seat = _seat(county_code, county)
    streets = is_street(townships["name"]).to_numpy(dtype=bool)
    seeds = np.empty((len(townships), 2))
    n_streets = int(streets.sum())
    if n_streets:
        sigma = 0.012 * np.sqrt(n_streets)
        seeds[streets] = _clustered_points(county, n_streets, seat, sigma, rng)
        fixed = seeds[streets]
        towns = np.flatnonzero(~streets)
    else:  # the first town (lowest code, by convention the seat town) sits at the seat
        seeds[0] = seat
        fixed = seeds[:1]
        towns = np.arange(1, len(townships))
    seeds[towns] = _spread_points(county, len(towns), fixed, rng)
    return seeds


def _village_seeds(
    township_code: str,
    township: shapely.Geometry,
    centre: tuple[float, float],
    villages: pd.DataFrame,
    seed: int,
) -> FloatArray:
    """One seed per village-level unit: communities (社区) near the township centre, villages (村) spread."""
    rng = _rng(seed, township_code, 2)
    community = is_community(villages["code"]).to_numpy(dtype=bool)
    seeds = np.empty((len(villages), 2))
    n_comm = int(community.sum())
    n_vill = len(villages) - n_comm
    if n_comm and n_vill:
        area_deg2 = township.area * _LON_SCALE
        radius = float(np.sqrt(area_deg2 / np.pi))
        sigma = 0.25 * radius * np.sqrt(n_comm / len(villages))
        seeds[community] = _clustered_points(township, n_comm, centre, sigma, rng)
        seeds[~community] = _spread_points(township, n_vill, seeds[community], rng)
    else:
        seeds[:] = _spread_points(township, len(villages), np.array([centre]), rng)
    return seeds


def _populations(villages: pd.DataFrame, townships: pd.DataFrame, seed: int) -> pd.Series:
    """Synthetic residents per village-level unit, scaled so that the city totals ``CITY_POPULATION``."""
    rng = np.random.default_rng([seed, 2112, 3])
    community = is_community(villages["code"]).to_numpy(dtype=bool)
    street_codes = set(townships.loc[is_street(townships["name"]), "code"])
    in_street = villages["township_code"].isin(street_codes).to_numpy(dtype=bool)
    mean = np.where(community & in_street, 7000.0, np.where(community, 3500.0, 1400.0))
    raw = mean * rng.lognormal(0.0, 0.35, len(villages))
    scaled = np.round(raw * CITY_POPULATION / raw.sum()).astype(np.int64)
    return pd.Series(scaled, index=villages.index)


def _unit_row(
    code: str, name: str, level: str, parent_code: str | None, population: int, geometry: object
) -> dict[str, object]:
    return {
        "code": code,
        "name": name,
        "level": level,
        "parent_code": parent_code,
        "population": population,
        "geometry": geometry,
    }


def _county_units(
    county_code: str,
    county_geom: object,
    county_townships: pd.DataFrame,
    villages: pd.DataFrame,
    village_pop: pd.Series,
    seed: int,
) -> tuple[list[dict[str, object]], list[dict[str, object]], int]:
    """One county's township and village rows (cells tiling it) and its population."""
    township_rows: list[dict[str, object]] = []
    village_rows: list[dict[str, object]] = []
    county_townships = county_townships.reset_index(drop=True)
    t_seeds = _township_seeds(county_code, county_geom, county_townships, seed)
    t_cells = _voronoi_cells(county_geom, t_seeds)
    county_pop = 0
    for (_, township), cell, t_seed in zip(
        county_townships.iterrows(), t_cells, t_seeds, strict=True
    ):
        t_code = str(township["code"])
        t_villages = villages[villages["township_code"] == t_code]
        v_seeds = _village_seeds(t_code, cell, (t_seed[0], t_seed[1]), t_villages, seed)
        v_cells = _voronoi_cells(cell, v_seeds)
        t_pop = 0
        for v_code, v_name, v_pop, v_cell in zip(
            t_villages["code"],
            t_villages["name"],
            village_pop.loc[t_villages.index],
            v_cells,
            strict=True,
        ):
            pop = int(v_pop)
            t_pop += pop
            village_rows.append(_unit_row(str(v_code), str(v_name), "village", t_code, pop, v_cell))
        county_pop += t_pop
        township_rows.append(
            _unit_row(t_code, str(township["name"]), "township", county_code, t_pop, cell)
        )
    return township_rows, village_rows, county_pop


def build_units(*, seed: int = 0) -> gpd.GeoDataFrame:
    """Tieling's administrative units, city to village, with ``UNIT_COLUMNS``, in EPSG:4326.

    - city (code ``2112``) and 7 counties (6-digit GB/T 2260 codes): real Amap polygons, converted
      from GCJ-02 to WGS-84 vertex by vertex and repaired where the shift made them invalid;
    - 106 townships/streets (9-digit codes) and 1,471 villages/communities (12-digit codes): real
      codes and names, synthetic polygons. Township cells are Voronoi cells of seeded points inside
      their county (streets small, around the county seat; towns spread out), village cells are
      Voronoi cells inside their township (communities near the township centre, villages spread).
      Each level tiles its parent exactly (clipped to it, no gaps, no overlaps).
    - ``population``: synthetic residents (communities larger than villages), summed upwards; the
      city totals ``CITY_POPULATION``.

    Deterministic for a ``seed``. Areas are not in the frame: project to measure them
    (``sharpeyes.model.crs.utm_epsg``).
    """
    counties = _counties_wgs84()
    townships, villages = _code_lists()
    village_pop = _populations(villages, townships, seed)
    rows: list[dict[str, object]] = []
    village_rows: list[dict[str, object]] = []
    township_rows: list[dict[str, object]] = []
    county_rows: list[dict[str, object]] = []
    for county_code, county_townships in townships.groupby("county_code", sort=True):
        county_code = str(county_code)
        match = counties[counties["adcode"] == county_code]
        if match.empty:
            raise RuntimeError(f"county {county_code} has townships but no polygon")
        county_geom = match.geometry.iloc[0]
        t_rows, v_rows, county_pop = _county_units(
            county_code, county_geom, county_townships, villages, village_pop, seed
        )
        township_rows.extend(t_rows)
        village_rows.extend(v_rows)
        county_rows.append(
            _unit_row(
                county_code,
                str(match["name"].iloc[0]),
                "county",
                CITY_CODE,
                county_pop,
                county_geom,
            )
        )
    city = counties[counties["adcode"] == CITY_CODE + "00"].geometry.iloc[0]
    total = sum(int(str(r["population"])) for r in county_rows)
    rows.append(_unit_row(CITY_CODE, CITY_NAME, "city", None, total, city))
    rows.extend(county_rows)
    rows.extend(township_rows)
    rows.extend(village_rows)
    frame = pd.DataFrame(rows, columns=list(UNIT_COLUMNS))
    frame["parent_code"] = frame["parent_code"].astype("string")
    frame["code"] = frame["code"].astype("string")
    frame["name"] = frame["name"].astype("string")
    frame["level"] = frame["level"].astype("string")
    frame["population"] = frame["population"].astype("Int64")
    geometry = gpd.GeoSeries(frame.pop("geometry").to_list(), crs=WGS84, index=frame.index)
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=WGS84)[list(UNIT_COLUMNS)]


def unit_centres(units: gpd.GeoDataFrame) -> pd.DataFrame:
    """The centre of each county and township (lon, lat; WGS-84), where its urban core is.

    A township's centre is the mean of its communities' representative points (its town centre),
    or its own representative point when it has no community; a county's centre is the mean of its
    streets' centres, or the centre of its first township (the seat town) when it has no street.
    """
    levels = units["level"].astype(str)
    reps = units.geometry.representative_point()
    frame = pd.DataFrame(
        {
            "code": units["code"].astype(str),
            "parent_code": units["parent_code"].astype("string"),
            "name": units["name"].astype(str),
            "lon": reps.x,
            "lat": reps.y,
            "level": levels,
        }
    )
    villages = frame[levels == "village"]
    communities = villages[is_community(villages["code"])]
    comm_centre = communities.groupby("parent_code")[["lon", "lat"]].mean()
    townships = frame[levels == "township"].set_index("code")
    t_centres = townships[["lon", "lat", "parent_code", "name"]].copy()
    geom_by_code = units.set_index(units["code"].astype(str)).geometry
    for code, (lon, lat) in comm_centre.iterrows():
        code = str(code)
        if code in t_centres.index and geom_by_code.loc[code].contains(shapely.Point(lon, lat)):
            t_centres.loc[code, ["lon", "lat"]] = (lon, lat)
    rows = []
    for county_code, group in t_centres.groupby("parent_code", sort=True):
        group = group.sort_index()
        streets = group[is_street(group["name"])]
        core = streets if len(streets) else group.iloc[:1]
        rows.append(
            {
                "code": str(county_code),
                "lon": float(core["lon"].mean()),
                "lat": float(core["lat"].mean()),
                "level": "county",
            }
        )
    counties = pd.DataFrame(rows)
    t_out = t_centres.reset_index()[["code", "lon", "lat"]].assign(level="township")
    centres: pd.DataFrame = pd.concat([counties, t_out], ignore_index=True)
    return centres


def write_units(units: gpd.GeoDataFrame, workdir: Path | str) -> Path:
    """Write ``units`` as ``<workdir>/units/tieling_units.geojson`` (WGS-84) and the real code lists.

    Properties ``code``, ``name``, ``level`` (city/county/township/village), ``parent_code``,
    ``population``: what ``sharpeyes units import`` reads. The real code lists (``townships.csv``,
    ``villages.csv``, no geometry) are copied beside it. Coordinates are written with 7 decimals
    (about 1 cm). Returns the GeoJSON path.
    """
    folder = Path(workdir) / "units"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "tieling_units.geojson"
    rounded = shapely.set_precision(np.asarray(units.geometry.values), 1e-7)
    features = []
    for row, geom in zip(units.itertuples(index=False), rounded, strict=True):
        population = row.population
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "code": str(row.code),
                    "name": str(row.name),
                    "level": str(row.level),
                    "parent_code": None if pd.isna(row.parent_code) else str(row.parent_code),
                    "population": None if pd.isna(population) else int(population),
                },
                "geometry": json.loads(shapely.to_geojson(geom)),
            }
        )
    document = {"type": "FeatureCollection", "features": features}
    path.write_text(
        json.dumps(document, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )
    for name in ("townships.csv", "villages.csv"):
        shutil.copyfile(data_path(name), folder / name)
    return path
