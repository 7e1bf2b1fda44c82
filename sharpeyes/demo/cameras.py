"""The demo city's cameras: a synthetic, seeded inventory at the scale the seed articles report.

At ``scale=1.0``: 4,205 class I cameras (Tieling's reported figure: all networked, all HD),
6,385 class II and 23,984 class III (Huludao's reported figures), partly networked and partly SD.
Everything here is synthetic (positions, names, IDs, owners, dates) except the place names and
codes of the units it is built on (:mod:`sharpeyes.demo.city`).

Where the cameras go:

- class I (公安一类点): 45 % at intersections of urban streets and communities (weighted by
  population), 35 % along the roads linking county seats and township centres (many of them
  checkpoint bullets looking along the road), 20 % around township centres;
- class II (行业二类点): sites of schools, hospitals, banks, stations, utilities and city
  management (a handful of cameras per site), mostly urban;
- class III (社会三类点): village "Sharp Eyes" cameras (about a third), the rest at residential
  compounds, shops, hotels, petrol stations and enterprises.

About 17 % of the villages (村, not communities) are left without any networked camera: the
coverage gaps the demo is meant to find. Some of them have class III cameras that are not networked.
"""

from __future__ import annotations

from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from sharpeyes.demo.cameras_attributes import NVR_CHANNELS, _attributes, nvr_id
from sharpeyes.demo.cameras_vocab import (
    _COMPOUNDS,
    _DEG_PER_M,
    _LON_SCALE,
    _SECTORS,
    _SHOPS,
    CLASS_COUNTS,
    DARK_VILLAGE_SHARE,
    RTSP_HOST,
    RTSP_PASSWORD,
    RTSP_USER,
    SOURCE_CATALOG,
    SOURCE_GIS,
    SOURCE_INDUSTRY,
    SOURCE_SOCIAL,
    SOURCE_VILLAGES,
)
from sharpeyes.demo.city import (
    is_community,
    is_street,
    unit_centres,
)


def _unit_tables(units: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, pd.DataFrame, dict[str, str]]:
    level = units["level"].astype(str)
    names = dict(zip(units["code"].astype(str), units["name"].astype(str), strict=True))
    villages = units[level == "village"].copy()
    villages["code"] = villages["code"].astype(str)
    villages["township_code"] = villages["parent_code"].astype(str)
    villages["county_code"] = villages["code"].str[:6]
    villages["community"] = is_community(villages["code"]).to_numpy(dtype=bool)
    township_names = villages["township_code"].map(names)
    villages["in_street"] = is_street(township_names.astype(str)).to_numpy(dtype=bool)
    villages["population"] = villages["population"].fillna(1000).astype(float)
    villages = villages.reset_index(drop=True)
    centres = unit_centres(units).set_index("code")
    return villages, centres, names


