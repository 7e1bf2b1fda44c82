"""A tiny city as the files a bureau hands over, and a store built from them, for CLI tests.

The units and cameras are those of ``tests/coverage/conftest.py`` (county 219901, two townships,
four villages, about 123°E 42.4°N), written as GeoJSON and CSV; places and roads as CSV; a
two-switch topology; one short MJPEG clip as the cameras' stream. ``tiny_store`` is a SQLite file
made from them through the jobs, copied fresh for every test that changes it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.coverage.conftest import tiny_cameras, tiny_units


@dataclass(frozen=True)
class TinyCity:
    """Paths of the tiny city's files."""

    folder: Path
    cameras: Path
    units: Path
    places: Path
    roads: Path
    nodes: Path
    links: Path
    clip: Path


def _clip(path: Path) -> Path:
    from sharpeyes.demo.streams import write_clip

    rng = np.random.default_rng(0)
    base = rng.integers(0, 255, size=(180, 320, 3), dtype=np.uint8)
    frames = [np.roll(base, 4 * i, axis=1) for i in range(16)]
    return write_clip(path, frames)  # type: ignore[no-any-return]


def write_tiny_city(folder: Path) -> TinyCity:
    """Write the tiny city's files into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    clip = _clip(folder / "street.avi")
    units = folder / "units.geojson"
    tiny_units().to_file(units, driver="GeoJSON")
    cams = tiny_cameras()
    table = pd.DataFrame(
        {
            "设备编码": cams["device_id"],
            "设备名称": [f"路口{i}" for i in range(1, len(cams) + 1)],
            "监控点位类型": cams["point_class"],
            "经度": cams["lon"].round(6),
            "纬度": cams["lat"].round(6),
            "联网属性": ["是" if n else "否" for n in cams["networked"]],
            "分辨率": cams["resolution"],
            "视频流地址": [str(clip)] * 3 + [None, None],
            "上联节点": ["A", "A", "B", None, None],
        }
    )
    cameras = folder / "cameras.csv"
    table.to_csv(cameras, index=False, encoding="utf-8")
    lon, lat = cams["lon"], cams["lat"]
    places = folder / "places.csv"
    pd.DataFrame(
        {
            "名称": ["一中", "医院"],
            "类别": ["学校", "医院"],
            "经度": [round(lon.iloc[0] + 0.0003, 6), round(lon.iloc[2] + 0.01, 6)],
            "纬度": [round(lat.iloc[0], 6), round(lat.iloc[2], 6)],
        }
    ).to_csv(places, index=False)
    roads = folder / "roads.csv"
    west, east = float(lon.iloc[0]), float(lon.iloc[2])
    y = float(lat.iloc[0])
    pd.DataFrame(
        {
            "road_id": ["r1"],
            "等级": ["县道"],
            "wkt": [f"LINESTRING ({west:.6f} {y:.6f}, {east:.6f} {y:.6f})"],
        }
    ).to_csv(roads, index=False)
    nodes = folder / "nodes.csv"
    nodes.write_text(
        "节点编号,节点类型,名称,经度,纬度\n"
        "P,平台,市平台,123.00,42.40\n"
        "C,监控中心,分局,123.01,42.40\n"
        "A,接入交换机,西乡,123.00,42.41\n"
        "B,接入交换机,东乡,123.02,42.41\n",
        encoding="utf-8",
    )
    links = folder / "links.csv"
    links.write_text("起点,终点,带宽(Mbps)\nC,P,1000\nA,C,100\nB,C,100\n", encoding="utf-8")
    return TinyCity(folder, cameras, units, places, roads, nodes, links, clip)


@pytest.fixture(scope="session")
def tiny_city(tmp_path_factory: pytest.TempPathFactory) -> TinyCity:
    """The tiny city's files (read-only: copy before changing them)."""
    return write_tiny_city(tmp_path_factory.mktemp("tiny-city"))


@pytest.fixture(scope="session")
def tiny_store_template(tiny_city: TinyCity, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file holding the tiny city: cameras, units, places, roads, topology, a user, one
    finished health run."""
    from sharpeyes.jobs import coverage, health, ingest, network
    from sharpeyes.jobs.auth import add_user
    from sharpeyes.store import Store

    path = tmp_path_factory.mktemp("tiny-store") / "tiny.db"
    store = Store.open(f"sqlite:///{path}")
    try:
        ingest.import_files(
            store, [tiny_city.cameras], progress=False, rejects_dir=path.parent / "rejects"
        )
        coverage.import_units(store, tiny_city.units)
        coverage.import_places(store, tiny_city.places)
        coverage.import_roads(store, tiny_city.roads)
        network.import_topology(store, tiny_city.nodes, tiny_city.links)
        add_user(store, "admin", "admin")
        health.run_nightly(store, concurrency=2, progress=False)
    finally:
        store.close()
    return path


@pytest.fixture
def tiny_store(tiny_store_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the tiny city's store for one test."""
    target = tmp_path / "tiny.db"
    shutil.copyfile(tiny_store_template, target)
    return target


def sharpeyes(
    *args: str,
    cwd: Path,
    env: dict[str, str] | None = None,
    timeout: float = 600,
    stdin: str = "",
) -> subprocess.CompletedProcess[str]:
    """Run the real ``sharpeyes`` entry point (``python -m sharpeyes``) in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "sharpeyes", *args],
        capture_output=True,
        text=True,
        input=stdin,
        cwd=cwd,
        env={**os.environ, "SHARPEYES_LOG_DIR": str(cwd / "logs"), **(env or {})},
        timeout=timeout,
        check=False,
    )
