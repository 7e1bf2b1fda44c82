"""The camera index persisted beside the store, so a server (or each of its workers) starts in
milliseconds: the arrays of :class:`~sharpeyes.api.index.CameraIndex` as ``.npy`` files opened
memory-mapped (the workers share one copy in the page cache).

The folders are built by :mod:`sharpeyes.jobs.camera_index` — at the end of an import, or here by
whichever process needs one first when no import did (a file lock keeps the others waiting; it is
written under a temporary name and renamed, so a reader never sees half an index). The verdicts of
the last finished health run are a small file per health version beside it. Older versions are
removed.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sharpeyes.api.index import CameraIndex, verdict_codes
from sharpeyes.jobs import reads
from sharpeyes.jobs.camera_index import (
    cache_root,
    digest,
    ensure_index,
    index_folder,
    locked,
    prune,
)

if TYPE_CHECKING:
    from sharpeyes.store import Store

__all__ = ["cache_root", "open_index"]

log = logging.getLogger("sharpeyes.api")


def _load_arrays(folder: Path) -> CameraIndex | None:
    meta_path = folder / "meta.json"
    if not meta_path.exists():
        return None
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    arrays = {
        name: np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)
        for name in CameraIndex.ARRAYS
    }
    return CameraIndex.from_arrays(arrays, meta["categories"])


def _verdicts(store: Store, index: CameraIndex, path: Path) -> np.ndarray:
    if path.exists():
        return np.load(path, mmap_mode="r", allow_pickle=False)  # type: ignore[no-any-return]
    series = reads.last_verdicts(store)
    codes = (
        verdict_codes(index.device_id, series)
        if series is not None and len(series)
        else np.zeros(len(index), dtype=np.int8)
    )
    tmp = path.with_name(f".{path.name}.{os.getpid()}.npy")
    np.save(tmp, codes, allow_pickle=False)
    os.replace(tmp, path)
    return codes


def open_index(store: Store, root: Path, versions: dict[str, str]) -> CameraIndex:
    """The camera index of ``versions`` (``Store.versions()``): loaded from ``root``, built first
    when no import built it for these cameras (and the verdicts when the health runs changed)."""
    folder = index_folder(root, versions)
    verdict_path = root / f"verdicts-{digest(folder.name + versions['health'])}.npy"
    index = _load_arrays(folder)
    if index is None or not verdict_path.exists():
        folder = ensure_index(store, root, versions)
        index = _load_arrays(folder)
        assert index is not None
        with locked(root):
            index.set_verdicts(_verdicts(store, index, verdict_path))
            prune(root, {folder.name, verdict_path.name, "tiles"})
        return index
    index.set_verdicts(np.load(verdict_path, mmap_mode="r", allow_pickle=False))
    return index
