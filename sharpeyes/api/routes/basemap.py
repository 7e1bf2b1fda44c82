"""The basemap with no internet: ``/tiles/base/{z}/{x}/{y}`` from a local tile archive
(``SHARPEYES_BASEMAP``), and the store's own reference layers, ``/api/map/roads`` (key roads by
grade) and ``/api/map/places`` (key places as labelled symbols), which the map draws when there is
no tile basemap at all."""

from __future__ import annotations

from typing import Annotated, Any, Final

import geopandas as gpd
import numpy as np
import shapely
from fastapi import APIRouter, HTTPException, Path, Query
from fastapi.responses import JSONResponse, Response

from sharpeyes.api.convert import feature_collection
from sharpeyes.api.deps import AppState, StateDep, Viewer, cached
from sharpeyes.api.index import BBox
from sharpeyes.api.routes.cameras import parse_bbox
from sharpeyes.api.schemas import FeatureCollection
from sharpeyes.jobs import reads
from sharpeyes.model.codes import PLACE_CATEGORIES, ROAD_CLASSES

router = APIRouter(tags=["map"])

#: The lowest zoom at which each road grade is drawn (motorways and national roads always).
ROAD_MIN_ZOOM: Final = {
    "motorway": 0,
    "trunk": 0,
    "primary": 9,
    "secondary": 11,
    "tertiary": 12,
    "residential": 14,
    "other": 14,
}
#: Key places are drawn from this zoom (a city's few thousand would cover the map below it).
PLACES_MIN_ZOOM: Final = 12
MAX_FEATURES: Final = 20_000
TILE_HEADERS: Final = {"Cache-Control": "private, max-age=3600"}
DATA_HEADERS: Final = {"Cache-Control": "private, max-age=30"}


@router.get(
    "/tiles/base/{z}/{x}/{y}",
    summary="A basemap tile from the local archive (SHARPEYES_BASEMAP)",
    response_class=Response,
    responses={200: {"content": {"image/png": {}, "application/x-protobuf": {}}}},
)
def base_tile(
    state: StateDep,
    user: Viewer,
    z: Annotated[int, Path(ge=0, le=24)],
    x: Annotated[int, Path(ge=0)],
    y: Annotated[str, Path(description="row from the north (XYZ), a suffix like .png allowed")],
) -> Response:
    """The tile as stored in the PMTiles or MBTiles archive (404 when it has none there, or when no
    archive is configured). Vector tiles keep their gzip encoding (``Content-Encoding: gzip``)."""
    archive = state.basemap
    if archive is None:
        raise HTTPException(
            404, "no basemap archive: set SHARPEYES_BASEMAP to a .pmtiles/.mbtiles file"
        )
    row = y.split(".", 1)[0]
    if not row.isdigit():
        raise HTTPException(422, f"y: {y!r} is not a tile row")
    data = archive.tile(z, x, int(row))
    if data is None:
        raise HTTPException(404, f"no tile {z}/{x}/{row} in the basemap archive")
    headers = dict(TILE_HEADERS)
    if archive.encoding:
        headers["Content-Encoding"] = archive.encoding
    return Response(data, media_type=archive.media_type, headers=headers)


def _box_mask(frame: gpd.GeoDataFrame, box: BBox) -> np.ndarray:
    bounds = shapely.bounds(frame.geometry.to_numpy())
    with np.errstate(invalid="ignore"):
        return np.asarray(
            (bounds[:, 0] <= box.east)
            & (bounds[:, 2] >= box.west)
            & (bounds[:, 1] <= box.north)
            & (bounds[:, 3] >= box.south)
        )


def _pixel_deg(zoom: int) -> float:
    """One screen pixel at ``zoom`` in degrees of longitude (256-pixel tiles)."""
    return 360.0 / (256.0 * 2.0 ** int(zoom))


def roads_geojson(state: AppState, box: BBox, zoom: int) -> dict[str, Any]:
    """The key roads crossing ``box`` whose grade is drawn at ``zoom``, simplified to a pixel."""
    roads: gpd.GeoDataFrame = cached(state, "ref_roads", lambda: reads.roads(state.store))
    if roads is None or len(roads) == 0:
        return {"type": "FeatureCollection", "features": []}
    grade = roads["road_class"].fillna("other").astype(str)
    shown = grade.map(lambda g: ROAD_MIN_ZOOM.get(g, ROAD_MIN_ZOOM["other"]) <= zoom)
    mask = shown.to_numpy(dtype=bool) & _box_mask(roads, box)
    frame = roads.loc[mask, ["road_id", "name", "road_class", "geometry"]].head(MAX_FEATURES).copy()
    frame["road_class"] = frame["road_class"].fillna("other")
    frame["road_class_zh"] = [
        ROAD_CLASSES[c].zh if c in ROAD_CLASSES else str(c) for c in frame["road_class"]
    ]
    frame["geometry"] = frame.geometry.simplify(_pixel_deg(zoom), preserve_topology=False)
    return feature_collection(gpd.GeoDataFrame(frame, geometry="geometry", crs=roads.crs))


def places_geojson(state: AppState, box: BBox) -> dict[str, Any]:
    """The key places in ``box`` as points (a polygon's representative point) with their labels."""
    places: gpd.GeoDataFrame = cached(state, "ref_places", lambda: reads.places(state.store))
    if places is None or len(places) == 0:
        return {"type": "FeatureCollection", "features": []}
    frame = places.loc[_box_mask(places, box), ["place_id", "name", "category", "geometry"]]
    frame = frame.head(MAX_FEATURES).copy()
    frame["category_zh"] = [
        PLACE_CATEGORIES[c].zh if c in PLACE_CATEGORIES else str(c or "") for c in frame["category"]
    ]
    frame["geometry"] = frame.geometry.representative_point()
    return feature_collection(gpd.GeoDataFrame(frame, geometry="geometry", crs=places.crs))


def _required_box(bbox: str) -> BBox:
    box = parse_bbox(bbox)
    if box is None:
        raise HTTPException(400, "bbox is required: west,south,east,north in WGS-84 degrees")
    return box


@router.get(
    "/api/map/roads", response_model=FeatureCollection, summary="Key roads by grade (basemap)"
)
def map_roads(
    state: StateDep,
    user: Viewer,
    bbox: Annotated[str, Query(description="west,south,east,north in WGS-84 degrees")],
    zoom: Annotated[int, Query(ge=0, le=22)],
) -> Any:
    """Imported key roads in view with ``road_class`` and its Chinese name ``road_class_zh``: motorways
    and national roads at every zoom, minor grades from zoom 11–14 (:data:`ROAD_MIN_ZOOM`)."""
    return JSONResponse(roads_geojson(state, _required_box(bbox), zoom), headers=DATA_HEADERS)


@router.get(
    "/api/map/places", response_model=FeatureCollection, summary="Key places (basemap labels)"
)
def map_places(
    state: StateDep,
    user: Viewer,
    bbox: Annotated[str, Query(description="west,south,east,north in WGS-84 degrees")],
    zoom: Annotated[int, Query(ge=0, le=22)] = PLACES_MIN_ZOOM,
) -> Any:
    """Imported key places in view as points with ``name``, ``category`` and ``category_zh``
    (none below zoom 12)."""
    box = _required_box(bbox)
    if zoom < PLACES_MIN_ZOOM:
        return JSONResponse({"type": "FeatureCollection", "features": []}, headers=DATA_HEADERS)
    return JSONResponse(places_geojson(state, box), headers=DATA_HEADERS)
