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
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from sharpeyes.demo.city import (
    CITY_NAME,
    PROVINCE_NAME,
    is_community,
    is_street,
    short_name,
    unit_centres,
)
from sharpeyes.model.columns import CAMERA_COLUMNS, CAMERA_DTYPES, CAMERA_SIDE_COLUMNS, WGS84
from sharpeyes.model.gb28181 import make_device_id

#: Cameras per class at ``scale=1.0``: Tieling's class I, Huludao's class II and III.
CLASS_COUNTS: Final = {1: 4205, 2: 6385, 3: 23984}
#: Share of villages (村) left without a networked camera.
DARK_VILLAGE_SHARE: Final = 0.17

#: Registry (``source``) each camera is written to; see :mod:`sharpeyes.demo.registries`.
SOURCE_CATALOG: Final = "市公安局视频专网平台目录(一类点)"
SOURCE_GIS: Final = "市局科信GIS图层(卡口与视频巡检试点)"
SOURCE_INDUSTRY: Final = "行业单位报送二类点位台账"
SOURCE_SOCIAL: Final = "社会资源三类点位台账"
SOURCE_VILLAGES: Final = "乡镇综治中心雪亮工程三类点位台账"

#: Stream of the cameras whose URL carries credentials (masked everywhere sharpeyes shows it).
RTSP_HOST: Final = "10.12.0.1:554"
RTSP_USER: Final = "admin"
RTSP_PASSWORD: Final = "Demo2024"

_DEG_PER_M: Final = 1.0 / 111_320.0
_LON_SCALE: Final = float(np.cos(np.radians(42.6)))

