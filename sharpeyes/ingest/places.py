"""Key places (重点部位) and key roads from files, with categories and road classes normalised.

Places: GeoJSON, GeoPackage, Shapefile, CSV (``lon``/``lat`` columns or a ``wkt`` column), or
OpenStreetMap (``.osm``/``.pbf``, read through GDAL's OSM driver: amenity, shop, tourism, railway
and office tags mapped to categories). Categories are the keys of
:data:`sharpeyes.model.codes.PLACE_CATEGORIES` (school, hospital, station, square, mall, scenic,
bank, government, market, other); Chinese and English words are recognised
(:func:`place_category`), anything else becomes ``other`` and keeps its original text in
``category_raw``.

Roads: the same vector formats, CSV with a ``wkt`` column, or OSM ``highway=*`` lines. Classes are
the keys of :data:`sharpeyes.model.codes.ROAD_CLASSES` (motorway, trunk = national road 国道,
primary = provincial road 省道, secondary = county road 县道, tertiary = township road 乡道,
residential = village road, other); Chinese route numbers (G/S/X/Y + digits) are read too.

Every frame is returned in EPSG:4326 with :data:`~sharpeyes.model.columns.PLACE_COLUMNS` /
:data:`~sharpeyes.model.columns.ROAD_COLUMNS` first, and a rejects frame
(:data:`~sharpeyes.model.columns.REJECT_COLUMNS`) for rows that could not be used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from sharpeyes._errors import InputError
from sharpeyes.ingest.reproject import frame_to_wgs84
from sharpeyes.model.columns import PLACE_COLUMNS, REJECT_COLUMNS, ROAD_COLUMNS, WGS84

__all__ = [
    "Layer",
    "place_category",
    "places_from_file",
    "road_class",
    "roads_from_file",
]

_PLACE_WORDS: Final = (
    (
        "school",
        (
            "school",
            "学校",
            "小学",
            "中学",
            "幼儿园",
            "kindergarten",
            "college",
            "university",
            "大学",
            "学院",
            "校",
        ),
    ),
    ("hospital", ("hospital", "医院", "卫生院", "clinic", "诊所", "卫生室", "医疗")),
    (
        "station",
        ("station", "车站", "火车站", "汽车站", "客运站", "bus_station", "地铁站", "高铁站", "站"),
    ),
    ("square", ("square", "广场", "plaza")),
    ("mall", ("mall", "商场", "购物中心", "超市", "supermarket", "department_store", "商厦")),
    (
        "scenic",
        (
            "scenic",
            "景区",
            "景点",
            "attraction",
            "theme_park",
            "viewpoint",
            "公园",
            "park",
            "风景区",
        ),
    ),
    ("bank", ("bank", "银行", "信用社", "atm")),
    (
        "government",
        (
            "government",
            "党政机关",
            "政府",
            "townhall",
            "police",
            "公安",
            "派出所",
            "courthouse",
            "委员会",
            "村委会",
        ),
    ),
    ("market", ("market", "集贸市场", "marketplace", "市场", "集市")),
    ("other", ("other", "其他", "其它")),
)

_ROAD_WORDS: Final = {
    "motorway": "motorway",
    "高速公路": "motorway",
    "高速": "motorway",
    "trunk": "trunk",
    "国道": "trunk",
    "national": "trunk",
    "primary": "primary",
    "省道": "primary",
    "主干道": "primary",
    "provincial": "primary",
    "secondary": "secondary",
    "县道": "secondary",
    "次干道": "secondary",
    "county": "secondary",
    "tertiary": "tertiary",
    "乡道": "tertiary",
    "township": "tertiary",
    "residential": "residential",
    "村道": "residential",
    "街巷": "residential",
    "unclassified": "residential",
    "living_street": "residential",
    "service": "residential",
    "village": "residential",
    "other": "other",
    "其他": "other",
}
_ROUTE: Final = re.compile(r"^([gsxyGSXY])\d{1,4}$")


def place_category(value: object) -> str | None:
    """Category key from a word (学校, 医院, bank, bus_station …); ``None`` if blank, ``"other"`` if unknown."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    text = str(value).strip().lower()
    if not text:
        return None
    for key, words in _PLACE_WORDS:
        if text == key or text in words:
            return key
    for key, words in _PLACE_WORDS:
        if any(len(w) > 1 and w in text for w in words):
            return key
    return "other"


