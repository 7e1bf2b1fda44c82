"""One canonicalisation for every reader: raw source columns → canonical camera frame + rejects.

Every reader (table, catalog, GIS file, OSM) hands :func:`normalize_cameras` a frame of raw text
values (one row per source row, the source's own headers) and the 1-based row number of each row
in its source. Everything from there is vectorised (numpy/pandas string operations; code tables are
applied once per distinct value, not per row); per-row Python runs only for rows already known to
be bad, to write their messages.

A row is **refused** (one rejects row per problem, :data:`sharpeyes.model.columns.REJECT_COLUMNS`)
when it cannot be one camera:

- it has no valid GB/T 28181 ID and no other stable key (a ``key`` column such as 点位编号, a stream
  URL, or a name together with coordinates);
- its longitude or latitude is text that is not a number, or a number that is impossible even with
  longitude and latitude swapped (|lon| > 180 or |lat| > 90).

A row is **kept with warnings** (``warnings``, "; "-joined) for: an invalid ID kept on another key
(``id_valid`` False), the ID's admin code not matching the row's ``admin_code``, an ID whose type
code is not a camera's, a duplicate ID in the same file, swapped longitude/latitude (fixed), (0, 0)
or missing coordinates, a point outside the expected area, a class I/II point without coordinates
(mandatory in GB/T 28181-2022), and any code value that is not understood (class, camera type,
联网属性, status, direction, resolution, HD flag, date, heading, angles).

Coordinates are converted to WGS-84 here and nowhere else, with :func:`sharpeyes.model.crs.to_wgs84`.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from sharpeyes._errors import ConfigError
from sharpeyes.ingest import _arrow as ax
from sharpeyes.ingest.mapping import ColumnMapping
from sharpeyes.model.codes import (
    CAMERA_DEVICE_TYPES,
    DEVICE_TYPES,
    DIRECTION_HEADING_DEG,
    HD_MIN_LINES,
    PTZTYPE_TO_CAMERA_TYPE,
    parse_camera_type,
    parse_direction,
    parse_networked,
    parse_point_class,
    parse_resolution_lines,
    parse_status,
)
from sharpeyes.model.columns import (
    CAMERA_COLUMNS,
    CAMERA_DTYPES,
    CAMERA_SIDE_COLUMNS,
    REJECT_COLUMNS,
    WGS84,
    empty_cameras,
    empty_rejects,
)
from sharpeyes.model.crs import SOURCE_CRS, to_wgs84
from sharpeyes.model.gb28181 import id_problem
from sharpeyes.model.urls import split_credentials_arrow

#: Expected area when the caller gives none: the bounding box in which GCJ-02 applies (China),
#: (min lon, min lat, max lon, max lat) in WGS-84 degrees.
CHINA_BBOX: Final = (72.004, 0.8293, 137.8347, 55.8271)

_HD_WORDS: Final = {
    "是": True,
    "高清": True,
    "hd": True,
    "yes": True,
    "y": True,
    "true": True,
    "1": True,
    "√": True,
    "否": False,
    "标清": False,
    "sd": False,
    "no": False,
    "n": False,
    "false": False,
    "0": False,
    "×": False,
}

_NUMBER_CLEAN = re.compile(r"[°度米m\s]+$|^\s+")
_DMS = re.compile(
    r"^\s*(?P<hemi1>[NSEWnsew东西南北])?\s*(?P<d>\d+(?:\.\d+)?)\s*[°度]\s*"
    r"(?:(?P<m>\d+(?:\.\d+)?)\s*['′分]\s*)?(?:(?P<s>\d+(?:\.\d+)?)\s*(?:[\"″秒]|'')\s*)?"
    r"(?P<hemi2>[NSEWnsew东西南北])?\s*$"
)
_DATE_PATTERNS: Final = (
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T].*)?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})(?:\d{6})?$"),
)
_MONTH_PATTERN = re.compile(r"^(\d{4})[-/.年](\d{1,2})月?$")


@dataclass(frozen=True)
class SourceInfo:
    """Where a raw frame came from, for rejects and warnings.

    ``file`` the file name shown in rejects; ``sheet`` a sheet/layer/message per row (or one for
    all); ``rows`` the 1-based row number of every raw row in its source (spreadsheet row numbers
    including the header for tables; feature or item ordinals for other formats); ``notes`` the
    reader's own warnings per row ("" for none), put first in ``warnings``.
    """

    file: str
    rows: np.ndarray
    sheet: np.ndarray | str | None = None
    notes: np.ndarray | None = None


@dataclass(frozen=True)
class Options:
    """The options every reader passes through to normalisation (see :func:`normalize_cameras`)."""

    crs: str = "wgs84"
    mapping: ColumnMapping = field(default_factory=ColumnMapping)
    source: str | None = None
    hd_min_lines: int = HD_MIN_LINES
    one_means_networked: bool = True
    bbox: tuple[float, float, float, float] | None = CHINA_BBOX
    point_class: int | None = None


def resolve_options(
    *,
    crs: str,
    mapping: ColumnMapping,
    source: str | None,
    hd_min_lines: int,
    one_means_networked: bool,
    default_bbox: tuple[float, float, float, float] | None = CHINA_BBOX,
) -> Options:
    """Merge call arguments and the mapping file: a mapping value applies where the call left the default.

    Raises :class:`sharpeyes.ConfigError` for an unknown ``crs``.
    """
    key = str(crs).strip().lower().replace("-", "").replace("_", "")
    if key not in SOURCE_CRS:
        raise ConfigError(f"unknown coordinate system {crs!r}: use one of {', '.join(SOURCE_CRS)}")
    if key == "wgs84" and mapping.crs:
        key = mapping.crs
    if one_means_networked and mapping.one_means_networked is not None:
        one_means_networked = mapping.one_means_networked
    if hd_min_lines == HD_MIN_LINES and mapping.hd_min_lines is not None:
        hd_min_lines = mapping.hd_min_lines
    return Options(
        crs=key,
        mapping=mapping,
        source=source or mapping.source,
        hd_min_lines=int(hd_min_lines),
        one_means_networked=bool(one_means_networked),
        bbox=mapping.bbox or default_bbox,
        point_class=mapping.point_class,
    )


# -- small vectorised helpers ---------------------------------------------------------------------


class _Parsed:
    """A code column parsed once per distinct value: ``codes`` index ``table`` (-1 = missing)."""

    def __init__(
        self, codes: np.ndarray, table: list[Any], uniques: list[str] | None = None
    ) -> None:
        self.codes = codes
        self.uniques = uniques or []
        self.table = [*table, None]  # index -1: missing
        self.missing_u = np.array([v is None for v in self.table], dtype=bool)
        self.missing = self.missing_u[codes]
        self.unreadable = (codes >= 0) & self.missing

    def objects(self) -> np.ndarray:
        table = np.empty(len(self.table), dtype=object)
        table[:] = self.table
        return table[self.codes]

    def ints(self, dtype: str) -> pd.api.extensions.ExtensionArray:
        values = np.array([0 if v is None else int(v) for v in self.table], dtype=np.int64)
        return pd.arrays.IntegerArray(values[self.codes].astype(dtype.lower()), self.missing.copy())

    def bools(self) -> pd.arrays.BooleanArray:
        values = np.array([bool(v) if v is not None else False for v in self.table], dtype=bool)
        return pd.arrays.BooleanArray(values[self.codes], self.missing.copy())


def _by_value(values: pa.ChunkedArray, parse: Callable[[str], Any]) -> _Parsed:
    """Apply ``parse`` once per distinct value (``None`` from ``parse`` = not understood)."""
    codes, uniques = ax.factorize(values)
    return _Parsed(codes, [_safely(parse, v) for v in uniques], uniques)


def _safely(parse: Callable[[str], Any], value: str) -> Any:
    """``parse(NFKC(value))`` (full-width ``１类`` reads as ``1类``); a value a parser chokes on is
    counted as not understood."""
    try:
        return parse(unicodedata.normalize("NFKC", value))
    except (ValueError, OverflowError, TypeError, IndexError):
        return None


def _to_float(values: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Numbers from text; returns (float64 array with NaN for missing/bad, not-a-number mask).

    Degree/metre marks and spaces are allowed; the few values that are not plain numbers are tried
    one by one, also as degrees-minutes-seconds (``123°45'30"E``).
    """
    number, other = ax.floats(values)
    if other.any():
        idx = np.flatnonzero(other)
        for i, value in zip(idx, ax.take(values, other), strict=True):
            fixed = _parse_number(str(value))
            if fixed is not None:
                number[i] = fixed
                other[i] = False
    return number, other


