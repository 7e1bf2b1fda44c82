"""``/api/grids``: grids (网格) with their KPIs; ``/api/map/grids``: the grid choropleth's polygons.

Grid workers' names are shown to every reader; their phone numbers only to editors and admins.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import JSONResponse

from sharpeyes.api.convert import clean, feature_collection, records
from sharpeyes.api.deps import AppState, StateDep, Viewer, cached, latest
from sharpeyes.api.routes.cameras import parse_bbox
from sharpeyes.api.schemas import FeatureCollection
from sharpeyes.jobs import grids as grid_jobs

router = APIRouter(tags=["grids"])

#: KPIs a grid's map feature carries (all classes, fractions 0–1).
MAP_KPIS: Final = ("cameras", "networked", "networking_rate", "hd_ratio", "intact_rate", "covered")
#: Largest box (square degrees) the grid layer is drawn for (≈ zoom 12), and at most this many grids.
GRID_MAX_AREA_DEG2: Final = 0.5
GRID_MAX_FEATURES: Final = 5000


def grid_rows(state: AppState) -> dict[str, dict[str, Any]]:
    """The all-class KPI row of every grid in the latest report, by grid code."""

    def load() -> dict[str, dict[str, Any]]:
        report = latest(state, "report") or {}
        return {
            str(r["unit_code"]): clean(r)
            for r in report.get("grid_rows") or []
            if isinstance(r, dict) and r.get("unit_code") is not None
        }

    return cached(state, "grid_rows", load)  # type: ignore[no-any-return]


@router.get("/api/grids", summary="Grids (网格) with their KPIs")
def list_grids(
    state: StateDep,
    user: Viewer,
    village: Annotated[str | None, Query(max_length=64, description="only this village's")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Any:
    """``total`` and ``items``: each grid's code, name, village and all-class KPIs of the latest
    report (``kpis`` empty before a report that saw the grids)."""
    frame = grid_jobs.grids(state.store, parent=village)
    kpis = grid_rows(state)
    items = []
    for rec in records(frame.drop(columns="geometry").iloc[offset : offset + limit]):
        items.append({**rec, "kpis": kpis.get(str(rec["code"]), {})})
    return JSONResponse({"total": len(frame), "items": items})


@router.get("/api/grids/{code}", summary="One grid: KPIs, people to call")
def get_grid(code: str, state: StateDep, user: Viewer) -> Any:
    """The grid, its KPIs and its leader and workers (phones for editors and admins only)."""
    frame = grid_jobs.grids(state.store, codes=[code])
    if not len(frame):
        raise HTTPException(404, f"no grid {code!r}")
    rec = records(frame.drop(columns="geometry"))[0]
    people = grid_jobs.grid_people(state.store, code, phones=user.may("editor"))
    return JSONResponse({**rec, "kpis": grid_rows(state).get(code, {}), "people": people})


@router.get(
    "/api/map/grids", response_model=FeatureCollection, summary="Grid polygons with KPIs (map)"
)
def map_grids(
    state: StateDep,
    user: Viewer,
    bbox: Annotated[str, Query(description="west,south,east,north in WGS-84 degrees")],
    uncovered: Annotated[bool, Query(description="only grids with no networked camera")] = False,
) -> Any:
    """Grids whose extent meets ``bbox`` (at most 0.5 square degrees, 5,000 grids), EPSG:4326, with
    :data:`MAP_KPIS` of the latest report; ``uncovered`` keeps the gaps layer (no networked camera)."""
    box = parse_bbox(bbox)
    if box is None:
        raise HTTPException(400, "bbox is required: west,south,east,north in WGS-84 degrees")
    if (box.east - box.west) * (box.north - box.south) > GRID_MAX_AREA_DEG2:
        raise HTTPException(400, "bbox too large for grids: zoom in (at most 0.5 square degrees)")
    frame = grid_jobs.grids(state.store, bbox=(box.west, box.south, box.east, box.north))
    frame = frame[frame.geometry.notna()].head(GRID_MAX_FEATURES)
    kpis = grid_rows(state)
    rows = [kpis.get(str(c), {}) for c in frame["code"]]
    frame = frame[["code", "name", "parent_code", "geometry"]].copy()
    for key in MAP_KPIS:
        frame[key] = [r.get(key) for r in rows]
    if uncovered:
        frame = frame[[r.get("covered") is False for r in rows]]
    return JSONResponse(feature_collection(frame), headers={"Cache-Control": "private, max-age=10"})
