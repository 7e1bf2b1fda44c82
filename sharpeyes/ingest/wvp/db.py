"""Read a wvp-GB28181-pro database (MySQL/MariaDB or PostgreSQL), read-only and paged.

The tables are found by name (``wvp_device_channel``/``wvp_device`` since 2.6.9, ``device_channel``/
``device`` before) and their columns by reflection, so a platform version that lacks a column is
read without it. Everything is read in one ``REPEATABLE READ, READ ONLY`` transaction (one snapshot:
a channel that moves between pages while we read cannot be seen twice or missed), in pages of
``page_rows`` ordered by the primary key.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, make_url

from sharpeyes._errors import ConfigError, InputError
from sharpeyes.ingest.wvp.channels import ChannelPage, fold

CHANNEL_TABLES = ("wvp_device_channel", "device_channel")
DEVICE_TABLES = ("wvp_device", "device")


def _engine(url: str) -> sa.Engine:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in ("mysql", "mariadb", "postgresql"):
        raise ConfigError(
            f"wvp database {parsed.render_as_string(hide_password=True)}: use a mysql+pymysql:// "
            "or postgresql+psycopg:// URL (the two databases wvp supports)"
        )
    args: dict[str, Any] = {"connect_timeout": 10}
    return sa.create_engine(parsed, connect_args=args, pool_pre_ping=True)


def _pick(names: list[str], wanted: tuple[str, ...], what: str, where: str) -> str:
    for name in wanted:
        if name in names:
            return name
    raise InputError(
        f"no {what} table ({' or '.join(wanted)}): is this a wvp-GB28181-pro database?", file=where
    )


def _pages(
    conn: Connection, table: sa.Table, stmt: sa.Select[Any], page_rows: int
) -> Iterator[list[dict[str, Any]]]:
    """Rows of ``stmt`` in pages: keyset on the primary key where there is one, else OFFSET."""
    pk = list(table.primary_key.columns)
    names = [c.name for c in stmt.selected_columns]
    if len(pk) == 1:
        key = pk[0]
        position = names.index(key.name)
        last: Any = None
        while True:
            page = stmt.order_by(key).limit(page_rows)
            if last is not None:
                page = page.where(key > last)
            rows = conn.execute(page).all()
            if not rows:
                return
            yield [dict(zip(names, r, strict=True)) for r in rows]
            last = rows[-1][position]
    else:
        order = pk or [table.c[names[0]]]
        offset = 0
        while True:
            rows = conn.execute(stmt.order_by(*order).limit(page_rows).offset(offset)).all()
            if not rows:
                return
            yield [dict(zip(names, r, strict=True)) for r in rows]
            offset += len(rows)


def read_platform_db(
    url: str, *, page_rows: int = 20_000
) -> tuple[list[dict[str, Any]], list[ChannelPage]]:
    """Devices and channel pages of the wvp database at ``url`` (a SQLAlchemy URL).

    Raises :class:`sharpeyes.InputError` naming the database when it cannot be reached or holds
    no wvp tables; the database is never written.
    """
    engine = _engine(url)
    where = engine.url.render_as_string(hide_password=True)
    try:
        with engine.connect() as conn:
            # the first statement of the (auto-begun) transaction: one read-only snapshot
            conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            names = sa.inspect(conn).get_table_names()
            channel_name = _pick(names, CHANNEL_TABLES, "channel", where)
            device_name = _pick(names, DEVICE_TABLES, "device", where)
            meta = sa.MetaData()
            channels = sa.Table(channel_name, meta, autoload_with=conn)
            devices = sa.Table(device_name, meta, autoload_with=conn)
            device_rows = [
                r for page in _pages(conn, devices, sa.select(devices), page_rows) for r in page
            ]
            stmt = _channel_select(channels, devices)
            pages = [
                ChannelPage(records=rows, label=f"{channel_name} page {n}")
                for n, rows in enumerate(_pages(conn, channels, stmt, page_rows), 1)
            ]
            conn.rollback()
    except sa.exc.SQLAlchemyError as exc:
        raise InputError(
            f"cannot read the wvp database: {exc.__class__.__name__}: "
            f"{str(getattr(exc, 'orig', exc)).splitlines()[0][:300]}",
            file=where,
        ) from None
    finally:
        engine.dispose()
    return device_rows, pages


def _channel_select(channels: sa.Table, devices: sa.Table) -> sa.Select[Any]:
    """All channel columns; on 2.7.2+ (no channel_id, a data_device_id) the parent device's GB ID
    joined in as ``parentDeviceId`` (only GB/T 28181 channels, ``data_type`` 1)."""
    folded = {fold(c.name): c for c in channels.columns}
    if "channelid" in folded or "datadeviceid" not in folded:
        return sa.select(channels)
    device_gb = {fold(c.name): c for c in devices.columns}.get("deviceid")
    device_pk = list(devices.primary_key.columns)
    if device_gb is None or len(device_pk) != 1:
        return sa.select(channels)
    stmt = sa.select(channels, device_gb.label("parentDeviceId")).select_from(
        channels.outerjoin(devices, folded["datadeviceid"] == device_pk[0])
    )
    if "datatype" in folded:
        stmt = stmt.where(folded["datatype"] == 1)
    return stmt
