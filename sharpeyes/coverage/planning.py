"""Expansion planning: where the next N cameras close the most coverage gaps.

Two kinds of instance, one solver (:class:`sharpeyes.coverage.solvers.MaximalCoverage`):

- **plain** (:func:`plan_points`): demand points with a ``weight`` and candidate points with an
  ``id``, read by :func:`demand_from_file` / :func:`candidates_from_file` (CSV with lon/lat, or
  GeoJSON/GeoPackage; WGS-84 by default, GCJ-02/BD-09 converted through
  :mod:`sharpeyes.model.crs`); a candidate covers the demand within ``radius_m`` metres.
- **city** (:func:`plan_city`): demand built from the inventory's gaps (:func:`demand_items`) and
  candidates generated or read (:mod:`sharpeyes.coverage.candidates`); each candidate covers what
  its field of view (:func:`sharpeyes.coverage.fov.fov_sectors`) reaches.

Distances and fields of view are measured in the metric CRS of
:func:`sharpeyes.coverage.fov.metric_crs`; everything returned is in WGS-84 (EPSG:4326).

Demand weights of a city plan (:data:`DEMAND_WEIGHTS`; every figure can be overridden)::

    kind         one item is                         weight                       covered when
    village      a village without a networked       100 per village              a new site lies
                 camera                                                           inside the village
    place        a key place outside every view      category priority            it lies in the site's
                                                     (school/hospital/station 30,  field of view
                                                     bank/government/square 20,
                                                     mall/scenic/market 15, other 10)
    road         a piece (<= 50 m) of a key road     road-class weight per km ×   its midpoint lies in
                                                     length in km (trunk 8,        the field of view
                                                     primary 6, motorway 5,
                                                     secondary 4, tertiary 3,
                                                     residential 2, other 1)
    population   a cell (250 m) of a village or      residents / 1,000 × 10       its centre lies in
                 unit with a population              (10 per thousand people)     the field of view

What existing networked cameras already cover is demand already met: it counts in the "before"
figures and adds nothing to a plan.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from sharpeyes._errors import InputError
from sharpeyes.coverage.solvers import MaximalCoverage, Method, coverage_matrix_from_radius
from sharpeyes.model.columns import WGS84
from sharpeyes.model.crs import SOURCE_CRS, to_wgs84

log = logging.getLogger(__name__)

__all__ = [
    "DEMAND_WEIGHTS",
    "SITE_HEADERS_ZH",
    "PlanResult",
    "candidates_from_file",
    "demand_from_file",
    "plan_points",
    "plot_curve",
    "write_plan",
]

#: Weights of each demand kind (see the module docstring).
DEMAND_WEIGHTS: Final[dict[str, Any]] = {
    "village": 100.0,
    "place": {
        "school": 30.0,
        "hospital": 30.0,
        "station": 30.0,
        "bank": 20.0,
        "government": 20.0,
        "square": 20.0,
        "mall": 15.0,
        "scenic": 15.0,
        "market": 15.0,
        "other": 10.0,
    },
    "road_per_km": {
        "motorway": 5.0,
        "trunk": 8.0,
        "primary": 6.0,
        "secondary": 4.0,
        "tertiary": 3.0,
        "residential": 2.0,
        "other": 1.0,
    },
    "population_per_1000": 10.0,
}

#: Two sites closer than this (metres) are the same site.
DUPLICATE_SITE_M: Final = 0.5

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
    suffix = p.suffix.lower()
    if suffix in {".csv", ".txt", ".tsv"}:
        try:
            frame = pd.read_csv(
                p, sep="\t" if suffix == ".tsv" else ",", dtype=str, encoding="utf-8-sig"
            )
        except UnicodeDecodeError:
            frame = pd.read_csv(
                p, sep="\t" if suffix == ".tsv" else ",", dtype=str, encoding="gb18030"
            )
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
        rows = "row"
        frame = frame.drop(columns=[lon_col, lat_col])
    else:
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
        frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
        rows = "feature"
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


def drop_duplicate_sites(candidates: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Drop sites within 0.5 m of an earlier one with the same field of view; listed in
    ``attrs["duplicates"]`` (``id``, ``row``, ``same_as``)."""
    from scipy.spatial import cKDTree

    from sharpeyes.coverage.fov import metric_crs

    if len(candidates) < 2:
        candidates.attrs["duplicates"] = []
        return candidates
    crs = metric_crs(candidates)
    pts = candidates.geometry.to_crs(crs)
    xy = np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])
    pairs = cKDTree(xy).query_pairs(DUPLICATE_SITE_M, output_type="ndarray")
    fov_cols = [c for c in ("camera_type", "heading_deg", "fov_deg", "range_m") if c in candidates]
    drop: dict[int, int] = {}
    for a, b in sorted((int(min(x, y)), int(max(x, y))) for x, y in pairs):
        if a in drop:
            continue
        same_view = all(str(candidates[c].iloc[a]) == str(candidates[c].iloc[b]) for c in fov_cols)
        if same_view and b not in drop:
            drop[b] = a
    ids = candidates["id"].tolist()
    rows = candidates["row"].tolist() if "row" in candidates else list(range(len(candidates)))
    dups = [{"id": ids[b], "row": rows[b], "same_as": ids[a]} for b, a in sorted(drop.items())]
    kept = candidates.drop(index=candidates.index[sorted(drop)]).copy()
    kept.attrs["duplicates"] = dups
    return kept


