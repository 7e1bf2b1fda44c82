"""API and map speed with a large inventory (default 1,000,000 cameras), measured fairly (#19).

Builds a synthetic city of 7 counties × 15 townships × 14 villages (1,470 villages, around 124° E,
42° N) with ``--cameras`` cameras in a SQLite store (bulk import through the store), KPI rows for
every unit and gaps/network documents. Then:

- cold start: ``sharpeyes serve`` started twice, right after the import (the camera index is built)
  and again (the index is on disk), timed until /healthz, the first camera tile and the first KPIs;
- the server pinned with ``taskset`` to ``--server-cores`` and this process (the load generator)
  to ``--client-cores``, so the two do not fight over one core;
- for /healthz (the floor: the HTTP stack alone), the unit KPIs, a 1 km² bbox query, uncached camera
  tiles (z14/z15, each asked once) and cached ones (z11): throughput at saturation and p50/p95 with
  ``--clients`` clients (closed loop); p50/p95 at one fixed offered rate for all of them (open loop,
  latency counted from when each request was due); one client at a time;
- whole city-wide map views (every camera and township tile of zoom 9 at once), and the map page in
  headless Chromium until every visible tile is drawn.

Each figure is printed beside its goal (issue #19) and the /healthz floor; medians of ``--runs``.

    python benchmarks/api.py                   # 1,000,000 cameras
    python benchmarks/api.py --cameras 50000   # quick
"""

from __future__ import annotations

import argparse
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import httpx
import numpy as np
import pandas as pd
from shapely.geometry import box

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import benchmarks._load as _load
from sharpeyes.jobs.auth import ensure_admin_token
from sharpeyes.jobs.camera_index import cache_root, refresh_after_import
from sharpeyes.model.columns import CAMERA_COLUMNS, CAMERA_DTYPES, WGS84, empty_rejects
from sharpeyes.settings import Settings
from sharpeyes.store import Store

WEST, SOUTH, EAST, NORTH = 123.0, 41.5, 125.0, 43.0
COUNTIES, TOWNSHIPS, VILLAGES = 7, 15, 14
CITY_BBOX = f"{WEST - 0.3},{SOUTH - 0.2},{EAST + 0.3},{NORTH + 0.2}"


def unit_index(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """County, township and village index (0-based) of each point: nested strips."""
    c = np.clip(((lon - WEST) / (EAST - WEST) * COUNTIES).astype(int), 0, COUNTIES - 1)
    t = np.clip(((lat - SOUTH) / (NORTH - SOUTH) * TOWNSHIPS).astype(int), 0, TOWNSHIPS - 1)
    cw = (EAST - WEST) / COUNTIES
    v = np.clip(((lon - WEST - c * cw) / cw * VILLAGES).astype(int), 0, VILLAGES - 1)
    return c, t, v


def codes(c: Any, t: Any = None, v: Any = None) -> Any:
    county = 211200 + np.asarray(c) + 1
    if t is None:
        return county.astype(str)
    township = county.astype(np.int64) * 1000 + np.asarray(t) + 1
    if v is None:
        return township.astype(str)
    return (township * 1000 + np.asarray(v) + 1).astype(str)


def units() -> gpd.GeoDataFrame:
    """The city's counties, townships and villages as rectangles (EPSG:4326)."""
    rows: list[tuple[str, str, str, str | None, Any]] = []
    cw, th = (EAST - WEST) / COUNTIES, (NORTH - SOUTH) / TOWNSHIPS
    for c in range(COUNTIES):
        w = WEST + c * cw
        rows.append((str(codes(c)), f"县{c + 1}", "county", None, box(w, SOUTH, w + cw, NORTH)))
        for t in range(TOWNSHIPS):
            s = SOUTH + t * th
            rows.append(
                (
                    str(codes(c, t)),
                    f"县{c + 1}镇{t + 1}",
                    "township",
                    str(codes(c)),
                    box(w, s, w + cw, s + th),
                )
            )
            vw = cw / VILLAGES
            for v in range(VILLAGES):
                rows.append(
                    (
                        str(codes(c, t, v)),
                        f"县{c + 1}镇{t + 1}村{v + 1}",
                        "village",
                        str(codes(c, t)),
                        box(w + v * vw, s, w + (v + 1) * vw, s + th),
                    )
                )
    frame = pd.DataFrame(rows, columns=["code", "name", "level", "parent_code", "geometry"])
    frame["population"] = 3000.0
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=WGS84)


