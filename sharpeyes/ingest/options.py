"""Options of the camera readers: one :class:`ReadOptions` for every reader, resolved with the
mapping file into the :class:`Options` that normalisation applies."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, TypedDict

from sharpeyes._errors import ConfigError
from sharpeyes.ingest.mapping import ColumnMapping, load_mapping
from sharpeyes.model.codes import HD_MIN_LINES
from sharpeyes.model.crs import SOURCE_CRS

#: Expected area when the caller gives none: the bounding box in which GCJ-02 applies (China),
#: (min lon, min lat, max lon, max lat) in WGS-84 degrees.
CHINA_BBOX: Final = (72.004, 0.8293, 137.8347, 55.8271)


@dataclass(frozen=True)
class ReadOptions:
    """What every camera reader takes (:func:`sharpeyes.ingest.read_cameras` and the four readers).

    Attributes
    ----------
    crs
        Coordinate system of the source's longitude/latitude: ``wgs84``, ``cgcs2000``, ``gcj02``
        (Amap, Tencent) or ``bd09`` (Baidu); converted to WGS-84.
    mapping
        A mapping file (TOML/JSON, see :mod:`sharpeyes.ingest.mapping`) or a loaded mapping.
    source
        Source name written in ``source`` (default: the mapping's ``source``, else the file name).
    hd_min_lines
        Vertical resolution in lines at and above which a camera is HD.
    one_means_networked
        How the source codes 联网属性 0/1 (True: 1 = networked).
    progress
        Show a progress bar on stderr for workbooks with many sheets.
    source_rows
        Add a column ``row``: each camera's 1-based row in its source, so that its warnings can be
        told by row (the import job does; the store does not keep it).
    """

    crs: str = "wgs84"
    mapping: str | Path | ColumnMapping | None = None
    source: str | None = None
    hd_min_lines: int = HD_MIN_LINES
    one_means_networked: bool = True
    progress: bool = False
    source_rows: bool = False


class ReadOptionsFields(TypedDict, total=False):
    """The fields of :class:`ReadOptions` as keyword arguments (``read_cameras(path, crs="gcj02")``)."""

    crs: str
    mapping: str | Path | ColumnMapping | None
    source: str | None
    hd_min_lines: int
    one_means_networked: bool
    progress: bool
    source_rows: bool


def read_options(options: ReadOptions | None, overrides: Mapping[str, Any]) -> ReadOptions:
    """``options`` (default :class:`ReadOptions`) with the keyword ``overrides`` applied.

    Raises ``TypeError`` for a keyword that is not a field of :class:`ReadOptions`.
    """
    base = options if options is not None else ReadOptions()
    if not overrides:
        return base
    known = {f.name for f in dataclasses.fields(ReadOptions)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise TypeError(f"unknown reader option(s): {', '.join(unknown)}")
    return dataclasses.replace(base, **overrides)


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
    source_rows: bool = False


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


def options_for(
    read: ReadOptions,
    mapping: ColumnMapping,
    *,
    default_bbox: tuple[float, float, float, float] | None = CHINA_BBOX,
) -> Options:
    """The :class:`Options` of one reader: ``read`` with the (reader-adjusted) loaded ``mapping``."""
    resolved = resolve_options(
        crs=read.crs,
        mapping=mapping,
        source=read.source,
        hd_min_lines=read.hd_min_lines,
        one_means_networked=read.one_means_networked,
        default_bbox=default_bbox,
    )
    return dataclasses.replace(resolved, source_rows=read.source_rows)


def loaded_mapping(read: ReadOptions) -> ColumnMapping:
    """The mapping of ``read`` loaded (a path read, a loaded one as it is, none as the default)."""
    return load_mapping(read.mapping)
