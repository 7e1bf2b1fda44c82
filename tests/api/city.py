"""A tiny hand-made city for the API tests (and, scaled up, the API benchmark).

One county 211202 split into 2 townships of 3 villages each (rectangles around 123.8° E, 42.3° N,
WGS-84), cameras spread over it, a KPI report, gaps, a network check, a plan and a health run saved
in the store the way the coverage, network, planning and health jobs save theirs.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box, mapping

from sharpeyes.model.columns import CAMERA_COLUMNS, CAMERA_DTYPES, WGS84, empty_rejects
from sharpeyes.store import Store

COUNTY = "211202"
WEST, SOUTH, EAST, NORTH = 123.70, 42.20, 123.90, 42.40
SECRET = "s3cr3t-pw"


def units() -> gpd.GeoDataFrame:
    """County, 2 townships (west/east half), 3 villages each (south to north)."""
    rows: list[dict[str, Any]] = [
        {
            "code": COUNTY,
            "name": "银州区",
            "level": "county",
            "parent_code": None,
            "population": 400000.0,
            "geometry": box(WEST, SOUTH, EAST, NORTH),
        }
    ]
    mid = (WEST + EAST) / 2
    for t, (w, e) in enumerate(((WEST, mid), (mid, EAST)), start=1):
        township = f"{COUNTY}{t:03d}"
        rows.append(
            {
                "code": township,
                "name": f"第{t}街道",
                "level": "township",
                "parent_code": COUNTY,
                "population": 200000.0,
                "geometry": box(w, SOUTH, e, NORTH),
            }
        )
        step = (NORTH - SOUTH) / 3
        for v in range(3):
            rows.append(
                {
                    "code": f"{township}{v + 1:03d}",
                    "name": f"第{t}街道{v + 1}村",
                    "level": "village",
                    "parent_code": township,
                    "population": 5000.0,
                    "geometry": box(w, SOUTH + v * step, e, SOUTH + (v + 1) * step),
                }
            )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)


def village_of(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Township and village codes of points inside the county."""
    mid = (WEST + EAST) / 2
    t = np.where(lon < mid, 1, 2)
    v = np.clip(((lat - SOUTH) / ((NORTH - SOUTH) / 3)).astype(int), 0, 2) + 1
    township = np.char.add(COUNTY, np.char.zfill(t.astype(str), 3))
    village = np.char.add(township, np.char.zfill(v.astype(str), 3))
    return township, village


def cameras(
    n: int,
    *,
    seed: int = 0,
    west: float = WEST,
    south: float = SOUTH,
    east: float = EAST,
    north: float = NORTH,
) -> gpd.GeoDataFrame:
    """``n`` canonical cameras (EPSG:4326) uniformly over the box; every 7th has an RTSP URL with
    credentials in it, every 11th no position."""
    rng = np.random.default_rng(seed)
    lon = rng.uniform(west, east, n)
    lat = rng.uniform(south, north, n)
    point_class = rng.choice([1, 2, 3], n, p=[0.15, 0.25, 0.60])
    serial = np.arange(n)
    device_id = np.char.add(
        np.char.add(f"{COUNTY}00", np.where(point_class == 1, "00132", "00131")),
        np.char.zfill(serial.astype(str), 7),
    )
    township, village = village_of(lon, lat)
    resolution = rng.choice([720, 1080, 1440], n)
    frame = pd.DataFrame(
        {
            "device_id": device_id,
            "name": [f"测试点位{i}" for i in serial],
            "point_class": point_class,
            "camera_type": rng.choice([1, 2, 3], n),
            "lon": lon,
            "lat": lat,
            "heading_deg": rng.uniform(0, 360, n).round(0),
            "fov_deg": 90.0,
            "range_m": 60.0,
            "resolution": resolution,
            "is_hd": resolution >= 1080,
            "networked": rng.random(n) < 0.8,
            "status": rng.choice(["in_use", "repair"], n, p=[0.9, 0.1]),
            "address": "铁岭市银州区",
            "admin_code": COUNTY,
            "township_code": township,
            "village_code": village,
            "grid_code": None,
            "owner_unit": "公安局",
            "police_unit": None,
            "management_unit": None,
            "install_date": "2020-01-01",
            "stream_url": [
                f"rtsp://admin:{SECRET}@10.1.{i // 250 % 250}.{i % 250}/live"
                if i % 7 == 0
                else None
                for i in serial
            ],
            "uplink": None,
            "source": "test",
        }
    )
    no_position = serial % 11 == 5
    frame.loc[no_position, ["lon", "lat"]] = np.nan
    for column in CAMERA_COLUMNS:
        frame[column] = frame[column].astype(CAMERA_DTYPES[column])
    frame["id_valid"] = pd.array([True] * n, dtype="boolean")
    for column in ("parent_id", "contact", "stream_user", "stream_password", "extra", "warnings"):
        frame[column] = pd.array([None] * n, dtype="string")
    geometry = gpd.points_from_xy(frame["lon"].fillna(0.0), frame["lat"].fillna(0.0))
    geometry[no_position] = None
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=WGS84)