def _parse_number(text: str) -> float | None:
    cleaned = unicodedata.normalize("NFKC", text).strip()
    m = _DMS.match(cleaned)
    if m and (m.group("m") or m.group("s") or "°" in cleaned or "度" in cleaned):
        value = float(m.group("d"))
        value += float(m.group("m") or 0) / 60.0 + float(m.group("s") or 0) / 3600.0
        hemi = (m.group("hemi1") or m.group("hemi2") or "").upper()
        if hemi in {"S", "W", "西", "南"}:
            value = -value
        return value
    cleaned = (
        _NUMBER_CLEAN.sub("", cleaned).replace(",", ".") if cleaned.count(",") == 1 else cleaned
    )
    cleaned = _NUMBER_CLEAN.sub("", cleaned)
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if np.isfinite(value) else None


def _parse_date(text: str) -> str | None:
    t = text.strip()
    for pattern in _DATE_PATTERNS:
        m = pattern.match(t)
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
            except ValueError:
                return None
    m = _MONTH_PATTERN.match(t)
    if m and 1 <= int(m.group(2)) <= 12:
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
    if re.fullmatch(r"\d{4}年?", t):
        return t[:4]
    if re.fullmatch(r"\d{5}(\.\d+)?", t):  # Excel serial day number
        serial = float(t)
        if 20000 <= serial <= 80000:
            return (pd.Timestamp("1899-12-30") + pd.Timedelta(days=int(serial))).date().isoformat()
    return None


