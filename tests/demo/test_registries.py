"""The demo's registries: the formats a bureau receives, readable by sharpeyes' readers, with the
broken rows where ``RegistryFile.planted`` says and nothing else lost."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from sharpeyes.demo import DemoCity, RegistryFile, build_demo_city
from sharpeyes.demo.cameras import SOURCE_CATALOG, SOURCE_GIS
from sharpeyes.demo.registries import PLATFORM_ID

SCALE = 0.02


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> DemoCity:
    return build_demo_city(tmp_path_factory.mktemp("tieling"), seed=0, scale=SCALE)


def _registry(city: DemoCity, fmt: str, crs: str | None = None) -> RegistryFile:
    found = [r for r in city.registries if r.fmt == fmt and (crs is None or r.crs == crs)]
    assert len(found) == 1, [r.path.name for r in city.registries]
    return found[0]


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_same_files(city: DemoCity, tmp_path: Path) -> None:
    # another process with another string-hash seed: no set or dict order leaks into the files
    code = (
        "import sys; from sharpeyes.demo import build_demo_city; "
        f"build_demo_city(sys.argv[1], seed=0, scale={SCALE})"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "again")], check=True, env=env)
    assert _digests(tmp_path / "again") == _digests(city.workdir)
    other = build_demo_city(tmp_path / "other", seed=1, scale=SCALE)
    first, second = _digests(city.workdir), _digests(other.workdir)
    assert first.keys() == second.keys()
    assert (
        first["registries/class3_social_resources.csv"]
        != second["registries/class3_social_resources.csv"]
    )


def test_demo_city_parts(city: DemoCity) -> None:
    assert [r.fmt for r in city.registries] == ["gb28181", "geojson", "xlsx", "csv", "csv"]
    assert {r.crs for r in city.registries} == {"wgs84", "gcj02", "bd09"}
    assert all(
        r.path.is_file() and r.path.parent == city.workdir / "registries" for r in city.registries
    )
    assert city.units_path.is_file()
    assert len(city.stream_paths) > 0
    for device_id, path in city.stream_paths.items():
        assert path == city.workdir / "streams" / f"{device_id}.mp4"
        url = city.cameras.set_index("device_id").loc[device_id, "stream_url"]
        # named relative to the registries' folder, which the import resolves
        assert (city.workdir / "registries" / str(url)).resolve() == path.resolve()
    # every camera is written once (plus the planted duplicates and the cross-source conflict)
    extra = sum(
        p.kind in {"duplicate_in_file", "conflict_across_sources"}
        for r in city.registries
        for p in r.planted
    )
    assert sum(r.rows for r in city.registries) == len(city.cameras) + extra


def _catalog_messages(data: bytes) -> list[tuple[dict[str, str], bytes]]:
    messages = []
    rest = data
    while rest.strip():
        head, _, rest = rest.partition(b"\r\n\r\n")
        lines = head.decode("ascii").split("\r\n")
        assert lines[0].startswith("MESSAGE sip:") and lines[0].endswith("SIP/2.0")
        headers = dict(line.split(": ", 1) for line in lines[1:])
        length = int(headers["Content-Length"])
        body, rest = rest[:length], rest[length:].lstrip(b"\r\n")
        messages.append((headers, body))
    return messages


def test_catalog_is_gb28181_split_over_messages(city: DemoCity) -> None:
    catalog = _registry(city, "gb28181")
    messages = _catalog_messages(catalog.path.read_bytes())
    assert len(messages) >= 2
    items: list[ElementTree.Element] = []
    sums = set()
    for headers, body in messages:
        assert headers["Content-Type"] == "Application/MANSCDP+xml"
        assert body.startswith(b'<?xml version="1.0" encoding="GB2312"?>')
        with pytest.raises(UnicodeDecodeError):
            body.decode("utf-8")  # Chinese names in GBK bytes
        root = ElementTree.fromstring(body.decode("gbk").split("?>", 1)[1])
        assert root.tag == "Response"
        assert root.findtext("CmdType") == "Catalog"
        assert root.findtext("DeviceID") == PLATFORM_ID
        sums.add(int(root.findtext("SumNum") or -1))
        device_list = root.find("DeviceList")
        assert device_list is not None
        found = device_list.findall("Item")
        assert int(device_list.get("Num") or -1) == len(found)
        items.extend(found)
    assert sums == {len(items)}
    by_id = {item.findtext("DeviceID"): item for item in items}
    assert len(by_id) == len(items)
    kinds = pd.Series([str(k)[10:13] for k in by_id]).value_counts().to_dict()
    cameras = [item for item in items if str(item.findtext("DeviceID"))[10:13] in {"131", "132"}]
    assert len(cameras) == catalog.rows
    assert kinds.get("118", 0) >= 1 and kinds.get("215", 0) >= 1 and kinds.get("216", 0) >= 1
    for item in cameras:  # camera → NVR → platform
        nvr = by_id[item.findtext("ParentID")]
        assert str(nvr.findtext("DeviceID"))[10:13] == "118"
        assert nvr.findtext("ParentID") == PLATFORM_ID
        info = item.find("Info")
        assert info is not None and info.findtext("PTZType") in {"1", "2", "3", "4"}
        assert by_id[info.findtext("BusinessGroupID")] is not None
    truth = city.cameras[city.cameras["source"] == SOURCE_CATALOG].set_index("device_id")
    assert {str(item.findtext("DeviceID")) for item in cameras} == set(truth.index)
    zero = {p.device_id for p in catalog.planted if p.kind == "zero_coordinates"}
    for item in cameras:
        device_id = str(item.findtext("DeviceID"))
        lon, lat = (
            float(item.findtext("Longitude") or "nan"),
            float(item.findtext("Latitude") or "nan"),
        )
        if device_id in zero:
            assert (lon, lat) == (0.0, 0.0)
        else:
            assert abs(lon - truth.loc[device_id, "lon"]) < 1e-6
            assert abs(lat - truth.loc[device_id, "lat"]) < 1e-6


def test_tables_have_chinese_headers_and_their_encodings(city: DemoCity) -> None:
    for registry in city.registries:
        if registry.fmt == "csv":
            data = registry.path.read_bytes()
            with pytest.raises(UnicodeDecodeError):
                data.decode("utf-8")
            header = data.decode("gbk").split("\r\n", 1)[0]
            assert "经度" in header and "纬度" in header
            assert "设备编码" in header or "国标编码" in header
        if registry.fmt == "xlsx":
            from openpyxl import load_workbook

            book = load_workbook(registry.path, read_only=True)
            header_row = next(book.active.iter_rows(min_row=2, max_row=2, values_only=True))  # type: ignore[union-attr]
            book.close()
            assert "设备编码" in header_row and "监控点位类型" in header_row
            assert registry.crs == "gcj02"


def test_geojson_carries_stream_urls_with_credentials(city: DemoCity) -> None:
    gis = _registry(city, "geojson")
    frame = gpd.read_file(gis.path)
    assert len(frame) == gis.rows
    urls = frame["stream_url"].dropna()
    files = urls[urls.str.endswith(".mp4")]
    assert len(files) == len(city.stream_paths)
    assert {(gis.path.parent / u).resolve() for u in files} == {
        p.resolve() for p in city.stream_paths.values()
    }
    with_credentials = urls[urls.str.contains("@")]
    assert len(with_credentials) >= 1
    assert with_credentials.str.fullmatch(r"rtsp://admin:Demo2024@10\.12\.0\.1:554/[0-9]{20}").all()
    truth = city.cameras[city.cameras["source"] == SOURCE_GIS]
    assert set(truth["device_id"]) <= set(frame["device_id"])


# -- through sharpeyes' own readers -------------------------------------------------------------
def _read(registry: RegistryFile) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    from sharpeyes.ingest.read import read_cameras

    return read_cameras(registry.path, fmt=registry.fmt, crs=registry.crs, source=registry.source)


def _check_accounting(registry: RegistryFile) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    cameras, rejects = _read(registry)
    not_camera = rejects["reason"].astype(str).str.startswith("not a camera")
    assert rejects.loc[not_camera, "row"].nunique() == registry.other_items
    rejects = rejects[~not_camera]
    refused_rows = set(rejects["row"].dropna().astype(int)) if len(rejects) else set()
    assert len(cameras) + len(refused_rows) == registry.rows, registry.path.name
    warned = cameras[cameras["warnings"].notna()]
    for problem in registry.planted:
        in_rejects = problem.row in refused_rows
        kept_warned = problem.device_id in set(warned["device_id"].astype(str))
        if problem.expect == "refused":
            assert in_rejects, problem
        elif problem.expect == "warned":
            assert kept_warned and not in_rejects, problem
        elif problem.expect == "refused_or_warned":
            assert in_rejects or kept_warned, problem
    expected_refused = {p.row for p in registry.planted if p.expect == "refused"}
    assert refused_rows <= expected_refused | {p.row for p in registry.planted}, registry.path.name
    return cameras, rejects


@pytest.mark.parametrize("which", [("xlsx", "gcj02"), ("csv", "wgs84"), ("csv", "bd09")])
def test_tables_read_back_with_planted_problems_only(
    city: DemoCity, which: tuple[str, str]
) -> None:
    registry = _registry(city, *which)
    cameras, _ = _check_accounting(registry)
    planted_ids = {p.device_id for p in registry.planted}
    truth = city.cameras.set_index("device_id")
    clean = cameras[~cameras["device_id"].isin(planted_ids) & cameras["warnings"].isna()]
    assert len(clean) >= registry.rows - 3 * len(registry.planted)
    clean = clean.set_index("device_id")
    t = truth.loc[clean.index]
    # GCJ-02/BD-09 removed by the reader: back within a metre of the truth
    error_m = np.hypot(
        (clean["lon"] - t["lon"]) * 111_320 * np.cos(np.radians(42.6)),
        (clean["lat"] - t["lat"]) * 111_320,
    )
    assert error_m.max() < 1.0, error_m.max()
    for column in (
        "point_class",
        "camera_type",
        "networked",
        "status",
        "admin_code",
        "village_code",
        "police_unit",
    ):
        assert (clean[column].astype(str) == t[column].astype(str)).all(), column
    assert (
        clean["resolution"].fillna(-1).astype(int) == t["resolution"].fillna(-1).astype(int)
    ).all()
    assert np.allclose(clean["heading_deg"].fillna(-1), t["heading_deg"].fillna(-1))


@pytest.mark.parametrize("fmt", ["gb28181", "geojson"])
def test_catalog_and_gis_file_read_back(city: DemoCity, fmt: str) -> None:
    registry = _registry(city, fmt)
    cameras, _ = _check_accounting(registry)
    truth = city.cameras.set_index("device_id")
    ids = cameras["device_id"].astype(str)
    assert ids.isin(truth.index).all()
    kept = cameras.set_index("device_id")
    with_point = kept[kept["lon"].notna()]
    t = truth.loc[with_point.index]
    assert np.allclose(with_point["lon"], t["lon"], atol=1e-6)
    assert (with_point["point_class"].astype(int) == 1).all() or fmt == "geojson"
    if fmt == "geojson":
        masked = kept["stream_url"].dropna()
        assert not masked.str.contains("Demo2024").any()
        assert (kept["stream_password"].dropna() == "Demo2024").any()
    else:
        assert (kept["parent_id"].str[10:13] == "118").all()


@pytest.mark.slow
def test_full_scale_city_reads_back_with_nothing_lost(tmp_path: Path) -> None:
    city = build_demo_city(tmp_path, seed=0, scale=1.0)
    assert city.cameras["point_class"].value_counts().to_dict() == {1: 4205, 2: 6385, 3: 23984}
    kept = 0
    for registry in city.registries:
        cameras, _ = _check_accounting(registry)
        kept += len(cameras)
    refused = sum(p.expect == "refused" for r in city.registries for p in r.planted)
    assert kept == sum(r.rows for r in city.registries) - refused


def test_public_names_are_sorted_and_importable() -> None:
    import sharpeyes.demo as demo

    assert list(demo.__all__) == sorted(demo.__all__)
    for name in demo.__all__:
        assert hasattr(demo, name), name
