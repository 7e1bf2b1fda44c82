"""The camera index persisted beside the store, so a server (or each of its workers) starts in
milliseconds: the arrays of :class:`~sharpeyes.api.index.CameraIndex` as ``.npy`` files opened
memory-mapped (the workers share one copy in the page cache).

A folder per cameras version (``cameras-<hash>/``) is built once, when an import or an edit changed
the cameras, by whichever process needs it first (a file lock keeps the others waiting); it is written
under a temporary name and renamed, so a reader never sees half an index. The verdicts of the last
finished health run are a small file per health version beside it. Older versions are removed.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sqlalchemy.engine import make_url

from sharpeyes.api.index import CameraIndex, arrays_from_frame, verdict_codes
from sharpeyes.jobs import reads
from sharpeyes.settings import Settings

if TYPE_CHECKING:
    from sharpeyes.store import Store

log = logging.getLogger("sharpeyes.api")

#: Bumped when the files' layout changes (old folders are then rebuilt).
FORMAT = 1


def cache_root(settings: Settings, store: Store) -> Path:
    """Where the index and the tile cache live: ``settings.cache_dir``, else ``<store file>.cache``
    beside a SQLite file, else ``~/.cache/sharpeyes/<hash of the URL>`` (no password in it)."""
    url = make_url(store.engine.url.render_as_string(hide_password=True))
    key = hashlib.sha1(str(url).encode()).hexdigest()[:12]
    if settings.cache_dir:
        return Path(settings.cache_dir).expanduser() / key
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        path = Path(url.database).expanduser().resolve()
        return path.with_name(path.name + ".cache")
    if url.get_backend_name() == "sqlite":
        return Path(tempfile.gettempdir()) / f"sharpeyes-{os.getpid()}-{key}"
    return Path("~/.cache/sharpeyes").expanduser() / key


def _digest(text: str) -> str:
    return hashlib.sha1(f"{FORMAT}:{text}".encode()).hexdigest()[:16]


@contextmanager
def _locked(root: Path) -> Iterator[None]:
    root.mkdir(parents=True, exist_ok=True)
    with open(root / "build.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


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


def _build_arrays(store: Store, folder: Path) -> None:
    columns = [
        "device_id", "lon", "lat", "point_class", "status", "networked",
        "admin_code", "township_code", "village_code",
    ]  # fmt: skip
    frame = pd.DataFrame(reads.index_columns(store, columns))
    if frame.empty:
        frame = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    arrays, categories = arrays_from_frame(frame)
    tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=folder.parent))
    for name in CameraIndex.ARRAYS:
        np.save(tmp / f"{name}.npy", arrays[name], allow_pickle=False)
    (tmp / "meta.json").write_text(
        json.dumps({"categories": categories, "cameras": len(frame)}), encoding="utf-8"
    )
    try:
        tmp.rename(folder)
    except OSError:  # another process renamed its copy first
        shutil.rmtree(tmp, ignore_errors=True)


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


def _prune(root: Path, keep: set[str]) -> None:
    for old in root.iterdir():
        if old.name.startswith(("cameras-", "verdicts-")) and old.name not in keep:
            if old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
            else:
                old.unlink(missing_ok=True)


def open_index(store: Store, root: Path, versions: dict[str, str]) -> CameraIndex:
    """The camera index of ``versions`` (``Store.versions()``): loaded from ``root``, built first
    when the cameras (or, for the verdicts, the health runs) changed since it was written."""
    cameras_key = _digest(versions["cameras"])
    folder = root / f"cameras-{cameras_key}"
    verdict_path = root / f"verdicts-{_digest(cameras_key + versions['health'])}.npy"
    index = _load_arrays(folder)
    if index is None or not verdict_path.exists():
        with _locked(root):
            start = time.perf_counter()
            index = _load_arrays(folder)
            if index is None:
                _build_arrays(store, folder)
                index = _load_arrays(folder)
                assert index is not None
                log.info(
                    "camera index built: %d cameras in %.1f s",
                    len(index),
                    time.perf_counter() - start,
                )
            index.set_verdicts(_verdicts(store, index, verdict_path))
            _prune(root, {folder.name, verdict_path.name, "tiles"})
            return index
    index.set_verdicts(np.load(verdict_path, mmap_mode="r", allow_pickle=False))
    return index
