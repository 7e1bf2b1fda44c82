"""``/api/imports``: upload a camera registry (editor), list imports and their refused rows."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, HTTPException, Query, UploadFile
from fastapi import Path as PathParam
from starlette.concurrency import run_in_threadpool

from sharpeyes._errors import SharpeyesError
from sharpeyes.api.convert import clean, records
from sharpeyes.api.deps import Editor, StateDep, Viewer
from sharpeyes.api.schemas import ImportReport, Rows
from sharpeyes.model.urls import scrub

router = APIRouter(prefix="/api/imports", tags=["imports"])

#: File types accepted for upload: suffix → what its first bytes must look like.
ALLOWED_SUFFIXES: Final = {
    ".xlsx": "zip",
    ".csv": "text",
    ".txt": "text",
    ".xml": "text",
    ".geojson": "text",
    ".json": "text",
    ".osm": "text",
    ".gpkg": "sqlite",
    ".pbf": "binary",
    ".zip": "zip",
}
CHUNK: Final = 1 << 20


def _check_magic(head: bytes, kind: str, filename: str) -> None:
    if kind == "zip" and not head.startswith(b"PK\x03\x04"):
        raise HTTPException(415, f"{filename}: not a zip/xlsx file (bad signature)")
    if kind == "sqlite" and not head.startswith(b"SQLite format 3\x00"):
        raise HTTPException(415, f"{filename}: not a GeoPackage (bad signature)")
    if kind == "text" and b"\x00" in head[:8192]:
        raise HTTPException(415, f"{filename}: binary content in a text file type")


@router.post(
    "",
    response_model=ImportReport,
    summary="Upload a camera registry",
    responses={413: {"description": "file too large"}, 415: {"description": "file type refused"}},
)
async def upload_registry(
    state: StateDep,
    user: Editor,
    file: UploadFile,
    format: Annotated[
        Literal["auto", "csv", "xlsx", "gb28181", "geojson", "gpkg", "shp", "osm"], Query()
    ] = "auto",
    crs: Annotated[Literal["wgs84", "cgcs2000", "gcj02", "bd09"], Query()] = "wgs84",
    source: Annotated[str | None, Query(max_length=200)] = None,
    dry_run: Annotated[bool, Query(description="report what would change, change nothing")] = False,
) -> ImportReport:
    """Import one registry file through the readers; ``dry_run`` reports without writing."""
    filename = Path(file.filename or "upload").name
    suffix = Path(filename).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise HTTPException(
            415,
            f"{filename}: file type {suffix or '(none)'} refused; use one of {sorted(ALLOWED_SUFFIXES)}",
        )
    limit = state.settings.max_upload_mb * 1024 * 1024
    with tempfile.TemporaryDirectory(prefix="sharpeyes-upload-") as tmp:
        path = Path(tmp) / filename
        size = 0
        with path.open("wb") as out:
            while chunk := await file.read(CHUNK):
                if size == 0:
                    _check_magic(chunk, ALLOWED_SUFFIXES[suffix], filename)
                size += len(chunk)
                if size > limit:
                    raise HTTPException(
                        413, f"{filename}: larger than {state.settings.max_upload_mb} MB"
                    )
                out.write(chunk)
        if size == 0:
            raise HTTPException(400, f"{filename}: empty file")
        result = await run_in_threadpool(
            _import, state, path, format, crs, source or filename, dry_run
        )
    state.store.audit(
        user.name,
        "imports.dry_run" if dry_run else "imports.create",
        {"file": filename, "bytes": size, "format": format, "crs": crs, "report": result},
    )
    if not dry_run:
        state.written()
    return ImportReport(file=filename, dry_run=dry_run, report=result)


def _import(
    state: StateDep, path: Path, fmt: str, crs: str, source: str, dry_run: bool
) -> dict[str, Any]:
    from sharpeyes.jobs import ingest

    try:
        result = ingest.import_files(
            state.store, [path], fmt=fmt, crs=crs, source=source, dry_run=dry_run, progress=False
        )
    except SharpeyesError as exc:
        raise HTTPException(422, scrub(str(exc).replace(str(path.parent) + "/", ""))) from None
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        result = dataclasses.asdict(result)
    if not isinstance(result, dict):
        result = {"result": str(result)}
    return dict(_without_folder(clean(result), str(path.parent)))


def _without_folder(value: Any, folder: str) -> Any:
    """The report with the server's temporary upload folder cut from every path in it."""
    if isinstance(value, str):
        return value.replace(folder + "/", "").replace(folder, "")
    if isinstance(value, dict):
        return {k: _without_folder(v, folder) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_folder(v, folder) for v in value]
    return value


@router.get("", response_model=Rows, summary="Imports, newest last")
def list_imports(state: StateDep, user: Viewer) -> Rows:
    """Every import: source, file, time, counts."""
    items = records(state.store.imports())
    return Rows(total=len(items), items=items)


@router.get("/{import_id}/rejects", response_model=Rows, summary="Rows an import refused")
def import_rejects(
    import_id: Annotated[int, PathParam(ge=1, le=2**62)],
    state: StateDep,
    user: Viewer,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Rows:
    """File, sheet, row, column, value and reason of every refused row of one import."""
    frame = state.store.rejects(import_id)
    items = records(frame.iloc[offset : offset + limit]) if frame is not None else []
    return Rows(total=0 if frame is None else len(frame), items=items)