def _hd_flag(text: str) -> bool | None:
    return _HD_WORDS.get(text.strip().lower())


def _ptz(text: str) -> int | None:
    t = text.strip()
    if t.endswith(".0"):
        t = t[:-2]
    return PTZTYPE_TO_CAMERA_TYPE.get(int(t)) if t.isascii() and t.isdigit() else None


def _direction(text: str) -> tuple[float | None, bool] | None:
    """(heading in degrees or None for 全向, omnidirectional?) from a 监视方位 value."""
    code = parse_direction(text)
    if code == 9:
        return None, True
    if code is not None:
        return DIRECTION_HEADING_DEG[code], False
    number = _parse_number(text)
    if number is not None and 0.0 <= number <= 360.0:
        return number % 360.0, False
    compass = _COMPASS16.get(text.strip().upper())
    if compass is not None:
        return compass, False
    return None


_COMPASS16: Final = {
    name: i * 22.5
    for i, name in enumerate(
        [
            "N",
            "NNE",
            "NE",
            "ENE",
            "E",
            "ESE",
            "SE",
            "SSE",
            "S",
            "SSW",
            "SW",
            "WSW",
            "W",
            "WNW",
            "NW",
            "NNW",
        ]
    )
}


class _Notes:
    """Collects per-row warnings and rejects without per-row Python for clean rows."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.warnings = np.full(n, "", dtype=object)
        self.any_warning = False
        self.refused = np.zeros(n, dtype=bool)
        self.rejects: list[tuple[int, str | None, object, str]] = []

    def warn(self, mask: np.ndarray, message: str | np.ndarray) -> None:
        if not mask.any():
            return
        self.any_warning = True
        part: Any = message if isinstance(message, str) else message[mask]
        current = self.warnings[mask]
        self.warnings[mask] = np.where(current == "", part, current + "; " + part)

    def refuse(
        self,
        mask: np.ndarray,
        column: str | None,
        values: pa.ChunkedArray | None,
        reason: str | Callable[[int, object], str],
    ) -> None:
        if not mask.any():
            return
        idx = np.flatnonzero(mask)
        shown = ax.take(values, mask) if values is not None else [None] * len(idx)
        for i, value in zip(idx, shown, strict=True):
            text = reason(int(i), value) if callable(reason) else reason
            self.rejects.append((int(i), column, None if value is None else str(value), text))
        self.refused |= mask


# -- the one canonicalisation ---------------------------------------------------------------------


def normalize_cameras(
    raw: pd.DataFrame,
    where: SourceInfo,
    options: Options | None = None,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Canonical cameras and rejects from one raw frame of source rows.

    Parameters
    ----------
    raw
        One row per source row, the source's own column names, values as text (anything else is
        turned into text). Columns are recognised through the built-in header table and
        ``options.mapping``; unrecognised columns are kept as JSON text in ``extra``.
    where
        File name, 1-based source row numbers (``len(where.rows) == len(raw)``) and sheet(s), used
        in rejects.
    options
        Source coordinate system (``wgs84|cgcs2000|gcj02|bd09``), mapping, source name (default:
        the file name), HD threshold in lines, 联网属性 0/1 direction, expected area.

    Returns
    -------
    cameras
        GeoDataFrame with :data:`~sharpeyes.model.columns.CAMERA_COLUMNS` and
        :data:`~sharpeyes.model.columns.CAMERA_SIDE_COLUMNS` in
        :data:`~sharpeyes.model.columns.CAMERA_DTYPES`; ``lon``/``lat`` in WGS-84 degrees and Point
        geometry in EPSG:4326 (None where the row has no coordinates). ``heading_deg`` 0 = north,
        clockwise; ``fov_deg`` degrees (360 for 全向); ``range_m`` metres; ``resolution`` lines.
    rejects
        One row per problem of every refused row (:data:`~sharpeyes.model.columns.REJECT_COLUMNS`).
        Every raw row is either a camera or has at least one rejects row.
    """
    opts = options or Options()
    n = len(raw)
    if len(where.rows) != n:
        raise ValueError("normalize_cameras: one row number per raw row is needed")
    if n == 0:
        return empty_cameras(), empty_rejects()
    index = pd.RangeIndex(n)
    targets = opts.mapping.resolve(raw.columns)
    col: dict[str, pa.ChunkedArray] = {}
    extra_cols: dict[str, pa.ChunkedArray] = {}
    wanted = [
        (position, header, target)
        for position, (header, target) in enumerate(targets.items())
        if target != "ignore"
    ]
    texts = _parallel(ax.text, [raw.iloc[:, position] for position, _, _ in wanted], n)
    for (_, header, target), values in zip(wanted, texts, strict=True):
        if target == "extra":
            extra_cols[header] = values
        else:
            col[target] = values
    # rows without a single value (blank or white space only) are not rows of the registry
    filled = np.zeros(n, dtype=bool)
    for values in (*col.values(), *extra_cols.values()):
        filled |= ax.present(values)
    if not filled.all():
        keep_rows = pa.array(filled)
        col = {k: v.filter(keep_rows) for k, v in col.items()}
        extra_cols = {k: v.filter(keep_rows) for k, v in extra_cols.items()}
        where = SourceInfo(
            file=where.file,
            rows=where.rows[filled],
            sheet=where.sheet[filled] if isinstance(where.sheet, np.ndarray) else where.sheet,
            notes=None if where.notes is None else np.asarray(where.notes)[filled],
        )
        n = int(filled.sum())
        index = pd.RangeIndex(n)
        if n == 0:
            return empty_cameras(), empty_rejects()
    notes = _Notes(n)
    if where.notes is not None:
        given = np.asarray(where.notes, dtype=object) != ""
        notes.warn(given, np.asarray(where.notes, dtype=object))
    empty = ax.nulls(n)

    def get(name: str) -> pa.ChunkedArray:
        return col.get(name, empty)

    def header_of(target: str) -> str:
        return next((h for h, t in targets.items() if t == target), target)

    out: dict[str, Any] = {}

    # -- device ID --------------------------------------------------------------------------
    raw_id = get("device_id")
    pool = _executor() if n >= _PARALLEL_ROWS else None
    later_dup = pool.submit(ax.duplicated, raw_id) if pool else None
    extra_inputs = {**extra_cols, **({"key": col["key"]} if "key" in col else {})}
    later_json = pool.submit(ax.json_objects, extra_inputs, n) if pool else None
    id_present = ax.present(raw_id)
    id_valid = ax.valid_gb_ids(raw_id)

    # -- coordinates ------------------------------------------------------------------------
    lon, lon_bad = _to_float(get("lon"))
    lat, lat_bad = _to_float(get("lat"))
    notes.refuse(lon_bad, header_of("lon"), get("lon"), "longitude is not a number")
    notes.refuse(lat_bad, header_of("lat"), get("lat"), "latitude is not a number")
    lon[lon_bad | lat_bad] = np.nan
    lat[lon_bad | lat_bad] = np.nan
    both = np.isfinite(lon) & np.isfinite(lat)
    one_only = (np.isfinite(lon) ^ np.isfinite(lat)) & ~notes.refused
    notes.warn(one_only, "only one of longitude/latitude given; coordinates dropped")
    lon[one_only] = np.nan
    lat[one_only] = np.nan
    zero = both & (lon == 0.0) & (lat == 0.0)
    notes.warn(zero, "coordinates (0, 0) dropped")
    lon[zero] = np.nan
    lat[zero] = np.nan
    both &= ~zero
    box = opts.bbox
    with np.errstate(invalid="ignore"):
        possible = (np.abs(lon) <= 180.0) & (np.abs(lat) <= 90.0)
        possible_swapped = (np.abs(lat) <= 180.0) & (np.abs(lon) <= 90.0)
    swap = both & ~possible & possible_swapped
    if box is not None:
        swap |= both & ~_in_box(lon, lat, box) & _in_box(lat, lon, box)
    if swap.any():
        lon[swap], lat[swap] = lat[swap].copy(), lon[swap].copy()
        notes.warn(swap, "longitude and latitude were swapped (fixed)")
    impossible = both & ~swap & ~possible
    if impossible.any():
        pairs = ax.from_objects(
            np.array(
                [f"{a}, {b}" if m else None for a, b, m in zip(lon, lat, impossible, strict=True)],
                dtype=object,
            )
        )
        notes.refuse(
            impossible,
            f"{header_of('lon')}, {header_of('lat')}",
            pairs,
            "coordinates impossible: longitude must be within ±180° and latitude within ±90°",
        )
        lon[impossible] = np.nan
        lat[impossible] = np.nan
    have = np.isfinite(lon) & np.isfinite(lat)
    if have.any() and opts.crs not in {"wgs84", "cgcs2000"}:
        try:
            wl, wa = to_wgs84(lon[have], lat[have], opts.crs)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        lon[have], lat[have] = wl, wa
    if box is not None:
        outside = have & ~_in_box(lon, lat, box)
        if outside.any():
            messages = np.full(n, "", dtype=object)
            for i in np.flatnonzero(outside):
                messages[i] = f"point ({lon[i]:.6f}, {lat[i]:.6f}) is outside the expected area"
            notes.warn(outside, messages)
    no_coords = ~have & ~notes.refused & ~zero & ~one_only
    notes.warn(no_coords, "no coordinates")

    # -- identity: a valid ID or another stable key ---------------------------------------------
    key = get("key")
    bare_url, url_user, url_password = split_credentials_arrow(get("stream_url"))
    name = get("name")
    has_key = ax.present(key)
    has_url = ax.present(bare_url)
    has_name_point = ax.present(name) & have
    stable = has_key | has_url | has_name_point
    no_identity = ~id_valid & ~stable & ~notes.refused

    def why(i: int, value: object) -> str:
        problem = id_problem(value) if id_present[i] else "missing device ID"
        return (
            f"{problem}, and no other stable key "
            "(点位编号/key column, stream URL, or name with coordinates)"
        )

    notes.refuse(no_identity, header_of("device_id"), raw_id, why)
    kept_invalid = ~id_valid & stable & ~notes.refused
    if kept_invalid.any():
        messages = np.full(n, "", dtype=object)
        for i, value in zip(
            np.flatnonzero(kept_invalid), ax.take(raw_id, kept_invalid), strict=True
        ):
            problem = id_problem(value) if value is not None else "no device ID"
            basis = (
                "its key"
                if has_key[i]
                else "its stream URL"
                if has_url[i]
                else "name and coordinates"
            )
            messages[i] = f"{problem}; kept on {basis}"
        notes.warn(kept_invalid, messages)
    device_id = raw_id
    synth = ~id_present & stable & ~notes.refused
    if synth.any():
        ids = ax.objects(raw_id)
        ids[synth] = _synthetic_ids(
            ax.take(key, synth),
            ax.take(bare_url, synth),
            ax.take(name, synth),
            lon[synth],
            lat[synth],
        )
        device_id = ax.from_objects(ids)
    out["device_id"] = device_id
    out["name"] = name

    # -- admin code from the column or the ID --------------------------------------------------
    valid_arr = pa.array(id_valid)
    id_admin = pc.if_else(
        valid_arr, pc.utf8_slice_codeunits(raw_id, 0, 6), pa.scalar(None, ax.TEXT)
    )
    admin = get("admin_code")
    if "admin_code" in col:
        admin_ok = ax.matches(admin, r"^[0-9]{6}")
        not_code = ax.present(admin) & ~admin_ok
        if not_code.any():
            messages = np.full(n, "", dtype=object)
            for i, value in zip(np.flatnonzero(not_code), ax.take(admin, not_code), strict=True):
                messages[i] = f"admin_code {str(value)[:40]!r} is not a division code; not used"
            notes.warn(not_code, messages)
            admin = ax.where(admin_ok, admin, ax.nulls(n))
        admin6 = pc.utf8_slice_codeunits(admin, 0, 6)
        mismatch = id_valid & admin_ok & ax.bools(pc.not_equal(admin6, id_admin))
        if mismatch.any():
            messages = np.full(n, "", dtype=object)
            for i, a, b in zip(
                np.flatnonzero(mismatch),
                ax.take(id_admin, mismatch),
                ax.take(admin, mismatch),
                strict=True,
            ):
                messages[i] = f"device ID admin code {a} does not match admin_code {b}"
            notes.warn(mismatch, messages)
        admin = ax.fill(admin, id_admin)
    else:
        admin = id_admin
    out["admin_code"] = admin

    type_code = np.array(
        pc.cast(
            pc.if_else(
                valid_arr, pc.utf8_slice_codeunits(raw_id, 10, 13), pa.scalar(None, ax.TEXT)
            ),
            pa.float64(),
        ).to_numpy(zero_copy_only=False),
        dtype=float,
    )
    not_camera = id_valid & ~np.isin(type_code, [float(t) for t in CAMERA_DEVICE_TYPES])
    if not_camera.any():
        messages = np.full(n, "", dtype=object)
        for i in np.flatnonzero(not_camera):
            t = int(type_code[i])
            messages[i] = f"device ID type code {t:03d} ({_type_label(t)}) is not a camera type"
        notes.warn(not_camera, messages)

    # duplicate IDs in this file
    dup = later_dup.result() if later_dup else ax.duplicated(raw_id)
    if dup.any():
        rows_of: dict[str, list[int]] = {}
        dup_ids = ax.take(raw_id, dup)
        dup_idx = np.flatnonzero(dup)
        for i, value in zip(dup_idx, dup_ids, strict=True):
            rows_of.setdefault(str(value), []).append(int(where.rows[i]))
        messages = np.full(n, "", dtype=object)
        for i, value in zip(dup_idx, dup_ids, strict=True):
            others = [r for r in rows_of[str(value)] if r != int(where.rows[i])]
            shown = ", ".join(str(r) for r in others[:5]) + (" …" if len(others) > 5 else "")
            messages[i] = f"duplicate device ID in this file (also row {shown})"
        notes.warn(dup, messages)

    # -- codes ---------------------------------------------------------------------------------
    point_class = _codes(get("point_class"), parse_point_class, notes, "point class").ints("Int8")
    if opts.point_class is not None:
        point_class = point_class.fillna(opts.point_class)
    out["point_class"] = point_class

    camera_type = _codes(get("camera_type"), parse_camera_type, notes, "camera type").ints("Int16")
    if "ptz_type" in col:
        ptz = _codes(get("ptz_type"), _ptz, notes, "PTZType").ints("Int16")
        camera_type = camera_type.fillna(ptz)
    out["camera_type"] = camera_type

    heading, heading_bad = _to_float(get("heading_deg"))
    with np.errstate(invalid="ignore"):
        heading_bad |= np.isfinite(heading) & ((heading < 0) | (heading > 360))
    notes.warn(heading_bad, "heading_deg not a bearing in 0–360°; dropped")
    heading[heading_bad] = np.nan
    heading[heading == 360.0] = 0.0
    fov, fov_bad = _to_float(get("fov_deg"))
    with np.errstate(invalid="ignore"):
        fov_bad |= np.isfinite(fov) & ((fov <= 0) | (fov > 360))
    notes.warn(fov_bad, "fov_deg not an angle in (0, 360]°; dropped")
    fov[fov_bad] = np.nan
    if "direction" in col:
        parsed = _codes(get("direction"), _direction, notes, "direction (监视方位)")
        table_heading = np.array(
            [np.nan if v is None or v[0] is None else v[0] for v in parsed.table], dtype=float
        )
        table_omni = np.array([v is not None and bool(v[1]) for v in parsed.table], dtype=bool)
        heading = np.where(np.isnan(heading), table_heading[parsed.codes], heading)
        fov = np.where(table_omni[parsed.codes] & np.isnan(fov), 360.0, fov)
    out["heading_deg"] = heading
    out["fov_deg"] = fov
    range_m, range_bad = _to_float(get("range_m"))
    with np.errstate(invalid="ignore"):
        range_bad |= np.isfinite(range_m) & (range_m <= 0)
    notes.warn(range_bad, "range_m not a positive distance; dropped")
    range_m[range_bad] = np.nan
    out["range_m"] = range_m

    lines = _codes(get("resolution"), parse_resolution_lines, notes, "resolution")
    out["resolution"] = lines.ints("Int16")
    table_hd = [None if v is None else v >= opts.hd_min_lines for v in lines.table]
    is_hd = _Parsed(lines.codes, table_hd[:-1]).bools()
    if "hd" in col:
        flag = _codes(get("hd"), _hd_flag, notes, "HD flag (是否高清)").bools()
        is_hd = flag.fillna(is_hd) if hasattr(flag, "fillna") else flag
    out["is_hd"] = is_hd

    onm = opts.one_means_networked
    networked = _codes(
        get("networked"),
        lambda t: parse_networked(t, one_means_networked=onm),
        notes,
        "联网属性 (networked)",
    )
    out["networked"] = networked.bools()
    status = _codes(get("status"), parse_status, notes, "status")
    out["status"] = status.objects() if not status.missing.all() else empty

    for name_ in (
        "address",
        "township_code",
        "village_code",
        "owner_unit",
        "police_unit",
        "management_unit",
        "uplink",
    ):
        out[name_] = get(name_)
    install = get("install_date")
    if "install_date" in col:
        dates = _codes(install, _parse_date, notes, "install date")
        # a date not understood keeps its text (and is warned above)
        table = [
            d if d is not None else raw for d, raw in zip(dates.table, dates.uniques, strict=False)
        ]
        out["install_date"] = _Parsed(dates.codes, table).objects()
    else:
        out["install_date"] = install
    out["stream_url"] = bare_url
    out["source"] = pd.Series(opts.source or where.file, index=index, dtype="string")

    # class I/II must have coordinates (GB/T 28181-2022)
    pc_arr = np.asarray(out["point_class"].fillna(0).to_numpy(), dtype=np.int64)
    mandatory = np.isin(pc_arr, [1, 2]) & ~have & ~notes.refused
    notes.warn(mandatory, "class I/II point without coordinates (mandatory in GB/T 28181-2022)")

    # -- side columns --------------------------------------------------------------------------
    extra_json = later_json.result() if later_json else ax.json_objects(extra_inputs, n)
    side: dict[str, Any] = {
        "id_valid": pd.array(id_valid, dtype="boolean"),
        "parent_id": get("parent_id"),
        "contact": get("contact"),
        "stream_user": ax.fill(get("stream_user"), url_user),
        "stream_password": ax.fill(get("stream_password"), url_password),
        "extra": extra_json,
        "warnings": _warning_column(notes) if notes.any_warning else empty,
    }
    out["lon"] = lon
    out["lat"] = lat

    keep = ~notes.refused
    everything = bool(keep.all())
    keep_arrow = pa.array(keep)
    kept_index = pd.RangeIndex(int(keep.sum()))
    data: dict[str, Any] = {}
    for c in (*CAMERA_COLUMNS, *CAMERA_SIDE_COLUMNS):
        value = out[c] if c in out else side[c]
        dtype = CAMERA_DTYPES.get(c, "boolean" if c == "id_valid" else "string")
        if isinstance(value, np.ndarray) and value.dtype == object:
            value = ax.from_objects(value)
        if isinstance(value, pa.ChunkedArray):
            column = ax.series(value if everything else value.filter(keep_arrow), kept_index)
        elif isinstance(value, pd.Series):
            column = pd.Series(value.array if everything else value.array[keep], index=kept_index)
        else:
            column = pd.Series(value if everything else value[keep], index=kept_index)
        data[c] = column if str(column.dtype) == dtype else column.astype(dtype)  # type: ignore[call-overload]
    frame = pd.DataFrame(data, index=kept_index, copy=False)
    # the source row of each camera, for warnings told by row (the store does not keep it)
    frame["row"] = pd.array(np.asarray(where.rows)[keep], dtype="Int64")
    kept_lon, kept_lat, kept_have = lon[keep], lat[keep], have[keep]
    geometry = shapely.points(
        np.column_stack([np.where(kept_have, kept_lon, 0.0), np.where(kept_have, kept_lat, 0.0)])
    )
    geometry[~kept_have] = None
    cameras = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, crs=WGS84), crs=WGS84)
    return cameras, _rejects_frame(notes.rejects, where)