# -- plain instance ----------------------------------------------------------------------------------


@dataclass
class PlanResult:
    """A plan: ranked sites (EPSG:4326), the coverage curve, the solver's report, notes."""

    sites: gpd.GeoDataFrame
    curve: list[dict[str, float]]
    solver: dict[str, Any]
    covered_weight: float
    total_weight: float
    notes: list[str] = field(default_factory=list)
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def document(self) -> dict[str, Any]:
        """The plan as a JSON-ready dict (``sites`` as a GeoJSON FeatureCollection)."""
        import json

        sites = json.loads(self.sites.to_crs(WGS84).to_json(na="null", drop_id=True))
        return {
            "selected": self.sites["id"].tolist(),
            "covered_weight": self.covered_weight,
            "total_weight": self.total_weight,
            "coverage_share": self.covered_weight / self.total_weight
            if self.total_weight
            else None,
            "upper_bound": self.solver.get("upper_bound"),
            "method": self.solver.get("method"),
            "status": self.solver.get("status"),
            "sites": sites,
            "curve": self.curve,
            "before": self.before,
            "after": self.after,
            "solver": {k: v for k, v in self.solver.items() if k not in {"selected", "gains"}},
            "notes": self.notes,
            **self.extra,
        }


def result_from_model(
    model: MaximalCoverage, candidates: gpd.GeoDataFrame, *, notes: Sequence[str] = ()
) -> PlanResult:
    """Ranked sites (with marginal gain and running totals) and the curve of a solved model."""
    order = model.selected
    sites = candidates.iloc[order].copy().to_crs(WGS84)
    total = model.total_weight
    cumulative = np.asarray(model.curve[1:], dtype=float)
    sites.insert(0, "rank", np.arange(1, len(order) + 1))
    sites["lon"] = sites.geometry.x.round(7)
    sites["lat"] = sites.geometry.y.round(7)
    sites["marginal_gain"] = np.asarray(model.gains, dtype=float)
    sites["cumulative_weight"] = cumulative
    sites["cumulative_share"] = cumulative / total if total else np.nan
    sites = sites.drop(columns=[c for c in ("row",) if c in sites])
    curve = [
        {
            "cameras": k,
            "covered_weight": float(v),
            "coverage_share": float(v / total) if total else float("nan"),
        }
        for k, v in enumerate(model.curve)
    ]
    return PlanResult(
        sites=sites.reset_index(drop=True),
        curve=curve,
        solver=model.summary(),
        covered_weight=float(model.covered_weight),
        total_weight=float(total),
        notes=[*notes, *model.notes],
    )


