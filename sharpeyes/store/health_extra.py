"""Health persistence beyond the core tables: reference views per picture mode, the last
*finished* run (what reports, the API and the map read), a run by night.

Plain functions over a :class:`~sharpeyes.store.Store` (kept apart from ``repository.py``). The day
reference view is the store's ``reference_frames`` row (:meth:`Store.reference_frame`); other
modes (``ir``) are in ``reference_frames_by_mode`` (migration 0003).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from sharpeyes._errors import InputError
from sharpeyes.store import schema as s

#: Picture modes that have a reference view of their own.
MODES = ("day", "ir")


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise InputError(
            f"unknown picture mode {mode!r} (one of {', '.join(MODES)})", field="mode", value=mode
        )


def set_reference(store: Any, device_id: str, jpeg: bytes, *, mode: str = "day") -> None:
    """Keep ``jpeg`` as the camera's reference view for ``mode`` (``day`` or ``ir``)."""
    _check_mode(mode)
    if mode == "day":
        store.set_reference_frame(device_id, jpeg)
        return
    t = s.reference_frames_by_mode
    with store.db.write() as conn:
        conn.execute(t.delete().where(t.c.device_id == device_id, t.c.mode == mode))
        conn.execute(
            t.insert().values(
                device_id=device_id,
                mode=mode,
                jpeg=bytes(jpeg),
                updated_at=datetime.now(UTC).isoformat(timespec="seconds"),
            )
        )


def references(store: Any, device_id: str) -> dict[str, bytes | None]:
    """The camera's reference views by mode (``None`` where it has none)."""
    t = s.reference_frames_by_mode
    out: dict[str, bytes | None] = dict.fromkeys(MODES)
    out["day"] = store.reference_frame(device_id)
    with store.db.read() as conn:
        for mode, jpeg in conn.execute(
            sa.select(t.c.mode, t.c.jpeg).where(t.c.device_id == device_id)
        ).all():
            out[str(mode)] = bytes(jpeg)
    return out


def finished_runs(store: Any) -> pd.DataFrame:
    """The finished health runs (``store.health_runs()`` rows with ``finished_at``), oldest first."""
    runs: pd.DataFrame = store.health_runs()
    if runs.empty:
        return runs
    return runs[runs["finished_at"].notna()].reset_index(drop=True)


def last_finished_run(store: Any, *, night: str | None = None) -> int | None:
    """The ``run_id`` of the newest finished run (of ``night``, an ISO date, if given)."""
    runs = finished_runs(store)
    if night is not None and not runs.empty:
        runs = runs[runs["night"].astype(str) == str(night)]
    return None if runs.empty else int(runs["run_id"].iloc[-1])


def finished_results(
    store: Any, *, night: str | None = None, include_snapshots: bool = False
) -> tuple[int | None, pd.DataFrame]:
    """``(run_id, results)`` of the newest finished run (a run killed half-way, or still going,
    is never what a report reads); an empty frame before any finished run."""
    run_id = last_finished_run(store, night=night)
    if run_id is None:
        empty = store.health_results(include_snapshots=include_snapshots).iloc[0:0]
        return None, empty
    return run_id, store.health_results(run_id, include_snapshots=include_snapshots)
