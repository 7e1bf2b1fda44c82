"""wvp-GB28181-pro's tables, written here from the columns its SQL init scripts document, and a
generator of a platform's devices and channels.

The tables are those of wvp up to 2.6.8 (``数据库``/``sql/mysql.sql``): ``device`` and
``device_channel`` with camelCase columns (``channelId``, ``deviceId``, ``civilCode``, ``parentId``,
``PTZType``, ``status`` int 1/0, ``createTime``/``updateTime`` as text). Declared with SQLAlchemy so
the same DDL runs on MariaDB and PostgreSQL, the two databases wvp supports.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sqlalchemy as sa

meta = sa.MetaData()

DEVICE = sa.Table(
    "device",
    meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("deviceId", sa.String(50), nullable=False, unique=True),
    sa.Column("name", sa.String(255)),
    sa.Column("manufacturer", sa.String(255)),
    sa.Column("model", sa.String(255)),
    sa.Column("firmware", sa.String(255)),
    sa.Column("transport", sa.String(50)),
    sa.Column("streamMode", sa.String(50)),
    sa.Column("online", sa.String(50)),
    sa.Column("registerTime", sa.String(50)),
    sa.Column("keepaliveTime", sa.String(50)),
    sa.Column("ip", sa.String(50), nullable=False),
    sa.Column("createTime", sa.String(50), nullable=False),
    sa.Column("updateTime", sa.String(50), nullable=False),
    sa.Column("port", sa.Integer, nullable=False),
    sa.Column("expires", sa.Integer, nullable=False),
    sa.Column("subscribeCycleForCatalog", sa.Integer, nullable=False),
    sa.Column("hostAddress", sa.String(50), nullable=False),
    sa.Column("charset", sa.String(50), nullable=False),
)

CHANNEL = sa.Table(
    "device_channel",
    meta,
    sa.Column("channelId", sa.String(50), primary_key=True),
    sa.Column("name", sa.String(255)),
    sa.Column("manufacture", sa.String(50)),
    sa.Column("model", sa.String(50)),
    sa.Column("owner", sa.String(50)),
    sa.Column("civilCode", sa.String(50)),
    sa.Column("block", sa.String(50)),
    sa.Column("address", sa.String(50)),
    sa.Column("parentId", sa.String(50)),
    sa.Column("safetyWay", sa.Integer),
    sa.Column("registerWay", sa.Integer),
    sa.Column("certNum", sa.String(50)),
    sa.Column("certifiable", sa.Integer),
    sa.Column("errCode", sa.Integer),
    sa.Column("endTime", sa.String(50)),
    sa.Column("secrecy", sa.String(50)),
    sa.Column("ipAddress", sa.String(50)),
    sa.Column("port", sa.Integer),
    sa.Column("password", sa.String(255)),
    sa.Column("PTZType", sa.Integer),
    sa.Column("status", sa.Integer),
    sa.Column("longitude", sa.Float(precision=53)),
    sa.Column("latitude", sa.Float(precision=53)),
    sa.Column("streamId", sa.String(50)),
    sa.Column("deviceId", sa.String(50), primary_key=True),
    sa.Column("parental", sa.String(50)),
    sa.Column("hasAudio", sa.Boolean),
    sa.Column("createTime", sa.String(50), nullable=False),
    sa.Column("updateTime", sa.String(50), nullable=False),
    sa.Column("subCount", sa.Integer, server_default="0"),
)

T0 = "2026-11-01 08:00:00"


def device_id(d: int) -> str:
    """An NVR's 20-digit ID (type 118) under centre 21120200 (Tieling)."""
    return f"21120200001180{d:06d}"


def channel_id(d: int, i: int) -> str:
    """An IP camera's ID (type 132) of device ``d``."""
    return f"21120200001320{d:02d}{i:04d}"


def platform(
    devices: int, per_device: int, *, seed: int = 0
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows of ``device`` and ``device_channel`` (camelCase keys, as the REST records too)."""
    rng = np.random.default_rng(seed)
    devs = [
        {
            "deviceId": device_id(d),
            "name": f"NVR-{d:03d}",
            "manufacturer": "Hikvision",
            "model": "DS-9632",
            "transport": "UDP",
            "streamMode": "UDP",
            "online": "1",
            "ip": f"10.21.{d // 250}.{d % 250 + 1}",
            "createTime": T0,
            "updateTime": T0,
            "port": 5060,
            "expires": 3600,
            "subscribeCycleForCatalog": 0,
            "hostAddress": f"10.21.{d // 250}.{d % 250 + 1}:5060",
            "charset": "GB2312",
        }
        for d in range(devices)
    ]
    lon = rng.uniform(123.6, 124.0, devices * per_device)
    lat = rng.uniform(42.1, 42.4, devices * per_device)
    online = rng.random(devices * per_device) < 0.9
    chans = []
    for d in range(devices):
        for i in range(per_device):
            k = d * per_device + i
            chans.append(
                {
                    "channelId": channel_id(d, i),
                    "deviceId": device_id(d),
                    "name": f"铁岭 {d:03d}-{i:04d} 路口",
                    "manufacture": "Hikvision",
                    "model": "DS-2CD3T47",
                    "owner": "铁岭市公安局",
                    "civilCode": "211202",
                    "address": f"银州区 {k} 号",
                    "parentId": device_id(d),
                    "PTZType": [1, 3, 2][k % 3],
                    "status": int(online[k]),
                    "longitude": round(float(lon[k]), 6),
                    "latitude": round(float(lat[k]), 6),
                    "password": "cam-pass",
                    "parental": "0",
                    "createTime": T0,
                    "updateTime": T0,
                    "subCount": 0,
                }
            )
    return devs, chans


def fill(url: str, devices: list[dict[str, Any]], channels: list[dict[str, Any]]) -> None:
    """Create the wvp tables at ``url`` and insert the rows."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        meta.drop_all(conn)
        meta.create_all(conn)
        conn.execute(DEVICE.insert(), devices)
        for start in range(0, len(channels), 10_000):
            conn.execute(CHANNEL.insert(), channels[start : start + 10_000])
    engine.dispose()


def execute(url: str, statement: Any, rows: Any = None) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(statement, rows) if rows is not None else conn.execute(statement)
    engine.dispose()