def cameras(n: int, offset: int, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """``n`` canonical cameras, denser near the county seats."""
    centre_lon = WEST + (np.arange(COUNTIES) + 0.5) * (EAST - WEST) / COUNTIES
    near = rng.random(n) < 0.6
    seat = rng.integers(0, COUNTIES, n)
    lon = np.where(near, rng.normal(centre_lon[seat], 0.05), rng.uniform(WEST, EAST, n))
    lat = np.where(near, rng.normal((SOUTH + NORTH) / 2, 0.05), rng.uniform(SOUTH, NORTH, n))
    lon, lat = np.clip(lon, WEST, EAST - 1e-9), np.clip(lat, SOUTH, NORTH - 1e-9)
    c, t, v = unit_index(lon, lat)
    point_class = rng.choice([1, 2, 3], n, p=[0.12, 0.18, 0.70])
    serial = np.arange(offset, offset + n)
    county = codes(c)
    device_id = np.char.add(np.char.add(county, "0000131"), np.char.zfill(serial.astype(str), 7))
    resolution = rng.choice([720, 1080], n)
    frame = pd.DataFrame(
        {
            "device_id": device_id,
            "name": np.char.add("点位", serial.astype(str)),
            "point_class": point_class,
            "camera_type": rng.choice([1, 2, 3], n),
            "lon": lon,
            "lat": lat,
            "heading_deg": rng.uniform(0, 360, n).round(0),
            "fov_deg": 90.0,
            "range_m": 50.0,
            "resolution": resolution,
            "is_hd": resolution >= 1080,
            "networked": rng.random(n) < 0.85,
            "status": "in_use",
            "address": None,
            "admin_code": county,
            "township_code": codes(c, t),
            "village_code": codes(c, t, v),
            "grid_code": None,
            "owner_unit": None,
            "police_unit": None,
            "management_unit": None,
            "install_date": None,
            "stream_url": None,
            "uplink": None,
            "source": "bench",
        }
    )
    frame = frame.astype({c: CAMERA_DTYPES[c] for c in CAMERA_COLUMNS})
    frame["id_valid"] = pd.array(np.ones(n, dtype=bool), dtype="boolean")
    for column in ("parent_id", "contact", "stream_user", "stream_password", "extra", "warnings"):
        frame[column] = pd.array([None] * n, dtype="string")
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(lon, lat), crs=WGS84)


def fc(geoms: list[Any], props: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": g.__geo_interface__, "properties": p}
            for g, p in zip(geoms, props, strict=True)
        ],
    }


def build_store(url: str, n: int, *, seed: int = 0) -> Store:
    """Create the benchmark store at ``url`` (units, ``n`` cameras in chunks, results)."""
    from shapely.geometry import LineString, Point

    rng = np.random.default_rng(seed)
    store = Store.open(url)
    unit_frame = units()
    store.replace_units(unit_frame)
    chunk = 200_000
    for offset in range(0, n, chunk):
        size = min(chunk, n - offset)
        start = time.perf_counter()
        store.import_cameras(
            cameras(size, offset, rng), empty_rejects(), source="bench", file=f"chunk{offset}"
        )
        print(
            f"  imported {offset + size:,} cameras ({time.perf_counter() - start:.1f} s)",
            file=sys.stderr,
        )
    rows = []
    for unit in unit_frame.itertuples():
        for cls in (None, 1, 2, 3):
            rows.append(
                {
                    "unit_code": unit.code,
                    "unit_name": unit.name,
                    "level": unit.level,
                    "point_class": cls,
                    "cameras": int(rng.integers(10, 1000)),
                    "networking_rate": float(rng.uniform(0.3, 1)),
                    "hd_ratio": float(rng.uniform(0.3, 1)),
                    "intact_rate": float(rng.uniform(0.3, 1)),
                    "village_coverage": float(rng.uniform(0.3, 1)),
                }
            )
    store.save_result("report", {"rows": rows})
    villages = unit_frame[unit_frame["level"] == "village"].sample(150, random_state=seed)
    places = [Point(rng.uniform(WEST, EAST), rng.uniform(SOUTH, NORTH)) for _ in range(300)]
    store.save_result(
        "gaps",
        {
            "villages": fc(
                list(villages.geometry),
                [{"code": c, "name": m} for c, m in zip(villages.code, villages.name, strict=True)],
            ),
            "places": fc(places, [{"name": f"学校{i}", "category": "school"} for i in range(300)]),
            "roads": fc([], []),
            "cells": fc([], []),
        },
    )
    links = [
        LineString([(rng.uniform(WEST, EAST), rng.uniform(SOUTH, NORTH)) for _ in range(2)])
        for _ in range(600)
    ]
    utilisation = rng.uniform(0, 1.1, 600)
    spof = [Point(rng.uniform(WEST, EAST), rng.uniform(SOUTH, NORTH)) for _ in range(60)]
    store.save_result(
        "network",
        {
            "layers": {
                "links": fc(
                    links,
                    [
                        {"load_mbps": 1000 * u, "capacity_mbps": 1000, "utilisation": u}
                        for u in utilisation
                    ],
                ),
                "spof": fc(
                    spof,
                    [
                        {"node_id": f"n{i}", "cameras_cut_off": int(rng.integers(10, 5000))}
                        for i in range(60)
                    ],
                ),
                "nodes": fc([], []),
            }
        },
    )
    return store


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The XYZ tile holding (lon, lat) at zoom ``z``."""
    n = 2**z
    phi = math.radians(lat)
    y = int((1 - math.log(math.tan(phi) + 1 / math.cos(phi)) / math.pi) / 2 * n)
    return int((lon + 180) / 360 * n), y


def view_tiles(z: int) -> list[tuple[int, int]]:
    """The tiles of a map view over the whole city at zoom ``z``."""
    (x0, y0), (x1, y1) = tile_of(WEST, NORTH, z), tile_of(EAST, SOUTH, z)
    return [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def start_server(
    db: Path | str, port: int, *, cores: str, workers: int, log: Path
) -> subprocess.Popen[bytes]:
    """``sharpeyes serve`` pinned to ``cores`` with ``taskset`` (when there is one)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHARPEYES_")}
    command = [sys.executable, "-m", "sharpeyes", "serve", "--db", str(db), "--port", str(port)]
    command += ["--workers", str(workers)]
    if shutil.which("taskset") and cores:
        command = ["taskset", "-c", cores, *command]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log.open("ab"))


