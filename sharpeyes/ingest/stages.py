"""The stages of :func:`sharpeyes.ingest.normalize.normalize_cameras`, each a small pure function.

Every stage takes the frame's raw text columns (:class:`RawColumns`, pyarrow ``large_string``
arrays by canonical target) and the frame's :class:`~sharpeyes.ingest.parsing.Notes`, writes its
warnings and refusals there, and returns typed columns. In the order the pipeline runs them:
:func:`coordinates`, :func:`streams`, :func:`identity`, :func:`admin_codes`, :func:`id_type_codes`,
:func:`duplicate_ids`, :func:`classes`, :func:`angles`, :func:`picture`, :func:`flags`,
:func:`text_fields`, :func:`mandatory_coordinates`. The order matters only for the order of the
warnings in a row's ``warnings`` text.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sharpeyes._errors import ConfigError
from sharpeyes.ingest import _arrow as ax
from sharpeyes.ingest.parsing import (
    Notes,
    Parsed,
    codes,
    direction,
    hd_flag,
    parse_date,
    ptz_camera_type,
    to_float,
)
from sharpeyes.model.codes import (
    CAMERA_DEVICE_TYPES,
    DEVICE_TYPES,
    parse_camera_type,
    parse_networked,
    parse_point_class,
    parse_resolution_lines,
    parse_status,
)
from sharpeyes.model.crs import to_wgs84
from sharpeyes.model.gb28181 import id_problem
from sharpeyes.model.urls import split_credentials_arrow


@dataclass
class RawColumns:
    """One frame's raw text columns by canonical target, and the source header of each target."""

    n: int
    values: dict[str, pa.ChunkedArray]
    headers: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> pa.ChunkedArray:
        """The column of target ``name``, all null when the source has none."""
        found = self.values.get(name)
        return found if found is not None else ax.nulls(self.n)

    def has(self, name: str) -> bool:
        return name in self.values

    def header(self, target: str) -> str:
        """The source's header for ``target`` (the target itself when unmapped)."""
        return self.headers.get(target, target)


def raw_columns(values: dict[str, Any], headers: dict[str, str] | None = None) -> RawColumns:
    """:class:`RawColumns` from plain lists or series (for tests and small callers)."""
    texts = {k: ax.text(pd.Series(v, dtype="string")) for k, v in values.items()}
    n = len(next(iter(texts.values()))) if texts else 0
    return RawColumns(n, texts, dict(headers or {}))


# -- coordinates -----------------------------------------------------------------------------------
@dataclass
class Coordinates:
    """WGS-84 degrees (NaN where none); ``have``: both known; ``dropped``: (0, 0) or one of two."""

    lon: np.ndarray
    lat: np.ndarray
    have: np.ndarray
    dropped: np.ndarray


def coordinates(
    raw: RawColumns,
    notes: Notes,
    *,
    crs: str,
    bbox: tuple[float, float, float, float] | None,
) -> Coordinates:
    """Longitude/latitude read, checked, swapped back when swapped, converted from ``crs`` to WGS-84.

    Text that is not a number and impossible values refuse the row; (0, 0), one of two, a point
    outside ``bbox`` and no coordinates are warnings. Raises :class:`sharpeyes.ConfigError` for a
    ``crs`` the conversion does not know.
    """
    lon, lon_bad = to_float(raw.get("lon"))
    lat, lat_bad = to_float(raw.get("lat"))
    notes.refuse(lon_bad, raw.header("lon"), raw.get("lon"), "longitude is not a number")
    notes.refuse(lat_bad, raw.header("lat"), raw.get("lat"), "latitude is not a number")
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
    _unswap(raw, notes, lon, lat, both, bbox)
    have = np.isfinite(lon) & np.isfinite(lat)
    if have.any() and crs not in {"wgs84", "cgcs2000"}:
        try:
            wl, wa = to_wgs84(lon[have], lat[have], crs)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        lon[have], lat[have] = wl, wa
    if bbox is not None:
        outside = have & ~in_box(lon, lat, bbox)
        if outside.any():
            messages = np.full(len(lon), "", dtype=object)
            for i in np.flatnonzero(outside):
                messages[i] = f"point ({lon[i]:.6f}, {lat[i]:.6f}) is outside the expected area"
            notes.warn(outside, messages)
    dropped = zero | one_only
    notes.warn(~have & ~notes.refused & ~dropped, "no coordinates")
    return Coordinates(lon, lat, have, dropped)


