"""``/api/cameras``: the inventory, filtered and paged, as JSON or GeoJSON; one camera in detail."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Response
from fastapi.responses import JSONResponse

from sharpeyes.api.convert import clean, records
from sharpeyes.api.deps import StateDep, Viewer, camera_index
from sharpeyes.api.index import BBox
from sharpeyes.api.schemas import CameraDetail, CameraPage
from sharpeyes.model.codes import POINT_CLASSES, STATUSES, VERDICTS
from sharpeyes.model.urls import mask_url

router = APIRouter(prefix="/api/cameras", tags=["cameras"])

MAX_PAGE = 5000


def parse_list(
    text: str | None, allowed: tuple[Any, ...], name: str, cast: type = str
) -> list[Any] | None:
    """``"a,b"`` → ``[a, b]``, each value checked against ``allowed`` (400 otherwise)."""
    if text is None or not text.strip():
        return None
    values = []
    for part in text.split(","):
        try:
            value = cast(part.strip())
        except ValueError:
            raise HTTPException(
                400, f"{name}: {part.strip()!r} is not one of {list(allowed)}"
            ) from None
        if value not in allowed:
            raise HTTPException(400, f"{name}: {part.strip()!r} is not one of {list(allowed)}")
        values.append(value)
    return values


def parse_bbox(text: str | None) -> BBox | None:
    """The ``bbox`` query parameter (400 with the reason when malformed)."""
    if text is None or not text.strip():
        return None
    try:
        return BBox.parse(text)
    except ValueError as exc:
        raise HTTPException(400, f"bbox: {exc}") from None


def parse_unit(text: str | None) -> str | None:
    """A unit code filter: 4, 6, 9 or 12 digits (400 otherwise)."""
    if text is None or not text.strip():
        return None
    code = text.strip()
    if not code.isdigit() or len(code) not in (4, 6, 9, 12):
        raise HTTPException(400, f"unit: {code!r} is not a 4-, 6-, 9- or 12-digit division code")
    return code


def camera_records(state: StateDep, device_ids: list[str]) -> list[dict[str, Any]]:
    """Full records of ``device_ids`` in that order, credentials masked, last verdict added."""
    if not device_ids:
        return []
    frame = state.store.cameras(device_ids=device_ids)
    rows = {r["device_id"]: r for r in records(frame)}
    verdicts = camera_index(state).verdict_of(device_ids)
    out = []
    for device_id in device_ids:
        row = rows.get(device_id)
        if row is None:
            continue
        row["stream_url"] = mask_url(row.get("stream_url"))
        row["verdict"] = verdicts.get(device_id)
        out.append(row)
    return out


@router.get("", response_model=CameraPage, summary="Cameras, filtered and paged")
def list_cameras(
    state: StateDep,
    user: Viewer,
    unit: Annotated[
        str | None,
        Query(description="division code: 4/6 digits county or city, 9 township, 12 village"),
    ] = None,
    point_class: Annotated[
        str | None, Query(description="comma-separated classes 1,2,3,4,9")
    ] = None,
    status: Annotated[
        str | None, Query(description="comma-separated: " + ",".join(map(str, STATUSES)))
    ] = None,
    verdict: Annotated[
        str | None,
        Query(description="comma-separated last health verdicts: " + ",".join(map(str, VERDICTS))),
    ] = None,
    bbox: Annotated[
        str | None, Query(description="west,south,east,north in WGS-84 degrees")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    offset: Annotated[int, Query(ge=0, le=100_000_000)] = 0,
    format: Annotated[
        Literal["json", "geojson"],
        Query(description="json (a page) or geojson (a FeatureCollection)"),
    ] = "json",
) -> Any:
    """Cameras in ``device_id`` order. ``format=geojson`` gives a FeatureCollection with ``total``."""
    index = camera_index(state)
    mask = index.select(
        unit=parse_unit(unit),
        point_classes=parse_list(
            point_class, tuple(int(c) for c in POINT_CLASSES), "point_class", int
        ),
        statuses=parse_list(status, tuple(STATUSES), "status"),
        verdicts=parse_list(verdict, tuple(VERDICTS), "verdict"),
        bbox=parse_bbox(bbox),
    )
    total, ids = index.page(mask, limit=limit, offset=offset)
    items = camera_records(state, ids)
    if format == "geojson":
        features = [
            {
                "type": "Feature",
                "geometry": None
                if item.get("lon") is None or item.get("lat") is None
                else {"type": "Point", "coordinates": [item["lon"], item["lat"]]},
                "properties": item,
            }
            for item in items
        ]
        return JSONResponse(
            {
                "type": "FeatureCollection",
                "total": total,
                "limit": limit,
                "offset": offset,
                "features": features,
            },
            media_type="application/geo+json",
        )
    return CameraPage(total=total, limit=limit, offset=offset, items=items)


def _snapshot(state: StateDep, device_id: str) -> bytes | None:
    """The newest snapshot among the camera's last five health results."""
    history = state.store.health_history(device_id)
    if history is None or len(history) == 0:
        return None
    for run_id in reversed(history["run_id"].tolist()[-5:]):
        jpeg = state.store.snapshot(int(run_id), device_id)
        if jpeg:
            return jpeg
    return None


@router.get(
    "/{device_id}", response_model=CameraDetail, summary="One camera with change log and health"
)
def get_camera(device_id: str, state: StateDep, user: Viewer) -> CameraDetail:
    """The camera's record, every change imports made to it, its health results (latest last)."""
    camera = state.store.camera(device_id)
    if camera is None:
        raise HTTPException(404, f"no camera with device_id {device_id!r}")
    record = clean(dict(camera))
    record.pop("geometry", None)
    record["stream_url"] = mask_url(record.get("stream_url"))
    record["verdict"] = camera_index(state).verdict_of([device_id]).get(device_id)
    changes = records(state.store.changes(device_id=device_id))
    health = records(state.store.health_history(device_id))
    has_snapshot = _snapshot(state, device_id) is not None
    return CameraDetail(
        camera=record,
        changes=changes,
        health=health,
        snapshot_url=f"/api/cameras/{device_id}/snapshot.jpg" if has_snapshot else None,
    )


@router.get(
    "/{device_id}/snapshot.jpg",
    summary="Last snapshot of a camera (JPEG)",
    responses={200: {"content": {"image/jpeg": {}}}, 404: {"description": "no snapshot"}},
    response_class=Response,
)
def get_snapshot(device_id: str, state: StateDep, user: Viewer) -> Response:
    """The JPEG frame the last health run that reached this camera kept."""
    jpeg = _snapshot(state, device_id)
    if jpeg is None:
        raise HTTPException(404, f"no snapshot for {device_id!r}")
    return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=60"})