def wait_for(base: str, path: str, token: str, *, timeout_s: float = 900) -> float:
    """Seconds until ``path`` answers 200."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout_s:
        try:
            response = httpx.get(
                base + path, headers={"Authorization": f"Bearer {token}"}, timeout=timeout_s
            )
            if response.status_code == 200:
                return time.perf_counter() - start
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise SystemExit(f"{path} did not answer within {timeout_s} s")


def cold_start(
    db: Path | str, token: str, *, cores: str, workers: int, log: Path
) -> dict[str, float]:
    """Seconds from ``sharpeyes serve`` until /healthz, the first camera tile and the first KPIs."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    x, y = tile_of((WEST + EAST) / 2, (SOUTH + NORTH) / 2, 9)
    start = time.perf_counter()
    server = start_server(db, port, cores=cores, workers=workers, log=log)
    try:
        healthz = wait_for(base, "/healthz", token)
        wait_for(base, f"/tiles/cameras/9/{x}/{y}.mvt", token)
        tile = time.perf_counter() - start
        wait_for(base, "/api/units?level=township", token)
        kpis = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(timeout=60)
    return {"healthz_s": healthz, "first_tile_s": tile, "first_kpis_s": kpis}


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def scenario_urls(n: int, seed: int) -> dict[str, list[str]]:
    """The measured requests: /healthz, KPIs, 1 km² bbox queries, uncached and cached tiles."""
    rng = random.Random(seed)

    def bbox_url() -> str:
        w, s = rng.uniform(WEST, EAST - 0.01), rng.uniform(SOUTH, NORTH - 0.01)
        return f"/api/cameras?bbox={w:.4f},{s:.4f},{w + 0.01:.4f},{s + 0.01:.4f}&limit=100"

    warm = [f"/tiles/cameras/11/{x}/{y}.mvt" for x, y in view_tiles(11)]
    return {
        FLOOR: ["/healthz"] * n,
        KPI: ["/api/units?level=township"] * n,
        BBOX: [bbox_url() for _ in range(n)],
        UNCACHED: FRESH.take(n),
        CACHED: [warm[i % len(warm)] for i in range(n)],
    }


class _Fresh:
    """Tiles never asked for before (z14 and z15 over the city, shuffled), handed out once each."""

    def __init__(self) -> None:
        tiles = [(14, x, y) for x, y in view_tiles(14)] + [(15, x, y) for x, y in view_tiles(15)]
        random.Random(1).shuffle(tiles)
        self.tiles = tiles

    def take(self, n: int) -> list[str]:
        taken, self.tiles = self.tiles[:n], self.tiles[n:]
        return [f"/tiles/cameras/{z}/{x}/{y}.mvt" for z, x, y in taken]


