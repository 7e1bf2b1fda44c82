"""``/api/health``: nightly health runs, their summary and the per-camera verdicts."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import JSONResponse, Response

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
    """``device_id``, ``verdict``, ``faults``, ``reason``, ``measures`` (snapshots: see the camera);
    default run: the last finished one."""
    verdicts = parse_list(verdict, tuple(VERDICTS), "verdict")
    frame = reads.health_results(state.store, run_id)
    if frame is None:
        raise HTTPException(404, "no finished health run yet")
    if verdicts and len(frame):
        frame = frame[frame["verdict"].isin(verdicts)]
    return Rows(total=len(frame), items=records(frame.iloc[offset : offset + limit]))


_MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


@router.get("/worklist", summary="The morning worklist: faulty cameras per contractor")
def get_worklist(
    state: StateDep,
    user: Viewer,
    night: Annotated[
        str | None,
        Query(pattern=r"^\d{4}-\d{2}-\d{2}$", description="default: the last finished run"),
    ] = None,
    format: Annotated[str, Query(pattern="^(json|xlsx|csv)$")] = "json",
    view: Annotated[
        str, Query(pattern="^(contractor|grid)$", description="grid: per grid (网格)")
    ] = "contractor",
) -> Any:
    """One list per maintenance contractor (network faults to the carrier) of the cameras faulty or
    offline in a finished night, and each contractor's intact rate against the 98 % / 95 % targets;
    ``format=xlsx`` is the workbook with the snapshots embedded, ``csv`` one table. Every row names
    the camera's grid and its grid workers; ``view=grid`` lists them per grid. Grid workers' phone
    numbers are in the answer for editors and admins only."""
    from sharpeyes._errors import InputError
    from sharpeyes.jobs.worklist import build_worklist, worklist_document, write_worklist

    phones = user.may("editor")
    try:
        if format == "json":
            work = build_worklist(state.store, night=night, phones=phones)
            return JSONResponse(worklist_document(work, view=view))
        with tempfile.TemporaryDirectory(prefix="sharpeyes-worklist-") as folder:
            path = Path(folder) / f"worklist.{format}"
            doc = write_worklist(
                state.store, path, night=night, fmt=format, view=view, phones=phones
            )
            data = path.read_bytes()
    except InputError as exc:
        raise HTTPException(404, str(exc)) from None
    name = f"worklist-{doc['night']}.{format}"
    return Response(
        data,
        media_type=_MEDIA[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
