"""One entry point for every registry file: the format by extension and content, then its reader."""

from __future__ import annotations

from pathlib import Path
from typing import Final, Unpack

import geopandas as gpd
import pandas as pd

from sharpeyes._errors import InputError
from sharpeyes.ingest.options import ReadOptions, ReadOptionsFields, read_options

#: Formats :func:`read_cameras` understands (``auto`` chooses among them).
FORMATS: Final = ("auto", "csv", "xlsx", "gb28181", "geojson", "gpkg", "shp", "osm")

_BY_SUFFIX: Final = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".xls": "xlsx",
    ".xlsb": "xlsx",
    ".ods": "xlsx",
    ".xml": "gb28181",
    ".sip": "gb28181",
    ".geojson": "geojson",
    ".json": "geojson",
    ".gpkg": "gpkg",
    ".shp": "shp",
    ".osm": "osm",
    ".pbf": "osm",
    ".o5m": "osm",
}


def detect_format(path: str | Path) -> str:
    """The format of a registry file: ``csv``, ``xlsx``, ``gb28181``, ``geojson``, ``gpkg``, ``shp`` or ``osm``.

    The extension proposes, the first 4 KiB decide where they disagree: XML with an ``<osm`` root or
    Overpass JSON (an ``elements`` array) is OSM; XML or SIP text (``MESSAGE sip:``, ``SIP/2.0``,
    ``<Response>``/``CmdType``) is a GB/T 28181 catalog; ``PK`` is a workbook, ``SQLite format 3`` a
    GeoPackage, an ``OSMHeader`` block an OSM PBF. Raises :class:`sharpeyes.InputError` for a missing
    or empty file.
    """
    p = Path(path)
    if not p.exists():
        raise InputError("no such file", file=str(p))
    if p.is_dir():
        raise InputError("is a folder, not a file", file=str(p))
    with p.open("rb") as fh:
        head = fh.read(4096)
    if not head.strip():
        raise InputError("the file is empty", file=p.name)
    suffix = p.suffix.lower()
    by_name = _BY_SUFFIX.get(suffix)
    if p.name.lower().endswith((".osm.pbf", ".osm.xml", ".osm.bz2", ".osm.gz")):
        return "osm"
    if suffix == ".zip":
        return _zip_kind(p)
    sniffed = _sniff(head)
    if by_name in {"gpkg", "shp", "xlsx"}:
        return by_name
    if sniffed is not None:
        return sniffed
    return by_name or "csv"


def _zip_kind(path: Path) -> str:
    """A zipped Shapefile/GeoJSON/GeoPackage is a GIS file; any other zip is tried as a workbook."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            names = [n.lower() for n in archive.namelist()]
    except (zipfile.BadZipFile, OSError):
        return "xlsx"
    for ext, kind in ((".shp", "shp"), (".gpkg", "gpkg"), (".geojson", "geojson")):
        if any(n.endswith(ext) for n in names):
            return kind
    return "xlsx"


def _sniff(head: bytes) -> str | None:
    if head.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        return "xlsx"
    if b"OSMHeader" in head[:64]:
        return "osm"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    lower = text[:4096].lower()
    if text.startswith(b"<"):
        if b"<osm" in lower:
            return "osm"
        return "gb28181"
    if lower.startswith((b"message ", b"sip/2.0")) or b"sip/2.0" in lower[:512]:
        return "gb28181"
    if b"application/manscdp+xml" in lower or b"<cmdtype>" in lower:
        return "gb28181"
    if text.startswith((b"{", b"[")):
        if b'"elements"' in lower and b'"featurecollection"' not in lower:
            return "osm"
        return "geojson"
    return None


def read_cameras(
    path: str | Path,
    options: ReadOptions | None = None,
    *,
    fmt: str = "auto",
    **overrides: Unpack[ReadOptionsFields],
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Cameras from any registry file: CSV/XLSX, GB/T 28181 catalog, GeoJSON/GPKG/Shapefile, OSM.

    Parameters
    ----------
    path
        The file.
    fmt
        One of :data:`FORMATS`; ``auto`` uses :func:`detect_format`.
    options
        :class:`~sharpeyes.ingest.options.ReadOptions` (crs, mapping, source, hd_min_lines,
        one_means_networked, progress); a keyword named as one of its fields overrides it
        (``read_cameras(path, crs="gcj02")``). GIS files are first reprojected from their own CRS;
        the GCJ-02/BD-09 offset is then removed when ``crs`` says so.

    Returns
    -------
    (cameras, rejects)
        Canonical cameras (EPSG:4326) and the refused rows with their reasons.
    """
    kind = fmt.strip().lower()
    if kind not in FORMATS:
        raise InputError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}", file=str(path))
    if kind == "auto":
        kind = detect_format(path)
    common = read_options(options, overrides)
    if kind in {"csv", "xlsx"}:
        from sharpeyes.ingest.table import cameras_from_table

        return cameras_from_table(path, common, fmt=kind)
    if kind == "gb28181":
        from sharpeyes.ingest.catalog import cameras_from_catalog

        return cameras_from_catalog(path, common)
    if kind in {"geojson", "gpkg", "shp"}:
        from sharpeyes.ingest.geofile import cameras_from_geofile

        return cameras_from_geofile(path, common)
    from sharpeyes.ingest.osm import cameras_from_osm

    return cameras_from_osm(path, common)
