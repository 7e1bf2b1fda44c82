"""Grids (网格) from files: the 综治 platform's finest unit, below a village or community.

``sharpeyes units import FILE --level grid`` reads a grid file here: polygons (GeoJSON, GeoPackage,
Shapefile, CSV with a ``wkt`` column) or a code list (CSV/xlsx) with no geometry. A grid code is any
non-empty string, as the platform writes it; the parent (the village or community) is always given
by a column (``--parent-field``, or one of :data:`PARENT_FIELDS`) and never derived from the code.

A grid file may also carry its people: the leader (网格长) with a phone, and the workers (网格员),
either as one ``workers`` column (``张三 13900000001；李四 13900000002``) or as a worker name column
with a phone column beside it. They become :data:`~sharpeyes.model.columns.GRID_WORKER_COLUMNS`
rows, stored apart from the grids (phones are for editors and admins only).

Every problem is one row of a problems frame (:data:`~sharpeyes.ingest.unit_checks.UNIT_PROBLEM_COLUMNS`,
level ``grid``); nothing is dropped silently. Geometry comes out in EPSG:4326.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from sharpeyes._errors import InputError
from sharpeyes.ingest.archives import check_archive
from sharpeyes.ingest.reproject import frame_to_wgs84
from sharpeyes.ingest.unit_checks import UNIT_PROBLEM_COLUMNS, check_siblings
from sharpeyes.ingest.units import pick_field
from sharpeyes.model.columns import GRID_COLUMNS, GRID_WORKER_COLUMNS, WGS84

__all__ = ["PARENT_FIELDS", "GridLayer", "grids_from_file", "grids_from_frame", "parse_workers"]

CODE_FIELDS: Final = ("grid_code", "网格编码", "网格代码", "网格编号", "code", "编码", "代码")
NAME_FIELDS: Final = ("grid_name", "网格名称", "name", "名称")
#: Where a grid file names its village or community.
PARENT_FIELDS: Final = (
    "parent_code",
    "village_code",
    "所属村社区",
    "所属村社区代码",
    "村社区代码",
    "所属社区",
    "所属村",
    "上级代码",
    "parent",
)
_POPULATION_FIELDS: Final = ("population", "人口", "户籍人口", "常住人口")
_LEADER_FIELDS: Final = ("grid_leader", "leader", "网格长", "网格长姓名")
_LEADER_PHONE_FIELDS: Final = ("leader_phone", "网格长电话", "网格长手机", "网格长联系电话")
_WORKERS_FIELDS: Final = ("workers", "grid_workers", "网格员", "网格员姓名")
_WORKER_PHONE_FIELDS: Final = ("worker_phone", "网格员电话", "网格员手机", "网格员联系电话")

_SEPARATORS: Final = re.compile(r"[;；、,，\n]+")
_ENTRY: Final = re.compile(r"^(?P<name>.*?)[\s:：(（]*(?P<phone>\+?\d[\d\-]{4,}\d)?[)）]?\s*$")


@dataclass
class GridLayer:
    """Grids read from a file (:data:`GRID_COLUMNS`, EPSG:4326), their people, and the problems."""

    grids: gpd.GeoDataFrame
    workers: pd.DataFrame
    problems: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(UNIT_PROBLEM_COLUMNS))
    )

    def summary(self) -> dict[str, object]:
        """Counts for job and CLI output (no names, no phones)."""
        geo = self.grids.geometry
        kinds = self.problems["kind"].value_counts().to_dict() if len(self.problems) else {}
        return {
            "grids": len(self.grids),
            "with_geometry": int((~(geo.isna() | geo.is_empty)).sum()),
            "villages": int(self.grids["parent_code"].nunique()),
            "leaders": int((self.workers["role"] == "leader").sum()),
            "workers": int((self.workers["role"] == "worker").sum()),
            "problems": {str(k): int(v) for k, v in kinds.items()},
        }


def _read(path: Path) -> gpd.GeoDataFrame:
    """A CSV/xlsx code list (geometry from a ``wkt``/``geometry`` column, else none) or a GIS file."""
    if not path.exists():
        raise FileNotFoundError(2, "No such file", str(path))
    check_archive(path)
    suffix = path.suffix.lower()
    if suffix in {".csv", ".txt", ".xlsx", ".xls"}:
        frame = (
            pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
            if suffix in {".csv", ".txt"}
            else pd.read_excel(path, dtype=str)
        )
        cols = {str(c).lower(): c for c in frame.columns}
        geometry = gpd.GeoSeries([None] * len(frame), crs=WGS84)
        col = cols.get("wkt") or cols.get("geometry")
        if col is not None:
            geometry = gpd.GeoSeries.from_wkt(frame[col].fillna(""), on_invalid="warn", crs=WGS84)
            frame = frame.drop(columns=[col])
        return gpd.GeoDataFrame(frame, geometry=geometry.to_numpy(), crs=WGS84)
    try:
        return gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several kinds
        raise InputError(f"cannot read as a GIS file: {exc}", file=str(path)) from exc


def _text(values: pd.Series) -> np.ndarray:
    """Trimmed text (``None`` where blank); integers read as floats lose their ``.0``."""
    out = np.full(len(values), None, dtype=object)
    for i, v in enumerate(values.tolist()):
        if v is None or v is pd.NA or (isinstance(v, float) and v != v):
            continue
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        text = str(v).strip()
        out[i] = text or None
    return out


def parse_workers(text: object) -> list[tuple[str, str | None]]:
    """``(name, phone)`` pairs of a workers cell: entries split on ``;；、,，``, each a name and an
    optional phone (``张三 13900000001``, ``李四:139…``, ``王五(139…)``)."""
    if text is None or (isinstance(text, float) and text != text) or text is pd.NA:
        return []
    out = []
    for entry in _SEPARATORS.split(str(text)):
        match = _ENTRY.match(entry.strip())
        if not entry.strip() or match is None:
            continue
        name = match["name"].strip()
        phone = re.sub(r"[\s\-]", "", match["phone"]) if match["phone"] else None
        if name or phone:
            out.append((name, phone))
    return out


def _workers(
    raw: pd.DataFrame, codes: np.ndarray, keep: np.ndarray, cols: dict[str, str | None]
) -> pd.DataFrame:
    """The leader and worker rows of the kept grids."""
    rows: list[tuple[str, str, str | None, str | None]] = []
    leader = _text(raw[cols["leader"]]) if cols["leader"] else None
    leader_phone = _text(raw[cols["leader_phone"]]) if cols["leader_phone"] else None
    workers = raw[cols["workers"]].tolist() if cols["workers"] else None
    worker_phone = _text(raw[cols["worker_phone"]]) if cols["worker_phone"] else None
    for i in np.flatnonzero(keep).tolist():
        code = str(codes[i])
        if leader is not None and leader[i]:
            phone = leader_phone[i] if leader_phone is not None else None
            rows.append((code, "leader", leader[i], phone))
        if workers is None:
            continue
        pairs = parse_workers(workers[i])
        if worker_phone is not None and worker_phone[i] and len(pairs) == 1 and pairs[0][1] is None:
            pairs = [(pairs[0][0], worker_phone[i])]
        rows.extend((code, "worker", name, phone) for name, phone in pairs)
    return pd.DataFrame(rows, columns=list(GRID_WORKER_COLUMNS))


def _polygons(
    geo: np.ndarray,
    rows: np.ndarray,
    codes: np.ndarray,
    file: str,
    problems: list[dict[str, object]],
) -> np.ndarray:
    """Polygons kept (others dropped, the grid kept as a code), invalid ones repaired."""
    geo = geo.copy()
    missing = shapely.is_missing(geo) | shapely.is_empty(geo)
    polygonal = np.isin(shapely.get_type_id(geo), [3, 6])
    for i in np.flatnonzero(~missing & ~polygonal).tolist():
        problems.append(
            _problem(
                file,
                rows[i],
                codes[i],
                "empty_geometry",
                f"geometry is a {geo[i].geom_type}, expected a Polygon: geometry dropped, grid kept as a code",
            )
        )
        geo[i] = None
    bad = ~missing & polygonal & ~shapely.is_valid(geo)
    for i in np.flatnonzero(bad).tolist():
        reason = shapely.is_valid_reason(geo[i])
        parts = [
            g
            for g in shapely.get_parts(shapely.make_valid(geo[i]))
            if shapely.get_type_id(g) in (3, 6)
        ]
        geo[i] = (
            None if not parts else parts[0] if len(parts) == 1 else shapely.multipolygons(parts)
        )
        problems.append(
            _problem(
                file,
                rows[i],
                codes[i],
                "repaired",
                f"invalid geometry ({reason}) repaired with make_valid",
            )
        )
    return geo


def _problem(
    file: str | None, row: object, code: object, kind: str, reason: str
) -> dict[str, object]:
    return {
        "file": file,
        "row": row,
        "code": code,
        "level": "grid",
        "kind": kind,
        "reason": reason,
        "area_m2": None,
    }


def grids_from_frame(
    raw: gpd.GeoDataFrame,
    *,
    file: str = "<frame>",
    code_field: str | None = None,
    name_field: str | None = None,
    parent_field: str | None = None,
    first_row: int = 2,
) -> GridLayer:
    """Grids from a frame already in EPSG:4326 (see :func:`grids_from_file` for the columns).

    Rows with an empty code, no parent, or themselves as parent are refused (``bad_code``,
    ``missing_parent``, ``self_parent``); a repeated code keeps its first row (``duplicate_code``).
    """
    columns = [str(c) for c in raw.columns if c != raw.geometry.name]
    code_col = pick_field(columns, code_field, CODE_FIELDS, "code", file)
    parent_col = pick_field(columns, parent_field, PARENT_FIELDS, "parent", file)
    if code_col is None:
        raise InputError(
            f"no grid code column found (looked for {', '.join(CODE_FIELDS)}): give --code-field",
            file=file,
        )
    if parent_col is None:
        raise InputError(
            "grids need their village or community: no parent column found "
            f"(looked for {', '.join(PARENT_FIELDS)}): give --parent-field",
            file=file,
        )
    cols = {
        "leader": pick_field(columns, None, _LEADER_FIELDS, "leader", file),
        "leader_phone": pick_field(columns, None, _LEADER_PHONE_FIELDS, "leader phone", file),
        "workers": pick_field(columns, None, _WORKERS_FIELDS, "workers", file),
        "worker_phone": pick_field(columns, None, _WORKER_PHONE_FIELDS, "worker phone", file),
    }
    name_col = pick_field(columns, name_field, NAME_FIELDS, "name", file)
    pop_col = pick_field(columns, None, _POPULATION_FIELDS, "population", file)
    n = len(raw)
    rows = np.arange(n) + first_row
    codes, parents = _text(raw[code_col]), _text(raw[parent_col])
    problems: list[dict[str, object]] = []
    keep = np.ones(n, dtype=bool)
    for i in range(n):
        refusal = None
        if codes[i] is None:
            refusal = ("bad_code", "grid code is empty: row not imported")
        elif parents[i] is None:
            refusal = (
                "missing_parent",
                "grid has no village or community (parent): row not imported",
            )
        elif parents[i] == codes[i]:
            refusal = ("self_parent", f"grid {codes[i]} names itself as parent: row not imported")
        if refusal:
            problems.append(_problem(file, int(rows[i]), codes[i], *refusal))
            keep[i] = False
    dup = pd.Series(codes).duplicated(keep="first").to_numpy() & keep
    for i in np.flatnonzero(dup).tolist():
        problems.append(
            _problem(
                file,
                int(rows[i]),
                codes[i],
                "duplicate_code",
                "grid code appears more than once: the first row is kept",
            )
        )
    keep &= ~dup
    geo = _polygons(raw.geometry.to_numpy(), rows, codes, file, problems)
    grids = gpd.GeoDataFrame(
        {
            "code": pd.array(codes[keep], dtype="string"),
            "name": pd.array(
                _text(raw[name_col])[keep] if name_col else [None] * int(keep.sum()), dtype="string"
            ),
            "parent_code": pd.array(parents[keep], dtype="string"),
            "population": pd.to_numeric(raw[pop_col], errors="coerce").to_numpy(dtype=float)[keep]
            if pop_col
            else np.full(int(keep.sum()), np.nan),
        },
        geometry=gpd.GeoSeries(geo[keep], crs=WGS84),
        crs=WGS84,
    )[list(GRID_COLUMNS)]
    sib = check_siblings(grids.assign(level="grid"), file=file)
    frame = pd.DataFrame(problems, columns=list(UNIT_PROBLEM_COLUMNS))
    if len(sib):
        frame = pd.concat([frame, sib], ignore_index=True)
    return GridLayer(grids=grids, workers=_workers(raw, codes, keep, cols), problems=frame)


def grids_from_file(
    path: str | Path,
    *,
    code_field: str | None = None,
    name_field: str | None = None,
    parent_field: str | None = None,
    crs: str = "wgs84",
) -> GridLayer:
    """Read grids from GeoJSON, GeoPackage, Shapefile, or a CSV/xlsx code list.

    Parameters
    ----------
    path
        The file. CSVs may have no geometry (code lists) or a ``wkt``/``geometry`` column.
    code_field, name_field, parent_field
        Column names; default found among usual names (``grid_code``/``网格编码``/``code``,
        ``grid_name``/``网格名称``/``name``, :data:`PARENT_FIELDS`).
    crs
        ``wgs84``/``cgcs2000`` (default), ``gcj02`` or ``bd09``, or ``EPSG:xxxx`` for files without
        a CRS; a file that states its own CRS is reprojected to WGS-84 from it.

    Returns
    -------
    GridLayer
        Grids in EPSG:4326, their leaders and workers, and the problems found.
    """
    path = Path(path)
    raw = frame_to_wgs84(_read(path), crs, str(path))
    first = 2 if path.suffix.lower() in {".csv", ".txt", ".xlsx", ".xls"} else 1
    return grids_from_frame(
        raw,
        file=str(path),
        code_field=code_field,
        name_field=name_field,
        parent_field=parent_field,
        first_row=first,
    )