def _fc(frame: gpd.GeoDataFrame) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": mapping(g), "properties": p}
            for g, p in zip(
                frame.geometry, frame.drop(columns="geometry").to_dict("records"), strict=True
            )
        ],
    }


def results(store: Store, cams: gpd.GeoDataFrame) -> None:
    """Save report, gaps, network and plan documents shaped like the jobs' (hand-made figures)."""
    unit_frame = units()
    rows = []
    for i, unit in enumerate(unit_frame.itertuples()):
        base = {"unit_code": unit.code, "unit_name": unit.name, "level": unit.level}
        rows.append(
            base
            | {
                "point_class": None,
                "cameras": 100 + i,
                "networking_rate": 0.40 + 0.08 * i,
                "hd_ratio": 0.9 - 0.05 * i,
                "intact_rate": 0.75,
                "village_coverage": 1.0 if i % 2 else 0.5,
            }
        )
        rows.append(
            base | {"point_class": 1, "cameras": 10, "networking_rate": 1.0, "hd_ratio": 1.0}
        )
    store.save_result("report", {"rows": rows})
    villages = unit_frame[unit_frame["level"] == "village"].iloc[:2][["code", "name", "geometry"]]
    places = gpd.GeoDataFrame(
        {"name": ["第一小学", "中心医院"], "category": ["school", "hospital"]},
        geometry=gpd.points_from_xy([123.75, 123.85], [42.25, 42.35]),
        crs=WGS84,
    )
    store.save_result(
        "gaps",
        {
            "villages": _fc(gpd.GeoDataFrame(villages, crs=WGS84)),
            "places": _fc(places),
            "roads": {"type": "FeatureCollection", "features": []},
            "cells": {"type": "FeatureCollection", "features": []},
        },
    )
    links = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[123.75, 42.25], [123.85, 42.35]],
                },
                "properties": {
                    "a": "sw1",
                    "b": "centre",
                    "load_mbps": 950.0,
                    "capacity_mbps": 1000.0,
                    "utilisation": 0.95,
                },
            }
        ],
    }
    spof = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [123.75, 42.25]},
                "properties": {"node_id": "sw1", "name": "接入交换机1", "cameras_cut_off": 120},
            }
        ],
    }
    store.save_result(
        "network",
        {
            "reachable": 100,
            "unreachable": 3,
            "layers": {
                "links": links,
                "spof": spof,
                "nodes": {"type": "FeatureCollection", "features": []},
            },
        },
    )
    sites = gpd.GeoDataFrame(
        {"rank": [1, 2]}, geometry=gpd.points_from_xy([123.72, 123.88], [42.22, 42.38]), crs=WGS84
    )
    store.save_result(
        "plan", {"sites": _fc(sites), "curve": [{"n": 1, "covered": 10}, {"n": 2, "covered": 15}]}
    )


#: A 1×1 grey JPEG.
TINY_JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c1912130f14"
    "1d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0000b080001000101011100"
    "ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc400b5100002010303020403050504040000"
    "017d01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a2526272829"
    "2a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a929394"
    "95969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9"
    "eaf1f2f3f4f5f6f7f8f9faffda0008010100003f00fbd3ffd9"
)


def health(store: Store, cams: gpd.GeoDataFrame) -> dict[str, int]:
    """One health run over the first 60 cameras: 10 offline, 10 degraded, the rest ok."""
    run_id = store.start_health_run("2026-11-21")
    ids = cams["device_id"].astype(str).tolist()[:60]
    verdicts = (["offline"] * 10 + ["degraded"] * 10 + ["ok"] * 40)[: len(ids)]
    frame = pd.DataFrame(
        {
            "run_id": run_id,
            "device_id": ids,
            "verdict": verdicts,
            "faults": [["blur"] if v == "degraded" else [] for v in verdicts],
            "reason": ["timeout" if v == "offline" else None for v in verdicts],
            "measures": [{"sharpness": 12.5} for _ in verdicts],
            "started_at": "2026-11-21T02:00:00+00:00",
            "duration_s": 1.5,
            "snapshot_jpeg": [None if v == "offline" else TINY_JPEG for v in verdicts],
        }
    )
    store.add_health_results(run_id, frame)
    summary = {v: verdicts.count(v) for v in ("ok", "degraded", "offline")}
    store.finish_health_run(run_id, summary)
    store.save_result("health", {"run_id": run_id, "by_verdict": summary})
    return summary


def populate(store: Store, n_cameras: int = 600) -> gpd.GeoDataFrame:
    """Put the whole test city into ``store``; returns the cameras."""
    store.replace_units(units())
    cams = cameras(n_cameras)
    store.import_cameras(cams, empty_rejects(), source="test", file="city.csv")
    results(store, cams)
    health(store, cams)
    return cams
