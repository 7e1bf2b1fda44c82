"""Benchmark: a 1,000,000-row CSV camera registry into a validated SQLite inventory, end to end.

    python benchmarks/ingest.py [--rows 1000000] [--baseline-rows 100000] [--repeat 3]
                                [--pg-url postgresql+psycopg://user:pw@host/db]

Generates a deterministic registry (Chinese headers, the columns a contractor's sheet has, about 3 %
bad rows: 19-digit IDs, IDs with letters, text in the coordinates, unknown point classes), then
times ``read_cameras`` (reader + validation) and ``Store.import_cameras`` (one transaction) into a fresh
SQLite file, and prints rows/s and peak resident memory beside a row-by-row baseline measured in the
same process: ``csv.DictReader`` rows validated one by one as dicts with the same code tables, then
inserted with ``executemany`` in one transaction. Goal: ≥ 150,000 rows/s with peak memory < 4 GiB.

Then the same file imported again into the filled SQLite store (unchanged: every camera skipped by
its row hash), and, with ``--pg-url`` (default ``SHARPEYES_TEST_PG_URL``), the same import into a
fresh PostGIS database made on that server (``COPY``), dropped afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import gc
import os
import re
import sqlite3
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _stages import StageClock, report
from _util import gib, measure, median_runs, peak_rss_bytes, reset_peak_rss

HEADERS = [
    "序号",
    "设备编码",
    "设备名称",
    "监控点位类型",
    "摄像机类型",
    "经度",
    "纬度",
    "监视方位",
    "分辨率",
    "联网属性",
    "设备状态",
    "安装地址",
    "所属辖区公安机关",
    "管理单位",
    "安装日期",
    "视频流地址",
]

_COUNTIES = np.array(["211202", "211204", "211221", "211223", "211224", "211281", "211282"])
_CLASSES = np.array(["一类", "二类", "三类", "1", "2", "3", "I", "II", "III", "一类点"])
_TYPES = np.array(["球机", "半球", "固定枪机", "遥控枪机", "卡口枪机"])
_DIRECTIONS = np.array(["东", "西", "南", "北", "东南", "东北", "西南", "西北", "全向"])
_RES = np.array(["1920*1080", "1080P", "720P", "D1", "2560x1440", "4K", "CIF"])
_NET = np.array(["已联网", "未联网", "是", "否", "1", "0"])
_STATUS = np.array(["在用", "在用", "在用", "维修", "拆除"])
_TOWNS = np.array(["银州街道", "红旗街道", "工人街道", "铁西街道", "岭东街道", "龙首街道"])


def generate_registry(path: Path, rows: int, *, seed: int = 20261122) -> dict[str, int]:
    """Write a deterministic registry CSV of ``rows`` cameras; returns how many rows were made bad."""
    rng = np.random.default_rng(seed)
    county = _COUNTIES[rng.integers(0, len(_COUNTIES), rows)]
    serial = np.arange(rows)
    kind = np.where(rng.random(rows) < 0.5, "131", "132")
    pieces: list[Any] = [
        pd.Series(np.full(rows, "00")),
        pd.Series(np.full(rows, "00")),
        pd.Series(kind),
        pd.Series(np.full(rows, "0")),
        pd.Series([f"{s % 1_000_000:06d}" for s in serial]),
    ]
    ids = pd.Series(county).str.cat(pieces)
    # make IDs unique beyond 1,000,000 serials by varying the basic unit digits
    unit = pd.Series([f"{(s // 1_000_000) % 100:02d}" for s in serial])
    ids = ids.str.slice(0, 6) + unit + ids.str.slice(8)
    lon = np.round(123.6 + rng.random(rows) * 0.9, 6).astype(str)
    lat = np.round(42.0 + rng.random(rows) * 0.9, 6).astype(str)
    frame = pd.DataFrame(
        {
            "序号": serial + 1,
            "设备编码": ids,
            "设备名称": [f"铁岭市监控点{s}" for s in serial],
            "监控点位类型": _CLASSES[rng.integers(0, len(_CLASSES), rows)],
            "摄像机类型": _TYPES[rng.integers(0, len(_TYPES), rows)],
            "经度": lon,
            "纬度": lat,
            "监视方位": _DIRECTIONS[rng.integers(0, len(_DIRECTIONS), rows)],
            "分辨率": _RES[rng.integers(0, len(_RES), rows)],
            "联网属性": _NET[rng.integers(0, len(_NET), rows)],
            "设备状态": _STATUS[rng.integers(0, len(_STATUS), rows)],
            "安装地址": [f"{_TOWNS[s % len(_TOWNS)]}{s % 997}号路口" for s in serial],
            "所属辖区公安机关": pd.Series(county) + "000000",
            "管理单位": "铁岭市公安局",
            "安装日期": [f"20{15 + s % 9}-{1 + s % 12:02d}-{1 + s % 28:02d}" for s in serial],
            "视频流地址": [
                f"rtsp://10.{s % 200}.{(s // 200) % 250}.{s % 250}:554/live" for s in serial
            ],
        }
    )
    # ~3 % bad rows, of four kinds
    bad = rng.random(rows) < 0.03
    which = rng.integers(0, 4, rows)
    short_id = bad & (which == 0)
    letters = bad & (which == 1)
    bad_lon = bad & (which == 2)
    bad_class = bad & (which == 3)
    frame.loc[short_id, "设备编码"] = frame.loc[short_id, "设备编码"].str.slice(0, 19)
    frame.loc[letters, "设备编码"] = frame.loc[letters, "设备编码"].str.slice(0, 17) + "ABC"
    frame.loc[bad_lon, "经度"] = "东经123度"
    frame.loc[bad_class, "监控点位类型"] = "五类"
    frame.to_csv(path, index=False, encoding="utf-8")
    return {"bad_rows": int(bad.sum())}


# -- the row-by-row baseline -----------------------------------------------------------------------
_ID = re.compile(r"^\d{20}$")


def baseline_import(path: Path, db: Path, rows: int) -> dict[str, int]:
    """Validate row by row as dicts with the same code tables, then one executemany transaction."""
    from sharpeyes.model.codes import (
        parse_camera_type,
        parse_direction,
        parse_networked,
        parse_point_class,
        parse_resolution_lines,
        parse_status,
    )
    from sharpeyes.model.urls import split_credentials

    good: list[tuple[Any, ...]] = []
    rejects: list[tuple[Any, ...]] = []
    with open(path, encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            if line - 1 > rows:
                break
            problems = []
            device = (row.get("设备编码") or "").strip()
            if not _ID.match(device):
                problems.append(("设备编码", device, "not a 20-digit GB/T 28181 ID"))
            try:
                lon = float(row["经度"])
                lat = float(row["纬度"])
                if not (73 <= lon <= 136 and 3 <= lat <= 54):
                    problems.append(("经度", row["经度"], "outside China"))
            except (TypeError, ValueError):
                problems.append(("经度", row["经度"], "not a number"))
                lon = lat = float("nan")
            point_class = parse_point_class(row["监控点位类型"])
            if point_class is None:
                problems.append(("监控点位类型", row["监控点位类型"], "unknown point class"))
            if problems:
                rejects.extend((str(path), line, c, v, r) for c, v, r in problems)
                continue
            lines = parse_resolution_lines(row["分辨率"])
            url, _user, _password = split_credentials(row["视频流地址"])
            good.append(
                (
                    device,
                    row["设备名称"],
                    point_class,
                    parse_camera_type(row["摄像机类型"]),
                    lon,
                    lat,
                    parse_direction(row["监视方位"]),
                    lines,
                    None if lines is None else lines >= 1080,
                    parse_networked(row["联网属性"]),
                    parse_status(row["设备状态"]),
                    row["安装地址"],
                    device[:6],
                    row["所属辖区公安机关"],
                    row["管理单位"],
                    row["安装日期"],
                    url,
                )
            )
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute(
        "CREATE TABLE cameras (device_id TEXT PRIMARY KEY, name TEXT, point_class INTEGER, "
        "camera_type INTEGER, lon REAL, lat REAL, heading REAL, resolution INTEGER, is_hd INTEGER, "
        "networked INTEGER, status TEXT, address TEXT, admin_code TEXT, police_unit TEXT, "
        "management_unit TEXT, install_date TEXT, stream_url TEXT)"
    )
    conn.execute(
        "CREATE TABLE rejects (file TEXT, row INTEGER, column TEXT, value TEXT, reason TEXT)"
    )
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT OR REPLACE INTO cameras VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        good,
    )
    conn.executemany("INSERT INTO rejects VALUES (?, ?, ?, ?, ?)", rejects)
    conn.execute("CREATE INDEX ix_lon_lat ON cameras (lon, lat)")
    conn.execute("COMMIT")
    conn.close()
    return {"accepted": len(good), "refused": len({r[1] for r in rejects})}


# -- sharpeyes, end to end -------------------------------------------------------------------------
def sharpeyes_import(
    path: Path,
    db: Path | str,
    *,
    stages: list[Any] | None = None,
    clock: StageClock | None = None,
) -> dict[str, int]:
    """Reader + validation + store, as ``sharpeyes import`` does it: the file read in parts that
    the store writes while the next is validated (``db``: a SQLite file or URL, already migrated:
    opening it is not timed); ``clock``: CPU seconds per stage go there."""
    from sharpeyes.ingest.parts import camera_parts
    from sharpeyes.store import Store
    from sharpeyes.store.part_writes import import_camera_parts

    store = Store.open(db if isinstance(db, str) else f"sqlite:///{db}")
    reader = _Timed(camera_parts(path, fmt="csv", source="benchmark"))
    try:
        with clock.clocked() if clock is not None else contextlib.nullcontext():
            start, cpu0 = time.perf_counter(), _cpu()
            result = import_camera_parts(store, reader, source="benchmark", file=str(path))
            total_s, cpu1 = time.perf_counter() - start, _cpu()
    finally:
        store.close()
    read_s, read_cpu = reader.seconds, reader.cpu
    if clock is not None:
        clock.finish(read_cpu, cpu1 - cpu0 - read_cpu)
    (STAGES if stages is None else stages).append(
        (read_s, total_s - read_s, read_cpu, cpu1 - cpu0 - read_cpu)
    )
    return {
        "accepted": result.accepted,
        "refused": result.refused,
        "warned": result.warned,
        "inserted": result.inserted,
        "unchanged": result.unchanged,
    }


class _Timed:
    """The reader's parts, with the wall and process CPU seconds spent making them (as
    ``sharpeyes import`` reads them: the store writes one part while the next is made, so the
    CPU seconds of the store's writer thread during the reader count here too)."""

    def __init__(self, parts: Any) -> None:
        self.parts, self.seconds, self.cpu = iter(parts), 0.0, 0.0

    def __iter__(self) -> _Timed:
        return self

    def __next__(self) -> Any:
        start, cpu = time.perf_counter(), _cpu()
        try:
            return next(self.parts)
        finally:
            self.seconds += time.perf_counter() - start
            self.cpu += _cpu() - cpu


