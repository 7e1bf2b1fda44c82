"""Local tile archives for a basemap with no internet: PMTiles (read by the ``pmtiles`` package) and
MBTiles (SQLite), served by the app at ``/tiles/base/{z}/{x}/{y}``.

Tiles are addressed the XYZ way (Web Mercator, EPSG:3857; ``y`` counted from the north), as Leaflet
asks for them; MBTiles stores rows the TMS way (from the south) and is flipped here. An archive is
opened once, when the app is made, so a missing or unreadable file is a one-line
:class:`~sharpeyes.ConfigError` at start, not a grey map later.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Final

from sharpeyes._errors import ConfigError

#: Content type of each tile format.
MEDIA_TYPES: Final = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "webp": "image/webp",
    "avif": "image/avif",
    "pbf": "application/x-protobuf",
}
#: Formats the map page draws as a Leaflet tile layer (vector tiles are served, not drawn).
RASTER_FORMATS: Final = frozenset({"png", "jpg", "webp", "avif"})


@dataclass
class TileArchive:
    """One opened archive: what it holds (``format``, zooms, WGS-84 ``bounds``) and :meth:`tile`."""

    path: Path
    kind: str  # "pmtiles" or "mbtiles"
    format: str  # a key of MEDIA_TYPES
    min_zoom: int
    max_zoom: int
    #: (west, south, east, north) in WGS-84 degrees, or None when the archive does not say
    bounds: tuple[float, float, float, float] | None
    attribution: str
    #: "gzip" when the archive keeps tiles compressed (vector tiles usually), else None
    encoding: str | None = None
    _read: Any = field(default=None, repr=False)
    _close: Any = field(default=None, repr=False)

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]

    @property
    def raster(self) -> bool:
        return self.format in RASTER_FORMATS

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The tile at XYZ ``z/x/y`` as stored (``None`` when the archive has none there)."""
        if z < 0 or not (0 <= x < 1 << z and 0 <= y < 1 << z):
            return None
        data: bytes | None = self._read(z, x, y)
        return data

    def describe(self) -> dict[str, Any]:
        """What the map page needs to draw the archive (a JSON-able dict)."""
        return {
            "url": "/tiles/base/{z}/{x}/{y}",
            "format": self.format,
            "raster": self.raster,
            "minZoom": self.min_zoom,
            "maxZoom": self.max_zoom,
            "bounds": list(self.bounds) if self.bounds else None,
            "attribution": self.attribution,
        }

    def close(self) -> None:
        if self._close is not None:
            self._close()


def open_archive(path: str | Path) -> TileArchive:
    """Open a ``.pmtiles`` or ``.mbtiles`` file (by its suffix; else by its first bytes).

    Raises
    ------
    ConfigError
        The file does not exist, is neither kind, or cannot be read; the message names
        ``SHARPEYES_BASEMAP`` and the file.
    """
    p = Path(path).expanduser()
    if not p.is_file():
        raise ConfigError(f"SHARPEYES_BASEMAP: no such file: {p}")
    with p.open("rb") as f:
        head = f.read(16)
    try:
        if p.suffix.lower() == ".pmtiles" or head.startswith(b"PMTiles"):
            return _open_pmtiles(p)
        if p.suffix.lower() == ".mbtiles" or head.startswith(b"SQLite format 3"):
            return _open_mbtiles(p)
    except ConfigError:
        raise
    except Exception as exc:  # a damaged archive: say which file, not a traceback
        raise ConfigError(f"SHARPEYES_BASEMAP: cannot read {p}: {exc}") from None
    raise ConfigError(f"SHARPEYES_BASEMAP: {p} is neither a .pmtiles nor a .mbtiles archive")


