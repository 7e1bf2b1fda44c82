"""API and map speed with a large inventory (default 1,000,000 cameras).

Builds a synthetic city of 7 counties × 15 townships × 14 villages (1,470 villages, around 124° E,
42° N) with ``--cameras`` cameras in a SQLite store (bulk import through the store), KPI rows for
every unit and gaps/network documents, then starts ``sharpeyes serve`` in its own process and measures
under ``--clients`` concurrent clients on loopback (async httpx):

- the unit-KPI endpoint (``/api/units?level=township``; goal p95 < 100 ms),
- a bounding-box camera query (``/api/cameras?bbox=~1 km²&limit=100``),
- the map's data requests for a city-wide view (6 × ``/api/map/cameras`` at zoom 9 and
  ``/api/map/units``; goal p95 < 250 ms), also timed as whole views,
- the baseline: ``/healthz`` under the same load (the cost of the HTTP stack alone),

and the map page's load time in headless Chromium until every layer's data has arrived (goal < 3 s),
beside the login page's load time. Latencies are medians over ``--runs`` runs.

    python benchmarks/api.py                   # 1,000,000 cameras (about 5 minutes)
    python benchmarks/api.py --cameras 50000   # quick
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
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

from sharpeyes.jobs.auth import ensure_admin_token
from sharpeyes.model.columns import CAMERA_COLUMNS, CAMERA_DTYPES, WGS84, empty_rejects
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
    rows = []
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
    for column in CAMERA_COLUMNS:
        frame[column] = frame[column].astype(CAMERA_DTYPES[column])
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


def build_store(path: Path, n: int, *, seed: int = 0) -> Store:
    """Create the benchmark store (units, ``n`` cameras in chunks, results)."""
    from shapely.geometry import LineString, Point

    rng = np.random.default_rng(seed)
    store = Store.open(f"sqlite:///{path}")
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


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


async def load(base: str, token: str, urls: list[str], clients: int) -> dict[str, float]:
    """Send ``urls`` with ``clients`` concurrent workers; p50/p95 in ms and requests per second."""
    queue = list(reversed(urls))
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(
        max_connections=clients, max_keepalive_connections=clients, keepalive_expiry=2.0
    )
    async with httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {token}"}, limits=limits, timeout=60
    ) as client:

        async def worker() -> None:
            nonlocal errors
            while queue:
                url = queue.pop()
                start = time.perf_counter()
                try:
                    response = await client.get(url)
                    await response.aread()
                except httpx.TransportError:
                    errors += 1
                    continue
                latencies.append((time.perf_counter() - start) * 1000)
                if response.status_code != 200:
                    errors += 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        wall = time.perf_counter() - start
    return {
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "rps": len(latencies) / wall,
        "errors": errors,
    }


async def views(
    base: str, token: str, view_urls: list[str], n_views: int, clients: int
) -> dict[str, float]:
    """Whole map views: each client fires one view's requests at once and waits for all of them."""
    times: list[float] = []
    errors = 0
    remaining = n_views
    async with httpx.AsyncClient(
        base_url=base,
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
        limits=httpx.Limits(max_connections=clients * len(view_urls), keepalive_expiry=2.0),
    ) as client:

        async def worker() -> None:
            nonlocal remaining, errors
            while remaining > 0:
                remaining -= 1
                start = time.perf_counter()
                try:
                    responses = await asyncio.gather(*(client.get(u) for u in view_urls))
                except httpx.TransportError:
                    errors += 1
                    continue
                errors += sum(r.status_code != 200 for r in responses)
                times.append((time.perf_counter() - start) * 1000)

        await asyncio.gather(*(worker() for _ in range(clients)))
    return {"p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95), "errors": errors}


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def in_process(
    store: Store, token: str, scenarios: dict[str, list[str]], runs: int
) -> dict[str, dict[str, float]]:
    """Service time of each scenario's requests through the ASGI app in this process, one at a
    time: what a request costs without HTTP sockets, queueing or a competing load generator."""
    from sharpeyes.api import create_app
    from sharpeyes.api.deps import camera_index
    from sharpeyes.settings import Settings

    app = create_app(Settings(), store)
    camera_index(app.state.sharpeyes)

    async def measure(urls: list[str]) -> dict[str, float]:
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", headers=headers
        ) as client:
            await client.get(urls[0])
            times = []
            for url in urls:
                start = time.perf_counter()
                response = await client.get(url)
                times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, (url, response.status_code)
        return {"p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95)}

    return {
        name: median_of([asyncio.run(measure(urls)) for _ in range(runs)])
        for name, urls in scenarios.items()
    }


def page_load(base: str, token: str, runs: int) -> tuple[float, float]:
    """Median seconds to load /map until every layer's data has arrived, and the login page's."""
    from tests.api.cdp import chromium, chromium_path

    if chromium_path() is None:
        return float("nan"), float("nan")
    map_times, login_times = [], []
    with chromium() as page:
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
            page.send("Page.navigate", {"url": f"{base}/map"})
            page.wait_for(
                "location.pathname === '/map' && document.readyState === 'complete' && window.sharpeyesMapStatus"
                " && window.sharpeyesMapStatus.loaded >= 8 && window.sharpeyesMapStatus.pending === 0",
                timeout=60,
            )
            map_times.append(time.perf_counter() - start)
        assert page.evaluate("window.sharpeyesMapStatus.failed") == 0
    return statistics.median(map_times), statistics.median(login_times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cameras", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=320, help="requests per scenario and run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", type=Path, default=None, help="reuse/keep the store here")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="sharpeyes-bench-api-"))
    db = args.db or workdir / "bench.db"
    print(f"working in {workdir} (server log: server.log)", file=sys.stderr)
    start = time.perf_counter()
    if db.exists():
        store = Store.open(f"sqlite:///{db}")
        print(f"reusing {db} ({store.count_cameras():,} cameras)", file=sys.stderr)
    else:
        store = build_store(db, args.cameras)
        print(f"store built in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    n = store.count_cameras()
    token = ensure_admin_token(store, "bench-admin")

    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHARPEYES_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "sharpeyes", "serve", "--db", str(db), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(workdir / "server.log").open("wb"),
    )
    try:
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        start = time.perf_counter()
        first = httpx.get(
            f"{base}/api/map/cameras",
            params={"bbox": CITY_BBOX, "zoom": 9},
            headers={"Authorization": f"Bearer {token}"},
            timeout=600,
        )
        first.raise_for_status()
        cold = time.perf_counter() - start

        rng = random.Random(0)

        def bbox_url() -> str:
            w, s = rng.uniform(WEST, EAST - 0.01), rng.uniform(SOUTH, NORTH - 0.01)
            return f"/api/cameras?bbox={w:.4f},{s:.4f},{w + 0.01:.4f},{s + 0.01:.4f}&limit=100"

        view_urls = [
            f"/api/map/cameras?zoom=9&bbox={CITY_BBOX}&point_class={c}" for c in (1, 2, 3, 9)
        ]
        view_urls += [
            f"/api/map/cameras?zoom=9&bbox={CITY_BBOX}&verdict={v}" for v in ("offline", "degraded")
        ]
        view_urls += ["/api/map/units?level=township"]
        scenarios = {
            "baseline /healthz": lambda: ["/healthz"] * args.requests,
            "unit KPIs (township level)": lambda: ["/api/units?level=township"] * args.requests,
            "bbox camera query (~1 km², 100 rows)": lambda: [
                bbox_url() for _ in range(args.requests)
            ],
            "map data, city-wide view": lambda: [
                view_urls[i % len(view_urls)] for i in range(args.requests)
            ],
        }
        results = {}
        single = {}
        for name, make in scenarios.items():
            print(f"  measuring {name} …", file=sys.stderr)
            asyncio.run(load(base, token, make()[: args.clients * 2], args.clients))  # warm-up
            results[name] = median_of(
                [asyncio.run(load(base, token, make(), args.clients)) for _ in range(args.runs)]
            )
            single[name] = median_of(
                [asyncio.run(load(base, token, make()[:40], 1)) for _ in range(args.runs)]
            )
        print("  measuring whole map views …", file=sys.stderr)
        whole = median_of(
            [
                asyncio.run(
                    views(
                        base, token, view_urls, max(args.clients, args.requests // 8), args.clients
                    )
                )
                for _ in range(args.runs)
            ]
        )
        print("  measuring the page load in Chromium …", file=sys.stderr)
        page, login = page_load(base, token, args.runs)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print("  measuring in-process service times …", file=sys.stderr)
    service = in_process(
        store, token, {name: make()[:60] for name, make in scenarios.items()}, args.runs
    )

    base_p95 = results["baseline /healthz"]["p95_ms"]
    print(
        f"\nsharpeyes API benchmark: {n:,} cameras, {args.clients} concurrent clients on loopback, "
        f"{args.requests} requests per scenario, median of {args.runs} runs"
    )
    print(f"cold start (camera index built on first map request): {cold:.1f} s")
    print(
        f"{'scenario':<40} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>8} {'p95/baseline':>13} {'errors':>7}"
    )
    for name, r in results.items():
        print(
            f"{name:<40} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} {r['rps']:>8.0f} {r['p95_ms'] / base_p95:>12.1f}x {int(r['errors']):>7}"
        )
    print("one client at a time (service time without queueing):")
    for name, r in single.items():
        print(f"  {name:<38} {r['p50_ms']:>8.1f} {r['p95_ms']:>8.1f} {r['rps']:>8.0f}")
    print(
        f"{'whole city-wide map view (7 requests)':<40} {whole['p50_ms']:>8.1f} {whole['p95_ms']:>8.1f}"
        f" {'':>8} {whole['p95_ms'] / base_p95:>12.1f}x {int(whole['errors']):>7}"
    )
    print(
        f"goals: KPI p95 < 100 ms: {results['unit KPIs (township level)']['p95_ms']:.0f} ms; "
        f"city-wide map data p95 < 250 ms: {results['map data, city-wide view']['p95_ms']:.0f} ms per request, "
        f"{whole['p95_ms']:.0f} ms per whole view"
    )
    print(
        f"map page load in headless Chromium: {page:.2f} s (goal < 3 s); baseline login page: {login:.2f} s "
        f"(ratio {page / login:.1f}x)"
    )
    base_service = service["baseline /healthz"]["p50_ms"]
    print("in-process service time (ASGI, no sockets, one request at a time):")
    for name, r in service.items():
        print(
            f"  {name:<38} p50 {r['p50_ms']:>7.1f} ms  p95 {r['p95_ms']:>7.1f} ms  p50/baseline {r['p50_ms'] / base_service:>5.1f}x"
        )


if __name__ == "__main__":
    main()
