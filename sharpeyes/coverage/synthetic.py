"""A deterministic synthetic city for tests, the benchmark and examples (clearly not real data).

A grid of square villages (``village_m`` metres on a side) grouped 3×3 into townships, and township
columns grouped into counties, laid out in the UTM zone of ``origin`` and returned in WGS-84. The
defaults give 7 counties, 126 townships and 1,134 villages over about 12,300 km² (the size of
Tieling). Cameras are half clustered around village centres and half spread evenly, with the camera
types, classes, networking and resolutions mixed as in a real registry; a few have no coordinates
and a few carry another county's code in their GB/T 28181 ID.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from sharpeyes.model.columns import WGS84
from sharpeyes.model.crs import utm_epsg

__all__ = ["SyntheticCity", "synthetic_city"]


@dataclass
class SyntheticCity:
    """Units, cameras, places and roads (all EPSG:4326) and the metric CRS they were laid out in."""

    units: gpd.GeoDataFrame
    cameras: gpd.GeoDataFrame
    places: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    crs: pyproj.CRS


@dataclass(frozen=True)
class _Grid:
    """The village grid in metres (the UTM CRS): south-west corner, village side, and size."""

    ox: float
    oy: float
    village_m: float
    counties: int
    township_rows: int
    township_cols_per_county: int

    @property
    def county_w_m(self) -> float:
        return self.township_cols_per_county * 3 * self.village_m

    @property
    def v_cols(self) -> int:
        return self.counties * self.township_cols_per_county * 3

    @property
    def v_rows(self) -> int:
        return self.township_rows * 3

    @property
    def width_m(self) -> float:
        return self.counties * self.township_cols_per_county * 3 * self.village_m

    @property
    def height_m(self) -> float:
        return self.township_rows * 3 * self.village_m


_UnitRow = tuple[str, str, str, str, shapely.Polygon]


def synthetic_city(
    n_cameras: int,
    *,
    counties: int = 7,
    township_rows: int = 9,
    township_cols_per_county: int = 2,
    village_m: float = 3300.0,
    n_places: int = 2000,
    seed: int = 0,
    origin: tuple[float, float] = (123.2, 42.0),
    city_code: str = "2199",
) -> SyntheticCity:
    """Build the synthetic city (see module docstring).

    Parameters
    ----------
    n_cameras
        Number of cameras.
    counties, township_rows, township_cols_per_county
        Layout: township columns per county × rows; each township is 3×3 villages.
    village_m
        Side of a village square, metres.
    n_places
        Key places (spread evenly, categories cycled).
    seed
        Random seed; the same arguments always give the same city.
    origin
        Lon/lat (degrees) of the south-west corner.
    city_code
        4-digit city code; counties are ``city_code + "01"`` …
    """
    rng = np.random.default_rng(seed)
    crs = pyproj.CRS.from_epsg(utm_epsg(*origin))
    ox, oy = pyproj.Transformer.from_crs(WGS84, crs, always_xy=True).transform(*origin)
    grid = _Grid(ox, oy, village_m, counties, township_rows, township_cols_per_county)
    to_deg = pyproj.Transformer.from_crs(crs, WGS84, always_xy=True)
    # The order of the random draws below is part of the city: keep it.
    units_m = _units_frame(_unit_rows(grid, city_code), crs=crs, village_m=village_m)
    vil = units_m[units_m["level"] == "village"]
    units_m.loc[vil.index, "population"] = rng.integers(300, 3000, len(vil)).astype(float)
    cameras = _cameras(rng, int(n_cameras), grid, vil, city_code=city_code, to_deg=to_deg)
    places = _places(rng, n_places, grid, to_deg=to_deg)
    roads = _roads(grid, crs=crs)
    units = units_m.to_crs(WGS84)
    return SyntheticCity(units=units, cameras=cameras, places=places, roads=roads, crs=crs)


def _unit_rows(grid: _Grid, city_code: str) -> list[_UnitRow]:
    """(code, name, level, parent_code, box in metres) for every county, township and village."""
    village_m = grid.village_m
    rows: list[_UnitRow] = []
    for cc in range(grid.counties):
        county = f"{city_code}{cc + 1:02d}"
        x0 = grid.ox + cc * grid.county_w_m
        rows.append(
            (
                county,
                f"县{cc + 1}",
                "county",
                city_code + "00",
                shapely.box(x0, grid.oy, x0 + grid.county_w_m, grid.oy + grid.height_m),
            )
        )
        t = 0
        for tc in range(grid.township_cols_per_county):
            for tr in range(grid.township_rows):
                t += 1
                township = f"{county}{t:03d}"
                tx = x0 + tc * 3 * village_m
                ty = grid.oy + tr * 3 * village_m
                rows.append(
                    (
                        township,
                        f"县{cc + 1}乡{t}",
                        "township",
                        county,
                        shapely.box(tx, ty, tx + 3 * village_m, ty + 3 * village_m),
                    )
                )
                rows.extend(_village_rows(township, f"县{cc + 1}乡{t}", tx, ty, village_m))
    return rows


def _village_rows(
    township: str, township_name: str, tx: float, ty: float, village_m: float
) -> list[_UnitRow]:
    """The 3×3 villages of the township whose south-west corner is (tx, ty), metres."""
    rows: list[_UnitRow] = []
    v = 0
    for vc in range(3):
        for vr in range(3):
            v += 1
            vx = tx + vc * village_m
            vy = ty + vr * village_m
            rows.append(
                (
                    f"{township}{v:03d}",
                    f"{township_name}村{v}",
                    "village",
                    township,
                    shapely.box(vx, vy, vx + village_m, vy + village_m),
                )
            )
    return rows


def _units_frame(rows: list[_UnitRow], *, crs: pyproj.CRS, village_m: float) -> gpd.GeoDataFrame:
    """The units frame in ``crs`` (metric), population not yet drawn."""
    codes, names, levels, parents, geoms = zip(*rows, strict=True)
    return gpd.GeoDataFrame(
        {
            "code": pd.array(codes, dtype="string"),
            "name": pd.array(names, dtype="string"),
            "level": pd.array(levels, dtype="string"),
            "parent_code": pd.array(parents, dtype="string"),
            "population": np.nan,
        },
        geometry=gpd.GeoSeries(geoms, crs=crs).segmentize(village_m / 4),
        crs=crs,
    )


def _camera_xy(
    rng: np.random.Generator, n: int, grid: _Grid, villages: gpd.GeoDataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Camera positions in metres: half around village centres, half uniform, kept inside the city."""
    village_m = grid.village_m
    centres = shapely.centroid(villages.geometry.to_numpy())
    cx, cy = shapely.get_x(centres), shapely.get_y(centres)
    pick = rng.integers(0, len(villages), n)
    clustered = rng.random(n) < 0.5
    x = np.where(
        clustered,
        cx[pick] + rng.normal(0, village_m / 6, n),
        grid.ox + rng.random(n) * grid.v_cols * grid.village_m,
    )
    y = np.where(
        clustered,
        cy[pick] + rng.normal(0, village_m / 6, n),
        grid.oy + rng.random(n) * grid.v_rows * grid.village_m,
    )
    x = np.clip(x, grid.ox + 1, grid.ox + grid.width_m - 1)
    y = np.clip(y, grid.oy + 1, grid.oy + grid.height_m - 1)
    return x, y


