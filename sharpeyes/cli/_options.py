"""Options checked before any work: choices, coordinate systems, output formats and folders.

Each check runs first in its command, before a store is opened or a heavy module imported, and
raises :class:`~sharpeyes.ConfigError` with one line naming the option, the value and what is
allowed (the CLI prints it and exits 1). The allowed values are the tables below, which the help
shows as the options' metavars (``csv|xlsx|geojson|gpkg``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from sharpeyes._errors import ConfigError
from sharpeyes.model.codes import ADMIN_LEVELS, POINT_CLASSES, parse_point_class

LEVELS: Final = tuple(str(k) for k in ADMIN_LEVELS)
#: The levels a unit file or a report can name: the administrative ones and the grids below them.
UNIT_LEVELS: Final = (*LEVELS, "grid")
POINT_CLASS_CODES: Final = tuple(int(k) for k in POINT_CLASSES)
#: Copies of tables that live in modules too heavy to import for a check (a test keeps them equal).
#: Coordinate systems of a registry's longitude/latitude (:data:`sharpeyes.model.crs.SOURCE_CRS`).
SOURCE_CRS: Final = ("wgs84", "cgcs2000", "gcj02", "bd09")
#: Registry formats of ``sharpeyes import`` (:data:`sharpeyes.ingest.read.FORMATS`).
IMPORT_FORMATS: Final = ("auto", "csv", "xlsx", "gb28181", "geojson", "gpkg", "shp", "osm")
EXPORT_FORMATS: Final = ("csv", "xlsx", "geojson", "gpkg")
REPORT_FORMATS: Final = ("xlsx", "csv", "json")
#: Languages of the report's headers and values (:data:`sharpeyes.model.labels.LANGS`).
LANGS: Final = ("zh", "en")
GAPS_FORMATS: Final = ("geojson", "gpkg", "csv")
PLAN_FORMATS: Final = ("csv", "geojson", "xlsx")
NETWORK_FORMATS: Final = ("json", "xlsx")
AREA_METHODS: Final = ("exact", "fast", "none")
HD_SOURCES: Final = ("registry", "stream")
ROLES: Final = ("viewer", "editor", "admin")

#: What each output extension can hold.
_SUFFIX_FORMATS: Final = {
    ".csv": ("csv",),
    ".xlsx": ("xlsx",),
    ".json": ("json", "geojson"),
    ".geojson": ("geojson",),
    ".gpkg": ("gpkg",),
}
_EPSG = re.compile(r"^epsg:\d{4,6}$", re.IGNORECASE)


def metavar(allowed: Sequence[object]) -> str:
    """``csv|xlsx|geojson|gpkg``: how the help shows an option's allowed values."""
    return "|".join(str(a) for a in allowed)


def _refuse(option: str, value: object, allowed: Sequence[object], what: str) -> ConfigError:
    shown = ", ".join(str(a) for a in allowed)
    return ConfigError(f"{option} {value!r}: unknown {what}; use one of {shown}")


#: What each checked option names, for its message ("unknown level").
_WHAT: Final = {
    "--level": "level",
    "--per-unit": "level",
    "--format": "format",
    "--area": "area method",
    "--hd-source": "HD source",
    "--role": "role",
}


def choice(option: str, value: str | None, allowed: Sequence[str]) -> str | None:
    """``value`` (lower-cased) if it is one of ``allowed``; ``None`` stays ``None``."""
    if value is None:
        return None
    key = value.strip().lower()
    if key not in allowed:
        raise _refuse(option, value, allowed, _WHAT.get(option, "value"))
    return key


def point_class(option: str, value: str | None) -> int | None:
    """A point class given as ``1``/``I``/``一类`` … as its code (1, 2, 3, 4 or 9)."""
    if value is None:
        return None
    code = parse_point_class(value)
    if code not in POINT_CLASS_CODES:
        raise _refuse(option, value, POINT_CLASS_CODES, "point class")
    return code


def crs(option: str, value: str, *, epsg: bool) -> str:
    """A registry coordinate system (and, where ``epsg``, any ``EPSG:xxxx`` that pyproj knows)."""
    key = value.strip().lower().replace("-", "").replace("_", "")
    if key in SOURCE_CRS or key in ("epsg4326", "epsg4490"):
        return value
    allowed = [*SOURCE_CRS, "EPSG:<code>"] if epsg else list(SOURCE_CRS)
    if epsg and _EPSG.match(value.strip()):
        import pyproj

        try:
            pyproj.CRS.from_user_input(value.strip())
        except pyproj.exceptions.CRSError:
            raise _refuse(
                option, value, allowed, "coordinate system (pyproj knows no such code)"
            ) from None
        return value.strip()
    raise _refuse(option, value, allowed, "coordinate system")


def output_format(
    out: Path | None, fmt: str | None, allowed: Sequence[str], *, default: str
) -> str:
    """The format to write: ``--format`` if given (checked against ``-o``'s extension), else the
    one ``-o``'s extension names, else ``default``. A folder or a name without extension takes
    any format."""
    given = choice("--format", fmt, allowed)
    suffix = out.suffix.lower() if out is not None and not out.is_dir() else ""
    fits = [f for f in _SUFFIX_FORMATS.get(suffix, ()) if f in allowed]
    if given is not None:
        if suffix and given not in fits:
            raise ConfigError(
                f"-o {out} does not fit --format {given}: name the file "
                f"{_suffix_of(given)} or give the --format of its extension "
                f"(one of {', '.join(allowed)})"
            )
        return given
    if not suffix:
        return default
    if not fits:
        raise ConfigError(
            f"-o {out}: extension {suffix!r} is not one this command writes: use "
            + ", ".join(_suffix_of(f) for f in allowed)
            + " (or give --format)"
        )
    return fits[0]


def _suffix_of(fmt: str) -> str:
    return next(s for s, formats in _SUFFIX_FORMATS.items() if formats[0] == fmt)


def output_path(out: Path, *, mkdir: bool, folder: bool = False) -> Path:
    """Make sure ``out`` can be written: its folder exists, or is created when only that last
    folder is missing (every missing folder with ``--mkdir``). ``folder``: ``out`` may itself be a
    folder to write into (created the same way when it has no extension)."""
    target = out.expanduser().resolve()
    if target.is_dir():
        if not folder:
            raise ConfigError(f"-o {out} is a folder: give a file name")
        return target
    parent = target if folder and not target.suffix else target.parent
    if parent.is_dir():
        return target
    missing = [p for p in (parent, *parent.parents) if not p.exists()]
    if any(p.exists() and not p.is_dir() for p in (parent, *parent.parents)):
        raise ConfigError(f"-o {out}: a part of the path is a file, not a folder")
    if len(missing) > 1 and not mkdir:
        raise ConfigError(
            f"-o {out}: folder {missing[-1]} does not exist; give --mkdir to create {parent}"
        )
    parent.mkdir(parents=True, exist_ok=True)
    return target


_MONTH = re.compile(r"^\s*\d{4}-(0?[1-9]|1[0-2])\s*$")


def period(option: str, value: str | None, *, previous: bool = False) -> str | None:
    """A reporting period ``YYYY-MM`` (``previous`` allowed too where ``previous`` is true), as
    :func:`sharpeyes.coverage.trend.parse_period` reads it; ``None`` passes."""
    if value is None or (previous and value.strip().lower() == "previous"):
        return value
    if not _MONTH.match(value):
        also = " or previous" if previous else ""
        raise ConfigError(f"{option} {value!r}: not a month; use YYYY-MM (e.g. 2026-11){also}")
    return value
