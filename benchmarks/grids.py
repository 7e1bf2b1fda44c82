"""Grids (网格) at a province's scale: import and report 100,000 grid polygons.

Builds the synthetic city of ``benchmarks/api.py`` (7 counties × 15 townships × 14 villages, 1,470
village rectangles around 124° E, 42° N) with ``--cameras`` cameras in a SQLite store, then cuts every
village into ``--per-village`` grid rectangles (default 8 × 9 = 72: 105,840 grids; synthetic) with a
leader and a worker each, written as a GeoPackage. It times, in one run on one store:

- the baseline: the report job (``compute_report``) before any grid is imported — the village-level
  report the office already runs;
- ``units import FILE --level grid`` (read, check, replace the grid layer and its workers);
- the same report job with the grids: every KPI per grid, each unit's share of grids covered, the
  grid gaps.

    python benchmarks/grids.py                      # 105,840 grids, 50,000 cameras
    python benchmarks/grids.py --per-village 4 --cameras 5000   # quick
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
from shapely.geometry import box

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.api import cameras, units
from sharpeyes.jobs import coverage as jobs
from sharpeyes.model.columns import WGS84, empty_rejects
from sharpeyes.store import Store


def grid_file(villages: gpd.GeoDataFrame, per_village: int, path: Path) -> int:
    """Every village rectangle cut in ``per_village`` grids (columns × rows as square as can be)."""
    cols = int(np.floor(np.sqrt(per_village)))
    rows_n = int(np.ceil(per_village / cols))
    records = []
    for code, geom in zip(villages["code"].astype(str), villages.geometry, strict=True):
        w, s, e, n = geom.bounds
        dx, dy = (e - w) / cols, (n - s) / rows_n
        k = 0
        for i in range(cols):
            for j in range(rows_n):
                k += 1
                records.append(
                    {
                        "网格编码": f"{code}-{k:03d}",
                        "网格名称": f"第{k}网格",
                        "所属村社区": code,
                        "网格长": f"网格长{k}",
                        "网格长电话": f"1390000{k:04d}",
                        "网格员": f"网格员{k} 1390001{k:04d}",
                        "geometry": box(w + i * dx, s + j * dy, w + (i + 1) * dx, s + (j + 1) * dy),
                    }
                )
    gpd.GeoDataFrame(records, geometry="geometry", crs=WGS84).to_file(path, driver="GPKG")
    return len(records)


def _timed(label: str, fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - start
    print(f"{label:<44} {seconds:8.1f} s", flush=True)
    return seconds, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cameras", type=int, default=50_000)
    parser.add_argument("--per-village", type=int, default=72)
    parser.add_argument("--area", choices=("exact", "fast", "none"), default="fast")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sharpeyes-grids-") as folder:
        root = Path(folder)
        store = Store.open(f"sqlite:///{root / 'grids.db'}")
        city = units()
        store.replace_units(city)
        cams = cameras(args.cameras, 0, np.random.default_rng(args.seed))
        store.import_cameras(cams, empty_rejects(), source="bench", file="bench.csv")
        villages = city[city["level"] == "village"]
        n = grid_file(villages, args.per_village, root / "grids.gpkg")
        print(f"{len(villages)} villages, {n:,} grids (synthetic), {args.cameras:,} cameras")
        base, _ = _timed(
            "baseline: report without grids", lambda: jobs.compute_report(store, area=args.area)
        )
        imp, got = _timed(
            "units import --level grid",
            lambda: jobs.import_units(store, root / "grids.gpkg", level="grid"),
        )
        rep, summary = _timed(
            "report with grids", lambda: jobs.compute_report(store, area=args.area)
        )
        assert got["imported"] == n and summary["grids"] == n, (
            got["imported"],
            summary.get("grids"),
        )
        print(
            f"grids: import {imp:.1f} s + report {rep:.1f} s; the village-level report alone "
            f"{base:.1f} s (grids add {rep - base:.1f} s, ×{rep / base:.2f})"
        )
        store.close()


if __name__ == "__main__":
    main()