FRESH = _Fresh()
FLOOR = "/healthz (floor)"
KPI = "unit KPIs (township level)"
BBOX = "bbox camera query (~1 km², 100 rows)"
UNCACHED = "camera tile, uncached"
CACHED = "camera tile, cached (z11)"
#: Goals of issue #19 at 1M cameras: one client (ms), and p95 / the floor's p95 at the same rate.
ONE_CLIENT_GOALS = {KPI: 10.0, CACHED: 5.0, UNCACHED: 50.0}
RATIO_GOAL = 2.0


def page_load(base: str, token: str, runs: int) -> tuple[float, float, float, float]:
    """Median seconds to load /map until every layer's data has arrived, the login page's, and
    the requests of one map load: all of them, and those sent before the first tile."""
    from tests.api.cdp import chromium, chromium_path

    if chromium_path() is None:
        return float("nan"), float("nan"), float("nan"), float("nan")
    map_times, login_times = [], []
    counts: list[tuple[int, int]] = []
    # Chromium (browser, renderer, GPU and network processes) must not inherit this process's
    # pinning to the load generator's core: on one shared core its own processes queue behind each
    # other (the login form alone took 1.3 s pinned, 0.15 s not, at load 17). A browser is another
    # machine in the field; here it may use every core (the load generator is idle meanwhile).
    pinned = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    if pinned is not None:
        os.sched_setaffinity(0, range(os.cpu_count() or 1))
    try:
        browser = chromium()
        page = browser.__enter__()
    finally:
        if pinned is not None:
            os.sched_setaffinity(0, pinned)
    with _Entered(browser):
        page.navigate(f"{base}/login")
        page.evaluate(
            f"document.querySelector('input[name=token]').value = '{token}';"
            "document.querySelector('form').submit(); true"
        )
        page.wait_for(
            "location.pathname === '/map' && document.readyState === 'complete'", timeout=120
        )
        page.wait_for(
            "window.sharpeyesMapStatus && window.sharpeyesMapStatus.pending === 0 && window.sharpeyesMapStatus.loaded >= 8",
            timeout=120,
        )
        for _ in range(runs):
            start = time.perf_counter()
            page.send("Page.navigate", {"url": f"{base}/login"})
            page.wait_for("location.pathname === '/login' && document.readyState === 'complete'")
            login_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            page.requests.clear()
            page.send("Page.navigate", {"url": f"{base}/map"})
            page.wait_for(
                "location.pathname === '/map' && document.readyState === 'complete' && window.sharpeyesMapStatus"
                " && window.sharpeyesMapStatus.loaded >= 8 && window.sharpeyesMapStatus.pending === 0",
                timeout=60,
            )
            map_times.append(time.perf_counter() - start)
            tiles = [i for i, url in enumerate(page.requests) if "/tiles/" in url]
            counts.append((len(page.requests), tiles[0] if tiles else len(page.requests)))
        assert page.evaluate("window.sharpeyesMapStatus.failed") == 0
    return (
        statistics.median(map_times),
        statistics.median(login_times),
        float(statistics.median(c[0] for c in counts)),
        float(statistics.median(c[1] for c in counts)),
    )


class _Entered:
    """Leaves a context manager entered elsewhere when the ``with`` block ends."""

    def __init__(self, manager: Any) -> None:
        self.manager = manager

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        self.manager.__exit__(*exc)


def measure_load(
    base: str, token: str, args: argparse.Namespace
) -> tuple[
    dict[str, dict[str, float]], dict[str, dict[str, float]], dict[str, dict[str, float]], float
]:
    """Closed loop (``--clients``), one client, and open loop at one rate for every scenario."""
    closed: dict[str, dict[str, float]] = {}
    single: dict[str, dict[str, float]] = {}
    names = list(scenario_urls(1, 0))
    for name in names:
        print(f"  closed loop: {name} …", file=sys.stderr)
        _load.run(
            _load.closed_loop(base, token, scenario_urls(args.clients, 9)[name], args.clients)
        )
        closed[name] = median_of(
            [
                _load.run(
                    _load.closed_loop(
                        base, token, scenario_urls(args.requests, r)[name], args.clients
                    )
                )
                for r in range(args.runs)
            ]
        )
        single[name] = median_of(
            [
                _load.run(_load.closed_loop(base, token, scenario_urls(40, 10 + r)[name], 1))
                for r in range(args.runs)
            ]
        )
    rate = args.rate or max(5.0, 0.5 * min(closed[n]["rps"] for n in names if n != FLOOR))
    per_run = max(20, min(args.requests, int(rate * 8)))
    opened: dict[str, dict[str, float]] = {}
    for name in names:
        print(f"  open loop at {rate:.0f} req/s: {name} …", file=sys.stderr)
        opened[name] = median_of(
            [
                _load.run(_load.open_loop(base, token, scenario_urls(per_run, 20 + r)[name], rate))
                for r in range(args.runs)
            ]
        )
    return closed, single, opened, rate


