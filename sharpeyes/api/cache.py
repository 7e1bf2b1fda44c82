"""A small read cache for the API: values loaded from the store, refreshed in the background.

Results of analyses change nightly and on imports, while the map asks for them many times a second.
Each value is loaded once, served from memory, and reloaded in a background thread once it is older
than ``ttl_s`` (the stale value keeps being served meanwhile). Writes through the API invalidate the
cache at once; writes by other processes (a CLI import, the nightly job) show within ``ttl_s`` seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

log = logging.getLogger("sharpeyes.api")


@dataclass
class _Entry:
    value: Any
    loaded_at: float
    refreshing: bool = False


class ReadCache:
    """Values by key, each loaded by a loader function and refreshed after ``ttl_s`` seconds."""

    def __init__(self, ttl_s: float = 10.0) -> None:
        self.ttl_s = ttl_s
        self._entries: dict[str, _Entry] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._generation = 0

    def _lock(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def get(self, key: str, loader: Callable[[], T]) -> T:
        """The cached value of ``key``, loading it now if absent (other callers wait for that load)."""
        entry = self._entries.get(key)
        if entry is None:
            with self._lock(key):
                entry = self._entries.get(key)
                if entry is None:
                    generation = self._generation
                    entry = _Entry(loader(), time.monotonic())
                    if generation == self._generation:
                        self._entries[key] = entry
            return entry.value  # type: ignore[no-any-return]
        if time.monotonic() - entry.loaded_at > self.ttl_s and not entry.refreshing:
            entry.refreshing = True
            threading.Thread(
                target=self._refresh, args=(key, loader, entry), daemon=True, name=f"cache:{key}"
            ).start()
        return entry.value  # type: ignore[no-any-return]

    def _refresh(self, key: str, loader: Callable[[], Any], old: _Entry) -> None:
        generation = self._generation
        try:
            value = loader()
        except Exception:  # a failed refresh keeps the old value and is retried later
            log.exception("refreshing %s failed", key)
            old.loaded_at = time.monotonic()
            old.refreshing = False
            return
        if generation == self._generation and self._entries.get(key) is old:
            self._entries[key] = _Entry(value, time.monotonic())

    def peek(self, key: str) -> Any:
        """The value cached under ``key`` now, or ``None`` (never loads)."""
        entry = self._entries.get(key)
        return None if entry is None else entry.value

    def invalidate(self) -> None:
        """Forget every value (after a write through the API)."""
        with self._guard:
            self._generation += 1
            self._entries.clear()
