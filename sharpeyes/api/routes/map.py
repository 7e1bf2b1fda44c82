"""``/map``: the map page; ``/api/map/*``: the data its layers fetch (aggregated on the server)."""

from __future__ import annotations

from typing import Annotated, Any, Final

import geopandas as gpd
import numpy as np
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from sharpeyes.api.convert import feature_collection
from sharpeyes.api.deps import (
    AppState,
    PageViewer,
    PointClassQuery,
    StateDep,
    VerdictQuery,
    Viewer,
    cached,
    camera_index,
    police_units_frame,
    units_frame,
)
from sharpeyes.api.index import BBox
from sharpeyes.api.jsonresp import OrjsonResponse
from sharpeyes.api.maps import KPIS, build_map_html
from sharpeyes.api.routes.cameras import parse_bbox, parse_list
from sharpeyes.api.routes.system import set_session
from sharpeyes.api.routes.units import kpi_rows_by_unit
from sharpeyes.api.schemas import FeatureCollection
from sharpeyes.jobs.coverage import camera_fields_of_view
from sharpeyes.model.codes import ADMIN_LEVELS, POINT_CLASSES, VERDICTS
from sharpeyes.model.columns import WGS84
from sharpeyes.model.police import POLICE_LEVELS

router = APIRouter(tags=["map"])

#: Simplification tolerance of unit boundaries per level, in degrees (≈ 200 m, 100 m, 50 m).
SIMPLIFY_DEG = {
    "city": 0.002,
    "county": 0.002,
    "township": 0.001,
    "village": 0.0005,
    "sub_bureau": 0.002,
    "station": 0.001,
}
#: Largest bounding box (square degrees) for which fields of view are drawn (≈ zoom 14).
FOV_MAX_AREA_DEG2 = 0.05
FOV_MAX_CAMERAS = 3000
DATA_HEADERS = {"Cache-Control": "private, max-age=10"}


def _view(state: AppState) -> tuple[tuple[float, float], tuple[float, float, float, float] | None]:
    units = units_frame(state)
    if units is not None and len(units) and not units.geometry.is_empty.all():
        west, south, east, north = (float(v) for v in units.total_bounds)
        return ((south + north) / 2, (west + east) / 2), (west, south, east, north)
    index = camera_index(state)
    if len(index) and index.located.any():
        lon, lat = index.lon[index.located], index.lat[index.located]
        west, south, east, north = (
            float(np.percentile(lon, 1)),
            float(np.percentile(lat, 1)),
            float(np.percentile(lon, 99)),
            float(np.percentile(lat, 99)),
        )
        return ((south + north) / 2, (west + east) / 2), (west, south, east, north)
    return (35.0, 105.0), None


@router.get("/map", response_class=HTMLResponse, summary="The map page (HTML)")
def map_page(request: Request, state: StateDep, user: PageViewer) -> HTMLResponse:
    """KPI choropleths, cameras, fields of view, gaps, health and network layers on one map."""

    def render() -> str:
        centre, bounds = _view(state)
        return build_map_html(state.settings, centre=centre, bounds=bounds, archive=state.basemap)

    response = HTMLResponse(cached(state, "map_html", render))
    if getattr(request.state, "auth_via", None) == "bearer":
        # The page's scripts fetch data with the session cookie; a bearer caller gets one here.
        set_session(response, request, state, user.name)
    return response


@router.get(
    "/api/map/cameras",
    response_model=FeatureCollection,
    summary="Cameras for a map view (aggregated)",
)
def map_cameras(
    state: StateDep,
    user: Viewer,
    bbox: Annotated[str, Query(description="west,south,east,north in WGS-84 degrees")],
    zoom: Annotated[int, Query(ge=0, le=22)],
    point_class: PointClassQuery = None,
    verdict: VerdictQuery = None,
) -> Any:
    """Individual cameras when few are in view (or from zoom 17), else counts on a grid of about
    64 screen pixels (``kind`` = ``points`` or ``clusters``; ``total`` cameras in view)."""
    box = parse_bbox(bbox)
    if box is None:
        raise HTTPException(400, "bbox is required: west,south,east,north in WGS-84 degrees")
    index = camera_index(state)
    mask = index.select(
        point_classes=parse_list(
            point_class, tuple(int(c) for c in POINT_CLASSES), "point_class", int
        ),
        verdicts=parse_list(verdict, (*VERDICTS, "not_probed"), "verdict"),
    )
    return OrjsonResponse(index.grid(mask, box, zoom=zoom), headers=DATA_HEADERS)


#: Most cameras one layer download holds (a city's whole class III inventory fits).
DOWNLOAD_MAX_CAMERAS: Final = 2_000_000


