"""``/api/health``: nightly health runs, their summary and the per-camera verdicts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import JSONResponse

from sharpeyes.api.convert import records
from sharpeyes.api.deps import StateDep, Viewer, cached, latest
from sharpeyes.api.routes.cameras import parse_list
from sharpeyes.api.routes.results import summary
from sharpeyes.api.schemas import Document, Rows
from sharpeyes.jobs import reads
from sharpeyes.model.codes import VERDICTS

router = APIRouter(prefix="/api/health", tags=["health"])


@router.get("/runs", response_model=Rows, summary="Health runs, newest last")
def list_runs(state: StateDep, user: Viewer) -> Rows:
    """Every nightly run: night, start, finish, summary."""
    items = records(reads.health_runs(state.store))
    return Rows(total=len(items), items=items)


@router.get("/summary", response_model=Document, summary="Summary of the latest health run")
def get_summary(state: StateDep, user: Viewer) -> Any:
    """Counts by verdict and fault of the latest run, as the health job saved them."""
    return JSONResponse(cached(state, "health_summary", lambda: summary(latest(state, "health"))))


@router.get("/results", response_model=Rows, summary="Per-camera verdicts of a run")
def list_results(
    state: StateDep,
    user: Viewer,
    run_id: Annotated[
        int | None, Query(ge=1, le=2**62, description="default: the latest run")
    ] = None,
    verdict: Annotated[
        str | None, Query(description="comma-separated: ok,degraded,offline,unknown")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Rows:
    """``device_id``, ``verdict``, ``faults``, ``reason``, ``measures`` (snapshots: see the camera)."""
    verdicts = parse_list(verdict, tuple(VERDICTS), "verdict")
    frame = reads.health_results(state.store, run_id)
    if frame is None:
        raise HTTPException(404, "no health run yet")
    if verdicts and len(frame):
        frame = frame[frame["verdict"].isin(verdicts)]
    return Rows(total=len(frame), items=records(frame.iloc[offset : offset + limit]))