def report(
    n: int,
    args: argparse.Namespace,
    cold: dict[str, Any],
    closed: dict[str, dict[str, float]],
    single: dict[str, dict[str, float]],
    opened: dict[str, dict[str, float]],
    rate: float,
    whole: dict[str, float],
    page: tuple[float, float, float, float],
) -> None:
    """Print every figure beside its goal and the /healthz floor."""
    load = os.getloadavg()
    print(
        f"\nsharpeyes API benchmark: {n:,} cameras; server `serve --workers {args.workers}` on core(s) "
        f"{args.server_cores}, load generator on core(s) {args.client_cores}; median of {args.runs} runs; "
        f"machine load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min, {os.cpu_count()} cores)"
    )
    for label, key in (
        ()
        if not cold
        else (
            ("no index on disk (the server builds it: a store no import job indexed)", "no index"),
            (
                f"first start after an import (the import job built the index in {cold['index_s']:.1f} s)",
                "after import",
            ),
            ("restart, index on disk", "restart"),
        )
    ):
        r = cold[key]
        goal = "" if key == "no index" else " (goal ≤ 5 s at 1M)"
        print(
            f"cold start, {label}: /healthz {r['healthz_s']:.1f} s, first tile {r['first_tile_s']:.1f} s"
            f"{goal}, first KPIs {r['first_kpis_s']:.1f} s; data (first tile after /healthz "
            f"answered) {r['first_tile_s'] - r['healthz_s']:.1f} s"
        )
    floor = closed[FLOOR]
    print(f"\nclosed loop, {args.clients} clients ({args.requests} requests per run): saturation")
    print(
        f"  {'scenario':<38} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>8} {'req/s / floor':>14} {'err':>4}"
    )
    for name, r in closed.items():
        print(
            f"  {name:<38} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} {r['rps']:>8.0f} "
            f"{r['rps'] / floor['rps']:>13.2f}x {int(r['errors']):>4}"
        )
    o_floor = opened[FLOOR]["p95_ms"]
    print(f"\nopen loop at {rate:.0f} req/s (the same offered rate for every scenario)")
    print(
        f"  {'scenario':<38} {'p50 ms':>8} {'p95 ms':>8} {'p95/floor':>10} {'goal':>12} {'err':>4}"
    )
    for name, r in opened.items():
        ratio = r["p95_ms"] / o_floor
        goal = (
            ""
            if name == FLOOR
            else f"≤ {RATIO_GOAL:.0f}x " + ("met" if ratio <= RATIO_GOAL else "NOT")
        )
        print(
            f"  {name:<38} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} {r['p95_ms'] / o_floor:>9.2f}x "
            f"{goal:>12} {int(r['errors']):>4}"
        )
    print("\none client at a time (40 requests per run)")
    print(f"  {'scenario':<38} {'p50 ms':>8} {'p95 ms':>8} {'goal p50':>13} {'p50 - floor':>12}")
    for name, r in single.items():
        goal = ""
        if name in ONE_CLIENT_GOALS:
            met = "met" if r["p50_ms"] <= ONE_CLIENT_GOALS[name] else "NOT"
            goal = f"≤ {ONE_CLIENT_GOALS[name]:.0f} ms {met}"
        print(
            f"  {name:<38} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} {goal:>13} "
            f"{r['p50_ms'] - single[FLOOR]['p50_ms']:>10.1f} ms"
        )
    print(
        f"\nwhole city-wide map view at zoom 9 ({args.clients} clients, every camera and township tile at "
        f"once): p50 {whole['p50_ms']:.0f} ms, p95 {whole['p95_ms']:.0f} ms, errors {int(whole['errors'])}"
    )
    print(
        f"map page ready (every visible tile drawn) in headless Chromium, not pinned: {page[0]:.2f} s "
        f"(goal < 2 s); login page (the browser's own floor): {page[1]:.2f} s; {page[2]:.0f} requests "
        f"per load, {page[3]:.0f} of them before the first tile"
    )