def _cpu() -> float:
    """CPU seconds of this process so far, every thread, user + system."""
    times = os.times()
    return times.user + times.system


def _load() -> str:
    return "load average " + ", ".join(f"{x:.1f}" for x in os.getloadavg())


#: (reader + validation seconds, store seconds, their CPU seconds) of each run of
#: :func:`sharpeyes_import`.
STAGES: list[tuple[float, float, float, float]] = []


def _medians(stages: Sequence[tuple[float, ...]]) -> tuple[float, ...]:
    """The median of each field over the runs."""
    return tuple(sorted(run[k] for run in stages)[len(stages) // 2] for k in range(len(stages[0])))


def _split_text(stages: Sequence[tuple[float, ...]]) -> str:
    read_s, store_s, read_cpu, store_cpu = _medians(stages)
    return (
        f"main thread in the reader + validation {read_s:.2f} s ({read_cpu:.2f} CPU-s of the "
        f"process, the store's writer beside it), the store's own {store_s:.2f} s "
        f"({store_cpu:.2f} CPU-s)"
    )


def reimport(registry: Path, db: Path, rows: int, repeat: int) -> None:
    """The same file again into the filled store: every camera unchanged, skipped by row hash."""
    stages: list[tuple[float, float, float, float]] = []
    counts: dict[str, int] = {}

    def again() -> None:
        counts.update(sharpeyes_import(registry, db, stages=stages))
        gc.collect()

    seconds, _peak, runs = median_runs(again, repeat)
    print(
        f"re-import of the unchanged file into the filled store: median {seconds:.2f} s of "
        f"{', '.join(f'{x:.2f}' for x in runs)} → {rows / seconds:,.0f} rows/s "
        f"({_split_text(stages)}); inserted {counts['inserted']:,}, "
        f"unchanged {counts['unchanged']:,} [{_load()}]"
    )


def postgis(registry: Path, url: str, rows: int, repeat: int) -> None:
    """The same import into a fresh PostGIS database on the server of ``url`` (COPY)."""
    import uuid

    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    base = make_url(url)
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    stages: list[tuple[float, float, float, float]] = []
    counts: dict[str, int] = {}

    def once() -> None:
        name = f"sharpeyes_bench_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        target = base.set(database=name)
        engine = sa.create_engine(target)
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
        engine.dispose()
        try:
            counts.update(
                sharpeyes_import(
                    registry, target.render_as_string(hide_password=False), stages=stages
                )
            )
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        gc.collect()

    try:
        median_runs(once, repeat)
    finally:
        admin.dispose()
    store_s = _medians(stages)[1]
    runs = sorted(r + x for r, x, _, _ in stages)
    seconds = runs[len(runs) // 2]
    print(
        f"sharpeyes (reader + validation + PostGIS store, COPY): median {seconds:.2f} s of "
        f"{', '.join(f'{r + x:.2f}' for r, x, _, _ in stages)} → {rows / seconds:,.0f} rows/s end "
        f"to end ({_split_text(stages)} → {rows / store_s:,.0f} rows/s into PostGIS; the database "
        f"is created and migrated outside the timing); inserted {counts['inserted']:,} [{_load()}]"
    )


def _fresh(folder: Path, name: str, *, migrated: bool = False) -> Path:
    """An empty database file (``migrated``: with the store's schema, made outside any timing)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{folder / name}{suffix}").unlink(missing_ok=True)
    if migrated:
        from sharpeyes.store import Store

        Store.open(f"sqlite:///{folder / name}").close()
    return folder / name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the registry")
    parser.add_argument(
        "--baseline-rows",
        type=int,
        default=None,
        help="rows the row-by-row baseline processes (default: same as --rows up to 200,000)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the median is shown")
    parser.add_argument("--workdir", type=Path, default=None, help="where files go (default: temp)")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("SHARPEYES_TEST_PG_URL"),
        help="a PostGIS server (a fresh database is made there and dropped); none: skipped",
    )
    args = parser.parse_args(argv)
    import sharpeyes.ingest
    import sharpeyes.store  # noqa: F401 - imported before any timing, as a running service has them

    baseline_rows = args.baseline_rows or min(args.rows, 200_000)

    with tempfile.TemporaryDirectory(prefix="sharpeyes-bench-") as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        registry = work / f"registry-{args.rows}.csv"
        start = time.perf_counter()
        if args.workdir and registry.exists():  # the generator is deterministic: reuse it
            made = "reused from --workdir"
        else:
            bad = generate_registry(registry, args.rows)["bad_rows"]
            made = f"{bad:,} bad rows, generated in {time.perf_counter() - start:.1f} s"
        size_mb = registry.stat().st_size / 2**20
        print(f"registry: {args.rows:,} rows, {size_mb:,.0f} MiB ({made}) [{_load()}]")
        gc.collect()

        counts: dict[str, int] = {}
        target: list[Path] = []

        clocks: list[StageClock] = []

        def ours() -> None:
            clocks.append(StageClock())
            counts.update(sharpeyes_import(registry, target.pop(), clock=clocks[-1]))
            gc.collect()

        reset_peak_rss()
        ours_all: list[float] = []
        ours_peak = 0.0
        for _ in range(max(1, args.repeat)):
            target.append(_fresh(work, "bench.db", migrated=True))
            _, seconds, peak = measure(ours)
            ours_all.append(seconds)
            ours_peak = max(ours_peak, float(peak))
        ours_s = sorted(ours_all)[len(ours_all) // 2]
        ours_rate = args.rows / ours_s
        print(
            f"sharpeyes (reader + validation + SQLite store): median {ours_s:.2f} s of "
            f"{', '.join(f'{s:.2f}' for s in ours_all)} → {ours_rate:,.0f} rows/s, "
            f"peak memory {gib(ours_peak)}; accepted {counts['accepted']:,}, "
            f"warned {counts['warned']:,}, refused {counts['refused']:,} [{_load()}]"
        )
        read_cpu, store_cpu = _medians(STAGES)[2:]
        print(
            f"  of which {_split_text(STAGES)}; the empty store is created and migrated outside "
            f"the timing; {args.rows / (read_cpu + store_cpu):,.0f} rows per CPU-second"
        )
        print("  CPU seconds per stage (median of the runs):")
        print("\n".join(report(clocks, args.rows)))

        reimport(registry, work / "bench.db", args.rows, args.repeat)
        if args.pg_url:
            postgis(registry, args.pg_url, args.rows, args.repeat)
        else:
            print("PostGIS: skipped (no --pg-url / SHARPEYES_TEST_PG_URL)")

        base_counts: dict[str, int] = {}

        def baseline() -> None:
            base_counts.update(
                baseline_import(registry, _fresh(work, "baseline.db"), baseline_rows)
            )
            gc.collect()

        base_s, base_peak, base_all = median_runs(baseline, args.repeat)
        base_rate = baseline_rows / base_s
        print(
            f"baseline (row-by-row dict validation + executemany) on {baseline_rows:,} rows: median "
            f"{base_s:.2f} s of {', '.join(f'{s:.2f}' for s in base_all)} → {base_rate:,.0f} rows/s, "
            f"peak memory {gib(base_peak)}; accepted {base_counts['accepted']:,}, "
            f"refused {base_counts['refused']:,} [{_load()}]"
        )
        print(
            f"ratio: {ours_rate / base_rate:.1f}× the baseline's rows/s; {ours_rate:,.0f} rows/s "
            f"against the goal 300,000 (floor 150,000): "
            f"{'goal MET' if ours_rate >= 300_000 else 'floor MET' if ours_rate >= 150_000 else 'NOT met'}"
            f", peak < 4 GiB "
            f"{'MET' if ours_peak < 4 * 2**30 else 'NOT met'} "
            f"(process peak so far {gib(peak_rss_bytes())})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
