"""Benchmark: ``sync wvp`` of a platform with 100,000 channels, from its MariaDB database.

    SHARPEYES_TEST_MYSQL_URL=mysql+pymysql://sharpeyes:sharpeyes@127.0.0.1:3306/sharpeyes_wvp \\
        python benchmarks/sync.py [--channels 100000]

Fills a fresh database with wvp's ``device``/``device_channel`` tables (the DDL of
``tests/platform/wvp_data.py``; 100 NVRs) and times two syncs into a fresh SQLite store: the first
(every channel new: read, normalise, merge, status of every channel) and the second after 1 % of the
channels changed status and 0.1 % were renamed (incremental: only those merged). Goal: < 60 s each.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from _util import gib, peak_rss_bytes  # noqa: E402

from sharpeyes.jobs.sync import sync_wvp  # noqa: E402
from sharpeyes.store import Store  # noqa: E402
from tests.platform import wvp_data as w  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=100_000)
    args = parser.parse_args()
    base = os.environ.get("SHARPEYES_TEST_MYSQL_URL")
    if not base:
        sys.exit("set SHARPEYES_TEST_MYSQL_URL (scripts/start-services.sh starts MariaDB)")
    devices = 100
    per_device = max(1, args.channels // devices)
    admin = sa.create_engine(make_url(base).set(database=None), isolation_level="AUTOCOMMIT")
    name = f"wvp_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4"))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        t0 = time.perf_counter()
        devs, chans = w.platform(devices, per_device, seed=1)
        w.fill(url, devs, chans)
        print(f"filled {len(chans):,} channels in {time.perf_counter() - t0:.1f} s")
        with tempfile.TemporaryDirectory() as folder:
            store = Store.open(str(Path(folder) / "bench.db"))
            t = time.perf_counter()
            first = sync_wvp(store, url)
            first_s = time.perf_counter() - t
            print(
                f"first sync: {first['channels']:,} channels ({first['added']:,} added) in "
                f"{first_s:.1f} s (read {first['read_seconds']:.1f} s); goal < 60 s"
            )
            ids = [c["channelId"] for c in chans]
            t_ = w.CHANNEL
            engine = sa.create_engine(url)
            with engine.begin() as conn:
                conn.execute(
                    t_.update()
                    .where(t_.c.channelId.in_(ids[::100]))
                    .values(status=1 - t_.c.status, updateTime="2026-11-02 00:00:00")
                )
                conn.execute(
                    t_.update()
                    .where(t_.c.channelId.in_(ids[5::1000]))
                    .values(name=t_.c.name + " 改", updateTime="2026-11-02 00:00:00")
                )
            engine.dispose()
            t = time.perf_counter()
            second = sync_wvp(store, url)
            second_s = time.perf_counter() - t
            print(
                f"second sync: {second['merged']:,} merged, {second['changed']:,} changed, "
                f"{len(second['status_changed']):,} status changes in {second_s:.1f} s; goal < 60 s"
            )
            print(f"peak memory {gib(peak_rss_bytes())}")
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
        admin.dispose()


if __name__ == "__main__":
    main()
