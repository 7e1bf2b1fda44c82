"""Results of the analyses: ``/api/report`` (KPIs, Excel), ``/api/gaps``, ``/api/network``, ``/api/plan``."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from sharpeyes._errors import SharpeyesError
from sharpeyes.api.convert import clean
from sharpeyes.api.deps import StateDep, Viewer, cached, latest
from sharpeyes.api.jsonresp import OrjsonResponse
from sharpeyes.api.schemas import Document, FeatureCollection
from sharpeyes.model.urls import scrub

router = APIRouter(prefix="/api", tags=["results"])

GAP_LAYERS = ("villages", "places", "roads", "cells")
NETWORK_LAYERS = ("links", "spof", "nodes")


def _is_fc(value: Any) -> bool:
    return isinstance(value, dict) and value.get("type") == "FeatureCollection"


def summary(document: dict[str, Any] | None, *, layers_key: str | None = None) -> dict[str, Any]:
    """A result document without its FeatureCollections, with the feature count of each."""
    if document is None:
        return {"available": False}
    out: dict[str, Any] = {"available": True}
    counts: dict[str, int] = {}
    for key, value in document.items():
        if _is_fc(value):
            counts[key] = len(value.get("features") or [])
        elif key == layers_key and isinstance(value, dict):
            for name, layer in value.items():
                if _is_fc(layer):
                    counts[name] = len(layer.get("features") or [])
        else:
            out[key] = clean(value)
    out["layers"] = counts
    return out


def layer(
    document: dict[str, Any] | None, name: str, *, within: str | None = None
) -> dict[str, Any]:
    """One FeatureCollection of a result document (404 when absent)."""
    if document is None:
        raise HTTPException(404, "not computed yet: run the analysis first")
    holder = document.get(within) if within else document
    value = holder.get(name) if isinstance(holder, dict) else None
    if not isinstance(value, dict) or not _is_fc(value):
        raise HTTPException(404, f"no layer {name!r} in the latest result")
    return value


@router.get("/report", response_model=Document, summary="KPIs per unit (latest report)")
def get_report(state: StateDep, user: Viewer) -> Any:
    """The latest KPI report: ``rows`` with ``unit_code``, ``unit_name``, ``level``, ``point_class``,
    ``networking_rate``, ``hd_ratio``, ``intact_rate``, ``village_coverage`` … (fractions 0–1)."""
    return OrjsonResponse(cached(state, "report_json", lambda: summary(latest(state, "report"))))


@router.get(
    "/report.xlsx",
    summary="KPI report as an Excel workbook",
    responses={
        200: {"content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}
    },
    response_class=FileResponse,
)
def get_report_xlsx(state: StateDep, user: Viewer) -> FileResponse:
    """The report written by the coverage job (Chinese headers), as a download."""
    from sharpeyes.jobs import coverage

    tmp = tempfile.TemporaryDirectory(prefix="sharpeyes-report-")
    path = Path(tmp.name) / "report.xlsx"
    try:
        coverage.write_report(state.store, path, fmt="xlsx")
    except SharpeyesError as exc:
        tmp.cleanup()
        raise HTTPException(409, scrub(str(exc))) from None
    except BaseException:
        tmp.cleanup()
        raise
    return FileResponse(
        path,
        filename="sharpeyes-report.xlsx",
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        background=BackgroundTask(tmp.cleanup),
    )


@router.get(
    "/gaps", response_model=Document, summary="Gaps: uncovered villages, places, roads, cells"
)
def get_gaps(state: StateDep, user: Viewer) -> Any:
    """Summary of the latest gaps result, with the feature count of each layer."""
    return OrjsonResponse(cached(state, "gaps_summary", lambda: summary(latest(state, "gaps"))))


@router.get("/gaps/{name}", response_model=FeatureCollection, summary="One gaps layer (GeoJSON)")
def get_gaps_layer(name: str, state: StateDep, user: Viewer) -> Any:
    """``villages``, ``places``, ``roads`` or ``cells`` of the latest gaps result (EPSG:4326)."""
    return OrjsonResponse(layer(latest(state, "gaps"), name), media_type="application/geo+json")


@router.get("/network", response_model=Document, summary="Network check (latest)")
def get_network(state: StateDep, user: Viewer) -> Any:
    """Reachability, single points of failure and uplink load summary of the latest network check."""
    return OrjsonResponse(
        cached(
            state, "network_summary", lambda: summary(latest(state, "network"), layers_key="layers")
        )
    )


@router.get(
    "/network/layers/{name}",
    response_model=FeatureCollection,
    summary="One network layer (GeoJSON)",
)
def get_network_layer(name: str, state: StateDep, user: Viewer) -> Any:
    """``links`` (``load_mbps``, ``capacity_mbps``, ``utilisation``), ``spof`` (``cameras_cut_off``), ``nodes``."""
    return OrjsonResponse(
        layer(latest(state, "network"), name, within="layers"), media_type="application/geo+json"
    )


@router.get("/plan", response_model=Document, summary="Expansion plan (latest)")
def get_plan(state: StateDep, user: Viewer) -> Any:
    """The latest expansion plan: ``curve`` and the other figures; ``layers`` counts its sites."""
    return OrjsonResponse(cached(state, "plan_summary", lambda: summary(latest(state, "plan"))))


@router.get("/plan/sites", response_model=FeatureCollection, summary="Planned sites (GeoJSON)")
def get_plan_sites(state: StateDep, user: Viewer) -> Any:
    """Sites of the latest plan, in the order they were chosen."""
    return OrjsonResponse(layer(latest(state, "plan"), "sites"), media_type="application/geo+json")
