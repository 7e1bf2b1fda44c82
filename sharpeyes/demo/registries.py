"""The registries a bureau really receives, written from the demo inventory.

Each camera goes to the registry its ``source`` names (:mod:`sharpeyes.demo.cameras`):

=================================  ====================================  =======  ======
file (under ``<workdir>/registries``)  what                                format   crs
=================================  ====================================  =======  ======
``catalog_class1_platform.sip``    class I on the city platform: GB/T    gb28181  wgs84
                                   28181 Catalog responses (SIP MESSAGE
                                   texts, GB2312 declared, GBK bytes,
                                   split over several messages)
``gis_checkpoints_pilot.geojson``  class I checkpoints and the video-     geojson  wgs84
                                   inspection pilot (stream URLs)
``class2_industry_units.xlsx``     class II from industry units, Chinese  xlsx     gcj02
                                   headers, points read off Amap
``class3_social_resources.csv``    class III compounds, shops,            csv      wgs84
                                   enterprises: GBK, Chinese headers
``class3_villages_bd09.csv``       class III village "Sharp Eyes" points  csv      bd09
                                   from the township centres: GBK, read
                                   off Baidu maps
=================================  ====================================  =======  ======

A small share of rows is broken on purpose, as in real registries (IDs with 19 digits or a
letter, swapped longitude/latitude, missing or (0, 0) coordinates, the same ID twice in a file, one
ID in two sources with conflicting attributes); each is listed in ``RegistryFile.planted`` with
the row where it is.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from sharpeyes.demo.cameras import (
    SOURCE_CATALOG,
    SOURCE_GIS,
    SOURCE_INDUSTRY,
    SOURCE_SOCIAL,
    SOURCE_VILLAGES,
)
from sharpeyes.demo.registries_base import (
    ITEMS_PER_MESSAGE,
    PLATFORM_ID,
    PlantedProblem,
    RegistryFile,
)
from sharpeyes.demo.registries_catalog import _write_catalog
from sharpeyes.demo.registries_tables import _write_csv, _write_xlsx
from sharpeyes.model.urls import join_credentials


def _write_geojson(cameras: pd.DataFrame, conflict: pd.DataFrame, path: Path) -> RegistryFile:
    features = []
    planted: list[PlantedProblem] = []
    props = (
        "device_id", "name", "point_class", "camera_type", "heading_deg", "fov_deg", "range_m",
        "resolution", "networked", "status", "address", "admin_code", "township_code",
        "village_code", "owner_unit", "police_unit", "management_unit", "install_date",
        "stream_url", "uplink",
    )  # fmt: skip

    def feature(row: pd.Series) -> dict[str, object]:
        properties: dict[str, object] = {}
        for name in props:
            value = row[name]
            if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
                properties[name] = None
            elif isinstance(value, (bool, np.bool_)):
                properties[name] = bool(value)
            elif isinstance(value, (int, np.integer)):
                properties[name] = int(value)
            elif isinstance(value, (float, np.floating)):
                properties[name] = float(value)
            else:
                properties[name] = str(value)
        url = properties.get("stream_url")
        if url and not pd.isna(row["stream_user"]):
            properties["stream_url"] = join_credentials(
                str(url), str(row["stream_user"]), str(row["stream_password"])
            )
        return {
            "type": "Feature",
            "properties": properties,
            "geometry": {"type": "Point", "coordinates": [float(row["lon"]), float(row["lat"])]},
        }

    for _, row in cameras.iterrows():
        features.append(feature(row))
    for _, row in conflict.iterrows():
        changed = row.copy()
        changed["name"] = f"{row['name']}(GIS图层旧名)"
        changed["networked"] = not bool(row["networked"])
        features.append(feature(changed))
        planted.append(
            PlantedProblem(
                "conflict_across_sources", len(features), str(row["device_id"]), "store",
                "also in the class II workbook, with another name and networked flag",
            )
        )  # fmt: skip
    document = {
        "type": "FeatureCollection",
        "name": "tieling_gis_cameras",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        "features": features,
    }
    path.write_text(json.dumps(document, ensure_ascii=False, indent=None), encoding="utf-8")
    return RegistryFile(path, "geojson", "wgs84", SOURCE_GIS, len(features), tuple(planted))


def write_registries(
    cameras: gpd.GeoDataFrame,
    workdir: Path | str,
    *,
    seed: int = 0,
    names: dict[str, str] | None = None,
) -> list[RegistryFile]:
    """Write ``cameras`` (from :func:`sharpeyes.demo.cameras.build_cameras`) as the registries a
    bureau receives, under ``<workdir>/registries``; each camera goes to the registry its ``source``
    names. Deterministic for a ``seed`` (which rows get broken). ``names`` maps unit codes to names
    (for the catalog's business groups and virtual organisations); the codes stand in without it.

    Returns the files in import order: catalog, GIS GeoJSON, class II workbook, class III CSVs.
    """
    folder = Path(workdir) / "registries"
    folder.mkdir(parents=True, exist_ok=True)
    names = names or {}
    rng = np.random.default_rng([seed, 2112, 23])
    frame = pd.DataFrame(cameras.drop(columns=cameras.geometry.name))
    by_source = {
        s: frame[frame["source"] == s].reset_index(drop=True) for s in frame["source"].unique()
    }
    empty = frame.iloc[:0]
    industry = by_source.get(SOURCE_INDUSTRY, empty)
    conflict = (
        industry.iloc[len(industry) // 2 : len(industry) // 2 + 1] if len(industry) else empty
    )
    return [
        _write_catalog(
            by_source.get(SOURCE_CATALOG, empty), folder / "catalog_class1_platform.sip", names, rng
        ),
        _write_geojson(
            by_source.get(SOURCE_GIS, empty), conflict, folder / "gis_checkpoints_pilot.geojson"
        ),
        _write_xlsx(industry, folder / "class2_industry_units.xlsx", rng),
        _write_csv(
            by_source.get(SOURCE_SOCIAL, empty),
            folder / "class3_social_resources.csv",
            kind="social",
            crs="wgs84",
            source=SOURCE_SOCIAL,
            rng=rng,
            counts={
                "id_19_digits": 2,
                "id_letters": 1,
                "swapped_lonlat": 1,
                "missing_coordinates": 2,
                "coordinate_typo": 1,
                "duplicate_in_file": 1,
            },
        ),
        _write_csv(
            by_source.get(SOURCE_VILLAGES, empty),
            folder / "class3_villages_bd09.csv",
            kind="village",
            crs="bd09",
            source=SOURCE_VILLAGES,
            rng=rng,
            counts={
                "swapped_lonlat": 1,
                "zero_coordinates": 1,
                "id_19_digits": 1,
                "id_19_digits_no_position": 1,
                "coordinate_text": 1,
            },
        ),
    ]


__all__ = ["ITEMS_PER_MESSAGE", "PLATFORM_ID", "PlantedProblem", "RegistryFile", "write_registries"]
