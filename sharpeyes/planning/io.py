"""Plain files of expansion planning: demand points and candidate sites in, plans and curves out.

The edge of :mod:`sharpeyes.planning`: the analyses (:mod:`~sharpeyes.planning.plans` and the
modules it uses) take and return frames and never import this module; the job and the command
call it.

- reading: :func:`demand_from_file`, :func:`candidates_from_file` — CSV (``lon``/``lat`` or
  ``经度``/``纬度`` columns) or point GeoJSON/GeoPackage/Shapefile; WGS-84 by default, GCJ-02/BD-09
  converted through :mod:`sharpeyes.model.crs`; every refusal an
  :class:`~sharpeyes._errors.InputError` naming file, row and field;
- writing: :func:`write_plan` (CSV, GeoJSON or Excel with Chinese headers) and :func:`plot_curve`
  (the coverage curve as a PNG, matplotlib).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sharpeyes._errors import InputError
from sharpeyes.model.columns import WGS84
from sharpeyes.model.crs import SOURCE_CRS, to_wgs84
from sharpeyes.model.geojson import feature_collection
from sharpeyes.model.jsonable import dumps
from sharpeyes.model.labels import cell_value, header
from sharpeyes.model.sheets import frames_to_xlsx, write_csv
from sharpeyes.planning.candidates import drop_duplicate_sites
from sharpeyes.planning.plans import PlanResult

__all__ = [
    "CURVE_HEADERS_ZH",
    "FORMATS",
    "KPI_LABELS_ZH",
    "SITE_HEADERS_ZH",
    "candidates_from_file",
    "demand_from_file",
    "output_format",
    "plot_curve",
    "write_plan",
]

#: Chinese headers of the site table (Excel export).
SITE_HEADERS_ZH: Final = {
    "rank": "建设顺序",
    "id": "候选点编号",
    "name": "点位名称",
    "kind": "候选来源",
    "camera_type": "摄像机类型",
    "point_class": "监控点位类型",
    "heading_deg": "监视方位角(度)",
    "fov_deg": "水平视场角(度)",
    "range_m": "监视距离(米)",
    "cost": "造价",
    "unit_code": "所属行政区划代码",
    "lon": "经度",
    "lat": "纬度",
    "marginal_gain": "新增覆盖权重",
    "cumulative_weight": "累计覆盖权重",
    "cumulative_share": "累计覆盖率",
}
CURVE_HEADERS_ZH: Final = {
    "cameras": "新建摄像机数",
    "covered_weight": "覆盖权重",
    "coverage_share": "覆盖率",
}

_LON_FIELDS: Final = ("lon", "lng", "longitude", "x", "经度")
_LAT_FIELDS: Final = ("lat", "latitude", "y", "纬度")
_ID_FIELDS: Final = ("id", "site_id", "candidate_id", "编号", "点位编号")
_WEIGHT_FIELDS: Final = ("weight", "权重")
_COST_FIELDS: Final = ("cost", "造价", "费用")


# -- reading ---------------------------------------------------------------------------------------


def _find(columns: Sequence[str], names: Sequence[str]) -> str | None:
    lower = {str(c).strip().lower(): str(c) for c in columns}
    for n in names:
        if n in lower:
            return lower[n]
    return None


Points = tuple[pd.DataFrame, NDArray[np.float64], NDArray[np.float64]]


def _read_points(
    path: str | Path, *, crs: str
) -> tuple[pd.DataFrame, NDArray[np.float64], NDArray[np.float64], str]:
    """Rows of a point file with lon/lat in WGS-84, and how rows are named ("row"/"feature")."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(2, "No such file", str(p))
    key = crs.strip().lower().replace("-", "").replace("_", "")
    if key not in {"wgs84", "cgcs2000", "gcj02", "bd09", "epsg4326", "epsg4490"}:
        raise InputError(
            f"unknown coordinate system: use one of {', '.join(SOURCE_CRS)}",
            field="--crs",
            value=crs,
        )
    if p.suffix.lower() in {".csv", ".txt", ".tsv"}:
        (frame, lon, lat), rows = _csv_points(p), "row"
    else:
        (frame, lon, lat), rows = _gis_points(p, key=key, crs=crs), "feature"
    out_of_range = np.flatnonzero((np.abs(lon) > 180) | (np.abs(lat) > 90))
    if len(out_of_range):
        i = int(out_of_range[0])
        raise InputError(
            f"{len(out_of_range)} point(s) outside longitude ±180 / latitude ±90: are x and y swapped "
            "or the file projected?",
            file=str(p),
            row=i + (2 if rows == "row" else 1),
            field="lon",
            value=f"{lon[i]}, {lat[i]}",
        )
    lon, lat = to_wgs84(lon, lat, key)
    return frame.reset_index(drop=True), np.asarray(lon), np.asarray(lat), rows


