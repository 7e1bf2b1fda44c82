"""What the report carries beside the KPIs: the platform's own online rate (and the cameras on
which platform and probe disagree) and the grids' (网格) figures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import geopandas as gpd
import pandas as pd

from sharpeyes.coverage.kpis import CoverageInputs
from sharpeyes.coverage.report import plain_value
from sharpeyes.jobs.grids import grid_part
from sharpeyes.store import Store

__all__ = ["beside_kpis", "listed_records"]


def listed_records(frame: pd.DataFrame, limit: int = 200) -> list[dict[str, Any]]:
    """The first ``limit`` rows as JSON-ready dicts (no geometry)."""
    frame = frame.head(limit)
    if isinstance(frame, gpd.GeoDataFrame):
        frame = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    return [{str(k): plain_value(v) for k, v in r.items()} for r in frame.to_dict("records")]


def _platform_columns(
    store: Store, df: pd.DataFrame, inputs: CoverageInputs
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """The platform's online rate beside the probe's, and the cameras on which they disagree."""
    from sharpeyes.coverage.kpis import platform_online_by_unit, platform_probe_disagreements
    from sharpeyes.store.platform import latest_platform_status

    status = latest_platform_status(store)
    if status.empty:
        return df, []
    results = store.health_results(include_snapshots=False)
    health = results if len(results) else None
    odd = platform_probe_disagreements(status, health)
    return platform_online_by_unit(df, inputs, status, health), listed_records(odd)


def beside_kpis(
    store: Store,
    df: pd.DataFrame,
    inputs: CoverageInputs | None,
    *,
    area: str,
    cell_m: float,
    prepare: Callable[[], CoverageInputs],
) -> tuple[pd.DataFrame, list[dict[str, Any]], list[dict[str, Any]], Any]:
    """The platform's online rate and the grids' figures beside the KPIs; on a Dask run (no
    ``inputs``) prepared in one process, only if the store has platform status or grids."""
    from sharpeyes.store.grids import read_grids
    from sharpeyes.store.platform import latest_platform_status

    if inputs is None and latest_platform_status(store).empty and not len(read_grids(store)):
        return df, [], [], None
    if inputs is None:
        inputs = prepare()
    df, disagreements = _platform_columns(store, df, inputs)
    df, grid_rows, grid_gaps = grid_part(store, inputs, df, area=area, cell_m=cell_m)
    return df, disagreements, grid_rows, grid_gaps
