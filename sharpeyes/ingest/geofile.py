"""Camera layers of GIS files: GeoJSON, GeoPackage and Shapefile, read by pyogrio.

Point geometries are reprojected from the file's own CRS to WGS-84 (EPSG:4326). A file without a
CRS is taken to be in longitude/latitude degrees. After reprojection the GCJ-02/BD-09 offset is
removed when the call says the points were digitised on such a map (``crs="gcj02"``): many
"EPSG:4326" layers in China really are GCJ-02. A feature whose geometry is not a point (a polygon,
a line) is placed at a point on its surface and warned; a feature without geometry falls back to
longitude/latitude attribute columns when the layer has them.

``row`` in rejects is the 1-based feature number in its layer; ``sheet`` is the layer name.
Without a ``layer`` in the mapping, every point (or geometry-less) layer of a multi-layer file is
read.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Unpack

import numpy as np
import pandas as pd
import shapely

from sharpeyes._errors import InputError
from sharpeyes.ingest.archives import check_archive
from sharpeyes.ingest.mapping import ColumnMapping
from sharpeyes.ingest.normalize import (
    SourceInfo,
    concat_results,
    normalize_cameras,
)
from sharpeyes.ingest.options import (
    ReadOptions,
    ReadOptionsFields,
    loaded_mapping,
    options_for,
    read_options,
)
from sharpeyes.model.columns import WGS84


def _layers(path: Path, mapping: ColumnMapping, *, file: str) -> list[str | None]:
    import pyogrio

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            listed = pyogrio.list_layers(path)
    except Exception as exc:  # pyogrio raises DataSourceError and plain errors from GDAL
        raise InputError(f"cannot open as a GIS file: {_gdal_message(exc)}", file=file) from None
    names = [str(row[0]) for row in listed]
    if mapping.layer is not None:
        if mapping.layer not in names:
            raise InputError(f"no layer {mapping.layer!r}; layers: {', '.join(names)}", file=file)
        return [mapping.layer]
    if len(names) <= 1:
        return [names[0] if names else None]
    pointish = [
        str(row[0])
        for row in listed
        if row[1] is None or "point" in str(row[1]).lower() or str(row[1]).lower() == "unknown"
    ]
    return list(pointish or names)


def _gdal_message(exc: Exception) -> str:
    return str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__


def _text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Attribute columns as text (numbers without a trailing .0, dates as ISO)."""
    out = {}
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_float_dtype(column.dtype):
            values = column.to_numpy(dtype=float, na_value=np.nan)
            whole = np.isfinite(values) & (np.abs(values) < 1e15) & (values == np.round(values))
            text = column.astype("string")
            if whole.any():
                text[whole] = pd.Series(values[whole].astype(np.int64)).astype("string").to_numpy()
            out[str(name)] = text
        elif pd.api.types.is_datetime64_any_dtype(column.dtype):
            out[str(name)] = column.dt.strftime("%Y-%m-%d").astype("string")
        else:
            out[str(name)] = column.astype("string")
    return pd.DataFrame(out, index=frame.index)


def cameras_from_geofile(
    path: str | Path,
    options: ReadOptions | None = None,
    **overrides: Unpack[ReadOptionsFields],
) -> tuple[Any, pd.DataFrame]:
    """Cameras from a GeoJSON, GeoPackage or Shapefile (or any vector file GDAL reads).

    Parameters are those of :func:`sharpeyes.ingest.read_cameras`. Attribute columns are recognised
    like table headers (built-in names or the mapping). Geometry wins over longitude/latitude
    attributes, which are then kept in ``extra``.
    """
    import pyogrio

    read = read_options(options, overrides)
    p = Path(path)
    file = p.name
    if not p.exists():
        raise InputError("no such file", file=str(p))
    if p.stat().st_size == 0:
        raise InputError("the file is empty", file=file)
    check_archive(p)
    cmap = loaded_mapping(read)
    resolved = options_for(read, cmap)
    parts = []
    read_any = False
    for layer in _layers(p, cmap, file=file):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                frame = pyogrio.read_dataframe(p, layer=layer)
        except Exception as exc:  # GDAL errors come in several classes
            raise InputError(
                f"cannot read layer {layer!r}: {_gdal_message(exc)}", file=file
            ) from None
        read_any = True
        if len(frame) == 0:
            continue
        raw, row_notes = _raw_from_layer(frame, cmap, file=file, layer=layer)
        rows = np.arange(1, len(raw) + 1, dtype=np.int64)
        where = SourceInfo(file=file, rows=rows, sheet=layer, notes=row_notes)
        parts.append(normalize_cameras(raw, where, resolved))
    if not read_any or not parts:
        raise InputError("no features in the file", file=file)
    return concat_results(parts)


def _raw_from_layer(
    frame: Any, mapping: ColumnMapping, *, file: str, layer: str | None
) -> tuple[pd.DataFrame, np.ndarray | None]:
    """Attribute text plus ``lon``/``lat`` from the geometry (WGS-84 degrees), and row notes."""
    has_geometry = "geometry" in frame.columns and hasattr(frame, "geometry")
    attributes = frame.drop(columns=["geometry"]) if has_geometry else frame
    raw = _text_frame(pd.DataFrame(attributes))
    if not has_geometry or frame.geometry.isna().all():
        return raw, None
    gdf = frame
    if gdf.crs is not None and not gdf.crs.equals(WGS84):
        try:
            gdf = gdf.to_crs(WGS84)
        except Exception as exc:  # pyproj errors
            raise InputError(
                f"layer {layer!r}: cannot reproject from {gdf.crs} to WGS-84: {exc}", file=file
            ) from None
    geoms = gdf.geometry.to_numpy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    kinds = shapely.get_type_id(geoms)
    is_point = kinds == 0
    points: np.ndarray = np.asarray(np.where(is_point | missing, geoms, None), dtype=object)
    other = ~is_point & ~missing
    if other.any():
        points[other] = shapely.point_on_surface(geoms[other])
    lon = np.full(len(geoms), np.nan)
    lat = np.full(len(geoms), np.nan)
    ok = ~missing
    if ok.any():
        lon[ok] = shapely.get_x(points[ok])
        lat[ok] = shapely.get_y(points[ok])
    # attribute lon/lat columns: fall back to them where the geometry is missing, else keep in extra
    attr_lon = attr_lat = None
    for name in list(raw.columns):
        target = mapping.target_of(name)
        if target == "lon" and attr_lon is None:
            attr_lon = name
        elif target == "lat" and attr_lat is None:
            attr_lat = name
    geom_lon = pd.Series(lon, index=raw.index).astype("string").mask(np.isnan(lon))
    geom_lat = pd.Series(lat, index=raw.index).astype("string").mask(np.isnan(lat))
    if attr_lon is not None and attr_lat is not None and missing.any():
        geom_lon[missing] = raw.loc[missing, attr_lon]
        geom_lat[missing] = raw.loc[missing, attr_lat]
    raw = raw.rename(
        columns={name: f"attribute:{name}" for name in (attr_lon, attr_lat) if name is not None}
    )
    raw.insert(0, "lat", geom_lat)
    raw.insert(0, "lon", geom_lon)
    notes = None
    if other.any():
        notes = np.full(len(geoms), "", dtype=object)
        for i in np.flatnonzero(other):
            notes[i] = (
                f"geometry is a {geoms[i].geom_type}, expected a Point: placed at a point on its surface"
            )
    return raw, notes