def _unswap(
    raw: RawColumns,
    notes: Notes,
    lon: np.ndarray,
    lat: np.ndarray,
    both: np.ndarray,
    box: tuple[float, float, float, float] | None,
) -> None:
    """Swap back pairs that are only possible (or only in ``box``) swapped; refuse impossible ones."""
    with np.errstate(invalid="ignore"):
        possible = (np.abs(lon) <= 180.0) & (np.abs(lat) <= 90.0)
        possible_swapped = (np.abs(lat) <= 180.0) & (np.abs(lon) <= 90.0)
    swap = both & ~possible & possible_swapped
    if box is not None:
        swap |= both & ~in_box(lon, lat, box) & in_box(lat, lon, box)
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
            f"{raw.header('lon')}, {raw.header('lat')}",
            pairs,
            "coordinates impossible: longitude must be within ±180° and latitude within ±90°",
        )
        lon[impossible] = np.nan
        lat[impossible] = np.nan


def in_box(
    lon: np.ndarray, lat: np.ndarray, box: tuple[float, float, float, float] | None
) -> np.ndarray:
    """Inside (min lon, min lat, max lon, max lat), edges included; everywhere when no box."""
    if box is None:
        return np.ones(len(lon), dtype=bool)
    with np.errstate(invalid="ignore"):
        return (lon >= box[0]) & (lon <= box[2]) & (lat >= box[1]) & (lat <= box[3])


# -- streams and identity --------------------------------------------------------------------------
@dataclass
class Streams:
    """``stream_url`` without credentials; the user and password it held (null where none)."""

    url: pa.ChunkedArray
    user: pa.ChunkedArray
    password: pa.ChunkedArray


def streams(raw: RawColumns) -> Streams:
    """Credentials out of the stream URLs (a ``stream_user``/``stream_password`` column wins)."""
    url, user, password = split_credentials_arrow(raw.get("stream_url"))
    return Streams(
        url, ax.fill(raw.get("stream_user"), user), ax.fill(raw.get("stream_password"), password)
    )


@dataclass
class Identity:
    """The raw ID, the ``device_id`` kept (synthetic where no valid ID), and which IDs are valid."""

    raw_id: pa.ChunkedArray
    device_id: pa.ChunkedArray
    id_valid: np.ndarray


def identity(raw: RawColumns, notes: Notes, coords: Coordinates, urls: Streams) -> Identity:
    """A valid GB/T 28181 ID, or another stable key (key column, stream URL, name with a point).

    A row with neither is refused; one kept on another key gets a warning and a synthetic ID.
    """
    raw_id = raw.get("device_id")
    id_present = ax.present(raw_id)
    id_valid = ax.valid_gb_ids(raw_id)
    key, name = raw.get("key"), raw.get("name")
    has_key = ax.present(key)
    has_url = ax.present(urls.url)
    stable = has_key | has_url | (ax.present(name) & coords.have)

    def why(i: int, value: object) -> str:
        problem = id_problem(value) if id_present[i] else "missing device ID"
        return (
            f"{problem}, and no other stable key "
            "(点位编号/key column, stream URL, or name with coordinates)"
        )

    notes.refuse(~id_valid & ~stable & ~notes.refused, raw.header("device_id"), raw_id, why)
    kept_invalid = ~id_valid & stable & ~notes.refused
    if kept_invalid.any():
        messages = np.full(raw.n, "", dtype=object)
        shown = ax.take(raw_id, kept_invalid)
        for i, value in zip(np.flatnonzero(kept_invalid), shown, strict=True):
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
        ids[synth] = synthetic_ids(
            ax.take(key, synth),
            ax.take(urls.url, synth),
            ax.take(name, synth),
            coords.lon[synth],
            coords.lat[synth],
        )
        device_id = ax.from_objects(ids)
    return Identity(raw_id, device_id, id_valid)


