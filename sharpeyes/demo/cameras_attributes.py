"""The demo inventory's attributes: types, headings, resolutions, status, GB/T 28181 IDs, names,
addresses, units, uplinks and streams of the placed cameras (WGS-84), in the canonical frame."""

from __future__ import annotations

from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from sharpeyes.demo.cameras_vocab import (
    _COMPOUNDS,
    _CORNERS,
    _SECTORS,
    _SHOP_BRANDS,
    _SHOPS,
    _SITE_SPOTS,
    _STREETS,
    _VILLAGE_SPOTS,
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
    CITY_NAME,
    PROVINCE_NAME,
    short_name,
)
from sharpeyes.model.columns import CAMERA_COLUMNS, CAMERA_DTYPES, CAMERA_SIDE_COLUMNS, WGS84
from sharpeyes.model.gb28181 import make_device_id


def _choose(rng: np.random.Generator, values: list[object], p: list[float], n: int) -> np.ndarray:
    weights = np.asarray(p, dtype=float)
    return np.asarray(values, dtype=object)[
        rng.choice(len(values), size=n, p=weights / weights.sum())
    ]


def _dates(rng: np.random.Generator, start: str, end: str, n: int) -> np.ndarray:
    a, b = np.datetime64(start), np.datetime64(end)
    days = rng.integers(0, int((b - a).astype(int)) + 1, n)
    return np.datetime_as_string(a + days.astype("timedelta64[D]"), unit="D").astype(object)


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