def road_class(value: object) -> str | None:
    """Road class key from an OSM highway tag, a Chinese class word or a route number (G102, S201,
    X015, Y003); ``None`` if blank, ``"other"`` if unknown."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    text = str(value).strip()
    if not text:
        return None
    low = text.lower().removesuffix("_link")
    if low in _ROAD_WORDS:
        return _ROAD_WORDS[low]
    m = _ROUTE.match(text)
    if m:
        return {"g": "trunk", "s": "primary", "x": "secondary", "y": "tertiary"}[m.group(1).lower()]
    return "other"


@dataclass
class Layer:
    """A reference layer read from a file and the rows refused on the way."""

    frame: gpd.GeoDataFrame
    rejects: pd.DataFrame

    def summary(self) -> dict[str, object]:
        return {"rows": len(self.frame), "refused": len(self.rejects)}


def _reject(
    file: str, row: int, column: str | None, value: object, reason: str
) -> dict[str, object]:
    return {
        "file": file,
        "sheet": None,
        "row": row,
        "column": column,
        "value": None if value is None else str(value),
        "reason": reason,
    }


def _find(
    columns: list[str], wanted: str | None, candidates: tuple[str, ...], file: str
) -> str | None:
    if wanted:
        if wanted not in columns:
            raise InputError(
                f"field {wanted!r} is not a column (columns: {', '.join(columns)})",
                file=file,
                field=wanted,
            )
        return wanted
    lower = {c.lower(): c for c in columns}
    for cand in candidates:
        if cand.lower() in lower:
            return lower[cand.lower()]
    return None


_OSM_PLACE_TAGS: Final = (
    "amenity",
    "shop",
    "tourism",
    "railway",
    "public_transport",
    "office",
    "place",
    "leisure",
)


def _read_osm(path: Path, layers: tuple[str, ...]) -> gpd.GeoDataFrame:
    frames = []
    for layer in layers:
        try:
            frame = gpd.read_file(path, layer=layer)
        except Exception as exc:
            raise InputError(f"cannot read OSM layer {layer!r}: {exc}", file=str(path)) from exc
        if "other_tags" in frame:
            tags = frame["other_tags"].fillna("").astype(str)
            for key in _OSM_PLACE_TAGS:
                if key not in frame:
                    frame[key] = tags.str.extract(rf'"{key}"=>"([^"]*)"', expand=False)
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True) if frames else gpd.GeoDataFrame()
    return gpd.GeoDataFrame(out, geometry="geometry", crs=frames[0].crs if frames else WGS84)


def _read_table(path: Path, file: str) -> gpd.GeoDataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    cols = list(frame.columns)
    wkt = _find(cols, None, ("wkt", "geometry", "geom"), file)
    if wkt is not None:
        geo = gpd.GeoSeries.from_wkt(frame[wkt].fillna(""), on_invalid="ignore")
        return gpd.GeoDataFrame(frame.drop(columns=[wkt]), geometry=geo.to_numpy(), crs=None)
    lon = _find(cols, None, ("lon", "lng", "longitude", "x", "经度"), file)
    lat = _find(cols, None, ("lat", "latitude", "y", "纬度"), file)
    if lon is None or lat is None:
        raise InputError("a CSV needs lon/lat (经度/纬度) columns or a wkt column", file=file)
    x = pd.to_numeric(frame[lon], errors="coerce")
    y = pd.to_numeric(frame[lat], errors="coerce")
    ok = (x.notna() & y.notna()).to_numpy(dtype=bool)
    geo = np.asarray(gpd.points_from_xy(x, y), dtype=object)
    geo[~ok] = None
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geo), crs=None)


def _read(path: Path, osm_layers: tuple[str, ...]) -> tuple[gpd.GeoDataFrame, int]:
    from sharpeyes.ingest.archives import check_archive

    if not path.exists():
        raise FileNotFoundError(2, "No such file", str(path))
    check_archive(path)
    suffix = (
        "".join(path.suffixes[-2:]).lower()
        if path.suffix.lower() == ".pbf"
        else path.suffix.lower()
    )
    if suffix in {".osm", ".pbf", ".osm.pbf"}:
        return _read_osm(path, osm_layers), 1
    if suffix in {".csv", ".txt"}:
        return _read_table(path, str(path)), 2
    try:
        return gpd.read_file(path), 1
    except Exception as exc:
        raise InputError(f"cannot read as a GIS file: {exc}", file=str(path)) from exc


def _ids_and_names(
    raw: pd.DataFrame, id_col: str | None, name_col: str | None, *, path: Path, first_row: int
) -> tuple[Any, Any]:
    """Id and name columns of a places or roads file; ids made from file stem and row where absent."""
    ids = (
        raw[id_col].astype(str).to_numpy()
        if id_col is not None
        else np.array([f"{path.stem}-{i + first_row}" for i in range(len(raw))])
    )
    names = raw[name_col].astype(object).to_numpy() if name_col else [None] * len(raw)
    return pd.array(ids, dtype="string"), pd.array(names, dtype="string")


def _raw_categories(raw: gpd.GeoDataFrame, cat_col: str | None) -> pd.Series:
    """The category column as written; for OSM, the first of the amenity/shop/tourism/… tags."""
    if cat_col is not None:
        categories: pd.Series = raw[cat_col].astype(object)
        return categories
    raw_cat = pd.Series([None] * len(raw), dtype=object)
    for key in _OSM_PLACE_TAGS:
        if key in raw:
            raw_cat = raw_cat.where(raw_cat.notna(), raw[key].astype(object))
    return raw_cat


def _usable_places(
    geo: np.ndarray,
    categories: list[str | None],
    cat_col: str | None,
    *,
    is_osm: bool,
    file: str,
    first_row: int,
) -> tuple[np.ndarray, list[dict[str, object]]]:
    """Which rows become places, and the rejects: no geometry refuses a row; a blank category
    imports it as ``other`` (reported), except from OSM, where untagged features are not places."""
    missing = shapely.is_missing(geo) | shapely.is_empty(geo)
    rejects = [
        _reject(
            file, int(i) + first_row, None, None, "no geometry (no position): place not imported"
        )
        for i in np.flatnonzero(missing)
    ]
    keep = ~missing
    blank = np.array([c is None for c in categories], dtype=bool)
    if is_osm:
        keep &= ~blank
    else:
        rejects += [
            _reject(file, int(i) + first_row, cat_col, None, "blank category: imported as 'other'")
            for i in np.flatnonzero(~missing & blank)
        ]
    return keep, rejects


def places_from_file(
    path: str | Path,
    *,
    category_field: str | None = None,
    name_field: str | None = None,
    id_field: str | None = None,
    crs: str = "wgs84",
) -> Layer:
    """Read key places.

    Parameters
    ----------
    path
        GeoJSON/GPKG/Shapefile, CSV (lon/lat or wkt) or OSM (.osm/.osm.pbf).
    category_field
        Column with the category; default ``category``/``type``/``类别``/``类型``, or the OSM tags.
    name_field, id_field
        Columns with the name and a stable id; default ``name``/``名称`` and ``place_id``/``id``.
    crs
        ``wgs84`` (default), ``gcj02``, ``bd09`` or ``EPSG:xxxx`` for files that do not state it.

    Returns
    -------
    Layer
        ``frame``: :data:`PLACE_COLUMNS` + ``category_raw``, EPSG:4326, points (polygons kept as
        read; coverage uses a point on their surface). ``rejects``: rows without geometry.
    """
    path = Path(path)
    file = str(path)
    raw, first_row = _read(path, ("points", "multipolygons"))
    raw = frame_to_wgs84(raw, crs, file)
    cols = [c for c in raw.columns if c != raw.geometry.name]
    is_osm = path.suffix.lower() in {".osm", ".pbf"}
    cat_col = (
        None  # OSM: the category comes from the amenity/shop/tourism/… tags
        if is_osm and category_field is None
        else _find(cols, category_field, ("category", "type", "类别", "类型", "分类", "kind"), file)
    )
    name_col = _find(cols, name_field, ("name", "名称", "name_zh", "name:zh"), file)
    id_col = _find(cols, id_field, ("place_id", "id", "osm_id", "编号"), file)
    if cat_col is None and not is_osm:
        raise InputError("no category column found: give --category-field", file=file)
    raw_cat = _raw_categories(raw, cat_col)
    categories = [place_category(v) for v in raw_cat]
    geo = raw.geometry.to_numpy()
    keep, rejects = _usable_places(
        geo, categories, cat_col, is_osm=is_osm, file=file, first_row=first_row
    )
    ids, names = _ids_and_names(raw, id_col, name_col, path=path, first_row=first_row)
    frame = gpd.GeoDataFrame(
        {
            "place_id": ids,
            "name": names,
            "category": pd.array([c or "other" for c in categories], dtype="string"),
            "category_raw": pd.array(
                [None if v is None or v != v else str(v) for v in raw_cat], dtype="string"
            ),
        },
        geometry=gpd.GeoSeries(geo, crs=WGS84),
        crs=WGS84,
    )[keep].reset_index(drop=True)
    dup = frame["place_id"].duplicated()
    if dup.any():
        frame.loc[dup, "place_id"] = (
            frame.loc[dup, "place_id"]
            + "-"
            + pd.Series(np.flatnonzero(dup.to_numpy()), index=frame.index[dup]).astype(str)
        )
    frame = frame[[*PLACE_COLUMNS[:-1], "category_raw", "geometry"]]
    return Layer(frame=frame, rejects=pd.DataFrame(rejects, columns=list(REJECT_COLUMNS)))


def roads_from_file(
    path: str | Path,
    *,
    class_field: str | None = None,
    name_field: str | None = None,
    id_field: str | None = None,
    crs: str = "wgs84",
) -> Layer:
    """Read key roads (lines).

    Parameters
    ----------
    path
        GeoJSON/GPKG/Shapefile, CSV with a ``wkt`` column, or OSM (.osm/.osm.pbf, ``highway=*``).
    class_field
        Column with the road class; default ``road_class``/``class``/``highway``/``等级``/``道路等级``.
    crs
        As for :func:`places_from_file`.

    Returns
    -------
    Layer
        ``frame``: :data:`ROAD_COLUMNS` + ``class_raw``, EPSG:4326 lines; ``rejects``: rows without
        line geometry.
    """
    path = Path(path)
    file = str(path)
    raw, first_row = _read(path, ("lines",))
    raw = frame_to_wgs84(raw, crs, file)
    cols = [c for c in raw.columns if c != raw.geometry.name]
    cls_col = _find(
        cols,
        class_field,
        ("road_class", "class", "highway", "等级", "道路等级", "技术等级", "fclass", "ref"),
        file,
    )
    name_col = _find(cols, name_field, ("name", "名称", "路名", "道路名称"), file)
    id_col = _find(cols, id_field, ("road_id", "id", "osm_id", "编号"), file)
    if cls_col is None:
        raise InputError("no road class column found: give --class-field", file=file)
    classes = [road_class(v) for v in raw[cls_col]]
    geo = raw.geometry.to_numpy()
    lines = np.isin(shapely.get_type_id(geo), [1, 5])
    rejects = []
    keep = lines.copy()
    for i in np.flatnonzero(~lines):
        kind = (
            "no geometry"
            if shapely.is_missing(geo[i])
            else f"geometry is a {geo[i].geom_type}, expected a LineString or MultiLineString"
        )
        rejects.append(_reject(file, int(i) + first_row, None, None, f"{kind}: road not imported"))
    is_osm = path.suffix.lower() in {".osm", ".pbf"}
    if is_osm:
        keep &= np.array([c is not None for c in classes])
    ids, names = _ids_and_names(raw, id_col, name_col, path=path, first_row=first_row)
    frame = gpd.GeoDataFrame(
        {
            "road_id": ids,
            "name": names,
            "road_class": pd.array([c or "other" for c in classes], dtype="string"),
            "class_raw": pd.array(
                [None if v is None or v != v else str(v) for v in raw[cls_col]], dtype="string"
            ),
        },
        geometry=gpd.GeoSeries(geo, crs=WGS84),
        crs=WGS84,
    )[keep].reset_index(drop=True)
    frame = frame[[*ROAD_COLUMNS[:-1], "class_raw", "geometry"]]
    return Layer(frame=frame, rejects=pd.DataFrame(rejects, columns=list(REJECT_COLUMNS)))
