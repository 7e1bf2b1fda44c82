"""The demo inventory's attributes: types, headings, resolutions, status, GB/T 28181 IDs, names,
addresses, units, uplinks and streams of the placed cameras (WGS-84), in the canonical frame."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from sharpeyes.demo.cameras_labels import _labels
from sharpeyes.demo.cameras_vocab import (
    _SHOPS,
    RTSP_HOST,
    RTSP_PASSWORD,
    RTSP_USER,
    SOURCE_CATALOG,
    SOURCE_GIS,
    SOURCE_INDUSTRY,
    SOURCE_SOCIAL,
    SOURCE_VILLAGES,
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


@dataclass(frozen=True)
class _Placed:
    """The placed cameras in their final order (county, class, township, village, west to east),
    with the codes of the units each lies in and those units' village rows."""

    frame: pd.DataFrame
    village_rows: pd.DataFrame
    village: np.ndarray
    township: np.ndarray
    county: np.ndarray
    cls: np.ndarray
    kind: np.ndarray


def _attributes(
    frame: pd.DataFrame,
    villages: gpd.GeoDataFrame,
    names: dict[str, str],
    rng: np.random.Generator,
    *,
    streams: int,
    rtsp_streams: int,
) -> gpd.GeoDataFrame:
    """Every canonical attribute of the placed cameras. The stages draw from ``rng`` in a fixed
    order (types, view, resolution, networked, status, IDs, labels, streams): the same seed gives
    the same inventory, byte for byte."""
    placed = _in_county_order(frame, villages)
    cls = placed.cls
    cam_type = _camera_types(rng, cls, placed.kind)
    heading, fov, range_m = _views(rng, placed.frame, cls, cam_type)
    resolution = _resolutions(rng, cls, cam_type)
    networked = _networked(rng, placed)
    status, install = _status_and_install(rng, placed)
    device_id = _device_ids(rng, placed, cam_type)
    labels = _labels(rng, placed, names, heading)
    out = pd.DataFrame(
        {
            "device_id": device_id,
            "name": labels["name"],
            "point_class": cls,
            "camera_type": cam_type,
            "lon": np.round(placed.frame["lon"].to_numpy().astype(float), 7),
            "lat": np.round(placed.frame["lat"].to_numpy().astype(float), 7),
            "heading_deg": heading,
            "fov_deg": fov,
            "range_m": range_m,
            "resolution": resolution,
            "is_hd": _hd_flags(resolution),
            "networked": networked,
            "status": status,
            "address": labels["address"],
            "admin_code": placed.county,
            "township_code": placed.township,
            "village_code": placed.village,
            "grid_code": None,  # the demo's grids hold cameras by position
            "owner_unit": labels["owner"],
            "police_unit": labels["police"],
            "management_unit": labels["management"],
            "install_date": install,
            "stream_url": None,
            "uplink": _uplinks(networked, placed.township),
            "source": _sources(cls, cam_type, placed.kind),
        }
    )
    return _canonical(out, rng, streams=streams, rtsp_streams=rtsp_streams)


def _in_county_order(frame: pd.DataFrame, villages: gpd.GeoDataFrame) -> _Placed:
    """Cameras sorted by county, class, township, village, then west to east (serials run per
    county in this order)."""
    v = villages.iloc[frame["village_idx"].to_numpy()]
    village_code = v["code"].to_numpy().astype(str)
    township_code = v["township_code"].to_numpy().astype(str)
    county_code = v["county_code"].to_numpy().astype(str)
    cls = frame["point_class"].to_numpy()
    kind = frame["kind"].to_numpy().astype(str)
    order = np.lexsort((frame["lon"].to_numpy(), village_code, township_code, cls, county_code))
    frame = frame.iloc[order].reset_index(drop=True)
    return _Placed(
        frame=frame,
        village_rows=villages.iloc[frame["village_idx"].to_numpy()],
        village=village_code[order],
        township=township_code[order],
        county=county_code[order],
        cls=cls[order],
        kind=kind[order],
    )


