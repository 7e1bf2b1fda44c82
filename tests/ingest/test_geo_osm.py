"""GIS files (GeoJSON, GeoPackage, Shapefile) and OpenStreetMap data, written as real files."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium
import pyogrio
import pytest
from shapely.geometry import Point, Polygon

import sharpeyes.ingest
from sharpeyes import InputError, RefusedInput
from sharpeyes.ingest import cameras_from_geofile, cameras_from_osm, detect_format, read_cameras
from sharpeyes.model.crs import wgs84_to_gcj02

LON = np.array([123.842, 123.851, 123.860])
LAT = np.array([42.290, 42.295, 42.301])


def _layer(crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {
            "设备编码": [f"21120200001320000{i:03d}" for i in range(3)],
            "设备名称": ["A", "B", "C"],
            "点位类型": ["一类", "二类", "三类"],
            "分辨率": ["1080P", "720P", None],
            "安装时间": ["2020-01-01", None, "2021-02-03"],
            "备注": ["x", "y", None],
        },
        geometry=gpd.points_from_xy(LON, LAT),
        crs="EPSG:4326",
    )
    return frame.to_crs(crs)


@pytest.mark.parametrize(
    ("name", "driver", "crs"),
    [
        ("cams.geojson", "GeoJSON", "EPSG:4326"),
        ("cams.gpkg", "GPKG", "EPSG:32651"),
        ("cams.shp", "ESRI Shapefile", "EPSG:4490"),
    ],
)
def test_geofiles_are_reprojected_to_wgs84(
    tmp_path: Path, name: str, driver: str, crs: str
) -> None:
    path = tmp_path / name
    # Chinese shapefiles keep field names within 10 bytes by writing them in GBK
    options = {"encoding": "GBK"} if driver == "ESRI Shapefile" else {}
    pyogrio.write_dataframe(_layer(crs), path, driver=driver, **options)
    assert (
        detect_format(path)
        == {"GeoJSON": "geojson", "GPKG": "gpkg", "ESRI Shapefile": "shp"}[driver]
    )
    cameras, rejects = read_cameras(path)
    assert rejects.empty and len(cameras) == 3
    assert np.allclose(cameras.lon, LON, atol=1e-7) and np.allclose(cameras.lat, LAT, atol=1e-7)
    assert list(cameras.point_class) == [1, 2, 3]
    assert cameras.is_hd.iloc[0] and not cameras.is_hd.iloc[1] and cameras.is_hd.isna().iloc[2]
    assert json.loads(cameras.extra.iloc[0]) == {"备注": "x"}
    assert cameras.crs.to_epsg() == 4326


def test_geojson_in_gcj02_and_odd_geometries(tmp_path: Path) -> None:
    glon, glat = wgs84_to_gcj02(LON, LAT)
    frame = gpd.GeoDataFrame(
        {
            "name": ["p", "poly", "none"],
            "device_id": [f"21120200001320000{i:03d}" for i in range(3)],
        },
        geometry=[
            Point(glon[0], glat[0]),
            Polygon(
                [
                    (glon[1] - 1e-4, glat[1] - 1e-4),
                    (glon[1] + 1e-4, glat[1] - 1e-4),
                    (glon[1], glat[1] + 1e-4),
                ]
            ),
            None,
        ],
        crs="EPSG:4326",
    )
    path = tmp_path / "gcj.geojson"
    pyogrio.write_dataframe(frame, path, driver="GeoJSON")
    cameras, rejects = cameras_from_geofile(path, crs="gcj02")
    assert rejects.empty
    assert cameras.lon.iloc[0] == pytest.approx(LON[0], abs=1e-6)
    assert cameras.lat.iloc[0] == pytest.approx(LAT[0], abs=1e-6)
    assert "point on its surface" in cameras.warnings.iloc[1]
    assert cameras.geometry.iloc[2] is None and "no coordinates" in cameras.warnings.iloc[2]


def test_broken_geofile_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.gpkg"
    path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    with pytest.raises(InputError, match=r"broken\.gpkg"):
        read_cameras(path)
    empty = tmp_path / "empty.geojson"
    empty.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    with pytest.raises(InputError, match=r"empty\.geojson"):
        read_cameras(empty)


OSM_TAGS = [
    {
        "man_made": "surveillance",
        "surveillance:type": "camera",
        "camera:type": "dome",
        "camera:direction": "NE",
        "camera:mount": "pole",
        "surveillance:zone": "traffic",
        "surveillance": "public",
        "name": "Main St",
    },
    {
        "man_made": "surveillance",
        "surveillance:type": "camera",
        "camera:type": "fixed",
        "camera:direction": "200",
        "operator": "City Police",
    },
    {"man_made": "surveillance", "surveillance:type": "ALPR"},
    {"man_made": "surveillance", "surveillance:type": "guard"},
]


def _check_osm(cameras: gpd.GeoDataFrame, rejects: object) -> None:
    assert len(cameras) == 3
    first = cameras.iloc[0]
    assert first["device_id"] == "osm:node/1" and bool(first["id_valid"]) is False
    assert first["camera_type"] == 1 and first["heading_deg"] == 45.0
    extra = json.loads(first["extra"])
    assert extra["camera:mount"] == "pole" and extra["surveillance:zone"] == "traffic"
    assert cameras.iloc[1]["camera_type"] == 3 and cameras.iloc[1]["heading_deg"] == 200.0
    assert cameras.iloc[1]["management_unit"] == "City Police"
    assert cameras.iloc[2]["camera_type"] == 5
    assert cameras.lon.iloc[0] == pytest.approx(2.351)
    assert list(rejects.row) == [4]  # type: ignore[attr-defined]
    assert "not a camera: surveillance:type=guard" in rejects.reason.iloc[0]  # type: ignore[attr-defined]


def test_osm_pbf_and_xml(tmp_path: Path) -> None:
    for name in ("cams.osm.pbf", "cams.osm"):
        path = tmp_path / name
        writer = osmium.SimpleWriter(str(path))
        for i, tags in enumerate(OSM_TAGS, start=1):
            writer.add_node(
                osmium.osm.mutable.Node(id=i, location=(2.35 + i * 1e-3, 48.85), tags=tags)
            )
        writer.add_node(
            osmium.osm.mutable.Node(id=99, location=(2.4, 48.9), tags={"amenity": "bench"})
        )
        writer.close()
        assert detect_format(path) == "osm"
        cameras, rejects = read_cameras(path)
        _check_osm(cameras, rejects)
        assert "outside the expected area" not in str(cameras.warnings.iloc[0])


def test_overpass_json(tmp_path: Path) -> None:
    elements = [
        {"type": "node", "id": i, "lat": 48.85, "lon": 2.35 + i * 1e-3, "tags": tags}
        for i, tags in enumerate(OSM_TAGS, start=1)
    ]
    elements.append({"type": "node", "id": 50, "lat": 1.0, "lon": 1.0})
    elements.append(
        {
            "type": "way",
            "id": 7,
            "center": {"lat": 48.9, "lon": 2.4},
            "tags": {"man_made": "surveillance"},
        }
    )
    elements.append({"type": "way", "id": 8, "tags": {"man_made": "surveillance"}})
    path = tmp_path / "overpass.json"
    path.write_text(
        json.dumps({"version": 0.6, "generator": "Overpass API", "elements": elements}),
        encoding="utf-8",
    )
    assert detect_format(path) == "osm"
    cameras, rejects = cameras_from_osm(path)
    assert len(cameras) == 4 and list(rejects.row) == [4, 6]
    assert "center" in cameras.warnings.iloc[3]
    assert "without a position" in rejects.reason.iloc[1]


def test_osm_xml_with_entities_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.osm"
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE osm [<!ENTITY a "aaaa">]><osm version="0.6">'
        '<node id="1" lat="1" lon="1"><tag k="man_made" v="&a;"/></node></osm>',
        encoding="utf-8",
    )
    with pytest.raises(RefusedInput, match=r"evil\.osm"):
        read_cameras(path)


def test_public_api_is_sorted_and_complete() -> None:
    names = sharpeyes.ingest.__all__
    assert list(names) == sorted(names)
    for name in names:
        assert hasattr(sharpeyes.ingest, name)


def test_zipped_shapefile(tmp_path: Path) -> None:
    import zipfile

    folder = tmp_path / "shp"
    folder.mkdir()
    pyogrio.write_dataframe(
        _layer("EPSG:4490"), folder / "cams.shp", driver="ESRI Shapefile", encoding="GBK"
    )
    archive = tmp_path / "cams.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in folder.iterdir():
            zf.write(part, part.name)
    assert detect_format(archive) == "shp"
    cameras, rejects = read_cameras(archive)
    assert len(cameras) == 3 and rejects.empty