def plan_points(
    demand: gpd.GeoDataFrame,
    candidates: gpd.GeoDataFrame,
    *,
    budget: int | None,
    radius_m: float,
    cost_budget: float | None = None,
    method: Method = "auto",
    time_limit_s: float = 30.0,
) -> PlanResult:
    """Choose up to ``budget`` candidate sites covering the most demand weight within ``radius_m``.

    Parameters
    ----------
    demand
        Points with ``weight`` (:func:`demand_from_file`), any CRS.
    candidates
        Points with ``id`` (:func:`candidates_from_file`), any CRS.
    budget
        Number of sites (≥ 1). A budget above the number of candidates is capped (with a note).
    cost_budget
        Total cost the sites may not exceed (candidates need a ``cost``); with or without
        ``budget``.
    radius_m
        Coverage radius in metres (> 0): a demand point at distance ≤ ``radius_m`` is covered.
    method
        Solver method (:meth:`MaximalCoverage.solve`): ``auto`` or ``exact`` (prove optimality).

    Returns
    -------
    PlanResult
        ``document()`` gives ``selected`` (ids in the order chosen), ``covered_weight``,
        ``total_weight`` and the rest.
    """
    from sharpeyes.coverage.fov import metric_crs

    if not np.isfinite(radius_m) or radius_m <= 0:
        raise InputError(
            "radius must be a number of metres > 0", field="--radius-m", value=radius_m
        )
    if len(candidates) == 0:
        raise InputError("there are no candidate sites", field="candidates")
    if len(demand) == 0:
        raise InputError("there are no demand points", field="demand")
    notes: list[str] = []
    dups = candidates.attrs.get("duplicates") or []
    if dups:
        notes.append(
            f"{len(dups)} duplicate candidate site(s) dropped: "
            + ", ".join(f"{d['id']} (= {d['same_as']})" for d in dups[:5])
            + (" …" if len(dups) > 5 else "")
        )
    zero = int((demand["weight"].to_numpy(float) == 0).sum())
    if zero:
        notes.append(f"{zero} demand point(s) have weight 0 and count for nothing")
    crs = metric_crs(pd.concat([demand.geometry.to_crs(WGS84), candidates.geometry.to_crs(WGS84)]))
    d = demand.geometry.to_crs(crs)
    c = candidates.geometry.to_crs(crs)
    matrix = coverage_matrix_from_radius(
        np.column_stack([c.x, c.y]), np.column_stack([d.x, d.y]), radius_m
    )
    costs = candidates["cost"].to_numpy(float) if "cost" in candidates else None
    model = MaximalCoverage.from_coverage_matrix(
        matrix,
        demand["weight"].to_numpy(float),
        budget=budget,
        costs=costs,
        cost_budget=cost_budget,
        candidate_ids=candidates["id"].tolist(),
        name="plain",
    ).solve(method, time_limit_s=time_limit_s)
    result = result_from_model(model, candidates, notes=notes)
    result.extra.update(
        {
            "radius_m": float(radius_m),
            "metric_crs": crs.to_string(),
            "duplicate_candidates": dups,
            "demand_points": len(demand),
            "candidate_sites": len(candidates),
        }
    )
    return result


# -- output ------------------------------------------------------------------------------------------

Format = Literal["csv", "geojson", "xlsx"]
FORMATS: Final = ("csv", "geojson", "xlsx")


