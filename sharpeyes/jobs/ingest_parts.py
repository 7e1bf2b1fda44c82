"""One registry read in parts for :func:`sharpeyes.jobs.ingest.import_file`: each part is read (inside
:func:`sharpeyes.ingest.files.reading`), its warnings collected, its relative file streams resolved
and its rejects masked when the store asks for it, so that the store writes one part while the next
is validated (:func:`sharpeyes.store.part_writes.import_camera_parts`). The parts concatenated are what
the whole-file reader gives.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from sharpeyes.ingest import ReadOptions
from sharpeyes.ingest.files import reading
from sharpeyes.ingest.parts import Part, camera_parts
from sharpeyes.ingest.warning_rows import warning_records

Fix = Callable[[pd.DataFrame], None]
Mask = Callable[[pd.DataFrame], pd.DataFrame]


class RegistryParts:
    """The (cameras, rejects) parts of the registry at ``path``; iterate once. ``fix`` edits each
    part's cameras in place (after its warnings were taken), ``mask`` makes each part's rejects."""

    def __init__(self, path: Path, options: ReadOptions, fmt: str, fix: Fix, mask: Mask) -> None:
        self.path = path
        self.fix, self.mask = fix, mask
        self.warnings: list[dict[str, Any]] = []
        self.rejects: list[pd.DataFrame] = []
        self.source: str | None = None
        self.read_s = 0.0
        self._parts = camera_parts(path, options, fmt=fmt)
        self._ahead: list[Part] = []

    def first_source(self) -> str | None:
        """The source the reader gave the cameras (parts are read until one has a camera)."""
        while self.source is None:
            part = self._next()
            if part is None:
                break
            self._ahead.append(part)
        return self.source

    def all_rejects(self) -> pd.DataFrame:
        """The rejects of every part read, masked."""
        shown = [r for r in self.rejects if len(r)]
        if not shown:
            return self.rejects[0] if self.rejects else pd.DataFrame()
        return shown[0] if len(shown) == 1 else pd.concat(shown, ignore_index=True)

    def _next(self) -> Part | None:
        started = time.perf_counter()
        with reading(self.path, "camera registry"):
            try:
                cameras, rejects = next(self._parts)
            except StopIteration:
                return None
        self.warnings.extend(warning_records(cameras))
        self.fix(cameras)
        rejects = self.mask(rejects)
        self.rejects.append(rejects)
        if self.source is None:
            named = cameras["source"].dropna()
            self.source = str(named.iloc[0]) if len(named) else None
        self.read_s += time.perf_counter() - started
        return cameras, rejects

    def __iter__(self) -> Iterator[Part]:
        while self._ahead:
            yield self._ahead.pop(0)
        while (part := self._next()) is not None:
            yield part
