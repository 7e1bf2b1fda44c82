"""A deterministic synthetic province for the scale benchmark and its test (clearly not real data).

The default :class:`ProvinceSpec` is the size issue #15 plans for: 14 cities, 100 counties, 1,200
townships, 60,000 villages, 10,000,000 cameras and about 200,000 access switches. The units nest by
their codes (GB/T 2260 and the 12-digit statistical codes): province ``21``, cities ``210100`` …,
counties ``210102`` … (``01`` is the 市辖区 placeholder, never used), townships ``210102001`` …,
villages ``210102001201`` … (the first township of a county of three or more is a street whose
units are communities, ``001``–``199``; the others hold administrative villages, ``201``–``399``).

Geometry is a grid of rectangles in WGS-84 degrees (EPSG:4326): the province's box is cut into its
cities, each city's into its counties, and so on down to villages of about ``village_m`` metres on a
side, every cut along shared edges (``numpy.linspace``), so children tile their parent exactly.

Everything below the units comes county by county (:func:`county_parts`): its cameras (half
clustered around village centres, half uniform, each inside its village; types, classes, networking
and resolutions mixed as in :mod:`sharpeyes.coverage.synthetic`), key places, and its part of the
video private network (an access switch per ``cameras/switches`` cameras of a village, on the
township's aggregation node, on the county's centre, on the city's centre, on the platform; cameras
name their switch in ``uplink``). Each county draws from its own generator, seeded by
``(seed, county number)``, so a county is the same whatever is generated around it, and the whole
inventory never has to be held at once.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from sharpeyes._errors import InputError
from sharpeyes.model.columns import WGS84

__all__ = [
    "CountyPart",
    "ProvinceSpec",
    "ProvinceUnits",
    "county_parts",
    "province_roads",
    "province_units",
    "upper_network",
]

_M_PER_DEG: Final = 111_320.0
#: Bit rate (Mbit/s) an upper link is sized for, per camera below it, and the Ethernet step.
_SIZING_MBPS_PER_CAMERA: Final = 8.0
_STEP_MBPS: Final = 10_000.0
_PLACE_CATEGORIES: Final = ("school", "hospital", "station", "square", "mall", "scenic", "bank")


@dataclass(frozen=True)
class ProvinceSpec:
    """How big the province is and where it lies (``origin``: lon/lat of its south-west corner)."""

    cities: int = 14
    counties: int = 100
    townships: int = 1_200
    villages: int = 60_000
    cameras: int = 10_000_000
    switches: int = 200_000
    places_per_village: float = 2.0
    village_m: float = 1_500.0
    seed: int = 0
    province_code: str = "21"
    origin: tuple[float, float] = (120.0, 39.5)

    @classmethod
    def scaled(cls, scale: float, *, seed: int = 0) -> ProvinceSpec:
        """The default province with every count times ``scale`` (at least one child per parent;
        ``scale=0.01``: 14 cities, 14 counties, 14 townships, 600 villages, 100,000 cameras)."""
        if not 0 < scale <= 1:
            raise InputError(f"scale must be in (0, 1], got {scale}", field="scale")
        base = cls()
        cities = base.cities
        counties = max(cities, round(base.counties * scale))
        townships = max(counties, round(base.townships * scale))
        villages = max(townships, round(base.villages * scale))
        return replace(
            base,
            counties=counties,
            townships=townships,
            villages=villages,
            cameras=max(villages, round(base.cameras * scale)),
            switches=max(villages, round(base.switches * scale)),
            seed=seed,
        )

    def check(self) -> None:
        """Refuse a spec whose codes could not nest (raises :class:`~sharpeyes._errors.InputError`)."""
        counts = [self.cities, self.counties, self.townships, self.villages]
        names = ["cities", "counties", "townships", "villages"]
        for (a, na), (b, nb) in zip(
            zip(counts, names, strict=True), zip(counts[1:], names[1:], strict=True), strict=False
        ):
            if a < 1 or b < a:
                raise InputError(f"a province needs 1 ≤ {na} ≤ {nb}, got {a} and {b}", field=nb)
        limits = [(self.cities, 1, 70, "cities"), (self.counties, self.cities, 98, "counties")]
        limits += [(self.townships, self.counties, 999, "townships")]
        limits += [(self.villages, self.townships, 199, "villages")]
        for child, parent, most, name in limits:
            if math.ceil(child / parent) > most:
                raise InputError(f"at most {most} {name} per parent (codes run out)", field=name)
        if self.cameras < 0 or self.switches < self.villages:
            raise InputError(
                "cameras ≥ 0 and an access switch per village or more", field="switches"
            )


def _split(total: int, parts: int) -> np.ndarray:
    """``total`` shared as evenly as possible over ``parts`` (the first ones get the remainder)."""
    out = np.full(parts, total // parts, dtype=np.int64)
    out[: total % parts] += 1
    return out


def _tile(box: tuple[float, float, float, float], n: int, aspect: float) -> np.ndarray:
    """``n`` boxes (rows of minx, miny, maxx, maxy) tiling ``box`` exactly, near-square in metres
    (``aspect``: metres per degree of longitude / of latitude)."""
    x0, y0, x1, y1 = box
    w_m, h_m = (x1 - x0) * aspect, y1 - y0
    rows = min(n, max(1, round(math.sqrt(n * h_m / w_m))))
    per_row = _split(n, rows)
    ys = np.linspace(y0, y1, rows + 1)
    out = np.empty((n, 4))
    k = 0
    for r, count in enumerate(per_row):
        xs = np.linspace(x0, x1, int(count) + 1)
        out[k : k + count, 0] = xs[:-1]
        out[k : k + count, 2] = xs[1:]
        out[k : k + count, 1] = ys[r]
        out[k : k + count, 3] = ys[r + 1]
        k += int(count)
    return out


@dataclass
class ProvinceUnits:
    """Cities, counties, townships and villages (one GeoDataFrame, EPSG:4326, ``UNIT_COLUMNS`` and
    ``village_kind``), and the spec they were made from."""

    spec: ProvinceSpec
    units: gpd.GeoDataFrame

    def level(self, level: str) -> gpd.GeoDataFrame:
        """The units of one level, in code order."""
        return self.units[self.units["level"] == level]


def _codes(parent: str, level: str, n: int, *, street: bool) -> list[str]:
    if level == "city":
        return [f"{parent}{i + 1:02d}00" for i in range(n)]
    if level == "county":
        return [f"{parent[:4]}{i + 2:02d}" for i in range(n)]
    if level == "township":
        return [f"{parent}{i + 1:03d}" for i in range(n)]
    first = 1 if street else 201
    return [f"{parent}{first + i:03d}" for i in range(n)]


_LABEL: Final = {"city": "合成市", "county": "县", "township": "乡", "village": "村"}


def province_units(spec: ProvinceSpec) -> ProvinceUnits:
    """The unit tree of ``spec`` (see the module docstring); population drawn per village."""
    spec.check()
    lat0 = spec.origin[1]
    aspect = _M_PER_DEG * math.cos(math.radians(lat0))
    area_m2 = spec.villages * spec.village_m**2
    w_m = math.sqrt(area_m2 * 1.3)
    h_m = area_m2 / w_m
    x0, y0 = spec.origin
    province_box = (x0, y0, x0 + w_m / aspect, y0 + h_m / _M_PER_DEG)
    levels = ("city", "county", "township", "village")
    totals = (spec.cities, spec.counties, spec.townships, spec.villages)
    parents: list[tuple[str, tuple[float, float, float, float], bool]] = [
        (spec.province_code, province_box, False)
    ]
    codes, names, lvls, parent_codes, kinds, bounds = [], [], [], [], [], []
    for level, total in zip(levels, totals, strict=True):
        shares = _split(total, len(parents))
        children: list[tuple[str, tuple[float, float, float, float], bool]] = []
        for (parent, box, street), n in zip(parents, shares, strict=True):
            # _tile takes the ratio of metres per degree (longitude / latitude), not m per degree
            cells = _tile(box, int(n), aspect / _M_PER_DEG)
            for code, cell in zip(_codes(parent, level, int(n), street=street), cells, strict=True):
                children.append((code, (cell[0], cell[1], cell[2], cell[3]), False))
                codes.append(code)
                names.append(f"{_LABEL[level]}{code}")
                lvls.append(level)
                parent_codes.append(None if level == "city" else parent)
                kinds.append(("community" if street else "village") if level == "village" else None)
                bounds.append(cell)
        # the first township of a county of three or more is a street (街道) of communities
        siblings = pd.Series([c[:6] for c, _, _ in children]).value_counts()
        parents = [
            (code, box, level == "township" and code.endswith("001") and siblings[code[:6]] >= 3)
            for code, box, _ in children
        ]
    b = np.asarray(bounds)
    rng = np.random.default_rng([spec.seed, 0])
    is_village = np.asarray(lvls) == "village"
    population = np.full(len(codes), np.nan)
    population[is_village] = rng.integers(300, 3000, int(is_village.sum())).astype(float)
    units = gpd.GeoDataFrame(
        {
            "code": pd.array(codes, dtype="string"),
            "name": pd.array(names, dtype="string"),
            "level": pd.array(lvls, dtype="string"),
            "parent_code": pd.array(parent_codes, dtype="string"),
            "population": population,
            "village_kind": pd.array(kinds, dtype="string"),
        },
        geometry=shapely.box(b[:, 0], b[:, 1], b[:, 2], b[:, 3]),
        crs=WGS84,
    )
    return ProvinceUnits(spec=spec, units=units)


@dataclass
class CountyPart:
    """What one county holds below its units: ``cameras`` (canonical columns, EPSG:4326 lon/lat),
    ``places`` (GeoDataFrame, EPSG:4326), and its access and aggregation ``nodes`` and ``links``
    (topology columns; the county centre's uplinks are in :func:`upper_network`)."""

    county: str
    cameras: pd.DataFrame
    places: gpd.GeoDataFrame
    nodes: pd.DataFrame
    links: pd.DataFrame


def _village_cameras(spec: ProvinceSpec, n_villages: int) -> np.ndarray:
    """Cameras per village over the whole province (the same split in every county order)."""
    return _split(spec.cameras, n_villages)


def _village_switches(spec: ProvinceSpec, n_villages: int) -> np.ndarray:
    """Access switches per village (``spec.switches`` in all, at least one each)."""
    return np.asarray(np.maximum(1, _split(spec.switches, n_villages)), dtype=np.int64)


def county_parts(units: ProvinceUnits) -> Iterator[CountyPart]:
    """Every county's cameras, places and network, one county at a time, in code order."""
    villages = units.level("village")
    per_village = _village_cameras(units.spec, len(villages))
    switches = _village_switches(units.spec, len(villages))
    county_of = villages["code"].str.slice(0, 6).to_numpy(dtype=object)
    counties = units.level("county")["code"].to_numpy(dtype=object)
    starts = np.searchsorted(county_of, counties, side="left")
    ends = np.searchsorted(county_of, counties, side="right")
    for number, (county, start, end) in enumerate(zip(counties, starts, ends, strict=True), 1):
        rng = np.random.default_rng([units.spec.seed, number])
        part = villages.iloc[start:end]
        yield _county_part(
            units.spec, rng, str(county), part, per_village[start:end], switches[start:end]
        )


def _county_part(
    spec: ProvinceSpec,
    rng: np.random.Generator,
    county: str,
    villages: gpd.GeoDataFrame,
    per_village: np.ndarray,
    switches: np.ndarray,
) -> CountyPart:
    b = shapely.bounds(villages.geometry.to_numpy())
    codes = villages["code"].to_numpy(dtype=object)
    cameras = _cameras(rng, county, codes, b, per_village, switches)
    places = _places(rng, spec, county, b)
    nodes, links = _access_network(codes, b, per_village, switches)
    return CountyPart(county=county, cameras=cameras, places=places, nodes=nodes, links=links)


def _cameras(
    rng: np.random.Generator,
    county: str,
    codes: np.ndarray,
    b: np.ndarray,
    per_village: np.ndarray,
    switches: np.ndarray,
) -> pd.DataFrame:
    """The county's cameras, each inside its village; device IDs unique in the province."""
    n = int(per_village.sum())
    if n > 999_999:
        raise InputError(f"county {county}: at most 999,999 cameras per county", field="cameras")
    village = np.repeat(np.arange(len(codes)), per_village)
    x0, y0, x1, y1 = (b[village, k] for k in range(4))
    clustered = rng.random(n) < 0.5
    fx = np.where(clustered, 0.5 + rng.normal(0, 1 / 6, n), rng.random(n)).clip(0.001, 0.999)
    fy = np.where(clustered, 0.5 + rng.normal(0, 1 / 6, n), rng.random(n)).clip(0.001, 0.999)
    lon = np.round(x0 + fx * (x1 - x0), 7)
    lat = np.round(y0 + fy * (y1 - y0), 7)
    ctype = rng.choice(np.array([1, 2, 3, 4, 5], dtype=np.int16), n, p=[0.3, 0.15, 0.4, 0.05, 0.1])
    dome = np.isin(ctype, [1, 4])
    heading = np.where(dome, np.nan, np.round(rng.uniform(0, 360, n), 1))
    fov = np.where(dome, 360.0, np.where(ctype == 5, 30.0, np.round(rng.uniform(60, 100, n))))
    range_m = np.where(dome, rng.uniform(60, 110, n), rng.uniform(25, 70, n)).round(0)
    pclass = rng.choice(np.array([1, 2, 3], dtype=np.int8), n, p=[0.2, 0.2, 0.6])
    res = rng.choice(np.array([1080, 720, -1]), n, p=[0.7, 0.2, 0.1])
    networked = rng.random(n) < 0.85
    village_codes = codes[village]
    township = np.asarray([c[:9] for c in codes], dtype=object)[village]
    basic = np.char.zfill((np.char.mod("%d", np.asarray([int(c[6:9]) % 100 for c in codes]))), 2)
    serial = np.char.zfill(np.char.mod("%d", np.arange(n)), 6)
    device_id = np.char.add(
        np.char.add(np.char.add(county, basic[village]), "00132"),
        np.char.add(np.where(networked, "0", "8"), serial),
    )
    switch = np.char.mod("%d", _switch_of(per_village, village, switches))
    named = np.char.add(np.char.add(np.char.add("AS-", village_codes.astype(str)), "-"), switch)
    uplink = named.astype(object)
    uplink[~networked] = None
    resolution = pd.array(np.where(res < 0, 0, res), dtype="Int16")
    resolution[res < 0] = pd.NA
    is_hd = pd.array(res >= 1080, dtype="boolean")
    is_hd[res < 0] = pd.NA
    return pd.DataFrame(
        {
            "device_id": pd.array(device_id.astype(object), dtype="string"),
            "point_class": pd.array(pclass, dtype="Int8"),
            "camera_type": pd.array(ctype, dtype="Int16"),
            "lon": lon,
            "lat": lat,
            "heading_deg": heading,
            "fov_deg": fov,
            "range_m": range_m,
            "resolution": resolution,
            "is_hd": is_hd,
            "networked": pd.array(networked, dtype="boolean"),
            "admin_code": pd.array(np.full(n, county, dtype=object), dtype="string"),
            "township_code": pd.array(township, dtype="string"),
            "village_code": pd.array(village_codes, dtype="string"),
            "uplink": pd.array(uplink, dtype="string"),
            "source": "synthetic province",
        }
    )


def _switch_of(per_village: np.ndarray, village: np.ndarray, k: np.ndarray) -> np.ndarray:
    """The access switch (``AS-<village code>-<k>``) of each camera: its village's ``k`` in turn."""
    first = np.repeat(np.cumsum(per_village) - per_village, per_village)
    rank = np.arange(len(village)) - first
    return np.asarray(rank % k[village], dtype=np.int64)


def _places(
    rng: np.random.Generator, spec: ProvinceSpec, county: str, b: np.ndarray
) -> gpd.GeoDataFrame:
    """Key places spread evenly over the county's villages, categories cycled."""
    n = round(len(b) * spec.places_per_village)
    v = rng.integers(0, len(b), n)
    lon = b[v, 0] + rng.random(n) * (b[v, 2] - b[v, 0])
    lat = b[v, 1] + rng.random(n) * (b[v, 3] - b[v, 1])
    cats = np.asarray(_PLACE_CATEGORIES, dtype=object)[np.arange(n) % len(_PLACE_CATEGORIES)]
    ids = [f"P{county}{i:06d}" for i in range(n)]
    return gpd.GeoDataFrame(
        {"place_id": ids, "name": [f"{c} {i}" for c, i in zip(cats, ids, strict=True)]}
        | {"category": cats},
        geometry=shapely.points(lon, lat),
        crs=WGS84,
    )


def _capacity_mbps(cameras_below: np.ndarray) -> np.ndarray:
    """Upper links sized for their cameras, in 10 Gbit/s steps."""
    need = np.asarray(cameras_below, dtype=float) * _SIZING_MBPS_PER_CAMERA
    return np.maximum(1.0, np.ceil(need / _STEP_MBPS)) * _STEP_MBPS


def _access_network(
    codes: np.ndarray, b: np.ndarray, per_village: np.ndarray, k: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``k`` access switches of each village on the township's aggregation node; the townships
    of a county in a ring through the county centre (so each aggregation node has two uplinks)."""
    village = np.repeat(np.arange(len(codes)), k)
    rank = np.arange(len(village)) - np.repeat(np.cumsum(k) - k, k)
    switch_ids = np.char.add(np.char.add("AS-", codes[village].astype(str)), "-")
    switch_ids = np.char.add(switch_ids, np.char.mod("%d", rank))
    townships = np.asarray(sorted({c[:9] for c in codes}), dtype=object)
    agg_ids = np.asarray([f"AG-{t}" for t in townships], dtype=object)
    town_of_switch = np.searchsorted(townships, np.asarray([c[:9] for c in codes])[village])
    cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
    county = str(codes[0])[:6]
    nodes = pd.DataFrame(
        {
            "node_id": [*switch_ids.tolist(), *agg_ids.tolist()],
            "kind": ["access"] * len(switch_ids) + ["aggregation"] * len(agg_ids),
            "lon": [*cx[village], *_first_at(cx, codes, townships)],
            "lat": [*cy[village], *_first_at(cy, codes, townships)],
        }
    )
    nodes["name"] = nodes["node_id"]
    per_town = np.bincount(
        np.searchsorted(townships, np.asarray([c[:9] for c in codes])),
        weights=per_village,
        minlength=len(townships),
    )
    ring = _ring([f"C-{county}", *agg_ids.tolist()])
    ring_cap = _capacity_mbps(np.full(len(ring), per_town.sum()))
    links = pd.DataFrame(
        {
            "a": [*switch_ids.tolist(), *(x for x, _ in ring)],
            "b": [*agg_ids[town_of_switch].tolist(), *(y for _, y in ring)],
            "capacity_mbps": [*np.full(len(switch_ids), 1000.0), *ring_cap],
            "medium": "fibre",
        }
    )
    return nodes, links


def _ring(ids: list[str]) -> list[tuple[str, str]]:
    """The links of a ring through ``ids`` (one link for two, none for one: no duplicates)."""
    if len(ids) < 2:
        return []
    if len(ids) == 2:
        return [(ids[0], ids[1])]
    return [(x, ids[(i + 1) % len(ids)]) for i, x in enumerate(ids)]


def _first_at(values: np.ndarray, codes: np.ndarray, townships: np.ndarray) -> list[float]:
    """``values`` at each township's first village (the aggregation node sits there)."""
    prefix = np.asarray([c[:9] for c in codes], dtype=object)
    return [float(values[int(np.argmax(prefix == t))]) for t in townships]


def upper_network(units: ProvinceUnits) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The platform, the city and county centres and their links: city centres in a ring with the
    platform, each county centre on its city centre and on the next county of its city."""
    spec = units.spec
    cities = units.level("city")
    counties = units.level("county")
    per_county = pd.Series(
        _village_cameras(spec, len(units.level("village"))),
        index=units.level("village")["code"].str.slice(0, 6).to_numpy(),
    )
    cameras_by_county = per_county.groupby(level=0).sum()
    centre = shapely.centroid(units.units.geometry.to_numpy())
    at = dict(zip(units.units["code"], centre, strict=True))
    platform = f"P-{spec.province_code}"
    ids = [platform, *(f"C-{c}" for c in cities["code"]), *(f"C-{c}" for c in counties["code"])]
    kinds = ["platform"] + ["centre"] * (len(cities) + len(counties))
    first_city = at[cities["code"].iloc[0]]
    points = [first_city, *(at[c] for c in cities["code"]), *(at[c] for c in counties["code"])]
    nodes = pd.DataFrame(
        {"node_id": ids, "kind": kinds, "name": ids}
        | {"lon": shapely.get_x(points), "lat": shapely.get_y(points)}
    )
    a: list[str] = []
    b: list[str] = []
    load: list[float] = []
    city_codes = cities["code"].tolist()
    for city in city_codes:
        a.append(f"C-{city}")
        b.append(platform)
        load.append(float(spec.cameras))
    for x, y in _ring([f"C-{c}" for c in city_codes]):
        a.append(x)
        b.append(y)
        load.append(float(spec.cameras))
    for city, group in counties.groupby("parent_code", sort=True):
        codes = group["code"].tolist()
        below = float(sum(cameras_by_county.get(c, 0) for c in codes))
        for county in codes:
            a.append(f"C-{county}")
            b.append(f"C-{city}")
            load.append(below)
        for x, y in _ring([f"C-{c}" for c in codes]):
            a.append(x)
            b.append(y)
            load.append(below)
    links = pd.DataFrame(
        {"a": a, "b": b, "capacity_mbps": _capacity_mbps(np.asarray(load)), "medium": "fibre"}
    )
    return nodes, links


def province_roads(units: ProvinceUnits) -> gpd.GeoDataFrame:
    """Key roads (EPSG:4326): the south and west edges of every township (乡道, ``tertiary``), a
    diagonal across every county (``secondary``) and every city (``trunk``)."""
    lines: list[shapely.LineString] = []
    classes: list[str] = []
    for level, kind in (("city", "trunk"), ("county", "secondary"), ("township", "tertiary")):
        b = shapely.bounds(units.level(level).geometry.to_numpy())
        for x0, y0, x1, y1 in b:
            if kind == "tertiary":
                lines += [shapely.LineString([(x0, y0), (x1, y0)])]
                lines += [shapely.LineString([(x0, y0), (x0, y1)])]
                classes += [kind, kind]
            else:
                lines.append(shapely.LineString([(x0, y0), (x1, y1)]))
                classes.append(kind)
    ids = [f"R{i:06d}" for i in range(len(lines))]
    return gpd.GeoDataFrame(
        {"road_id": ids, "name": [f"road {i}" for i in ids], "road_class": classes},
        geometry=gpd.GeoSeries(lines, crs=WGS84),
        crs=WGS84,
    )