_STREETS: Final = (
    "人民路", "银州路", "广裕街", "柴河街", "工人街", "南马路", "北马路", "新华路", "市府路",
    "金沙江路", "黄河路", "长江路", "岭东街", "中央大街", "站前街", "解放街", "建设街", "和平路",
    "胜利街", "光荣街", "文化路", "迎宾路", "开发区大街", "凡河路", "龙山路", "滨河路", "兴工街",
    "幸福街", "团结路", "振兴街",
)  # fmt: skip
_CORNERS: Final = ("东北角", "东南角", "西北角", "西南角", "路口东", "路口西", "路口南", "路口北")
_VILLAGE_SPOTS: Final = (
    "村委会门前", "村口", "东头路口", "西头路口", "文化广场", "小学门口", "主街", "十字路口",
    "桥头", "卫生室门前", "粮库门前", "南出口", "北出口",
)  # fmt: skip
_COMPOUNDS: Final = (
    "幸福家园", "银州花园", "阳光小区", "锦绣华庭", "龙首家园", "凡河新城", "金色家园", "和谐小区",
    "书香名邸", "御景湾", "滨河花园", "万和城", "盛世华城", "碧水蓝天", "新世纪小区", "丽景园",
)  # fmt: skip
_SHOPS: Final = (
    ("超市", "53"), ("宾馆", "50"), ("饭店", "50"), ("加油站", "53"), ("网吧", "55"),
    ("药店", "53"), ("五金建材", "53"), ("物流园", "47"), ("机械厂", "42"), ("粮油加工厂", "42"),
)  # fmt: skip
_SHOP_BRANDS: Final = (
    "兴隆", "华联", "福源", "宏达", "鑫源", "金鼎", "顺发", "恒通", "永盛", "天成", "佳和", "聚福",
)  # fmt: skip
#: Class II sectors: (key, industry code of the GB/T 28181 ID, owner-name patterns, weight).
_SECTORS: Final = (
    ("education", "11", ("{county}第{n}中学", "{town}中心小学", "{town}中心幼儿园"), 0.30),
    ("health", "09", ("{county}人民医院", "{county}中医院", "{town}卫生院"), 0.15),
    (
        "finance",
        "51",
        (
            "中国工商银行{county}支行",
            "中国农业银行{town}分理处",
            "中国建设银行{county}支行",
            "中国邮政储蓄银行{town}营业所",
            "铁岭农村商业银行{town}支行",
        ),
        0.25,
    ),
    ("transport", "07", ("{county}汽车客运站", "{town}公交枢纽站", "{county}火车站"), 0.10),
    (
        "utility",
        "44",
        ("国网{county}供电分公司{town}供电所", "{county}自来水公司", "{county}燃气公司"),
        0.10,
    ),
    ("city", "08", ("{county}城市管理综合行政执法局", "{town}农贸市场"), 0.10),
)
_SITE_SPOTS: Final = (
    "大门",
    "北门",
    "南门",
    "东门",
    "西门",
    "停车场",
    "大厅",
    "周界",
    "操场",
    "营业厅",
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
    return np.degrees(np.arctan2(dx, dy)) % 360.0


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


def _choose(rng: np.random.Generator, values: list[object], p: list[float], n: int) -> np.ndarray:
    weights = np.asarray(p, dtype=float)
    return np.asarray(values, dtype=object)[
        rng.choice(len(values), size=n, p=weights / weights.sum())
    ]


def _dates(rng: np.random.Generator, start: str, end: str, n: int) -> np.ndarray:
    a, b = np.datetime64(start), np.datetime64(end)
    days = rng.integers(0, int((b - a).astype(int)) + 1, n)
    return np.datetime_as_string(a + days.astype("timedelta64[D]"), unit="D").astype(object)


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


def _attributes(
    frame: pd.DataFrame,
    villages: gpd.GeoDataFrame,
    names: dict[str, str],
    rng: np.random.Generator,
    *,
    streams: int,
    rtsp_streams: int,
) -> gpd.GeoDataFrame:
    n = len(frame)
    v = villages.iloc[frame["village_idx"].to_numpy()]
    village_code = v["code"].to_numpy().astype(str)
    township_code = v["township_code"].to_numpy().astype(str)
    county_code = v["county_code"].to_numpy().astype(str)
    cls = frame["point_class"].to_numpy()
    kind = frame["kind"].to_numpy().astype(str)
    # order: county, class, township, village, then west to east; serials run per county
    order = np.lexsort((frame["lon"].to_numpy(), village_code, township_code, cls, county_code))
    frame = frame.iloc[order].reset_index(drop=True)
    village_code, township_code, county_code = (
        village_code[order],
        township_code[order],
        county_code[order],
    )
    cls, kind = cls[order], kind[order]
    v = villages.iloc[frame["village_idx"].to_numpy()]

    # camera type by class and placement
    cam_type = np.empty(n, dtype=int)
    road = kind == "road"
    i_other = (cls == 1) & ~road
    cam_type[road] = _choose(rng, [5, 3, 1], [0.45, 0.35, 0.20], int(road.sum()))
    cam_type[i_other] = _choose(
        rng, [1, 3, 2, 4, 5], [0.30, 0.45, 0.10, 0.10, 0.05], int(i_other.sum())
    )
    cam_type[cls == 2] = _choose(rng, [3, 2, 1], [0.50, 0.35, 0.15], int((cls == 2).sum()))
    cam_type[cls == 3] = _choose(rng, [3, 2, 1, 4], [0.50, 0.35, 0.10, 0.05], int((cls == 3).sum()))

    # registries give a direction (东, 东南 … / DirectionType 1–8), so headings are multiples of 45°
    heading = (np.round(frame["heading"].to_numpy().astype(float) / 45.0) * 45.0) % 360.0
    heading[cam_type == 1] = np.nan
    fov_by_type = {1: 360.0, 2: 92.0, 3: 75.0, 4: 55.0, 5: 38.0}
    range_by_type = {1: 150.0, 2: 30.0, 3: 80.0, 4: 150.0, 5: 60.0}
    fov = np.array([fov_by_type[t] for t in cam_type])
    rng_m = np.array([range_by_type[t] for t in cam_type]) * rng.choice([0.8, 1.0, 1.2], n)
    fov[cls != 1] = np.nan
    rng_m[cls != 1] = np.nan

    resolution = np.full(n, np.nan)
    # the GB/T 28181 catalog says no more than 1080P (Resolution code 6); checkpoints, kept in a
    # GIS layer, are often 4 MP or 8 MP
    resolution[cls == 1] = 1080
    checkpoint = (cls == 1) & (cam_type == 5)
    resolution[checkpoint] = _choose(
        rng, [1080, 1440, 2160], [0.4, 0.4, 0.2], int(checkpoint.sum())
    )
    resolution[cls == 2] = _choose(
        rng, [1080, 1440, 720, 576], [0.6, 0.1, 0.2, 0.1], int((cls == 2).sum())
    )
    resolution[cls == 3] = _choose(
        rng, [1080, 1440, 720, 576, np.nan], [0.45, 0.05, 0.25, 0.2, 0.05], int((cls == 3).sum())
    )

    networked = np.ones(n, dtype=bool)
    networked[cls == 2] = rng.random(int((cls == 2).sum())) < 0.90
    networked[cls == 3] = rng.random(int((cls == 3).sum())) < np.where(
        kind[cls == 3] == "village", 0.88, 0.62
    )
    first = frame["first_in_village"].to_numpy().astype(bool)
    networked[first] = True
    in_dark = frame["in_dark"].to_numpy().astype(bool)
    networked[in_dark] = False
    # a dark village must stay dark: class I and II never land there (sampling avoids it)

    status = _choose(rng, ["in_use", "repair", "removed"], [0.94, 0.045, 0.015], n)
    status[first] = "in_use"
    # a platform catalog says ON or OFF: class I cameras are in use or under repair
    status[(cls == 1) & (status == "removed")] = "repair"
    install = np.empty(n, dtype=object)
    for klass, (a, b) in {
        1: ("2015-03-01", "2022-12-31"),
        2: ("2012-06-01", "2023-10-31"),
        3: ("2017-04-01", "2023-12-31"),
    }.items():
        install[cls == klass] = _dates(rng, a, b, int((cls == klass).sum()))

    # GB/T 28181 IDs: admin code of the county the camera is in, serial per county
    serial = pd.Series(county_code).groupby(county_code).cumcount().to_numpy() + 1
    industry = frame["industry"].fillna("").to_numpy().astype(object)
    shop = frame["shop"].to_numpy().astype(int)
    for i in np.flatnonzero(cls == 3).tolist():
        if kind[i] == "village":
            industry[i] = "01"
        elif shop[i] < 0:
            industry[i] = "52"
        else:
            industry[i] = _SHOPS[shop[i] % len(_SHOPS)][1]
    type_code = np.where((cls == 3) & (rng.random(n) < 0.2), 131, 132)
    type_code[(cls == 1) & (rng.random(n) < 0.1)] = 131
    network_id = np.select([cls == 1, cls == 2], [np.where(cam_type == 5, 1, 0), 6], 8)
    device_id = [
        make_device_id(
            county_code[i],
            type_code=int(type_code[i]),
            network_id=int(network_id[i]),
            serial=int(serial[i]),
            industry=str(industry[i]),
        )
        for i in range(n)
    ]

    # names, addresses, units
    village_short = np.array([short_name(x) for x in v["name"].astype(str)], dtype=object)
    town_name = np.array([names[t] for t in township_code], dtype=object)
    county_name = np.array([names[c] for c in county_code], dtype=object)
    street_a = rng.integers(0, len(_STREETS), n)
    street_b = (street_a + rng.integers(1, len(_STREETS), n)) % len(_STREETS)
    corner = rng.integers(0, len(_CORNERS), n)
    number = rng.integers(1, 400, n)
    spot = rng.integers(0, len(_VILLAGE_SPOTS), n)
    site_spot = rng.integers(0, len(_SITE_SPOTS), n)
    site_idx = frame["site_idx"].to_numpy().astype(int)
    sector = frame["sector"].to_numpy().astype(int)
    road_name = frame["road"].fillna("").to_numpy().astype(str)
    name = np.empty(n, dtype=object)
    address = np.empty(n, dtype=object)
    owner = np.empty(n, dtype=object)
    management = np.empty(n, dtype=object)
    police = np.empty(n, dtype=object)
    township_seq: dict[str, int] = {}
    for t in sorted(set(township_code)):
        county_towns = township_seq.setdefault(t[:6] + "#", 0) + 1
        township_seq[t[:6] + "#"] = county_towns
        township_seq[t] = county_towns
    bureau = {
        c: (f"{CITY_NAME}公安局{names[c]}分局" if names[c].endswith("区") else f"{names[c]}公安局")
        for c in set(county_code)
    }
    for i in range(n):
        c, t = county_code[i], township_code[i]
        town = str(town_name[i])
        vshort = str(village_short[i])
        sa, sb = _STREETS[street_a[i]], _STREETS[street_b[i]]
        police[i] = f"{c}5{township_seq[t]:02d}000"
        place = f"{PROVINCE_NAME}{CITY_NAME}{county_name[i]}{town}"
        if cls[i] == 1:
            owner[i] = bureau[c]
            management[i] = f"{bureau[c]}科技信息化大队"
            if kind[i] == "road":
                name[i] = f"{road_name[i]}{'上行' if heading[i] < 180 else '下行'}"
                address[i] = f"{place}{road_name[i]}"
            else:
                name[i] = f"{town}{sa}与{sb}交叉口{_CORNERS[corner[i]]}"
                address[i] = f"{place}{vshort}{sa}与{sb}交叉口"
        elif cls[i] == 2:
            patterns = _SECTORS[sector[i]][2]
            unit = patterns[site_idx[i] % len(patterns)].format(
                county=county_name[i], town=town.removesuffix("街道"), n=1 + site_idx[i] % 9
            )
            owner[i] = unit
            management[i] = unit
            name[i] = f"{unit}{_SITE_SPOTS[site_spot[i]]}"
            address[i] = f"{place}{vshort}{sa}{number[i]}号"
        elif kind[i] == "village":
            owner[i] = str(v["name"].iloc[i])
            management[i] = f"{town}综治中心"
            name[i] = f"{vshort}{_VILLAGE_SPOTS[spot[i]]}"
            address[i] = f"{place}{vshort}{_VILLAGE_SPOTS[spot[i]].removesuffix('门前')}"
        else:
            brand = _SHOP_BRANDS[site_idx[i] % len(_SHOP_BRANDS)]
            if shop[i] < 0:
                compound = _COMPOUNDS[site_idx[i] % len(_COMPOUNDS)]
                owner[i] = f"{compound}小区"
                management[i] = f"{CITY_NAME}{brand}物业服务有限公司"
                name[i] = f"{compound}小区{_SITE_SPOTS[site_spot[i] % 4]}"
            else:
                label = _SHOPS[shop[i] % len(_SHOPS)][0]
                owner[i] = f"{town}{brand}{label}"
                management[i] = owner[i]
                name[i] = f"{brand}{label}{_SITE_SPOTS[site_spot[i]]}"
            address[i] = f"{place}{vshort}{sa}{number[i]}号"

    # uplink: access switches of 24 ports per township, for networked cameras
    uplink = np.full(n, None, dtype=object)
    net_idx = np.flatnonzero(networked)
    port = pd.Series(township_code[net_idx]).groupby(township_code[net_idx]).cumcount().to_numpy()
    for i, p in zip(net_idx.tolist(), port.tolist(), strict=True):
        uplink[i] = f"SW-{township_code[i]}-{p // 24 + 1:02d}"

    is_hd = pd.array(resolution >= 1080, dtype="boolean")
    is_hd[np.isnan(resolution)] = pd.NA
    out = pd.DataFrame(
        {
            "device_id": device_id,
            "name": name,
            "point_class": cls,
            "camera_type": cam_type,
            "lon": np.round(frame["lon"].to_numpy().astype(float), 7),
            "lat": np.round(frame["lat"].to_numpy().astype(float), 7),
            "heading_deg": heading,
            "fov_deg": fov,
            "range_m": rng_m,
            "resolution": resolution,
            "is_hd": is_hd,
            "networked": networked,
            "status": status,
            "address": address,
            "admin_code": county_code,
            "township_code": township_code,
            "village_code": village_code,
            "owner_unit": owner,
            "police_unit": police,
            "management_unit": management,
            "install_date": install,
            "stream_url": None,
            "uplink": uplink,
            "source": np.select(
                [(cls == 1) & (cam_type == 5), cls == 1, cls == 2, kind == "village"],
                [SOURCE_GIS, SOURCE_CATALOG, SOURCE_INDUSTRY, SOURCE_VILLAGES],
                SOURCE_SOCIAL,
            ),
        }
    )
    out["stream_user"] = None
    out["stream_password"] = None
    _assign_streams(out, rng, streams=streams, rtsp_streams=rtsp_streams)
    out["id_valid"] = True
    out["parent_id"] = _nvr_parents(out)
    out["contact"] = None
    out["extra"] = None
    out["warnings"] = None
    out = out.astype({c: CAMERA_DTYPES[c] for c in CAMERA_COLUMNS})
    for side in CAMERA_SIDE_COLUMNS:
        out[side] = out[side].astype("boolean" if side == "id_valid" else "string")
    geometry = gpd.GeoSeries(
        shapely.points(out["lon"].to_numpy(), out["lat"].to_numpy()), crs=WGS84
    )
    return gpd.GeoDataFrame(
        out[[*CAMERA_COLUMNS, *CAMERA_SIDE_COLUMNS]], geometry=geometry, crs=WGS84
    )


def _assign_streams(
    out: pd.DataFrame, rng: np.random.Generator, *, streams: int, rtsp_streams: int
) -> None:
    """File streams and a few RTSP streams for class I cameras, round robin over the counties."""
    class_one = out.index[
        (out["point_class"] == 1) & (out["status"] == "in_use") & (out["camera_type"] != 5)
    ].to_numpy()
    limit = len(class_one) // 2
    n_rtsp = min(rtsp_streams, max(1, limit // 8)) if limit else 0
    n_files = min(streams, limit - n_rtsp)
    shuffled = rng.permutation(class_one)
    counties = out.loc[shuffled, "admin_code"].to_numpy()
    rank = pd.Series(counties).groupby(counties).cumcount().to_numpy()
    picked = shuffled[np.lexsort((counties, rank))][: n_files + n_rtsp]
    files, rtsp = picked[:n_files], picked[n_files:]
    out.loc[files, "stream_url"] = "streams/" + out.loc[files, "device_id"] + ".mp4"
    out.loc[rtsp, "stream_url"] = f"rtsp://{RTSP_HOST}/" + out.loc[rtsp, "device_id"]
    out.loc[rtsp, "stream_user"] = RTSP_USER
    out.loc[rtsp, "stream_password"] = RTSP_PASSWORD
    out.loc[picked, "source"] = SOURCE_GIS


#: Cameras per NVR (network video recorder) in the platform catalog.
NVR_CHANNELS: Final = 32


def nvr_id(county_code: str, number: int) -> str:
    """GB/T 28181 ID of the ``number``-th NVR (type 118) of a county: serials 900001 and up."""
    return make_device_id(county_code, type_code=118, network_id=0, serial=900_000 + number)


def _nvr_parents(out: pd.DataFrame) -> np.ndarray:
    """ParentID of the catalog's cameras: an NVR of their township, ``NVR_CHANNELS`` cameras each."""
    parents = np.full(len(out), None, dtype=object)
    in_catalog = np.flatnonzero((out["source"] == SOURCE_CATALOG).to_numpy(dtype=bool))
    townships = out["township_code"].to_numpy()[in_catalog].astype(str)
    channel = pd.Series(townships).groupby(townships).cumcount().to_numpy()
    counter: dict[str, int] = {}
    numbers: dict[tuple[str, int], int] = {}
    for i, t, ch in zip(in_catalog, townships, channel, strict=True):
        key = (t, int(ch) // NVR_CHANNELS)
        if key not in numbers:
            counter[t[:6]] = counter.get(t[:6], 0) + 1
            numbers[key] = counter[t[:6]]
        parents[i] = nvr_id(t[:6], numbers[key])
    return parents
