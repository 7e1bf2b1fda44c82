"""``/tiles/*``: Mapbox Vector Tiles of the cameras, the units with their KPIs and the gaps.

Each tile is built once per store version and kept (:class:`~sharpeyes.api.tilecache.TileCache`);
its ETag names that version, so a browser revalidating a tile gets a 304 without any work. An import
(a new cameras or health version) or a new report (a new results version) changes the ETags.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from fastapi import APIRouter, HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool

from sharpeyes.api.deps import (
    AppState,
    PointClassQuery,
    StateDep,
    VerdictQuery,
    Viewer,
    camera_index,
    held_camera_index,
)
from sharpeyes.api.maps import KPIS
from sharpeyes.api.routes.cameras import parse_list
from sharpeyes.api.routes.results import GAP_LAYERS, layer
from sharpeyes.api.tilebuild import ShapeLayer, camera_rows, camera_tile
from sharpeyes.jobs import reads
from sharpeyes.jobs.camera_index import VERDICT_CODES
from sharpeyes.jobs.camera_records import camera_names
from sharpeyes.model.codes import POINT_CLASSES, VERDICTS
from sharpeyes.model.police import POLICE_LEVELS
from sharpeyes.model.tilemath import check_tile

router = APIRouter(prefix="/tiles", tags=["tiles"])

MVT: Final = "application/vnd.mapbox-vector-tile"
#: Browsers may reuse a tile 10 s, then revalidate it (a 304 while the store did not change).
TILE_HEADERS: Final = {"Cache-Control": "private, max-age=10"}
#: Unit properties in unit tiles beside the choropleth KPIs (the tooltip's rates).
UNIT_PROPERTIES: Final = ("code", "name", "level", "parent_code")
UNIT_RATES: Final = ("online_rate", "platform_online_rate")
_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    200: {"content": {MVT: {}}, "description": "a Mapbox Vector Tile"},
    304: {"description": "not modified (If-None-Match)"},
}


async def _tile(
    request: Request,
    state: AppState,
    layer_name: str,
    version: str,
    key: str,
    build: Callable[[], bytes],
) -> Response:
    """The tile's answer: 304 for its ETag, else the tile from the LRU on the event loop (no thread
    hand-off), else read from disk or built in a worker thread."""
    etag = state.tiles.etag(layer_name, version, key)
    headers = {**TILE_HEADERS, "ETag": etag}
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    data = state.tiles.peek(layer_name, version, key)
    if data is None:
        data = await run_in_threadpool(state.tiles.get, layer_name, version, key, build)
    return Response(data, media_type=MVT, headers=headers)


async def _results_version(state: AppState) -> str:
    """:func:`results_version`, on the event loop while the stamps are fresh."""
    versions = state.fresh_versions()
    if versions is None:
        return await run_in_threadpool(results_version, state)
    return f"{versions['units']}|{versions['results']}"


def _checked(z: int, x: int, y: int) -> None:
    problem = check_tile(z, x, y)
    if problem:
        raise HTTPException(400, f"tile: {problem}")


@router.get("/cameras/{z}/{x}/{y}.mvt", summary="Cameras as a vector tile", responses=_RESPONSES)
async def cameras_tile(
    z: int,
    x: int,
    y: int,
    request: Request,
    state: StateDep,
    user: Viewer,
    point_class: PointClassQuery = None,
    verdict: VerdictQuery = None,
) -> Response:
    """Layer ``cameras``: below zoom 17, clusters with ``count`` and per-class counts ``c1`` …
    ``c9`` (and ``offline``, ``degraded``) where a 64-px cell holds more than 8 cameras; every other
    camera a point with its attributes (no stream URL, no credentials)."""
    _checked(z, x, y)
    classes = parse_list(point_class, tuple(int(c) for c in POINT_CLASSES), "point_class", int)
    wanted = parse_list(verdict, (*VERDICTS, "not_probed"), "verdict")
    codes = None if wanted is None else [VERDICT_CODES.get(v, 0) for v in wanted]
    index = held_camera_index(state)
    if index is None:  # stamps to re-read or an index to open: the store is read
        index = await run_in_threadpool(camera_index, state)
    version = "|".join(getattr(index, "version", ("", "")))
    key = f"{z}/{x}/{y}/{point_class or ''}/{verdict or ''}".replace(",", "_")

    def build() -> bytes:
        rows = camera_rows(index, z, x, y, point_classes=classes, verdicts=codes)
        return camera_tile(index, rows, z, x, y, names=lambda ids: camera_names(state.store, ids))

    return await _tile(request, state, "cameras", version, key, build)


def _kept(state: AppState, name: str, version: str, load: Callable[[], ShapeLayer]) -> ShapeLayer:
    """The shape layer ``name`` of ``version``, loaded once per version (the old one dropped)."""
    held = state.shape_layers.get(name)
    if held is not None and held[0] == version:
        return held[1]  # type: ignore[no-any-return]
    layer_ = load()
    state.shape_layers[name] = (version, layer_)
    return layer_


def results_version(state: AppState) -> str:
    """The stamp unit and gap tiles are kept under: units and saved results."""
    versions = state.versions()
    return f"{versions['units']}|{versions['results']}"


def unit_layer(state: AppState, level: str, version: str) -> ShapeLayer:
    """Units of ``level`` with their all-class KPIs of the latest report (layer ``units``).

    Any level the units table holds is served, and the police levels (``sub_bureau``, ``station``)
    from the police units with the latest police report: a new level (grids) needs its units in the
    store and its rows in the report, nothing here.
    """
    from sharpeyes.api.routes.map import _total_row

    police = level in POLICE_LEVELS

    def load() -> ShapeLayer:
        # read from the store, not the read cache: the layer is kept under ``version``
        units = reads.police_units(state.store) if police else reads.units(state.store)
        frame = units[units["level"] == level].copy() if len(units) else units
        kpis: dict[str, list[dict[str, Any]]] = {}
        kind = "police_report" if police else "report"
        for row in (reads.latest_result(state.store, kind) or {}).get("rows") or []:
            if isinstance(row, dict) and row.get("unit_code") is not None:
                kpis.setdefault(str(row["unit_code"]), []).append(row)
        for kpi in (*KPIS, *UNIT_RATES):
            frame[kpi] = [_total_row(kpis.get(str(c), [])).get(kpi) for c in frame["code"]]
        return ShapeLayer("units", frame, [*UNIT_PROPERTIES, *KPIS, *UNIT_RATES])

    return _kept(state, f"units:{level}", version, load)


@router.get(
    "/units/{level}/{z}/{x}/{y}.mvt",
    summary="Units with their KPIs as a vector tile",
    responses=_RESPONSES,
)
async def units_tile(
    level: str, z: int, x: int, y: int, request: Request, state: StateDep, user: Viewer
) -> Response:
    """Layer ``units``: the unit polygons of ``level`` (county, township, village …) with
    ``code``, ``name`` and the all-class KPIs of the latest report (fractions 0–1)."""
    _checked(z, x, y)
    if not level.isidentifier() or len(level) > 32:
        raise HTTPException(400, f"level: {level!r} is not a unit level")
    version = await _results_version(state)
    return await _tile(
        request,
        state,
        f"units.{level}",
        version,
        f"{z}/{x}/{y}",
        lambda: unit_layer(state, level, version).tile(z, x, y),
    )


def gap_layer(state: AppState, name: str, version: str) -> ShapeLayer:
    """One layer of the latest gaps result (layer ``gaps``) with its scalar properties."""
    import geopandas as gpd

    def load() -> ShapeLayer:
        fc = layer(reads.latest_result(state.store, "gaps"), name)
        features = fc.get("features") or []
        frame = gpd.GeoDataFrame.from_features(features, crs="EPSG:4326") if features else None
        if frame is None:
            return ShapeLayer("gaps", gpd.GeoDataFrame(geometry=[], crs="EPSG:4326"), [])
        return ShapeLayer("gaps", frame, [c for c in frame.columns if c != "geometry"])

    return _kept(state, f"gaps:{name}", version, load)


@router.get(
    "/gaps/{name}/{z}/{x}/{y}.mvt", summary="A gaps layer as a vector tile", responses=_RESPONSES
)
async def gaps_tile(
    name: str, z: int, x: int, y: int, request: Request, state: StateDep, user: Viewer
) -> Response:
    """Layer ``gaps``: ``villages``, ``places``, ``roads`` or ``cells`` of the latest gaps result."""
    _checked(z, x, y)
    if name not in GAP_LAYERS:
        raise HTTPException(404, f"no gaps layer {name!r}: one of {list(GAP_LAYERS)}")
    version = await _results_version(state)
    return await _tile(
        request,
        state,
        f"gaps.{name}",
        version,
        f"{z}/{x}/{y}",
        lambda: gap_layer(state, name, version).tile(z, x, y),
    )