def _camera_types(rng: np.random.Generator, cls: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """Camera type (GB/T 28181 PTZType-like code 1–5) by class and placement."""
    cam_type = np.empty(len(cls), dtype=int)
    road = kind == "road"
    i_other = (cls == 1) & ~road
    cam_type[road] = _choose(rng, [5, 3, 1], [0.45, 0.35, 0.20], int(road.sum()))
    cam_type[i_other] = _choose(
        rng, [1, 3, 2, 4, 5], [0.30, 0.45, 0.10, 0.10, 0.05], int(i_other.sum())
    )
    cam_type[cls == 2] = _choose(rng, [3, 2, 1], [0.50, 0.35, 0.15], int((cls == 2).sum()))
    cam_type[cls == 3] = _choose(rng, [3, 2, 1, 4], [0.50, 0.35, 0.10, 0.05], int((cls == 3).sum()))
    return cam_type


def _views(
    rng: np.random.Generator, frame: pd.DataFrame, cls: np.ndarray, cam_type: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(heading_deg, fov_deg, range_m). Registries give a direction (东, 东南 … / DirectionType 1–8),
    so headings are multiples of 45°; dome cameras have none; only class I carries fov and range."""
    heading = (np.round(frame["heading"].to_numpy().astype(float) / 45.0) * 45.0) % 360.0
    heading[cam_type == 1] = np.nan
    fov_by_type = {1: 360.0, 2: 92.0, 3: 75.0, 4: 55.0, 5: 38.0}
    range_by_type = {1: 150.0, 2: 30.0, 3: 80.0, 4: 150.0, 5: 60.0}
    fov = np.array([fov_by_type[t] for t in cam_type])
    range_m = np.array([range_by_type[t] for t in cam_type]) * rng.choice([0.8, 1.0, 1.2], len(cls))
    fov[cls != 1] = np.nan
    range_m[cls != 1] = np.nan
    return heading, fov, range_m


def _resolutions(rng: np.random.Generator, cls: np.ndarray, cam_type: np.ndarray) -> np.ndarray:
    """Lines of the picture. The GB/T 28181 catalog says no more than 1080P (Resolution code 6);
    checkpoints, kept in a GIS layer, are often 4 MP or 8 MP."""
    resolution = np.full(len(cls), np.nan)
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
    return resolution


def _networked(rng: np.random.Generator, placed: _Placed) -> np.ndarray:
    """Networked flags: class I always; a village's first camera always; a dark village never
    (class I and II never land there: sampling avoids it)."""
    cls, kind = placed.cls, placed.kind
    networked = np.ones(len(cls), dtype=bool)
    networked[cls == 2] = rng.random(int((cls == 2).sum())) < 0.90
    networked[cls == 3] = rng.random(int((cls == 3).sum())) < np.where(
        kind[cls == 3] == "village", 0.88, 0.62
    )
    networked[placed.frame["first_in_village"].to_numpy().astype(bool)] = True
    networked[placed.frame["in_dark"].to_numpy().astype(bool)] = False
    return networked


def _status_and_install(rng: np.random.Generator, placed: _Placed) -> tuple[np.ndarray, np.ndarray]:
    """Status (a platform catalog says ON or OFF: class I cameras are in use or under repair) and
    install dates per class."""
    cls = placed.cls
    status = _choose(rng, ["in_use", "repair", "removed"], [0.94, 0.045, 0.015], len(cls))
    status[placed.frame["first_in_village"].to_numpy().astype(bool)] = "in_use"
    status[(cls == 1) & (status == "removed")] = "repair"
    install = np.empty(len(cls), dtype=object)
    for klass, (a, b) in {
        1: ("2015-03-01", "2022-12-31"),
        2: ("2012-06-01", "2023-10-31"),
        3: ("2017-04-01", "2023-12-31"),
    }.items():
        install[cls == klass] = _dates(rng, a, b, int((cls == klass).sum()))
    return status, install


def _device_ids(rng: np.random.Generator, placed: _Placed, cam_type: np.ndarray) -> list[str]:
    """GB/T 28181 IDs: admin code of the county the camera is in, serial per county."""
    cls, kind, county = placed.cls, placed.kind, placed.county
    n = len(cls)
    serial = pd.Series(county).groupby(county).cumcount().to_numpy() + 1
    industry = placed.frame["industry"].fillna("").to_numpy().astype(object)
    shop = placed.frame["shop"].to_numpy().astype(int)
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
    return [
        make_device_id(
            county[i],
            type_code=int(type_code[i]),
            network_id=int(network_id[i]),
            serial=int(serial[i]),
            industry=str(industry[i]),
        )
        for i in range(n)
    ]


def _uplinks(networked: np.ndarray, township_code: np.ndarray) -> np.ndarray:
    """Access switches of 24 ports per township (``SW-<township>-NN``), for networked cameras."""
    uplink = np.full(len(networked), None, dtype=object)
    net_idx = np.flatnonzero(networked)
    port = pd.Series(township_code[net_idx]).groupby(township_code[net_idx]).cumcount().to_numpy()
    for i, p in zip(net_idx.tolist(), port.tolist(), strict=True):
        uplink[i] = f"SW-{township_code[i]}-{p // 24 + 1:02d}"
    return uplink


def _hd_flags(resolution: np.ndarray) -> pd.arrays.BooleanArray:
    """HD at 1080 lines or more; unknown where the resolution is."""
    is_hd = pd.array(resolution >= 1080, dtype="boolean")
    is_hd[np.isnan(resolution)] = pd.NA
    return is_hd


def _sources(cls: np.ndarray, cam_type: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """The registry each camera is written to (checkpoints to the GIS layer, class I to the
    platform catalog, class II to the industry sheet, class III to the villages' or social CSV)."""
    return np.select(
        [(cls == 1) & (cam_type == 5), cls == 1, cls == 2, kind == "village"],
        [SOURCE_GIS, SOURCE_CATALOG, SOURCE_INDUSTRY, SOURCE_VILLAGES],
        SOURCE_SOCIAL,
    )


def _canonical(
    out: pd.DataFrame, rng: np.random.Generator, *, streams: int, rtsp_streams: int
) -> gpd.GeoDataFrame:
    """Streams and NVR parents added, the canonical columns and dtypes, points in WGS-84."""
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