def _csv_points(p: Path) -> Points:
    """A CSV/TSV's rows without their lon/lat columns, and the lon/lat as numbers."""
    sep = "\t" if p.suffix.lower() == ".tsv" else ","
    try:
        frame = pd.read_csv(p, sep=sep, dtype=str, encoding="utf-8-sig")
    except UnicodeDecodeError:
        frame = pd.read_csv(p, sep=sep, dtype=str, encoding="gb18030")
    except pd.errors.EmptyDataError:
        raise InputError("the file is empty", file=str(p)) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    lon_col = _find(list(frame.columns), _LON_FIELDS)
    lat_col = _find(list(frame.columns), _LAT_FIELDS)
    if lon_col is None or lat_col is None:
        raise InputError(
            "no longitude/latitude columns (looked for lon/lng/longitude/经度 and lat/latitude/纬度)",
            file=str(p),
            field="lon" if lon_col is None else "lat",
        )
    lon = pd.to_numeric(frame[lon_col], errors="coerce").to_numpy(float)
    lat = pd.to_numeric(frame[lat_col], errors="coerce").to_numpy(float)
    bad = np.flatnonzero(~np.isfinite(lon) | ~np.isfinite(lat))
    if len(bad):
        i = int(bad[0])
        col = lon_col if not np.isfinite(lon[i]) else lat_col
        raise InputError(
            f"{len(bad)} row(s) without a numeric longitude/latitude",
            file=str(p),
            row=i + 2,
            field=col,
            value=frame[col].iloc[i],
        )
    return frame.drop(columns=[lon_col, lat_col]), lon, lat


def _gis_points(p: Path, *, key: str, crs: str) -> Points:
    """A GIS file's point features without geometry, and their lon/lat (WGS-84 unless GCJ-02/BD-09)."""
    try:
        gdf = gpd.read_file(p)
    except Exception as exc:
        raise InputError(f"cannot read as a GIS file: {exc}", file=str(p)) from None
    if len(gdf) == 0:
        raise InputError("the file has no features", file=str(p))
    if gdf.geometry.isna().any() or gdf.geometry.is_empty.any():
        i = int(np.flatnonzero((gdf.geometry.isna() | gdf.geometry.is_empty).to_numpy())[0])
        raise InputError("feature without geometry", file=str(p), row=i + 1, field="geometry")
    not_point = np.flatnonzero((gdf.geom_type != "Point").to_numpy())
    if len(not_point):
        i = int(not_point[0])
        raise InputError(
            "only point features can be demand points or candidate sites",
            file=str(p),
            row=i + 1,
            field="geometry",
            value=str(gdf.geom_type.iloc[i]),
        )
    if gdf.crs is not None and not gdf.crs.equals(gpd.GeoSeries([], crs=WGS84).crs):
        if key in {"gcj02", "bd09"}:
            raise InputError(
                f"the file declares {gdf.crs.to_string()}, not longitude/latitude: --crs {crs} "
                "applies to longitude/latitude only",
                file=str(p),
            )
        gdf = gdf.to_crs(WGS84)
    lon = gdf.geometry.x.to_numpy(float)
    lat = gdf.geometry.y.to_numpy(float)
    return pd.DataFrame(gdf.drop(columns=gdf.geometry.name)), lon, lat


def _row_no(i: int, rows: str) -> int:
    return i + (2 if rows == "row" else 1)


def demand_from_file(path: str | Path, *, crs: str = "wgs84") -> gpd.GeoDataFrame:
    """Demand points with a ``weight`` (≥ 0) from a CSV (lon/lat columns) or GIS file.

    Parameters
    ----------
    path
        CSV (``lon``/``lat`` or ``经度``/``纬度`` and ``weight``/``权重`` columns) or a point
        GeoJSON/GeoPackage/Shapefile with a ``weight`` property.
    crs
        Coordinate system of the longitude/latitude: ``wgs84`` (default), ``cgcs2000``, ``gcj02``
        (Amap, Tencent) or ``bd09`` (Baidu); converted to WGS-84.

    Returns
    -------
    GeoDataFrame
        EPSG:4326 points, columns ``weight``, ``row`` (row or feature number in the file) and the
        file's other columns.

    Raises
    ------
    InputError
        No weight column, a weight that is not a number or negative (naming file, row and field),
        or a total weight of zero.
    """
    frame, lon, lat, rows = _read_points(path, crs=crs)
    wcol = _find(list(frame.columns), _WEIGHT_FIELDS)
    if wcol is None:
        raise InputError("no weight column", file=str(path), field="weight")
    raw = frame[wcol]
    weight = pd.to_numeric(raw, errors="coerce").to_numpy(float)
    bad = np.flatnonzero(~np.isfinite(weight) | (weight < 0))
    if len(bad):
        i = int(bad[0])
        raise InputError(
            f"weight must be a number >= 0 ({len(bad)} row(s) are not)",
            file=str(path),
            row=_row_no(i, rows),
            field=wcol,
            value=raw.iloc[i],
        )
    if weight.sum() <= 0:
        raise InputError(
            "every demand weight is zero: there is nothing to cover", file=str(path), field=wcol
        )
    out = frame.drop(columns=[wcol]).copy()
    out.insert(0, "weight", weight)
    out.insert(1, "row", [_row_no(i, rows) for i in range(len(out))])
    return gpd.GeoDataFrame(out, geometry=gpd.points_from_xy(lon, lat), crs=WGS84)


