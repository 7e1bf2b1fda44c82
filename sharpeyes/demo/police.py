"""A synthetic police tree for the demo city: 铁岭市公安局 → a sub-bureau (分局 or county bureau) per
county → a police station (派出所) per township.

Synthetic: real jurisdictions do not follow townships one to one, and real organisation codes are
assigned by the ministry. Here a sub-bureau's jurisdiction is its county's polygon and a station's
is its township's; codes are 12 digits shaped as the demo registry writes ``police_unit`` (county
code + ``5`` + the station's number + ``000``; a sub-bureau is county code + ``000000``, which is
also that county's 12-digit statistical code — on purpose: the two hierarchies must stay apart).
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from sharpeyes.demo.city import CITY_CODE, CITY_NAME, short_name
from sharpeyes.model.columns import WGS84

__all__ = ["build_police_units", "write_police_units"]

BUREAU_CODE = CITY_CODE + "00000000"


def _station_codes(townships: pd.DataFrame, cameras: pd.DataFrame) -> dict[str, str]:
    """Each township's station code: the one its cameras' ``police_unit`` names, else the next."""
    named = (
        cameras[["township_code", "police_unit"]]
        .dropna()
        .astype(str)
        .drop_duplicates("township_code")
    )
    codes = dict(zip(named["township_code"], named["police_unit"], strict=True))
    used = set(codes.values())
    for town in sorted(townships["code"].astype(str)):
        if town in codes:
            continue
        county = town[:6]
        k = 1
        while f"{county}5{k:02d}000" in used:
            k += 1
        codes[town] = f"{county}5{k:02d}000"
        used.add(codes[town])
    return codes


def build_police_units(units: gpd.GeoDataFrame, cameras: pd.DataFrame) -> gpd.GeoDataFrame:
    """The synthetic police tree (:data:`~sharpeyes.model.columns.UNIT_COLUMNS`, EPSG:4326,
    levels ``bureau``, ``sub_bureau``, ``station``) of the demo ``units`` and ``cameras``."""
    counties = units[units["level"] == "county"]
    townships = units[units["level"] == "township"]
    station_of = _station_codes(townships, cameras)
    rows: list[tuple[str, str, str, str | None, shapely.Geometry | None]] = [
        (BUREAU_CODE, f"{CITY_NAME}公安局", "bureau", None, None)
    ]
    for code, name, geom in zip(counties["code"], counties["name"], counties.geometry, strict=True):
        label = f"{CITY_NAME}公安局{name}分局" if str(name).endswith("区") else f"{name}公安局"
        rows.append((f"{code}000000", label, "sub_bureau", BUREAU_CODE, geom))
    for code, name, geom in zip(
        townships["code"], townships["name"], townships.geometry, strict=True
    ):
        town = str(code)
        rows.append(
            (
                station_of[town],
                f"{short_name(str(name))}派出所",
                "station",
                f"{town[:6]}000000",
                geom,
            )
        )
    return gpd.GeoDataFrame(
        {
            "code": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "level": [r[2] for r in rows],
            "parent_code": [r[3] for r in rows],
            "population": np.full(len(rows), np.nan),
        },
        geometry=gpd.GeoSeries([r[4] for r in rows], crs=WGS84),
        crs=WGS84,
    )


def write_police_units(police: gpd.GeoDataFrame, workdir: Path | str) -> Path:
    """Write the tree as ``<workdir>/units/tieling_police.geojson`` (WGS-84, 7 decimals; codes as
    strings, ``level`` as 市公安局/分局/派出所 words the reader knows). Returns the path."""
    from sharpeyes.model.police import POLICE_LEVELS

    folder = Path(workdir) / "units"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "tieling_police.geojson"
    features = []
    for row in police.itertuples(index=False):
        geom = row.geometry
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "机构代码": str(row.code),
                    "机构名称": str(row.name),
                    "层级": POLICE_LEVELS[str(row.level)].zh,
                    "上级机构代码": None if pd.isna(row.parent_code) else str(row.parent_code),
                },
                "geometry": None
                if geom is None
                else json.loads(shapely.to_geojson(shapely.set_precision(geom, 1e-7))),
            }
        )
    document = {"type": "FeatureCollection", "features": features}
    path.write_text(
        json.dumps(document, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )
    return path
