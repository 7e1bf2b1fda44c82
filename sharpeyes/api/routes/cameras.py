"""``/api/cameras``: the inventory, filtered and paged, as JSON or GeoJSON; one camera in detail."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Response
from fastapi.responses import StreamingResponse

from sharpeyes._errors import InputError
from sharpeyes.api.convert import clean, records
from sharpeyes.api.deps import Editor, StateDep, Viewer, camera_index
from sharpeyes.api.index import BBox
from sharpeyes.api.jsonresp import OrjsonResponse, dumps
from sharpeyes.api.schemas import (
    CameraDetail,
    CameraEdit,
    CameraEdited,
    CameraHistory,
    CameraPage,
)
from sharpeyes.jobs import edits, reads
from sharpeyes.jobs.camera_records import camera_records as plain_records
from sharpeyes.model.codes import POINT_CLASSES, STATUSES, VERDICTS

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
    """Full records of ``device_ids`` in that order, credentials masked, last verdict added
    (plain values from the driver's rows: no frame, no per-camera pandas work)."""
    if not device_ids:
        return []
    rows = plain_records(state.store, device_ids)
    verdicts = camera_index(state).verdict_of(device_ids)
    out = []
    for device_id in device_ids:
        row = rows.get(device_id)
        if row is None:
            continue
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
    rows = index.select_rows(
        unit=parse_unit(unit),
        point_classes=parse_list(
            point_class, tuple(int(c) for c in POINT_CLASSES), "point_class", int
        ),
        statuses=parse_list(status, tuple(STATUSES), "status"),
        verdicts=parse_list(verdict, tuple(VERDICTS), "verdict"),
        bbox=parse_bbox(bbox),
    )
    total, ids = index.page_rows(rows, limit=limit, offset=offset)
    if format == "geojson":
        head = {"type": "FeatureCollection", "total": total, "limit": limit, "offset": offset}
        return StreamingResponse(
            _geojson_chunks(state, head, ids), media_type="application/geo+json"
        )
    items = camera_records(state, ids)
    # written by orjson from plain values (no second validation of every record's fields)
    return OrjsonResponse({"total": total, "limit": limit, "offset": offset, "items": items})


#: Cameras read from the store per chunk of a streamed GeoJSON page.
STREAM_CHUNK = 500


def _geojson_chunks(state: StateDep, head: dict[str, Any], ids: list[str]) -> Iterator[bytes]:
    """A FeatureCollection written as it is read, :data:`STREAM_CHUNK` cameras at a time."""
    yield dumps(head)[:-1] + b',"features":['
    first = True
    for start in range(0, len(ids), STREAM_CHUNK):
        for item in camera_records(state, ids[start : start + STREAM_CHUNK]):
            located = item.get("lon") is not None and item.get("lat") is not None
            feature = {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [item["lon"], item["lat"]]}
                if located
                else None,
                "properties": item,
            }
            yield (b"" if first else b",") + dumps(feature)
            first = False
    yield b"]}"


def camera_url(device_id: str) -> str:
    """The API path of one camera: the ID percent-encoded (``/`` kept: IDs are routed as paths)."""
    return "/api/cameras/" + quote(device_id, safe="/:")


# The snapshot route comes first: camera IDs are paths (``osm:node/1001``), so the detail route
# would take ``…/snapshot.jpg`` as part of an ID.
@router.get(
    "/{device_id:path}/snapshot.jpg",
    summary="Last snapshot of a camera (JPEG)",
    responses={200: {"content": {"image/jpeg": {}}}, 404: {"description": "no snapshot"}},
    response_class=Response,
)
def get_snapshot(device_id: str, state: StateDep, user: Viewer) -> Response:
    """The JPEG frame the last health run that reached this camera kept."""
    jpeg = reads.snapshot(state.store, device_id)
    if jpeg is None:
        raise HTTPException(404, f"no snapshot for {device_id!r}")
    return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=60"})


@router.get(
    "/{device_id:path}/history",
    response_model=CameraHistory,
    summary="Every change of one camera (imports and edits)",
)
def get_history(device_id: str, state: StateDep, user: Viewer) -> CameraHistory:
    """The camera's change log, oldest first: creation, field updates by imports (``source``), edits
    by people (``changed_by``), each with ``changed_at`` (UTC)."""
    if reads.camera(state.store, device_id) is None:
        raise HTTPException(404, f"no camera with device_id {device_id!r}")
    return CameraHistory(
        device_id=device_id, items=records(reads.camera_history(state.store, device_id))
    )


@router.patch(
    "/{device_id:path}",
    response_model=CameraEdited,
    summary="Correct one camera (editor)",
    responses={
        403: {"description": "the caller is not an editor"},
        404: {"description": "no such camera"},
        422: {"description": "a value the import validation refuses (the field is named)"},
    },
)
def patch_camera(device_id: str, body: CameraEdit, state: StateDep, user: Editor) -> CameraEdited:
    """Change class, camera type, heading, field of view, range, networked, status, position, name
    or address. The values pass the validation an import applies (422 naming the field otherwise);
    every changed field is written to the change log with the user and the time, and shows in
    ``GET /api/cameras/{device_id}/history``."""
    given = body.model_dump(exclude_unset=True)
    if not given:
        raise HTTPException(422, [_field_error("body", "no field to change")])
    try:
        result = edits.edit(state.store, device_id, given, who=user.name)
    except InputError as exc:
        field = exc.field or "body"
        raise HTTPException(422, [_field_error(field, str(exc))]) from None
    if result is None:
        raise HTTPException(404, f"no camera with device_id {device_id!r}")
    state.written()
    record = clean(result["camera"])
    record.pop("stream_url", None)
    return CameraEdited(camera=record, changes=[clean(c) for c in result["changes"]])


def _field_error(field: str, message: str) -> dict[str, Any]:
    """One 422 detail entry in FastAPI's shape, with the field named plainly too."""
    return {"loc": ["body", field], "msg": message, "type": "value_error", "field": field}


@router.get(
    "/{device_id:path}",
    response_model=CameraDetail,
    summary="One camera with change log and health",
)
def get_camera(device_id: str, state: StateDep, user: Viewer) -> CameraDetail:
    """The camera's record, every change imports made to it, its health results (latest last).

    ``device_id`` is routed as a path, so every stored ID opens: GB/T 28181 codes, ``osm:node/1001``
    (``/`` plain or as ``%2F``), free text with spaces or Chinese (percent-encoded)."""
    record = reads.camera(state.store, device_id)
    if record is None:
        raise HTTPException(404, f"no camera with device_id {device_id!r}")
    record = clean(record)
    record["verdict"] = camera_index(state).verdict_of([device_id]).get(device_id)
    has_snapshot = reads.snapshot(state.store, device_id) is not None
    return CameraDetail(
        camera=record,
        changes=records(reads.camera_history(state.store, device_id)),
        health=records(reads.health_history(state.store, device_id)),
        snapshot_url=camera_url(device_id) + "/snapshot.jpg" if has_snapshot else None,
    )