def candidates_from_file(path: str | Path, *, crs: str = "wgs84") -> gpd.GeoDataFrame:
    """Candidate sites with a unique ``id`` from a CSV (lon/lat columns) or GIS file.

    Optional columns: ``cost`` (> 0), ``camera_type``, ``point_class``, ``heading_deg``,
    ``fov_deg``, ``range_m``, ``name`` (used by city plans). Coordinates as in
    :func:`demand_from_file`.

    Returns
    -------
    GeoDataFrame
        EPSG:4326 points, columns ``id`` (text), ``row`` and the file's other columns.
        ``attrs["duplicates"]`` lists ``{"id", "row", "same_as"}`` for sites dropped because an
        earlier row is at the same place (within 0.5 m) with the same field of view.

    Raises
    ------
    InputError
        No id column, a blank or repeated id, or a cost that is not a positive number.
    """
    frame, lon, lat, rows = _read_points(path, crs=crs)
    icol = _find(list(frame.columns), _ID_FIELDS)
    if icol is None:
        raise InputError("no id column", file=str(path), field="id")
    ids = frame[icol].astype("string").str.strip()
    blank = np.flatnonzero(ids.isna().to_numpy() | (ids.fillna("") == "").to_numpy())
    if len(blank):
        raise InputError(
            "blank candidate id", file=str(path), row=_row_no(int(blank[0]), rows), field=icol
        )
    first_row: dict[str, int] = {}
    for i, v in enumerate(ids.tolist()):
        if v in first_row:
            raise InputError(
                f"candidate id repeated (first at row {_row_no(first_row[v], rows)})",
                file=str(path),
                row=_row_no(i, rows),
                field=icol,
                value=v,
            )
        first_row[v] = i
    out = frame.drop(columns=[icol]).copy()
    out.insert(0, "id", ids.astype(str).to_numpy())
    out.insert(1, "row", [_row_no(i, rows) for i in range(len(out))])
    ccol = _find(list(out.columns), _COST_FIELDS)
    if ccol is not None:
        cost = pd.to_numeric(out[ccol], errors="coerce").to_numpy(float)
        bad = np.flatnonzero(~np.isfinite(cost) | (cost <= 0))
        if len(bad):
            i = int(bad[0])
            raise InputError(
                "cost must be a number > 0",
                file=str(path),
                row=_row_no(i, rows),
                field=ccol,
                value=out[ccol].iloc[i],
            )
        out = out.drop(columns=[ccol])
        out["cost"] = cost
    gdf = gpd.GeoDataFrame(out, geometry=gpd.points_from_xy(lon, lat), crs=WGS84)
    return drop_duplicate_sites(gdf)


# -- writing ---------------------------------------------------------------------------------------

Format = Literal["csv", "geojson", "gpkg", "xlsx"]
FORMATS: Final = ("csv", "geojson", "gpkg", "xlsx")
#: Layer name of the planned sites in a GeoPackage.
GPKG_LAYER: Final = "plan_sites"


def output_format(out: str | Path, fmt: str | None) -> str:
    """``fmt`` or the format named by ``out``'s suffix."""
    if fmt:
        key = fmt.lower().lstrip(".")
    else:
        key = Path(out).suffix.lower().lstrip(".")
        key = {"json": "geojson", "xls": "xlsx"}.get(key, key)
    if key not in FORMATS:
        raise InputError(
            f"unknown output format: use {', '.join(FORMATS)} "
            "(or a file ending .csv/.geojson/.gpkg/.xlsx)",
            field="--format",
            value=fmt or str(out),
        )
    return key


def _site_table(sites: gpd.GeoDataFrame) -> pd.DataFrame:
    table = pd.DataFrame(sites.drop(columns=sites.geometry.name))
    for c in table.columns:
        if table[c].dtype == object:
            table[c] = table[c].map(
                lambda v: v if isinstance(v, (str, int, float, type(None))) else str(v)
            )
    first = [c for c in SITE_HEADERS_ZH if c in table.columns]
    return table[first + [c for c in table.columns if c not in first]]