def synthetic_ids(
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


# -- codes from the ID -------------------------------------------------------------------------------
def admin_codes(raw: RawColumns, notes: Notes, ident: Identity) -> pa.ChunkedArray:
    """``admin_code``: the column where it is a division code, else the valid ID's first 6 digits."""
    valid = pa.array(ident.id_valid)
    id_admin = pc.if_else(
        valid, pc.utf8_slice_codeunits(ident.raw_id, 0, 6), pa.scalar(None, ax.TEXT)
    )
    if not raw.has("admin_code"):
        return id_admin
    admin = raw.get("admin_code")
    admin_ok = ax.matches(admin, r"^[0-9]{6}")
    not_code = ax.present(admin) & ~admin_ok
    if not_code.any():
        messages = np.full(raw.n, "", dtype=object)
        for i, value in zip(np.flatnonzero(not_code), ax.take(admin, not_code), strict=True):
            messages[i] = f"admin_code {str(value)[:40]!r} is not a division code; not used"
        notes.warn(not_code, messages)
        admin = ax.where(admin_ok, admin, ax.nulls(raw.n))
    admin6 = pc.utf8_slice_codeunits(admin, 0, 6)
    mismatch = ident.id_valid & admin_ok & ax.bools(pc.not_equal(admin6, id_admin))
    if mismatch.any():
        messages = np.full(raw.n, "", dtype=object)
        pairs = zip(ax.take(id_admin, mismatch), ax.take(admin, mismatch), strict=True)
        for i, (a, b) in zip(np.flatnonzero(mismatch), pairs, strict=True):
            messages[i] = f"device ID admin code {a} does not match admin_code {b}"
        notes.warn(mismatch, messages)
    return ax.fill(admin, id_admin)


def id_type_codes(ident: Identity, notes: Notes) -> None:
    """Warn where a valid ID's type code (digits 11–13) is not a camera's."""
    type_text = pc.if_else(
        pa.array(ident.id_valid),
        pc.utf8_slice_codeunits(ident.raw_id, 10, 13),
        pa.scalar(None, ax.TEXT),
    )
    type_code = np.array(
        pc.cast(type_text, pa.float64()).to_numpy(zero_copy_only=False), dtype=float
    )
    not_camera = ident.id_valid & ~np.isin(type_code, [float(t) for t in CAMERA_DEVICE_TYPES])
    if not_camera.any():
        messages = np.full(len(type_code), "", dtype=object)
        for i in np.flatnonzero(not_camera):
            t = int(type_code[i])
            entry = DEVICE_TYPES.get(t)
            label = entry.zh if entry else "unknown type"
            messages[i] = f"device ID type code {t:03d} ({label}) is not a camera type"
        notes.warn(not_camera, messages)


def duplicate_ids(
    raw_id: pa.ChunkedArray, rows: np.ndarray, notes: Notes, dup: np.ndarray | None = None
) -> None:
    """Warn on IDs given more than once in this file, naming the other rows (``rows``: 1-based)."""
    messages = duplicate_messages(raw_id, rows, dup)
    if messages is not None:
        notes.warn(messages != "", messages)


def duplicate_messages(
    raw_id: pa.ChunkedArray, rows: np.ndarray, dup: np.ndarray | None = None
) -> np.ndarray | None:
    """The duplicate-ID warning of each row ("" for none; ``None`` when no ID repeats): the IDs
    given more than once, naming the other rows (``rows``: 1-based)."""
    dup = ax.duplicated(raw_id) if dup is None else dup
    if not dup.any():
        return None
    rows_of: dict[str, list[int]] = {}
    dup_ids = ax.take(raw_id, dup)
    dup_idx = np.flatnonzero(dup)
    for i, value in zip(dup_idx, dup_ids, strict=True):
        rows_of.setdefault(str(value), []).append(int(rows[i]))
    messages = np.full(len(dup), "", dtype=object)
    for i, value in zip(dup_idx, dup_ids, strict=True):
        others = [r for r in rows_of[str(value)] if r != int(rows[i])]
        shown = ", ".join(str(r) for r in others[:5]) + (" …" if len(others) > 5 else "")
        messages[i] = f"duplicate device ID in this file (also row {shown})"
    return messages


# -- code columns --------------------------------------------------------------------------------
def classes(raw: RawColumns, notes: Notes, *, point_class: int | None = None) -> tuple[Any, Any]:
    """(``point_class``, ``camera_type``): the class (default ``point_class``), the camera type
    (else from GB/T 28181 ``PTZType``)."""
    pclass = codes(raw.get("point_class"), parse_point_class, notes, "point class").ints("Int8")
    if point_class is not None:
        pclass = pclass.fillna(point_class)
    camera_type = codes(raw.get("camera_type"), parse_camera_type, notes, "camera type").ints(
        "Int16"
    )
    if raw.has("ptz_type"):
        ptz = codes(raw.get("ptz_type"), ptz_camera_type, notes, "PTZType").ints("Int16")
        camera_type = camera_type.fillna(ptz)
    return pclass, camera_type


def angles(raw: RawColumns, notes: Notes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(``heading_deg`` 0 = north clockwise, ``fov_deg``, ``range_m``); 监视方位 fills the heading
    (全向: 360° of view). Values out of range are dropped with a warning."""
    heading, heading_bad = to_float(raw.get("heading_deg"))
    with np.errstate(invalid="ignore"):
        heading_bad |= np.isfinite(heading) & ((heading < 0) | (heading > 360))
    notes.warn(heading_bad, "heading_deg not a bearing in 0–360°; dropped")
    heading[heading_bad] = np.nan
    heading[heading == 360.0] = 0.0
    fov, fov_bad = to_float(raw.get("fov_deg"))
    with np.errstate(invalid="ignore"):
        fov_bad |= np.isfinite(fov) & ((fov <= 0) | (fov > 360))
    notes.warn(fov_bad, "fov_deg not an angle in (0, 360]°; dropped")
    fov[fov_bad] = np.nan
    if raw.has("direction"):
        parsed = codes(raw.get("direction"), direction, notes, "direction (监视方位)")
        table_heading = np.array(
            [np.nan if v is None or v[0] is None else v[0] for v in parsed.table], dtype=float
        )
        table_omni = np.array([v is not None and bool(v[1]) for v in parsed.table], dtype=bool)
        heading = np.where(np.isnan(heading), table_heading[parsed.codes], heading)
        fov = np.where(table_omni[parsed.codes] & np.isnan(fov), 360.0, fov)
    range_m, range_bad = to_float(raw.get("range_m"))
    with np.errstate(invalid="ignore"):
        range_bad |= np.isfinite(range_m) & (range_m <= 0)
    notes.warn(range_bad, "range_m not a positive distance; dropped")
    range_m[range_bad] = np.nan
    return heading, fov, range_m


def picture(raw: RawColumns, notes: Notes, *, hd_min_lines: int) -> tuple[Any, Any]:
    """(``resolution`` in lines, ``is_hd``): HD from a 是否高清 flag, else lines ≥ ``hd_min_lines``."""
    lines = codes(raw.get("resolution"), parse_resolution_lines, notes, "resolution")
    table_hd = [None if v is None else v >= hd_min_lines for v in lines.table]
    is_hd: Any = Parsed(lines.codes, table_hd[:-1]).bools()
    if raw.has("hd"):
        flag = codes(raw.get("hd"), hd_flag, notes, "HD flag (是否高清)").bools()
        is_hd = flag.fillna(is_hd) if hasattr(flag, "fillna") else flag
    return lines.ints("Int16"), is_hd


def flags(raw: RawColumns, notes: Notes, *, one_means_networked: bool) -> tuple[Any, Any]:
    """(``networked``, ``status``); 联网属性 0/1 read as ``one_means_networked`` says."""
    networked = codes(
        raw.get("networked"),
        lambda t: parse_networked(t, one_means_networked=one_means_networked),
        notes,
        "联网属性 (networked)",
    )
    status = codes(raw.get("status"), parse_status, notes, "status")
    return networked.bools(), (status.texts() if not status.missing.all() else ax.nulls(raw.n))


#: Canonical text fields taken as the source writes them.
TEXT_FIELDS = (
    "address",
    "township_code",
    "village_code",
    "grid_code",
    "owner_unit",
    "police_unit",
    "management_unit",
    "uplink",
)


def text_fields(raw: RawColumns, notes: Notes) -> dict[str, Any]:
    """:data:`TEXT_FIELDS` as given, and ``install_date`` as ISO text (a date not understood keeps
    its text, with a warning)."""
    out: dict[str, Any] = {name: raw.get(name) for name in TEXT_FIELDS}
    install = raw.get("install_date")
    if raw.has("install_date"):
        dates = codes(install, parse_date, notes, "install date")
        table = [
            d if d is not None else t for d, t in zip(dates.table, dates.uniques, strict=False)
        ]
        out["install_date"] = ax.series(Parsed(dates.codes, table).texts(), pd.RangeIndex(raw.n))
    else:
        out["install_date"] = install
    return out


def mandatory_coordinates(point_class: Any, have: np.ndarray, notes: Notes) -> None:
    """Warn where a class I/II point has no coordinates (mandatory in GB/T 28181-2022)."""
    pc_arr = np.asarray(pd.Series(point_class).fillna(0).to_numpy(), dtype=np.int64)
    mandatory = np.isin(pc_arr, [1, 2]) & ~have & ~notes.refused
    notes.warn(mandatory, "class I/II point without coordinates (mandatory in GB/T 28181-2022)")