def _points_in(
    geoms: np.ndarray, counts: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Uniform points inside each geometry, ``counts[i]`` of them; returns lon, lat, owner index."""
    lons, lats, owners = [], [], []
    for i in np.flatnonzero(counts):
        geom = geoms[i]
        minx, miny, maxx, maxy = geom.bounds
        shapely.prepare(geom)
        need = int(counts[i])
        got_x: list[np.ndarray] = []
        got_y: list[np.ndarray] = []
        have = 0
        while have < need:
            x = rng.uniform(minx, maxx, 4 * need + 8)
            y = rng.uniform(miny, maxy, 4 * need + 8)
            inside = shapely.contains_xy(geom, x, y)
            got_x.append(x[inside])
            got_y.append(y[inside])
            have += int(inside.sum())
        lons.append(np.concatenate(got_x)[:need])
        lats.append(np.concatenate(got_y)[:need])
        owners.append(np.full(need, i))
    if not lons:
        return np.empty(0), np.empty(0), np.empty(0, dtype=int)
    return np.concatenate(lons), np.concatenate(lats), np.concatenate(owners)


def _jitter(
    lon: np.ndarray, lat: np.ndarray, sigma_m: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    dy = rng.normal(0.0, sigma_m, len(lat)) * _DEG_PER_M
    dx = rng.normal(0.0, sigma_m, len(lon)) * _DEG_PER_M / _LON_SCALE
    return lon + dx, lat + dy


def _bearing_deg(
    lon0: np.ndarray, lat0: np.ndarray, lon1: np.ndarray, lat1: np.ndarray
) -> np.ndarray:
    dx = (lon1 - lon0) * _LON_SCALE
    dy = lat1 - lat0
    bearing: np.ndarray = np.degrees(np.arctan2(dx, dy)) % 360.0
    return bearing


def _roads(centres: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Synthetic road segments: county seat → each township centre, and between nearby county seats."""
    rows = []
    counties = centres[centres["level"] == "county"]
    townships = centres[centres["level"] == "township"]
    for code, t in townships.iterrows():
        county = str(code)[:6]
        c = counties.loc[county]
        rows.append(
            (c["lon"], c["lat"], t["lon"], t["lat"], f"{names[county]}至{names[str(code)]}公路")
        )
    seen: set[tuple[str, str]] = set()
    for code, c in counties.iterrows():
        d = np.hypot((counties["lon"] - c["lon"]) * _LON_SCALE, counties["lat"] - c["lat"])
        for other in d.drop(index=code).nsmallest(2).index:
            pair = (str(min(code, other)), str(max(code, other)))
            if pair in seen:
                continue
            seen.add(pair)
            o = counties.loc[other]
            a, b = names[pair[0]].rstrip("区县市"), names[pair[1]].rstrip("区县市")
            rows.append((c["lon"], c["lat"], o["lon"], o["lat"], f"{a}至{b}公路"))
    frame = pd.DataFrame(rows, columns=["lon0", "lat0", "lon1", "lat1", "road"])
    frame["length"] = np.hypot(
        (frame["lon1"] - frame["lon0"]) * _LON_SCALE, frame["lat1"] - frame["lat0"]
    )
    return frame[frame["length"] > 0].reset_index(drop=True)


class _Locator:
    """Which village cell a point is in (the cells tile the city), via an STR tree."""

    def __init__(self, villages: gpd.GeoDataFrame, dark: np.ndarray) -> None:
        self.geoms = np.asarray(villages.geometry.values)
        self.tree = shapely.STRtree(self.geoms)
        self.dark = dark

    def locate(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Index of the village cell containing each point, -1 outside every cell."""
        points = shapely.points(lon, lat)
        out = np.full(len(points), -1)
        if len(points) == 0:
            return out
        pi, gi = self.tree.query(points, predicate="intersects")
        out[pi[::-1]] = gi[::-1]  # the first cell wins where a point lies on a shared edge
        return out

    def usable(self, idx: np.ndarray) -> np.ndarray:
        """Inside the city and not in a village that must stay without networked cameras."""
        ok = idx >= 0
        ok[ok] = ~self.dark[idx[ok]]
        return ok


def _sample_kept(
    make: Callable[[int, np.random.Generator], dict[str, np.ndarray]],
    need: int,
    locator: _Locator,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Call ``make(n, rng)`` until ``need`` points fall in usable villages; keep the first ``need``."""
    parts: list[dict[str, np.ndarray]] = []
    have = 0
    rounds = 0
    while have < need and rounds < 20:
        rounds += 1
        batch = make(int((need - have) * 1.3) + 4, rng)
        idx = locator.locate(batch["lon"], batch["lat"])
        keep = locator.usable(idx)
        batch = {k: v[keep] for k, v in batch.items()}
        batch["village_idx"] = idx[keep]
        parts.append(batch)
        have += int(keep.sum())
    merged = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    return {k: v[:need] for k, v in merged.items()}


def _dark_villages(villages: gpd.GeoDataFrame, centres: pd.DataFrame, seed: int) -> np.ndarray:
    """Villages (村) chosen to have no networked camera, remote ones more likely."""
    rng = np.random.default_rng([seed, 2112, 7])
    candidates = np.flatnonzero(~villages["community"].to_numpy())
    reps = villages.geometry.representative_point()
    seats = centres.loc[villages["county_code"]]
    dist = np.hypot(
        (reps.x.to_numpy() - seats["lon"].to_numpy()) * _LON_SCALE,
        reps.y.to_numpy() - seats["lat"].to_numpy(),
    )
    weights = dist[candidates] + 0.05
    n = round(DARK_VILLAGE_SHARE * len(candidates))
    chosen = rng.choice(candidates, size=n, replace=False, p=weights / weights.sum())
    dark = np.zeros(len(villages), dtype=bool)
    dark[chosen] = True
    return dark


def _counts(n: int, weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    p = weights / weights.sum()
    return rng.multinomial(n, p)


def _class_one(
    n: int,
    villages: gpd.GeoDataFrame,
    centres: pd.DataFrame,
    names: dict[str, str],
    locator: _Locator,
    rng: np.random.Generator,
) -> pd.DataFrame:
    geoms = np.asarray(villages.geometry.values)
    urban_w = villages["population"].to_numpy() * villages["community"].to_numpy()
    n_urban = round(0.45 * n)
    n_road = round(0.35 * n)
    n_centre = n - n_urban - n_road

    def urban(k: int, r: np.random.Generator) -> dict[str, np.ndarray]:
        lon, lat, _ = _points_in(geoms, _counts(k, urban_w, r), r)
        return {
            "lon": lon,
            "lat": lat,
            "heading": r.uniform(0, 360, len(lon)),
            "road": np.full(len(lon), "", dtype=object),
        }

    roads = _roads(centres, names)

    def along(k: int, r: np.random.Generator) -> dict[str, np.ndarray]:
        seg = r.choice(len(roads), size=k, p=(roads["length"] / roads["length"].sum()).to_numpy())
        t = r.uniform(0.05, 1.0, k)
        s = roads.iloc[seg]
        lon = s["lon0"].to_numpy() + t * (s["lon1"].to_numpy() - s["lon0"].to_numpy())
        lat = s["lat0"].to_numpy() + t * (s["lat1"].to_numpy() - s["lat0"].to_numpy())
        lon, lat = _jitter(lon, lat, 12.0, r)
        heading = _bearing_deg(
            s["lon0"].to_numpy(), s["lat0"].to_numpy(), s["lon1"].to_numpy(), s["lat1"].to_numpy()
        )
        heading = (heading + 180.0 * r.integers(0, 2, k)) % 360.0
        km = t * s["length"].to_numpy() * 111.32
        road = np.array(
            [
                f"{name}K{int(d)}+{int(d * 1000) % 1000:03d}"
                for name, d in zip(s["road"], km, strict=True)
            ],
            dtype=object,
        )
        return {"lon": lon, "lat": lat, "heading": heading, "road": road}

    towns = centres[centres["level"] == "township"]

    def centre(k: int, r: np.random.Generator) -> dict[str, np.ndarray]:
        pick = r.integers(0, len(towns), k)
        lon, lat = _jitter(towns["lon"].to_numpy()[pick], towns["lat"].to_numpy()[pick], 500.0, r)
        return {
            "lon": lon,
            "lat": lat,
            "heading": r.uniform(0, 360, k),
            "road": np.full(k, "", dtype=object),
        }

    parts = []
    for kind, make, k in (
        ("urban", urban, n_urban),
        ("road", along, n_road),
        ("centre", centre, n_centre),
    ):
        if k <= 0:
            continue
        got = _sample_kept(make, k, locator, rng)
        frame = pd.DataFrame(got)
        frame["kind"] = kind
        parts.append(frame)
    frame = pd.concat(parts, ignore_index=True)
    frame["point_class"] = 1
    frame["site"] = ""
    frame["industry"] = np.where(frame["kind"] == "road", "04", "00")
    return frame


def _sites(
    n_sites: int,
    urban_share: float,
    villages: gpd.GeoDataFrame,
    centres: pd.DataFrame,
    locator: _Locator,
    rng: np.random.Generator,
) -> pd.DataFrame:
    geoms = np.asarray(villages.geometry.values)
    urban_w = villages["population"].to_numpy() * np.where(
        villages["community"].to_numpy(), 1.0, 0.05
    )
    towns = centres[centres["level"] == "township"]
    n_urban = round(urban_share * n_sites)

    def urban(k: int, r: np.random.Generator) -> dict[str, np.ndarray]:
        lon, lat, _ = _points_in(geoms, _counts(k, urban_w, r), r)
        return {"lon": lon, "lat": lat}

    def town(k: int, r: np.random.Generator) -> dict[str, np.ndarray]:
        pick = r.integers(0, len(towns), k)
        lon, lat = _jitter(towns["lon"].to_numpy()[pick], towns["lat"].to_numpy()[pick], 800.0, r)
        return {"lon": lon, "lat": lat}

    parts = [pd.DataFrame(_sample_kept(urban, n_urban, locator, rng))]
    if n_sites - n_urban > 0:
        parts.append(pd.DataFrame(_sample_kept(town, n_sites - n_urban, locator, rng)))
    return pd.concat(parts, ignore_index=True)


def _site_cameras(
    sites: pd.DataFrame, n: int, weights: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    """``n`` cameras over ``sites`` (each site at least one while there are enough), 40 m around it."""
    per_site = np.zeros(len(sites), dtype=int)
    base = min(n, len(sites))
    per_site[:base] = 1
    if n > base:
        per_site += rng.multinomial(n - base, weights / weights.sum())
    idx = np.repeat(np.arange(len(sites)), per_site)
    site_lon, site_lat = sites["lon"].to_numpy()[idx], sites["lat"].to_numpy()[idx]
    lon, lat = _jitter(site_lon, site_lat, 40.0, rng)
    return pd.DataFrame(
        {"lon": lon, "lat": lat, "site_idx": idx, "site_lon": site_lon, "site_lat": site_lat}
    )


def _class_two(
    n: int,
    villages: gpd.GeoDataFrame,
    centres: pd.DataFrame,
    names: dict[str, str],
    locator: _Locator,
    rng: np.random.Generator,
) -> pd.DataFrame:
    n_sites = max(1, int(np.ceil(n / 6)))
    sites = _sites(n_sites, 0.75, villages, centres, locator, rng)
    sector_p = np.array([s[3] for s in _SECTORS])
    sector = rng.choice(len(_SECTORS), size=len(sites), p=sector_p / sector_p.sum())
    sites["sector"] = sector
    size = np.where(np.isin(sector, [1, 3]), 2.0, 1.0) * rng.lognormal(0.0, 0.4, len(sites))
    cams = _site_cameras(sites, n, size, rng)
    cams["kind"] = "site"
    cams["sector"] = sites["sector"].to_numpy()[cams["site_idx"]]
    cams["heading"] = rng.uniform(0, 360, len(cams))
    cams["road"] = ""
    cams["point_class"] = 2
    cams["industry"] = [_SECTORS[s][1] for s in cams["sector"]]
    return cams


def _class_three(
    n: int,
    villages: gpd.GeoDataFrame,
    centres: pd.DataFrame,
    locator: _Locator,
    rng: np.random.Generator,
) -> pd.DataFrame:
    n_village = round(0.35 * n)
    is_village = ~villages["community"].to_numpy()
    covered = np.flatnonzero(is_village & ~locator.dark)
    dark = np.flatnonzero(locator.dark)
    # villages that built their own cameras but have not networked them yet
    dark_built = rng.choice(dark, size=round(0.4 * len(dark)), replace=False) if len(dark) else dark
    dark_counts = rng.integers(1, 4, len(dark_built))
    n_dark = min(int(dark_counts.sum()), n_village // 10)
    per_village = np.zeros(len(villages), dtype=int)
    if n_dark:
        acc = np.cumsum(dark_counts)
        keep = acc <= n_dark
        per_village[dark_built[keep]] = dark_counts[keep]
        n_dark = int(dark_counts[keep].sum())
    n_covered = n_village - n_dark
    if n_covered >= len(covered):
        per_village[covered] += 1
        pop = villages["population"].to_numpy()[covered]
        per_village[covered] += rng.multinomial(n_covered - len(covered), pop / pop.sum())
    elif n_covered > 0:
        per_village[rng.choice(covered, size=n_covered, replace=False)] += 1
    owner = np.repeat(np.arange(len(villages)), per_village)
    reps = villages.geometry.representative_point()
    lon, lat = _jitter(reps.x.to_numpy()[owner], reps.y.to_numpy()[owner], 250.0, rng)
    # keep each camera inside its village: points that left the cell go back to its representative point
    geoms = np.asarray(villages.geometry.values)
    outside = (
        ~shapely.contains_xy(geoms[owner], lon, lat) if len(owner) else np.zeros(0, dtype=bool)
    )
    lon[outside] = reps.x.to_numpy()[owner][outside]
    lat[outside] = reps.y.to_numpy()[owner][outside]
    first = np.r_[True, owner[1:] != owner[:-1]] if len(owner) else np.zeros(0, dtype=bool)
    village_cams = pd.DataFrame(
        {
            "lon": lon,
            "lat": lat,
            "village_idx": owner,
            "kind": "village",
            "first_in_village": first,
            "in_dark": locator.dark[owner] if len(owner) else np.zeros(0, dtype=bool),
        }
    )
    n_social = n - len(village_cams)
    frames = [village_cams]
    if n_social > 0:
        n_sites = max(1, int(np.ceil(n_social / 5)))
        sites = _sites(n_sites, 0.85, villages, centres, locator, rng)
        sites["shop"] = rng.integers(-len(_COMPOUNDS) // 2, len(_SHOPS), len(sites))
        size = np.where(sites["shop"] < 0, 2.5, 1.0) * rng.lognormal(0.0, 0.5, len(sites))
        cams = _site_cameras(sites, n_social, size, rng)
        cams["kind"] = "site"
        cams["shop"] = sites["shop"].to_numpy()[cams["site_idx"]]
        cams["first_in_village"] = False
        cams["in_dark"] = False
        frames.append(cams)
    frame = pd.concat(frames, ignore_index=True)
    frame["heading"] = rng.uniform(0, 360, len(frame))
    frame["road"] = ""
    frame["point_class"] = 3
    return frame


def build_cameras(
    units: gpd.GeoDataFrame,
    *,
    seed: int = 0,
    scale: float = 1.0,
    streams: int = 60,
    rtsp_streams: int = 5,
) -> gpd.GeoDataFrame:
    """The demo inventory: canonical camera frame (``CAMERA_COLUMNS`` + side columns), EPSG:4326.

    Parameters
    ----------
    units
        The units of :func:`sharpeyes.demo.city.build_units` (villages tile the city).
    seed
        Same seed, same cameras (IDs, positions, attributes, order).
    scale
        Share of the full counts (``CLASS_COUNTS``); tests use 0.02.
    streams
        Class I cameras given a file stream ``streams/<device_id>.mp4`` (relative to the demo
        workdir), spread over the counties (at most half the class I cameras).
    rtsp_streams
        Further class I cameras given an RTSP URL on ``10.12.0.1`` whose credentials
        (``stream_user``/``stream_password``) are kept apart; that host does not answer, so they are
        offline in a health run.

    Notes
    -----
    ``lon``/``lat`` in WGS-84 degrees; ``heading_deg`` 0 = north, clockwise, missing for domes
    (they turn); ``fov_deg``/``range_m`` only for class I (the catalog gives them); ``resolution``
    in lines (missing for some class III: unknown, not guessed); ``status`` a key of
    ``codes.STATUSES``; ``source`` names the registry each camera is written to.
    """
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    rng = np.random.default_rng([seed, 2112, 11])
    villages, centres, names = _unit_tables(units)
    dark = _dark_villages(villages, centres, seed)
    locator = _Locator(villages, dark)
    n1, n2, n3 = (max(1, round(CLASS_COUNTS[c] * scale)) for c in (1, 2, 3))
    one = _class_one(n1, villages, centres, names, locator, rng)
    two = _class_two(n2, villages, centres, names, locator, rng)
    three = _class_three(n3, villages, centres, locator, rng)
    frame = pd.concat([one, two, three], ignore_index=True)
    located = locator.locate(frame["lon"].to_numpy(), frame["lat"].to_numpy())
    # a camera jittered off its site out of the city or into a village that must stay dark goes
    # back to the site itself (sites are drawn in usable villages)
    strayed = ~locator.usable(located) & frame["site_lon"].notna().to_numpy()
    frame.loc[strayed, "lon"] = frame.loc[strayed, "site_lon"]
    frame.loc[strayed, "lat"] = frame.loc[strayed, "site_lat"]
    frame["village_idx"] = locator.locate(frame["lon"].to_numpy(), frame["lat"].to_numpy())
    if (frame["village_idx"] < 0).any():  # cannot happen: every point was drawn inside a cell
        raise RuntimeError("a demo camera fell outside every village cell")
    frame["village_idx"] = frame["village_idx"].astype(int)
    for col, default in (
        ("sector", -1),
        ("shop", -99),
        ("first_in_village", False),
        ("in_dark", False),
        ("site_idx", -1),
    ):
        frame[col] = frame[col].fillna(default) if col in frame else default
    frame["in_dark"] = locator.dark[frame["village_idx"].to_numpy()]
    return _attributes(frame, villages, names, rng, streams=streams, rtsp_streams=rtsp_streams)


__all__ = [
    "CLASS_COUNTS",
    "DARK_VILLAGE_SHARE",
    "NVR_CHANNELS",
    "RTSP_HOST",
    "RTSP_PASSWORD",
    "RTSP_USER",
    "SOURCE_CATALOG",
    "SOURCE_GIS",
    "SOURCE_INDUSTRY",
    "SOURCE_SOCIAL",
    "SOURCE_VILLAGES",
    "build_cameras",
    "nvr_id",
]