@router.get(
    "/api/map/download/cameras",
    response_model=FeatureCollection,
    summary="A camera layer of the map as a GeoJSON file",
)
def download_cameras(
    state: StateDep,
    user: Viewer,
    point_class: PointClassQuery = None,
    verdict: VerdictQuery = None,
) -> Any:
    """Every located camera of the layer (all of them, not one page) with its record and last
    verdict, WGS-84 points, stream URLs masked; served as an attachment."""
    from sharpeyes.api.routes.cameras import camera_records

    index = camera_index(state)
    mask = index.select(
        point_classes=parse_list(
            point_class, tuple(int(c) for c in POINT_CLASSES), "point_class", int
        ),
        verdicts=parse_list(verdict, (*VERDICTS, "not_probed"), "verdict"),
    )
    _, ids = index.page(mask & index.located, limit=DOWNLOAD_MAX_CAMERAS, offset=0)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
            "properties": row,
        }
        for row in camera_records(state, ids)
    ]
    name = (
        "cameras"
        + (f"-class{point_class}" if point_class else "")
        + (f"-{verdict}" if verdict else "")
    )
    return OrjsonResponse(
        {"type": "FeatureCollection", "features": features},
        media_type="application/geo+json",
        headers={"Content-Disposition": f'attachment; filename="{name}.geojson"'},
    )


#: Rates shown in a unit's tooltip beside the choropleth KPIs: the nightly probe's online rate and
#: the video platform's (``sharpeyes sync wvp``), so a unit where the two disagree stands out.
TOOLTIP_RATES: Final = ("online_rate", "platform_online_rate")


def units_geojson(state: AppState, level: str) -> dict[str, Any]:
    """Simplified unit polygons of ``level`` with their all-class KPIs as properties (a police
    level, ``sub_bureau`` or ``station``, from the police tree and the latest police report)."""
    hierarchy = "police" if level in POLICE_LEVELS else "admin"

    def load() -> dict[str, Any]:
        units = units_frame(state) if hierarchy == "admin" else police_units_frame(state)
        if units is None or len(units) == 0:
            return {"type": "FeatureCollection", "features": []}
        frame = units[units["level"] == level][["code", "name", "level", "geometry"]].copy()
        frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=units.crs or WGS84)
        frame["geometry"] = frame.geometry.simplify(
            SIMPLIFY_DEG.get(level, 0.001), preserve_topology=True
        )
        kpis = kpi_rows_by_unit(state, hierarchy)
        for kpi in (*KPIS, *TOOLTIP_RATES):
            frame[kpi] = [_total_row(kpis.get(str(code), [])).get(kpi) for code in frame["code"]]
        fc = feature_collection(frame)
        for feature in fc["features"]:
            if feature["geometry"] is not None:
                feature["geometry"] = _rounded(feature["geometry"])
        return fc

    return cached(state, f"units_geojson:{level}", load)  # type: ignore[no-any-return]


def _total_row(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The all-classes KPI row among a unit's rows (``point_class`` empty/"all"), else the first."""
    for row in rows:
        if row.get("point_class") in (None, "", "all", "全部", 0, "0"):
            return row
    return rows[0] if rows else {}


def _rounded(geometry: dict[str, Any]) -> dict[str, Any]:
    def walk(c: Any) -> Any:
        if isinstance(c, (list, tuple)) and c and isinstance(c[0], (int, float)):
            return [round(float(c[0]), 5), round(float(c[1]), 5)]
        return [walk(x) for x in c]

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


@router.get(
    "/api/map/units", response_model=FeatureCollection, summary="Unit polygons with KPIs (map)"
)
def map_units(
    state: StateDep,
    user: Viewer,
    level: Annotated[
        str,
        Query(description="city, county, township or village; or police: sub_bureau, station"),
    ] = "county",
) -> Any:
    """Boundaries of one level, simplified for display, with ``networking_rate``, ``hd_ratio``,
    ``intact_rate`` and ``village_coverage`` (all classes, fractions 0–1) of the latest report
    (for a police level, of the latest police report)."""
    if level not in ADMIN_LEVELS and level not in POLICE_LEVELS:
        allowed = [*ADMIN_LEVELS, *POLICE_LEVELS]
        raise HTTPException(400, f"level: {level!r} is not one of {allowed}")
    return OrjsonResponse(units_geojson(state, level), headers=DATA_HEADERS)


@router.get(
    "/api/map/fov", response_model=FeatureCollection, summary="Fields of view in a small view"
)
def map_fov(
    state: StateDep,
    user: Viewer,
    bbox: Annotated[str, Query(description="west,south,east,north in WGS-84 degrees")],
) -> Any:
    """Field-of-view sectors (WGS-84 polygons) of the cameras in ``bbox``; the box must be small
    (at most 0.05 square degrees) and at most 3,000 cameras are drawn."""
    box = parse_bbox(bbox)
    if box is None:
        raise HTTPException(400, "bbox is required: west,south,east,north in WGS-84 degrees")
    if (box.east - box.west) * (box.north - box.south) > FOV_MAX_AREA_DEG2:
        raise HTTPException(
            400, "bbox too large for fields of view: zoom in (at most 0.05 square degrees)"
        )
    return OrjsonResponse(fov_geojson(state, box), headers=DATA_HEADERS)


def fov_geojson(state: AppState, box: BBox) -> dict[str, Any]:
    """Sectors of the cameras in ``box`` (at most :data:`FOV_MAX_CAMERAS`), WGS-84, from
    :func:`sharpeyes.jobs.coverage.camera_fields_of_view`."""
    index = camera_index(state)
    _, ids = index.page_rows(index.select_rows(bbox=box), limit=FOV_MAX_CAMERAS, offset=0)
    if not ids:
        return {"type": "FeatureCollection", "features": []}
    frame = camera_fields_of_view(state.store, ids, hd_min_lines=state.settings.hd_min_lines)
    return feature_collection(frame)