def output_format(out: str | Path, fmt: str | None) -> str:
    """``fmt`` or the format named by ``out``'s suffix."""
    if fmt:
        key = fmt.lower().lstrip(".")
    else:
        key = Path(out).suffix.lower().lstrip(".")
        key = {"json": "geojson", "xls": "xlsx"}.get(key, key)
    if key not in FORMATS:
        raise InputError(
            f"unknown output format: use {', '.join(FORMATS)} (or a file ending .csv/.geojson/.xlsx)",
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
                    "指标": KPI_LABELS_ZH.get(key, key),
                    "key": key,
                    "现状": before[key],
                    "规划后": after[key],
                }
            )
    return pd.DataFrame(rows, columns=["指标", "key", "现状", "规划后"])


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
    the collection; Excel: sheets 规划点位 / 覆盖曲线 / 指标对比 with Chinese headers) and the curve
    as a PNG beside it (``<stem>_curve.png``). Returns the paths written by role."""
    import json

    path = Path(out)
    kind = output_format(path, fmt)
    if path.parent and not path.parent.exists():
        raise InputError("the output folder does not exist", file=str(path.parent))
    written: dict[str, str] = {}
    table = _site_table(result.sites)
    if kind == "csv":
        table.to_csv(path, index=False, encoding="utf-8-sig")
    elif kind == "geojson":
        doc = json.loads(result.sites.to_crs(WGS84).to_json(na="null", drop_id=True))
        meta = result.document()
        doc["plan"] = {k: v for k, v in meta.items() if k != "sites"}
        path.write_text(
            json.dumps(doc, ensure_ascii=False, default=_json_default), encoding="utf-8"
        )
    else:
        curve = pd.DataFrame(result.curve)
        with pd.ExcelWriter(path, engine="openpyxl") as xl:
            table.rename(columns=SITE_HEADERS_ZH).to_excel(xl, sheet_name="规划点位", index=False)
            curve.rename(columns=CURVE_HEADERS_ZH).to_excel(xl, sheet_name="覆盖曲线", index=False)
            _kpi_table(result.before, result.after).to_excel(xl, sheet_name="指标对比", index=False)
    written[kind] = str(path)
    png = path.with_name(f"{path.stem}_curve.png")
    plot_curve(result, png)
    written["curve_png"] = str(png)
    return written


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


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


# -- city plan ---------------------------------------------------------------------------------------

ROAD_PIECE_M: Final = 50.0
POPULATION_CELL_M: Final = 250.0
MAX_ROAD_PIECES: Final = 200_000
MAX_POPULATION_CELLS: Final = 100_000


def _merged_weights(weights: Mapping[str, Any] | None) -> dict[str, Any]:
    merged: dict[str, Any] = {
        k: (dict(v) if isinstance(v, dict) else v) for k, v in DEMAND_WEIGHTS.items()
    }
    for key, value in (weights or {}).items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key].update(value)
        else:
            merged[key] = value
    return merged


def _points_along(lines: np.ndarray, which: np.ndarray, distance: np.ndarray) -> np.ndarray:
    """Points at ``distance`` metres along ``lines[which]`` (single-part lines; vectorised per line)."""
    out = np.empty(len(which), dtype=object)
    order = np.argsort(which, kind="stable")
    bounds = np.searchsorted(which[order], np.arange(len(lines) + 1))
    for i, line in enumerate(lines):
        sel = order[bounds[i] : bounds[i + 1]]
        if len(sel) == 0:
            continue
        if line.geom_type != "LineString":
            out[sel] = shapely.line_interpolate_point(line, distance[sel])
            continue
        xy = np.asarray(line.coords)[:, :2]
        along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))])
        out[sel] = shapely.points(
            np.interp(distance[sel], along, xy[:, 0]), np.interp(distance[sel], along, xy[:, 1])
        )
    return out


def demand_items(
    *,
    units: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame,
    crs: Any,
    weights: Mapping[str, Any] | None = None,
) -> gpd.GeoDataFrame:
    """Everything a plan should see, one row per item, in the metric ``crs``.

    Columns: ``kind`` (village, place, road, population), ``key`` (village code, place id, road id,
    unit code), ``category`` (place category or road class), ``weight`` (see the module docstring),
    ``amount`` (1 per village or place, km of road, residents), geometry (the village polygon, else
    a point: the place, a road piece's midpoint, a population cell's centre).
    """
    w = _merged_weights(weights)
    frames: list[gpd.GeoDataFrame] = []
    levels = units["level"].astype(str) if "level" in units else pd.Series("", index=units.index)
    villages = units[levels == "village"].to_crs(crs)
    if len(villages):
        frames.append(
            gpd.GeoDataFrame(
                {
                    "kind": "village",
                    "key": villages["code"].astype(str).to_numpy(),
                    "category": "village",
                    "weight": float(w["village"]),
                    "amount": 1.0,
                },
                geometry=villages.geometry.to_numpy(),
                crs=crs,
            )
        )
    if len(places):
        pm = places.to_crs(crs)
        cats = (
            pm["category"].astype(str).fillna("other")
            if "category" in pm
            else pd.Series("other", index=pm.index)
        )
        pw = w["place"]
        frames.append(
            gpd.GeoDataFrame(
                {
                    "kind": "place",
                    "key": (pm.get("place_id", pm.index)).astype(str).to_numpy(),
                    "category": cats.to_numpy(),
                    "weight": [float(pw.get(c, pw.get("other", 10.0))) for c in cats],
                    "amount": 1.0,
                },
                geometry=pm.geometry.representative_point().to_numpy(),
                crs=crs,
            )
        )
    if len(roads):
        rm = roads.to_crs(crs)
        lengths = rm.geometry.length.to_numpy()
        step = max(ROAD_PIECE_M, float(lengths.sum()) / MAX_ROAD_PIECES)
        counts = np.maximum(1, np.ceil(lengths / step).astype(int))
        idx = np.repeat(np.arange(len(rm)), counts)
        k = np.concatenate([np.arange(c) for c in counts]) if len(counts) else np.zeros(0, int)
        piece = lengths[idx] / counts[idx]
        pts = _points_along(rm.geometry.to_numpy(), idx, (k + 0.5) * piece)
        classes = (
            (rm["road_class"] if "road_class" in rm else pd.Series("other", index=rm.index))
            .astype(str)
            .to_numpy()
        )
        rw = w["road_per_km"]
        per_km = np.array([float(rw.get(c, rw.get("other", 1.0))) for c in classes])
        frames.append(
            gpd.GeoDataFrame(
                {
                    "kind": "road",
                    "key": (rm.get("road_id", rm.index)).astype(str).to_numpy()[idx],
                    "category": classes[idx],
                    "weight": per_km[idx] * piece / 1000.0,
                    "amount": piece / 1000.0,
                },
                geometry=pts,
                crs=crs,
            )
        )
    if "population" in units:
        pop = pd.to_numeric(units["population"], errors="coerce")
        with_pop = units[pop.notna().to_numpy() & (pop.fillna(0) > 0).to_numpy()]
        if len(with_pop):
            order = ["village", "township", "county", "city"]
            lv = (
                with_pop["level"].astype(str)
                if "level" in with_pop
                else pd.Series("", index=with_pop.index)
            )
            lowest = next((lvl for lvl in order if (lv == lvl).any()), None)
            chosen = with_pop[lv == lowest] if lowest else with_pop
            cm = chosen.to_crs(crs)
            area = float(cm.geometry.area.sum())
            cell = max(POPULATION_CELL_M, float(np.sqrt(area / MAX_POPULATION_CELLS)))
            minx, miny, maxx, maxy = cm.total_bounds
            gx, gy = np.meshgrid(
                np.arange(minx + cell / 2, maxx, cell), np.arange(miny + cell / 2, maxy, cell)
            )
            grid = shapely.points(gx.ravel(), gy.ravel())
            pi, ui = cm.sindex.query(grid, predicate="within")
            pi, first = np.unique(pi, return_index=True)  # a point on a shared border: one unit
            ui = ui[first]
            missing = np.setdiff1d(np.arange(len(cm)), ui)
            pts = np.concatenate(
                [grid[pi], cm.geometry.iloc[missing].representative_point().to_numpy()]
            )
            owner = np.concatenate([ui, missing])
            per_unit = np.bincount(owner, minlength=len(cm))
            people = pd.to_numeric(cm["population"]).to_numpy(float)
            share = people[owner] / per_unit[owner]
            frames.append(
                gpd.GeoDataFrame(
                    {
                        "kind": "population",
                        "key": cm["code"].astype(str).to_numpy()[owner],
                        "category": "population",
                        "weight": share / 1000.0 * float(w["population_per_1000"]),
                        "amount": share,
                    },
                    geometry=pts,
                    crs=crs,
                )
            )
    if not frames:
        return gpd.GeoDataFrame(
            {"kind": [], "key": [], "category": [], "weight": [], "amount": []},
            geometry=[],
            crs=crs,
        )
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=crs)


def _sees(sites: gpd.GeoDataFrame, fov: gpd.GeoSeries, demand: gpd.GeoDataFrame) -> Any:
    """Coverage matrix sites × demand: villages by site location, the rest by field of view."""
    import scipy.sparse as sp

    from sharpeyes.coverage.solvers import coverage_matrix_from_geometries

    n = len(demand)
    is_village = (demand["kind"] == "village").to_numpy()
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    if is_village.any():
        vidx = np.flatnonzero(is_village)
        hit = demand.geometry.iloc[vidx].sindex.query(
            sites.geometry.to_numpy(), predicate="intersects"
        )
        rows.append(hit[0])
        cols.append(vidx[hit[1]])
    if (~is_village).any():
        oidx = np.flatnonzero(~is_village)
        valid = ~(fov.isna() | fov.is_empty).to_numpy()
        sub = coverage_matrix_from_geometries(
            gpd.GeoSeries(fov.to_numpy()[valid], crs=fov.crs),
            demand.geometry.iloc[oidx].reset_index(drop=True),
        ).tocoo()
        rows.append(np.flatnonzero(valid)[sub.row])
        cols.append(oidx[sub.col])
    r = np.concatenate(rows) if rows else np.zeros(0, int)
    c = np.concatenate(cols) if cols else np.zeros(0, int)
    return sp.csr_matrix((np.ones(len(r), bool), (r, c)), shape=(len(sites), n))


def coverage_figures(demand: gpd.GeoDataFrame, covered: np.ndarray) -> dict[str, Any]:
    """Coverage by kind for a covered mask: village, key-place, road and population coverage
    (fractions), with their counts, km and residents, and the weighted coverage."""
    kind = demand["kind"].to_numpy()
    amount = demand["amount"].to_numpy(float)
    out: dict[str, Any] = {}
    for k, share_key, total_key, done_key in (
        ("village", "village_coverage", "villages", "villages_covered"),
        ("place", "place_coverage", "places", "places_covered"),
        ("road", "road_coverage", "road_km", "road_covered_km"),
        ("population", "population_coverage", "population", "population_covered"),
    ):
        sel = kind == k
        if sel.any():
            total = float(amount[sel].sum())
            done = float(amount[sel & covered].sum())
            out[total_key] = round(total, 3)
            out[done_key] = round(done, 3)
            out[share_key] = done / total if total else None
    weight = demand["weight"].to_numpy(float)
    out["weighted_coverage"] = float(weight[covered].sum() / weight.sum()) if weight.sum() else None
    return out


def plan_city(
    *,
    cameras: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame,
    budget: int | None,
    unit: str | None = None,
    cost_budget: float | None = None,
    candidates: gpd.GeoDataFrame | None = None,
    per_unit: str | None = None,
    weights: Mapping[str, Any] | None = None,
    method: Method = "auto",
    time_limit_s: float = 30.0,
) -> PlanResult:
    """Expansion plan on the inventory: the sites where ``budget`` new cameras close the most gaps.

    Parameters
    ----------
    cameras, units, places, roads
        Canonical frames (EPSG:4326). Networked cameras count as already placed.
    budget
        New cameras in total, or per unit of level ``per_unit`` when that is given.
    cost_budget
        Total cost (CNY unless the candidate file says otherwise) the new sites may not exceed.
    unit
        Plan inside this unit (code) and its sub-units only.
    candidates
        Candidate sites (:func:`candidates_from_file`); generated
        (:func:`sharpeyes.coverage.candidates.generate_candidates`) when ``None``.
    per_unit
        ``county``, ``township`` or ``village``: ``budget`` applies to each unit of that level.
    weights
        Overrides of :data:`DEMAND_WEIGHTS`.

    Returns
    -------
    PlanResult
        Sites ranked with marginal gains, the curve, and ``before``/``after`` coverage figures
        (:func:`coverage_figures`).
    """
    from sharpeyes.coverage.candidates import COSTS_CNY, generate_candidates
    from sharpeyes.coverage.fov import fov_sectors, metric_crs

    notes: list[str] = []
    if len(units) == 0:
        raise InputError(
            "no administrative units in the store: import them first (sharpeyes units import)"
        )
    units = units.to_crs(WGS84) if units.crs is not None else units.set_crs(WGS84)
    if unit is not None:
        codes = units["code"].astype(str)
        if not (codes == unit).any():
            raise InputError("no such unit", field="--unit", value=unit)
        units = units[codes.str.startswith(unit).to_numpy()]
    crs = metric_crs(units)
    area_units = units.to_crs(crs)
    outline = (
        area_units[area_units["code"].astype(str) == unit].geometry.iloc[0]
        if unit is not None
        else None
    )
    places = places if places is not None else gpd.GeoDataFrame(geometry=[], crs=WGS84)
    roads = roads if roads is not None else gpd.GeoDataFrame(geometry=[], crs=WGS84)
    if unit is not None:
        if len(places):
            places = places[places.to_crs(crs).geometry.intersects(outline).to_numpy()]
        if len(roads):
            clipped = roads.to_crs(crs).geometry.intersection(outline)
            keep = ~clipped.is_empty.to_numpy()
            roads = gpd.GeoDataFrame(
                roads[keep].drop(columns=roads.geometry.name),
                geometry=clipped[keep].to_numpy(),
                crs=crs,
            ).to_crs(WGS84)
    demand = demand_items(units=units, places=places, roads=roads, crs=crs, weights=weights)
    if len(demand) == 0 or demand["weight"].sum() <= 0:
        raise InputError(
            "nothing to cover: no villages, key places, roads or population in the units"
        )

    # what existing networked cameras already cover
    already = np.zeros(len(demand), dtype=bool)
    if len(cameras):
        net = (
            cameras[cameras["networked"].fillna(False).astype(bool).to_numpy()]
            if "networked" in cameras
            else cameras.iloc[:0]
        )
        net = (
            net[net.geometry.notna().to_numpy() & ~net.geometry.is_empty.to_numpy()]
            if len(net)
            else net
        )
        if len(net):
            net_m = net.to_crs(crs)
            m = _sees(net_m, fov_sectors(net, crs=crs), demand)
            already = np.asarray(m.sum(axis=0)).ravel() > 0

    # candidates
    if candidates is None:
        sites = generate_candidates(
            units=area_units, places=places.to_crs(crs), roads=roads.to_crs(crs)
        )
        source = "generated"
    else:
        sites = candidates.to_crs(crs).copy()
        source = "file"
        for col, default in (
            ("camera_type", 1),
            ("point_class", 1),
            ("is_hd", True),
            ("resolution", 1080),
        ):
            if col not in sites:
                sites[col] = default
        if "cost" not in sites:
            sites["cost"] = [
                COSTS_CNY.get(int(t), COSTS_CNY[1])
                for t in pd.to_numeric(sites["camera_type"], errors="coerce").fillna(1)
            ]
        if "kind" not in sites:
            sites["kind"] = "file"
    if len(sites):
        inside = np.zeros(len(sites), dtype=bool)
        hit = area_units.sindex.query(sites.geometry.to_numpy(), predicate="intersects")
        inside[hit[0]] = True
        if (~inside).any():
            outside_ids = sites["id"].astype(str).to_numpy()[~inside]
            notes.append(
                f"{len(outside_ids)} candidate site(s) outside every unit{'' if unit is None else ' of ' + unit} "
                "left out: " + ", ".join(outside_ids[:5]) + (" …" if len(outside_ids) > 5 else "")
            )
            sites = sites[inside]
    if len(sites) == 0:
        raise InputError("no candidate site lies inside the units", field="candidates")
    sites = sites.reset_index(drop=True)
    fov = fov_sectors(sites, crs=crs)
    matrix = _sees(sites, fov, demand)

    unit_labels = None
    unit_budgets: int | None = None
    count_budget: int | None = budget
    if per_unit is not None:
        if per_unit not in ("county", "township", "village"):
            raise InputError(
                "--per-unit must be county, township or village", field="--per-unit", value=per_unit
            )
        level_units = area_units[area_units["level"].astype(str) == per_unit]
        if len(level_units) == 0:
            raise InputError(
                f"no {per_unit} units to budget per unit", field="--per-unit", value=per_unit
            )
        hit = level_units.sindex.query(sites.geometry.to_numpy(), predicate="intersects")
        labels = np.full(len(sites), None, dtype=object)
        labels[hit[0]] = level_units["code"].astype(str).to_numpy()[hit[1]]
        unit_labels = labels
        if budget is None or budget < 1:
            raise InputError("budget must be at least 1 site", field="budget", value=budget)
        unit_budgets = int(budget)
        count_budget = None
    model = MaximalCoverage.from_coverage_matrix(
        matrix,
        demand["weight"].to_numpy(float),
        budget=count_budget,
        costs=sites["cost"].to_numpy(float) if "cost" in sites else None,
        cost_budget=cost_budget,
        candidate_units=unit_labels,
        unit_budgets=unit_budgets,
        already_covered=already,
        candidate_ids=sites["id"].astype(str).tolist(),
        name="city",
    ).solve(method, time_limit_s=time_limit_s)
    result = result_from_model(model, sites, notes=notes)
    after = already.copy()
    for j in model.selected:
        after[matrix.indices[matrix.indptr[j] : matrix.indptr[j + 1]]] = True
    result.before = coverage_figures(demand, already)
    result.after = coverage_figures(demand, after)
    result.before["cameras_networked"] = (
        len(cameras[cameras["networked"].fillna(False).astype(bool).to_numpy()])
        if len(cameras) and "networked" in cameras
        else 0
    )
    result.after["cameras_networked"] = result.before["cameras_networked"] + len(model.selected)
    kinds = demand["kind"].value_counts().to_dict()
    result.extra.update(
        {
            "unit": unit,
            "per_unit": per_unit,
            "metric_crs": crs.to_string(),
            "candidates_source": source,
            "candidate_sites": len(sites),
            "candidates_by_kind": {str(k): int(v) for k, v in sites["kind"].value_counts().items()},
            "demand_items": {str(k): int(v) for k, v in kinds.items()},
            "weights": _merged_weights(weights),
            "cost": float(sites["cost"].to_numpy(float)[model.selected].sum())
            if "cost" in sites
            else None,
        }
    )
    return result
