"""Persistence of video-platform syncs: the merge of the platform's channels and its status history.

Functions over a :class:`~sharpeyes.store.Store` (kept apart from the repository so that the store's
camera code stays as it is). :func:`record_sync` is ONE transaction: the cameras are merged through
the store's own import (normalised frame, change log, rejects), the channels the platform no longer
lists are logged as ``remove`` changes, and every channel's ``online``/``offline`` status is kept with
the sync — so a sync that fails at any step leaves nothing behind.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from sharpeyes._errors import StoreError
from sharpeyes.store import schema as s

if TYPE_CHECKING:
    from sharpeyes.store.repository import ImportResult, Store

_STATUS_COLUMNS = ("sync_id", "device_id", "wvp_device_id", "status", "update_time")


def _now() -> str:
    return datetime.now(UTC).isoformat()


def last_sync(store: Store, platform: str) -> dict[str, Any] | None:
    """The newest sync of ``platform``: ``sync_id``, ``synced_at``, ``max_update_time``, or None."""
    t = s.platform_syncs
    stmt = (
        sa.select(t.c.sync_id, t.c.synced_at, t.c.max_update_time)
        .where(t.c.platform == platform)
        .order_by(t.c.sync_id.desc())
        .limit(1)
    )
    with store.engine.connect() as conn:
        row = conn.execute(stmt).first()
    return None if row is None else dict(row._mapping)


def sync_status(store: Store, sync_id: int) -> pd.DataFrame:
    """Channels and their status at one sync: ``device_id, wvp_device_id, status, update_time``."""
    t = s.platform_status
    stmt = sa.select(t.c.device_id, t.c.wvp_device_id, t.c.status, t.c.update_time).where(
        t.c.sync_id == sync_id
    )
    with store.engine.connect() as conn:
        rows = conn.execute(stmt.order_by(t.c.status_id)).all()
    return pd.DataFrame.from_records(rows, columns=list(_STATUS_COLUMNS[1:]), coerce_float=False)


def record_sync(
    store: Store,
    cameras: pd.DataFrame,
    rejects: pd.DataFrame,
    status: pd.DataFrame,
    *,
    platform: str,
    source: str,
    max_update_time: str | None,
    summary: dict[str, Any],
    removed: list[str],
) -> tuple[int, ImportResult]:
    """Merge ``cameras`` and keep ``status`` as one new sync of ``platform``, in one transaction.

    Returns (sync_id, the store's :class:`~sharpeyes.store.ImportResult`). ``removed`` lists the
    channels of the previous sync the platform no longer has; each gets a ``remove`` change
    (``field`` ``source``, ``before`` the source name). Raises :class:`sharpeyes.StoreError` (nothing
    kept) when the database refuses the write.
    """
    now = _now()
    try:
        with store.db.write() as conn:
            # the store's own import, inside this transaction (not a second one)
            result = store._imports._import(conn, cameras, rejects, source, platform, None)
            sync_id = _insert_sync(conn, platform, result.import_id, now, max_update_time, summary)
            rows = [
                (sync_id, *r)
                for r in status[list(_STATUS_COLUMNS[1:])].astype(object).itertuples(index=False)
            ]
            rows = [
                tuple(None if v is None or v is pd.NA or v != v else v for v in r) for r in rows
            ]
            if rows:
                store.db.executemany(
                    conn,
                    "INSERT INTO platform_status (sync_id, device_id, wvp_device_id, status, "
                    "update_time) VALUES (?, ?, ?, ?, ?)",
                    rows,
                )
            if removed:
                store.db.executemany(
                    conn,
                    "INSERT INTO changes (import_id, device_id, action, field, before, after, "
                    "changed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        (result.import_id, d, "remove", "source", json.dumps(source), None, now)
                        for d in removed
                    ],
                )
    except sa.exc.SQLAlchemyError as exc:
        raise StoreError(
            f"sync of {platform} failed and was rolled back: {exc.__class__.__name__}: "
            f"{str(exc).splitlines()[0]}"
        ) from None
    return sync_id, result


def _insert_sync(
    conn: sa.Connection,
    platform: str,
    import_id: int | None,
    now: str,
    max_update_time: str | None,
    summary: dict[str, Any],
) -> int:
    stmt = (
        s.platform_syncs.insert()
        .values(
            platform=platform,
            import_id=import_id,
            synced_at=now,
            max_update_time=max_update_time,
            summary=json.dumps(summary, ensure_ascii=False, default=str),
        )
        .returning(s.platform_syncs.c.sync_id)
    )
    return int(conn.execute(stmt).scalar_one())


def platform_syncs(store: Store, platform: str | None = None) -> pd.DataFrame:
    """Every sync, oldest first: ``sync_id, platform, import_id, synced_at, max_update_time, summary``."""
    t = s.platform_syncs
    stmt = sa.select(t).order_by(t.c.sync_id)
    if platform is not None:
        stmt = stmt.where(t.c.platform == platform)
    with store.engine.connect() as conn:
        rows = conn.execute(stmt).all()
    frame = pd.DataFrame.from_records(rows, columns=[c.name for c in t.columns], coerce_float=False)
    frame["summary"] = [json.loads(v) if v else None for v in frame["summary"]]
    return frame


def latest_platform_status(store: Store) -> pd.DataFrame:
    """Each channel's status at the newest sync of its platform.

    Columns ``device_id, status, platform, synced_at`` (one row per device; where two platforms list
    the same channel, the newer sync wins).
    """
    syncs, status = s.platform_syncs, s.platform_status
    newest = (
        sa.select(sa.func.max(syncs.c.sync_id).label("sync_id"))
        .group_by(syncs.c.platform)
        .subquery()
    )
    stmt = (
        sa.select(status.c.device_id, status.c.status, syncs.c.platform, syncs.c.synced_at)
        .select_from(status.join(syncs, syncs.c.sync_id == status.c.sync_id))
        .where(status.c.sync_id.in_(sa.select(newest.c.sync_id)))
        .order_by(status.c.sync_id, status.c.status_id)
    )
    with store.engine.connect() as conn:
        rows = conn.execute(stmt).all()
    frame = pd.DataFrame.from_records(
        rows, columns=["device_id", "status", "platform", "synced_at"], coerce_float=False
    )
    return frame.drop_duplicates("device_id", keep="last").reset_index(drop=True)


def status_changes(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Channels whose status differs between two syncs: ``device_id, before, after``."""
    old = before.drop_duplicates("device_id").set_index("device_id")["status"]
    new = after.drop_duplicates("device_id").set_index("device_id")["status"]
    both = old.index.intersection(new.index)
    o = old.reindex(both).astype(object)
    n = new.reindex(both).astype(object)
    differ = np.asarray([a != b for a, b in zip(o, n, strict=True)], dtype=bool)
    return pd.DataFrame(
        {"device_id": list(both[differ]), "before": list(o[differ]), "after": list(n[differ])}
    )