def open_or_build(db: Path | str, cameras: int) -> tuple[Store, str]:
    """The benchmark store (built when it holds no camera) and an admin token."""
    url = db if isinstance(db, str) else f"sqlite:///{db}"
    start = time.perf_counter()
    store = Store.open(url)
    if store.count_cameras():
        print(f"reusing {db} ({store.count_cameras():,} cameras)", file=sys.stderr)
    else:
        store.close()
        store = build_store(url, cameras)
        print(f"store built in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    return store, ensure_admin_token(store, "bench-admin")


def index_root(store: Store) -> Path:
    """Where the server keeps the camera index and tiles of ``store`` (as `serve` finds it)."""
    return cache_root(Settings(cache_dir=None), store)


def cold_starts(
    db: Path | str, token: str, store: Store, args: argparse.Namespace, log: Path
) -> dict[str, Any]:
    """The three cold starts (no index, after an import, restart) and the import's index build."""
    cold: dict[str, Any] = {}
    print("  cold start with no index on disk …", file=sys.stderr)
    shutil.rmtree(index_root(store), ignore_errors=True)
    cold["no index"] = cold_start(db, token, cores=args.server_cores, workers=args.workers, log=log)
    shutil.rmtree(index_root(store), ignore_errors=True)
    # what `sharpeyes import` does at its end (jobs.ingest.import_files → jobs.camera_index)
    start = time.perf_counter()
    refresh_after_import(store)
    cold["index_s"] = time.perf_counter() - start
    store.close()
    print("  cold start after an import …", file=sys.stderr)
    cold["after import"] = cold_start(
        db, token, cores=args.server_cores, workers=args.workers, log=log
    )
    print("  cold start with the index on disk …", file=sys.stderr)
    cold["restart"] = cold_start(db, token, cores=args.server_cores, workers=args.workers, log=log)
    return cold


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cameras", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=320, help="requests per scenario and run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--rate",
        type=float,
        default=None,
        help="open-loop req/s (default: half the slowest saturation)",
    )
    parser.add_argument(
        "--skip-cold-start",
        action="store_true",
        help="measure only the load, the map views and the page (no index build, no restarts)",
    )
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    parser.add_argument("--server-cores", default="1", help="taskset core list of the server")
    parser.add_argument("--client-cores", default="0", help="core list of the load generator")
    parser.add_argument("--db", type=Path, default=None, help="reuse/keep the SQLite store here")
    parser.add_argument(
        "--url",
        default=None,
        help="a PostGIS URL instead of SQLite (postgresql://…; built there when it has no cameras)",
    )
    args = parser.parse_args()

    os.environ.pop("SHARPEYES_CACHE_DIR", None)  # the server is started without SHARPEYES_* too
    workdir = Path(tempfile.mkdtemp(prefix="sharpeyes-bench-api-"))
    db: Path | str = args.url or args.db or workdir / "bench.db"
    log = workdir / "server.log"
    print(f"working in {workdir} (server log: server.log)", file=sys.stderr)
    store, token = open_or_build(db, args.cameras)
    n = store.count_cameras()
    cold: dict[str, Any] = {}
    if args.skip_cold_start:
        shutil.rmtree(index_root(store) / "tiles", ignore_errors=True)  # uncached tiles stay so
        store.close()
    else:
        cold = cold_starts(db, token, store, args, log)
    if hasattr(os, "sched_setaffinity") and args.client_cores:
        os.sched_setaffinity(0, {int(c) for c in args.client_cores.split(",")})
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(db, port, cores=args.server_cores, workers=args.workers, log=log)
    try:
        wait_for(base, "/healthz", token)
        closed, single, opened, rate = measure_load(base, token, args)
        view = [f"/tiles/cameras/9/{x}/{y}.mvt" for x, y in view_tiles(9)]
        view += [f"/tiles/units/township/9/{x}/{y}.mvt" for x, y in view_tiles(9)]
        print("  whole map views …", file=sys.stderr)
        whole = median_of(
            [
                _load.run(
                    _load.views(
                        base, token, view, max(args.clients, args.requests // 8), args.clients
                    )
                )
                for _ in range(args.runs)
            ]
        )
        print("  the page load in Chromium …", file=sys.stderr)
        page = page_load(base, token, args.runs)
    finally:
        server.terminate()
        server.wait(timeout=60)
    report(n, args, cold, closed, single, opened, rate, whole, page)


if __name__ == "__main__":
    main()
