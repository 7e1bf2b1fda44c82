"""Encoded map tiles cached per tile: an in-process LRU bounded in bytes, over an on-disk cache with
one folder per layer and store version (a new import or report makes a new folder; the old one is
removed). Every tile's ETag is derived from its layer, version and coordinates, so a browser's
``If-None-Match`` is answered 304 without building or reading the tile."""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path


def _digest(text: str, n: int = 16) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:n]


class TileCache:
    """Tiles by (layer, version, key) in memory (``max_bytes``) and under ``root/tiles`` on disk."""

    def __init__(self, root: Path | None, *, max_bytes: int = 64 * 2**20) -> None:
        self.root = None if root is None else root / "tiles"
        self.max_bytes = max_bytes
        self._memory: OrderedDict[tuple[str, str, str], bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self._folders: dict[str, str] = {}  # layer → the version folder in use

    @staticmethod
    def etag(layer: str, version: str, key: str) -> str:
        """The ETag of a tile (quoted, as HTTP wants it)."""
        return '"' + _digest(f"{layer}|{version}|{key}", 24) + '"'

    def peek(self, layer: str, version: str, key: str) -> bytes | None:
        """The tile if it is held in memory (no disk, no build), else ``None``."""
        slot = (layer, version, key)
        with self._lock:
            data = self._memory.get(slot)
            if data is not None:
                self._memory.move_to_end(slot)
            return data

    def get(self, layer: str, version: str, key: str, build: Callable[[], bytes]) -> bytes:
        """The tile, from memory, else from disk, else ``build()`` (then kept in both)."""
        data = self.peek(layer, version, key)
        if data is not None:
            return data
        path = self._path(layer, version, key)
        if path is not None and path.exists():
            data = path.read_bytes()
        else:
            data = build()
            if path is not None:
                self._write(path, data)
        self._remember((layer, version, key), data)
        return data

    def clear(self) -> None:
        """Forget the tiles held in memory (after a write through the API)."""
        with self._lock:
            self._memory.clear()
            self._size = 0

    def _remember(self, slot: tuple[str, str, str], data: bytes) -> None:
        with self._lock:
            if slot in self._memory:
                return
            self._memory[slot] = data
            self._size += len(data)
            while self._size > self.max_bytes and self._memory:
                _, old = self._memory.popitem(last=False)
                self._size -= len(old)

    def _path(self, layer: str, version: str, key: str) -> Path | None:
        if self.root is None:
            return None
        name = f"{layer}-{_digest(version)}"
        if self._folders.get(layer) != name:
            self._switch(layer, name)
        return self.root / name / (key.replace("/", os.sep) + ".mvt")

    def _switch(self, layer: str, name: str) -> None:
        """Use folder ``name`` for ``layer`` and remove the layer's folders of older versions."""
        assert self.root is not None
        self._folders[layer] = name
        if not self.root.exists():
            return
        for folder in self.root.iterdir():
            if folder.name.rsplit("-", 1)[0] == layer and folder.name != name:
                shutil.rmtree(folder, ignore_errors=True)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
            tmp.write_bytes(data)
            os.replace(tmp, path)
        except OSError:  # a full or read-only disk: the tile is still served from memory
            pass