#: Frames at least this long are worked on by a few threads (pyarrow kernels release the GIL).
_PARALLEL_ROWS: Final = 50_000
_POOL: dict[int, ThreadPoolExecutor] = {}


def _executor() -> ThreadPoolExecutor:
    """The pool of this process (a forked child makes its own: the parent's threads are gone)."""
    pid = os.getpid()
    if pid not in _POOL:
        _POOL.clear()
        _POOL[pid] = ThreadPoolExecutor(
            max_workers=max(2, min(4, os.cpu_count() or 2)), thread_name_prefix="ingest"
        )
    return _POOL[pid]


def _parallel(func: Callable[[Any], Any], items: Sequence[Any], n: int) -> list[Any]:
    """``[func(x) for x in items]``, on the thread pool for big frames."""
    if n < _PARALLEL_ROWS or len(items) < 2:
        return [func(x) for x in items]
    return list(_executor().map(func, items))


def _warning_column(notes: _Notes) -> pa.ChunkedArray:
    texts = notes.warnings.copy()
    texts[texts == ""] = None
    return ax.from_objects(texts)


def _codes(
    values: pa.ChunkedArray, parse: Callable[[str], Any], notes: _Notes, label: str
) -> _Parsed:
    parsed = _by_value(values, parse)
    unreadable = parsed.unreadable
    if unreadable.any():
        messages = np.full(len(unreadable), "", dtype=object)
        for i, value in zip(np.flatnonzero(unreadable), ax.take(values, unreadable), strict=True):
            messages[i] = f"{label} {str(value)[:40]!r} not understood"
        notes.warn(unreadable, messages)
    return parsed


