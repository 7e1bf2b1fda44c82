"""Camera tiles and bbox queries on PostGIS: ``ST_AsMVT`` over the GiST index against the persisted
camera index the API serves them from (issue #19 item 4), on the synthetic city of
``benchmarks/api.py`` built into a PostGIS database by COPY.

    python benchmarks/api_postgis.py --url postgresql://u:p@host/db --cameras 1000000

Prints, per zoom (9, 12: cluster tiles; 15, 17: points), the median time of each way and the
cameras each tile holds, and the 1 km² bbox query (first 100 device IDs) through GiST and the index.
The SQL cluster tile aggregates the same 4 × 4 cells a tile as ``sharpeyes.api.tilebuild``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mapbox_vector_tile

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import benchmarks.api as bench
from sharpeyes.api import create_app
from sharpeyes.api.deps import camera_index
from sharpeyes.api.index import BBox
from sharpeyes.api.tilebuild import camera_rows, camera_tile
from sharpeyes.jobs.camera_records import camera_names
from sharpeyes.settings import Settings
from sharpeyes.store import Store

TILE = "ST_TileEnvelope(%(z)s, %(x)s, %(y)s)"
POINTS = f"""SELECT ST_AsMVT(q, 'cameras', 4096, 'geom') FROM (
  SELECT device_id, name, point_class, status, networked, admin_code, township_code, village_code,
         ST_AsMVTGeom(ST_Transform(geom, 3857), {TILE}, 4096, 0, true) AS geom
  FROM cameras WHERE geom && ST_Transform({TILE}, 4326) LIMIT 5000) q"""
CLUSTERS = f"""WITH e AS (SELECT {TILE} AS env),
 p AS (SELECT point_class, ST_Transform(c.geom, 3857) AS g, e.env FROM cameras c, e
       WHERE c.geom && ST_Transform(e.env, 4326)),
 cells AS (SELECT count(*) AS count, count(*) FILTER (WHERE point_class = 1) AS c1,
       count(*) FILTER (WHERE point_class = 2) AS c2, count(*) FILTER (WHERE point_class = 3) AS c3,
       ST_AsMVTGeom(ST_Centroid(ST_Collect(g)), (SELECT env FROM e), 4096, 0, true) AS geom
   FROM p GROUP BY floor((ST_X(g) - ST_XMin(env)) / ((ST_XMax(env) - ST_XMin(env)) / 4)),
                   floor((ST_YMax(env) - ST_Y(g)) / ((ST_YMax(env) - ST_YMin(env)) / 4)))
SELECT ST_AsMVT(cells, 'cameras', 4096, 'geom') FROM cells"""


def median_ms(work: Callable[[], Any], repeat: int = 5) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), out


def cameras_in(tile: bytes) -> int:
    layer = mapbox_vector_tile.decode(tile).get("cameras", {})
    return sum(int(f["properties"].get("count", 1)) for f in layer.get("features", []))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--url", required=True, help="postgresql://… (built when it has fewer cameras)"
    )
    parser.add_argument("--cameras", type=int, default=1_000_000)
    parser.add_argument("--cache-dir", default=None, help="where the camera index is kept")
    args = parser.parse_args()
    store = Store.open(args.url)
    if store.count_cameras() < args.cameras:
        store.close()
        store = bench.build_store(args.url, args.cameras)
    n = store.count_cameras()
    settings = Settings(cache_dir=args.cache_dir) if args.cache_dir else Settings()
    start = time.perf_counter()
    index = camera_index(create_app(settings, store).state.sharpeyes)
    print(f"{n:,} cameras on PostGIS; camera index ready in {time.perf_counter() - start:.1f} s")
    raw: Any = store.engine.raw_connection()

    def sql_tile(sql: str, z: int, x: int, y: int) -> bytes:
        with raw.cursor() as cursor:
            cursor.execute(sql, {"z": z, "x": x, "y": y})
            return bytes(cursor.fetchone()[0])

    def index_tile(z: int, x: int, y: int) -> bytes:
        rows = camera_rows(index, z, x, y)
        return camera_tile(index, rows, z, x, y, names=lambda ids: camera_names(store, ids))

    seat = bench.WEST + 0.5 * (bench.EAST - bench.WEST) / bench.COUNTIES
    for z in (9, 12, 15, 17):
        x, y = bench.tile_of(seat, (bench.SOUTH + bench.NORTH) / 2, z)
        sql = POINTS if z >= 17 else CLUSTERS
        t_sql, a = median_ms(lambda: sql_tile(sql, z, x, y))  # noqa: B023
        t_index, b = median_ms(lambda: index_tile(z, x, y))  # noqa: B023
        print(
            f"  tile {z}/{x}/{y}: ST_AsMVT over GiST {t_sql:7.1f} ms ({cameras_in(a):,} cameras)"
            f"   persisted index {t_index:7.1f} ms ({cameras_in(b):,} cameras)"
        )
    rng = random.Random(0)
    boxes = []
    for _ in range(20):
        w, s = (
            rng.uniform(bench.WEST, bench.EAST - 0.01),
            rng.uniform(bench.SOUTH, bench.NORTH - 0.01),
        )
        boxes.append((w, s, w + 0.01, s + 0.01))

    def gist() -> None:
        with raw.cursor() as cursor:
            for box in boxes:
                cursor.execute(
                    "SELECT device_id FROM cameras WHERE geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)"
                    " ORDER BY device_id LIMIT 100",
                    box,
                )
                cursor.fetchall()

    def through_index() -> None:
        for box in boxes:
            index.page_rows(index.select_rows(bbox=BBox(*box)), limit=100, offset=0)

    t_gist, _ = median_ms(gist, 3)
    t_index, _ = median_ms(through_index, 3)
    print(
        f"  1 km² bbox, first 100 IDs: GiST {t_gist / 20:.2f} ms, persisted index "
        f"{t_index / 20:.2f} ms a query"
    )


if __name__ == "__main__":
    main()
