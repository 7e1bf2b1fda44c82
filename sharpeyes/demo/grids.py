"""Synthetic grids (网格) for the demo city: every Tieling village and community cut into grids.

All of it is synthetic, and says so: Tieling's grid codes, boundaries and grid workers are not open
data. Each village or community gets about one grid per 500 residents (a village) or per 1,200
residents (a community, 300–500 households), between 1 and 8, as Voronoi cells of seeded points
inside it (so the grids tile their village exactly). Codes are written the way a 综治 platform
writes them, not as division codes: ``<village code>-WG<nn>``. Each grid has a leader (网格长) and
one to three workers (网格员) with made-up names and phone numbers from the reserved-looking
``1390000xxxx`` range.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from sharpeyes.demo.city import _uniform_points, _voronoi_cells, is_community
from sharpeyes.model.columns import WGS84

__all__ = ["build_grids", "grid_code_list", "write_grids"]

_SURNAMES: Final = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
_GIVEN: Final = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
#: Residents per grid: a village grid (about 500 residents), a community grid (300–500 households).
RESIDENTS_PER_GRID: Final = {"village": 500, "community": 1200}


def _name(rng: np.random.Generator) -> str:
    given = "".join(rng.choice(list(_GIVEN), size=int(rng.integers(1, 3))))
    return str(rng.choice(list(_SURNAMES))) + given


def _phone(rng: np.random.Generator) -> str:
    return f"1390000{int(rng.integers(0, 10_000)):04d}"


def build_grids(
    units: gpd.GeoDataFrame, *, seed: int = 0, per_grid: dict[str, int] | None = None
) -> gpd.GeoDataFrame:
    """Grids inside every village/community of ``units`` (EPSG:4326): ``code, name, parent_code,
    population, geometry`` and the people columns a 综治 export carries (``网格长``, ``网格长电话``,
    ``网格员`` as ``name phone；name phone``). Deterministic for a ``seed``; ``per_grid`` overrides
    :data:`RESIDENTS_PER_GRID` (the benchmark makes 100,000 grids with it)."""
    residents = per_grid or RESIDENTS_PER_GRID
    villages = units[units["level"].astype(str) == "village"]
    rows: list[dict[str, object]] = []
    for code, name, pop, geom in zip(
        villages["code"].astype(str),
        villages["name"].astype(str),
        pd.to_numeric(villages["population"], errors="coerce").fillna(0),
        villages.geometry,
        strict=True,
    ):
        if geom is None or geom.is_empty:
            continue
        kind = "community" if is_community(code) else "village"
        n = int(np.clip(round(float(pop) / residents[kind]), 1, residents.get("max", 8)))
        rng = np.random.default_rng([seed, int(code), 18])
        cells = _voronoi_cells(geom, _uniform_points(geom, n, rng)) if n > 1 else [geom]
        for k, cell in enumerate(cells, start=1):
            workers = [f"{_name(rng)} {_phone(rng)}" for _ in range(int(rng.integers(1, 4)))]
            rows.append(
                {
                    "code": f"{code}-WG{k:02d}",
                    "name": f"{name}第{k}网格",
                    "parent_code": code,
                    "population": round(float(pop) / len(cells)),
                    "网格长": _name(rng),
                    "网格长电话": _phone(rng),
                    "网格员": "；".join(workers),
                    "geometry": cell,
                }
            )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)


def write_grids(grids: gpd.GeoDataFrame, workdir: Path | str) -> Path:
    """Write ``grids`` as ``<workdir>/units/tieling_grids.geojson`` (WGS-84, 7 decimals), what
    ``sharpeyes units import FILE --level grid`` reads. Returns the path."""
    folder = Path(workdir) / "units"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "tieling_grids.geojson"
    rounded = shapely.set_precision(np.asarray(grids.geometry.values), 1e-7)
    props = [c for c in grids.columns if c != "geometry"]
    features = [
        {
            "type": "Feature",
            "properties": {c: rec[c] for c in props},
            "geometry": json.loads(shapely.to_geojson(geom)),
        }
        for rec, geom in zip(grids[props].to_dict("records"), rounded, strict=True)
    ]
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
        encoding="utf-8",
    )
    return path


def grid_code_list(grids: gpd.GeoDataFrame, path: Path | str) -> Path:
    """The same grids as a code list (CSV, no geometry): 网格编码, 网格名称, 所属村社区, people."""
    frame = pd.DataFrame(grids.drop(columns="geometry")).rename(
        columns={"code": "网格编码", "name": "网格名称", "parent_code": "所属村社区"}
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    return path