def _in_box(
    lon: np.ndarray, lat: np.ndarray, box: tuple[float, float, float, float] | None
) -> np.ndarray:
    if box is None:
        return np.ones(len(lon), dtype=bool)
    with np.errstate(invalid="ignore"):
        return (lon >= box[0]) & (lon <= box[2]) & (lat >= box[1]) & (lat <= box[3])


def _type_label(type_code: int) -> str:
    entry = DEVICE_TYPES.get(type_code)
    return entry.zh if entry else "unknown type"


def _synthetic_ids(
    key: list[Any], url: list[Any], name: list[Any], lon: np.ndarray, lat: np.ndarray
) -> list[str]:
    """Stable IDs for rows without a device ID: the key (``key:…`` unless it has a scheme), else
    ``h:`` and a hash of the stream URL or of name and point."""
    out: list[str] = []
    for k, u, nm, x, y in zip(key, url, name, lon, lat, strict=True):
        if k is not None:
            out.append(str(k) if ":" in str(k) else f"key:{k}")
            continue
        basis = str(u) if u is not None else f"{nm}|{x:.6f}|{y:.6f}"
        out.append("h:" + hashlib.sha1(basis.encode("utf-8")).hexdigest()[:16])
    return out


def _rejects_frame(
    rejects: list[tuple[int, str | None, object, str]], where: SourceInfo
) -> pd.DataFrame:
    if not rejects:
        return empty_rejects()
    idx = np.array([r[0] for r in rejects], dtype=np.int64)
    if isinstance(where.sheet, np.ndarray):
        sheets: Any = where.sheet[idx]
    else:
        sheets = where.sheet
    frame = pd.DataFrame(
        {
            "file": where.file,
            "sheet": sheets,
            "row": where.rows[idx],
            "column": [r[1] for r in rejects],
            "value": [r[2] for r in rejects],
            "reason": [r[3] for r in rejects],
        }
    )
    frame = frame.sort_values("row", kind="stable").reset_index(drop=True)
    return frame.astype({c: ("Int64" if c == "row" else "string") for c in REJECT_COLUMNS})[
        list(REJECT_COLUMNS)
    ]