def _device_ids(
    rng: np.random.Generator,
    x: np.ndarray,
    networked: np.ndarray,
    grid: _Grid,
    *,
    city_code: str,
) -> tuple[pd.Series, np.ndarray]:
    """GB/T 28181 IDs and admin codes from the county each camera's x (metres) falls in.

    About 0.5 % carry the next county's code, as in a real registry.
    """
    n = len(x)
    county_idx = np.minimum(((x - grid.ox) // grid.county_w_m).astype(int), grid.counties - 1)
    county_codes = np.array([f"{city_code}{c + 1:02d}" for c in range(grid.counties)])
    id_county = county_codes[county_idx]
    wrong = rng.random(n) < 0.005
    id_county = np.where(wrong, county_codes[(county_idx + 1) % grid.counties], id_county)
    serial = pd.Series(np.arange(n) % 1_000_000).astype(str).str.zfill(6)
    basic = pd.Series(np.arange(n) // 1_000_000).astype(str).str.zfill(2)
    device_id = (
        pd.Series(id_county)
        + basic
        + "00"
        + "132"
        + pd.Series(np.where(networked, "0", "8"), dtype=str)
        + serial
    )
    return device_id, id_county


def _cameras(
    rng: np.random.Generator,
    n: int,
    grid: _Grid,
    villages: gpd.GeoDataFrame,
    *,
    city_code: str,
    to_deg: pyproj.Transformer,
) -> gpd.GeoDataFrame:
    """The camera registry (EPSG:4326), with types, classes and resolutions mixed; 0.1 % unplaced."""
    x, y = _camera_xy(rng, n, grid, villages)
    ctype = rng.choice(np.array([1, 2, 3, 4, 5], dtype=np.int16), n, p=[0.3, 0.15, 0.4, 0.05, 0.1])
    heading = np.round(rng.uniform(0, 360, n), 1)
    dome = np.isin(ctype, [1, 4])
    fov = np.where(dome, 360.0, np.where(ctype == 5, 30.0, np.round(rng.uniform(60, 100, n))))
    rng_m = np.where(dome, rng.uniform(60, 110, n), rng.uniform(25, 70, n)).round(0)
    pclass = rng.choice(np.array([1, 2, 3], dtype=np.int8), n, p=[0.2, 0.2, 0.6])
    res = rng.choice(np.array([1080, 720, -1]), n, p=[0.7, 0.2, 0.1])
    networked = rng.random(n) < 0.85
    device_id, id_county = _device_ids(rng, x, networked, grid, city_code=city_code)
    lon, lat = to_deg.transform(x, y)
    lon = np.round(lon, 7)
    lat = np.round(lat, 7)
    no_pos = rng.random(n) < 0.001
    lon[no_pos] = np.nan
    lat[no_pos] = np.nan
    geometry = shapely.points(np.where(no_pos, 0.0, lon), np.where(no_pos, 0.0, lat))
    geometry[no_pos] = None
    cameras = gpd.GeoDataFrame(
        {
            "device_id": pd.array(device_id.to_numpy(), dtype="string"),
            "point_class": pd.array(pclass, dtype="Int8"),
            "camera_type": pd.array(ctype, dtype="Int16"),
            "lon": lon,
            "lat": lat,
            "heading_deg": np.where(dome, np.nan, heading),
            "fov_deg": fov,
            "range_m": rng_m,
            "resolution": pd.array(np.where(res < 0, 0, res), dtype="Int16"),
            "networked": pd.array(networked, dtype="boolean"),
            "admin_code": pd.array(id_county, dtype="string"),
        },
        geometry=gpd.GeoSeries(geometry, crs=WGS84),
        crs=WGS84,
    )
    cameras.loc[res < 0, "resolution"] = pd.NA
    return cameras


_PLACE_CATEGORIES = [
    "school",
    "hospital",
    "station",
    "square",
    "mall",
    "scenic",
    "bank",
    "government",
]


def _places(
    rng: np.random.Generator, n_places: int, grid: _Grid, *, to_deg: pyproj.Transformer
) -> gpd.GeoDataFrame:
    """Key places spread evenly over the city (EPSG:4326), categories cycled."""
    cats = _PLACE_CATEGORIES
    px = grid.ox + rng.random(n_places) * grid.v_cols * grid.village_m
    py = grid.oy + rng.random(n_places) * grid.v_rows * grid.village_m
    plon, plat = to_deg.transform(px, py)
    return gpd.GeoDataFrame(
        {
            "place_id": [f"P{i:06d}" for i in range(n_places)],
            "name": [f"{cats[i % len(cats)]} {i}" for i in range(n_places)],
            "category": [cats[i % len(cats)] for i in range(n_places)],
        },
        geometry=gpd.points_from_xy(plon, plat),
        crs=WGS84,
    )


def _roads(grid: _Grid, *, crs: pyproj.CRS) -> gpd.GeoDataFrame:
    """Township-grid lines (county roads) and two diagonals (national roads), EPSG:4326."""
    ox, oy, w_m, h_m = grid.ox, grid.oy, grid.width_m, grid.height_m
    lines, classes = [], []
    for tc in range(grid.counties * grid.township_cols_per_county + 1):
        xx = ox + tc * 3 * grid.village_m
        lines.append(shapely.LineString([(xx, oy), (xx, oy + h_m)]))
        classes.append("secondary")
    for tr in range(grid.township_rows + 1):
        yy = oy + tr * 3 * grid.village_m
        lines.append(shapely.LineString([(ox, yy), (ox + w_m, yy)]))
        classes.append("tertiary")
    lines.append(shapely.LineString([(ox, oy), (ox + w_m, oy + h_m)]))
    lines.append(shapely.LineString([(ox, oy + h_m), (ox + w_m, oy)]))
    classes += ["trunk", "trunk"]
    roads_m = gpd.GeoSeries(lines, crs=crs).segmentize(500.0)
    return gpd.GeoDataFrame(
        {
            "road_id": [f"R{i:04d}" for i in range(len(lines))],
            "name": [f"road {i}" for i in range(len(lines))],
            "road_class": classes,
        },
        geometry=roads_m.to_crs(WGS84),
        crs=WGS84,
    )