def _open_pmtiles(p: Path) -> TileArchive:
    from pmtiles.reader import MmapSource, Reader
    from pmtiles.tile import Compression, TileType

    handle: BinaryIO = p.open("rb")
    source = MmapSource(handle)  # type: ignore[no-untyped-call]  # pmtiles: no hints
    reader = Reader(source)  # type: ignore[no-untyped-call]
    header = reader.header()  # type: ignore[no-untyped-call]
    kinds = {
        TileType.PNG: "png",
        TileType.JPEG: "jpg",
        TileType.WEBP: "webp",
        TileType.AVIF: "avif",
        TileType.MVT: "pbf",
    }
    fmt = kinds.get(header["tile_type"])
    if fmt is None:
        handle.close()
        raise ConfigError(f"SHARPEYES_BASEMAP: {p}: tile type {header['tile_type']} not served")
    try:
        metadata = reader.metadata()  # type: ignore[no-untyped-call]
    except Exception:  # metadata is optional for serving
        metadata = {}
    bounds = (
        header["min_lon_e7"] / 1e7,
        header["min_lat_e7"] / 1e7,
        header["max_lon_e7"] / 1e7,
        header["max_lat_e7"] / 1e7,
    )
    lock = threading.Lock()

    def read(z: int, x: int, y: int) -> bytes | None:
        with lock:  # the reader re-reads the header on each call: cheap, but not re-entrant
            data = reader.get(z, x, y)  # type: ignore[no-untyped-call]
        return None if data is None else bytes(data)

    def close() -> None:
        handle.close()

    return TileArchive(
        path=p,
        kind="pmtiles",
        format=fmt,
        min_zoom=int(header["min_zoom"]),
        max_zoom=int(header["max_zoom"]),
        bounds=bounds if bounds[0] < bounds[2] and bounds[1] < bounds[3] else None,
        attribution=str(metadata.get("attribution") or ""),
        encoding="gzip" if header["tile_compression"] == Compression.GZIP else None,
        _read=read,
        _close=close,
    )


def _open_mbtiles(p: Path) -> TileArchive:
    conn = sqlite3.connect(f"file:{p}?mode=ro", uri=True, check_same_thread=False)
    try:
        meta = dict(conn.execute("SELECT name, value FROM metadata").fetchall())
        zooms = conn.execute("SELECT min(zoom_level), max(zoom_level) FROM tiles").fetchone()
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise ConfigError(f"SHARPEYES_BASEMAP: {p} is not an MBTiles file ({exc})") from None
    fmt = {"jpeg": "jpg", "pbf": "pbf", "mvt": "pbf"}.get(
        str(meta.get("format", "png")).lower(), str(meta.get("format", "png")).lower()
    )
    if fmt not in MEDIA_TYPES:
        conn.close()
        raise ConfigError(f"SHARPEYES_BASEMAP: {p}: tile format {fmt!r} not served")
    lock = threading.Lock()

    def read(z: int, x: int, y: int) -> bytes | None:
        with lock:
            row = conn.execute(
                "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                (z, x, (1 << z) - 1 - y),
            ).fetchone()
        return None if row is None else bytes(row[0])

    sample = read_first(conn) if fmt == "pbf" else None
    return TileArchive(
        path=p,
        kind="mbtiles",
        format=fmt,
        min_zoom=int(meta.get("minzoom", zooms[0] if zooms[0] is not None else 0)),
        max_zoom=int(meta.get("maxzoom", zooms[1] if zooms[1] is not None else 0)),
        bounds=_bounds(meta.get("bounds")),
        attribution=str(meta.get("attribution") or ""),
        encoding="gzip" if sample is not None and sample[:2] == b"\x1f\x8b" else None,
        _read=read,
        _close=conn.close,
    )


def read_first(conn: sqlite3.Connection) -> bytes | None:
    """Any one tile of an MBTiles file (to see whether vector tiles are gzipped)."""
    row = conn.execute("SELECT tile_data FROM tiles LIMIT 1").fetchone()
    return None if row is None else bytes(row[0])


def _bounds(text: Any) -> tuple[float, float, float, float] | None:
    """MBTiles ``bounds`` metadata ("west,south,east,north" degrees; JSON list accepted)."""
    if not text:
        return None
    try:
        values = json.loads(text) if str(text).startswith("[") else str(text).split(",")
        west, south, east, north = (float(v) for v in values)
    except (ValueError, TypeError):
        return None
    return (west, south, east, north) if west < east and south < north else None


__all__ = ["MEDIA_TYPES", "TileArchive", "open_archive"]