def _kpi_table(before: Mapping[str, Any], after: Mapping[str, Any]) -> pd.DataFrame:
    rows = []
    for key in before:
        if (
            key in after
            and isinstance(before[key], (int, float))
            and not isinstance(before[key], bool)
        ):
            rows.append(
                {
                    "指标": KPI_LABELS_ZH.get(key) or header(key),
                    "现状": before[key],
                    "规划后": after[key],
                }
            )
    return pd.DataFrame(rows, columns=["指标", "现状", "规划后"])


def _in_chinese(table: pd.DataFrame, headers: Mapping[str, str]) -> pd.DataFrame:
    """``table`` for a Chinese sheet: ``headers`` first, else :mod:`sharpeyes.model.labels`;
    coded values (site source, camera type, point class) as their Chinese labels."""
    out = pd.DataFrame(
        {c: pd.Series([cell_value(str(c), v) for v in table[c]], dtype=object) for c in table}
    )
    return out.rename(columns={c: headers.get(str(c)) or header(str(c)) for c in out.columns})


KPI_LABELS_ZH: Final = {
    "village_coverage": "行政村覆盖率",
    "place_coverage": "重点部位覆盖率",
    "road_coverage": "重点道路覆盖率",
    "population_coverage": "人口覆盖率",
    "weighted_coverage": "加权覆盖率",
    "villages": "行政村数",
    "villages_covered": "已覆盖行政村数",
    "places": "重点部位数",
    "places_covered": "已覆盖重点部位数",
    "road_km": "重点道路里程(公里)",
    "road_covered_km": "已覆盖道路里程(公里)",
    "cameras": "摄像机数",
}


def write_plan(result: PlanResult, out: str | Path, *, fmt: str | None = None) -> dict[str, str]:
    """Write the plan to ``out`` (CSV: sites; GeoJSON: sites as points with the plan's figures in
    the collection; GeoPackage: the sites as layer ``plan_sites``, EPSG:4326; Excel: sheets 规划点位 / 覆盖曲线 / 指标对比 with Chinese headers) and the curve
    as a PNG beside it (``<stem>_curve.png``). Returns the paths written by role.

    Text cells stay text (:mod:`sharpeyes.model.sheets`): a site named ``=HYPERLINK(…)`` in a
    candidate file reaches the spreadsheet as that text, never as a formula."""
    path = Path(out)
    kind = output_format(path, fmt)
    if path.parent and not path.parent.exists():
        raise InputError("the output folder does not exist", file=str(path.parent))
    written: dict[str, str] = {}
    table = _site_table(result.sites)
    if kind == "csv":
        write_csv(table, path)
    elif kind == "gpkg":
        sites = gpd.GeoDataFrame(
            table, geometry=result.sites.to_crs(WGS84).geometry.to_numpy(), crs=WGS84
        )
        if path.exists():
            path.unlink()  # a GeoPackage is a database: replace it, never add a second layer
        sites.to_file(path, driver="GPKG", layer=GPKG_LAYER)
    elif kind == "geojson":
        doc = feature_collection(result.sites.to_crs(WGS84))
        meta = result.document()
        doc["plan"] = {k: v for k, v in meta.items() if k != "sites"}
        path.write_text(dumps(doc), encoding="utf-8")
    else:
        sheets = {
            "规划点位": _in_chinese(table, SITE_HEADERS_ZH),
            "覆盖曲线": _in_chinese(pd.DataFrame(result.curve), CURVE_HEADERS_ZH),
            "指标对比": _kpi_table(result.before, result.after),
        }
        frames_to_xlsx(sheets, path)
    written[kind] = str(path)
    png = path.with_name(f"{path.stem}_curve.png")
    plot_curve(result, png)
    written["curve_png"] = str(png)
    return written


def plot_curve(result: PlanResult, path: str | Path) -> None:
    """Coverage (share of the total demand weight, %) against the number of new cameras, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4.2), dpi=110)
    ax = fig.add_subplot()
    ks = [c["cameras"] for c in result.curve]
    share = [100 * c["coverage_share"] for c in result.curve]
    ax.plot(ks, share, marker="o" if len(ks) <= 40 else None, markersize=3, color="#1f77b4")
    bound = result.solver.get("upper_bound")
    if bound and result.total_weight:
        ax.axhline(
            100 * bound / result.total_weight,
            color="#999999",
            linestyle="--",
            linewidth=1,
            label="proven upper bound for this budget",
        )
        ax.legend(loc="lower right", fontsize=8)
    ax.set_xlabel("new cameras (in build order)")
    ax.set_ylabel("demand weight covered (%)")
    ax.set_title("Expansion plan: coverage curve")
    ax.grid(True, alpha=0.3)
    ax.set_xlim(left=0)
    fig.tight_layout()
    fig.savefig(str(path))
