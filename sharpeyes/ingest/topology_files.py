"""The files a topology comes in: CSV (UTF-8 or GB18030/GBK), XLSX (first sheet), GeoJSON.

Each is read as text columns as they stand; :func:`sharpeyes.ingest.topology.topology_from_frames`
gives them meaning.
"""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pandas as pd

from sharpeyes._errors import InputError
from sharpeyes.ingest.archives import check_archive

__all__ = ["read_topology_table"]


def read_topology_table(path: Path) -> tuple[pd.DataFrame, str | None, int]:
    """Raw frame of a CSV/XLSX/GeoJSON file, the sheet name, and the row number of the first record."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise FileNotFoundError(2, "No such file", str(path))
    check_archive(path)
    if suffix in {".csv", ".txt"}:
        raw = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:  # pragma: no cover - gb18030 decodes any byte string
            raise InputError("cannot decode as UTF-8 or GB18030", file=str(path))
        frame = pd.read_csv(StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
        return frame, None, 2
    if suffix in {".xlsx", ".xlsm", ".xls"}:
        with pd.ExcelFile(path, engine="calamine") as book:
            sheet = str(book.sheet_names[0])
            frame = pd.read_excel(book, sheet_name=sheet, dtype=str)
        return frame, sheet, 2
    if suffix in {".geojson", ".json"}:
        return _read_geojson(path), None, 1
    raise InputError(
        f"unsupported topology file type {suffix!r}: use .csv, .xlsx or .geojson", file=str(path)
    )


def _read_geojson(path: Path) -> pd.DataFrame:
    """Properties of a GeoJSON FeatureCollection; Point geometries give ``lon``/``lat`` (WGS-84)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not valid GeoJSON: {exc}", file=str(path)) from None
    crs_name = ((document.get("crs") or {}).get("properties") or {}).get("name", "")
    if crs_name and not any(t in crs_name.upper() for t in ("4326", "CRS84", "4490")):
        raise InputError(
            f"GeoJSON CRS {crs_name!r} is not WGS-84: reproject to EPSG:4326 (GeoJSON's only CRS)",
            file=str(path),
            field="crs",
        )
    features = document.get("features")
    if not isinstance(features, list):
        raise InputError("GeoJSON has no 'features' list", file=str(path))
    records: list[dict[str, object]] = []
    for feature in features:
        props = dict(feature.get("properties") or {})
        geometry = feature.get("geometry") or {}
        if geometry.get("type") == "Point":
            coords = geometry.get("coordinates") or []
            if len(coords) >= 2:
                props.setdefault("lon", coords[0])
                props.setdefault("lat", coords[1])
        records.append({k: (None if v is None else str(v)) for k, v in props.items()})
    return pd.DataFrame(records, dtype=object)