def concat_results(
    parts: Sequence[tuple[gpd.GeoDataFrame, pd.DataFrame]],
    *,
    sort_rows: bool = False,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Concatenate several (cameras, rejects) pairs (sheets, messages) keeping dtypes and CRS.

    ``sort_rows`` orders the rejects by row number (for formats whose rows are numbered across
    the whole file).
    """
    cams = [c for c, _ in parts if len(c)]
    rejs = [r for _, r in parts if len(r)]
    if len(cams) == 1:
        cameras = cams[0]
    elif cams:
        cameras = gpd.GeoDataFrame(
            pd.concat(cams, ignore_index=True), geometry="geometry", crs=WGS84
        )
    else:
        cameras = empty_cameras()
    rejects = pd.concat(rejs, ignore_index=True) if rejs else empty_rejects()
    if sort_rows and len(rejs) > 1:
        rejects = rejects.sort_values(["row"], kind="stable", na_position="last").reset_index(
            drop=True
        )
    return cameras, rejects


def rejects_rows(rows: Sequence[dict[str, object]]) -> pd.DataFrame:
    """A rejects frame from plain dicts (used by readers for rows refused before normalisation)."""
    if not rows:
        return empty_rejects()
    frame = pd.DataFrame([{c: r.get(c) for c in REJECT_COLUMNS} for r in rows])
    return frame.astype({c: ("Int64" if c == "row" else "string") for c in REJECT_COLUMNS})


__all__ = [
    "CHINA_BBOX",
    "Options",
    "SourceInfo",
    "concat_results",
    "normalize_cameras",
    "rejects_rows",
    "resolve_options",
]
