"""``/api/imports``: upload a camera registry (editor), list imports and their refused rows."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Final, Literal

from fastapi import APIRouter, HTTPException, Query, UploadFile
from fastapi import Path as PathParam
from starlette.concurrency import run_in_threadpool

from sharpeyes._errors import SharpeyesError
from sharpeyes.api.convert import clean, records
from sharpeyes.api.deps import Editor, StateDep, Viewer
from sharpeyes.api.schemas import ImportReport, Rows
from sharpeyes.jobs import reads, uploads
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


#: Longest file name accepted (bytes of UTF-8), as most file systems allow.
MAX_NAME_BYTES: Final = 255
#: Most files in one upload.
MAX_FILES: Final = 20


def upload_name(raw: str | None) -> str:
    """The uploaded file's own name: no folder (``/`` or ``\\``), no control characters,
    at most :data:`MAX_NAME_BYTES` bytes (400 otherwise)."""
    name = (raw or "upload").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name or name in (".", ".."):
        raise HTTPException(400, "the uploaded file has no name")
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise HTTPException(400, "the uploaded file's name has control characters")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise HTTPException(
            400, f"the uploaded file's name is longer than {MAX_NAME_BYTES} bytes: rename it"
        )
    return name


def disk_name(name: str, max_bytes: int = 200) -> str:
    """``name`` shortened (suffix kept) so that the reports written beside it
    (``NAME.rejects.csv``, ``NAME.import.json``) still fit the file system's 255 bytes."""
    if len(name.encode("utf-8")) <= max_bytes:
        return name
    suffix = Path(name).suffix
    stem = name[: len(name) - len(suffix)].encode("utf-8")[: max_bytes - len(suffix.encode())]
    return stem.decode("utf-8", errors="ignore") + suffix


async def _save(file: UploadFile, path: Path, name: str, limit: int, mb: int) -> int:
    """Write one uploaded file to ``path`` checking its type's signature; its size in bytes."""
    suffix = Path(name).suffix.lower()
    size = 0
    with path.open("wb") as out:
        while chunk := await file.read(CHUNK):
            if size == 0:
                _check_magic(chunk, ALLOWED_SUFFIXES[suffix], name)
            size += len(chunk)
            if size > limit:
                raise HTTPException(413, f"{name}: larger than {mb} MB")
            out.write(chunk)
    if size == 0:
        raise HTTPException(400, f"{name}: empty file")
    return size


@router.post(
    "",
    response_model=ImportReport,
    summary="Upload camera registries",
    responses={
        400: {"description": "bad file name or empty file"},
        413: {"description": "file too large"},
        415: {"description": "file type refused"},
        422: {"description": "a file cannot be imported (with several files: none was)"},
    },
)
async def upload_registry(
    state: StateDep,
    user: Editor,
    file: list[UploadFile],
    format: Annotated[
        Literal["auto", "csv", "xlsx", "gb28181", "geojson", "gpkg", "shp", "osm"], Query()
    ] = "auto",
    crs: Annotated[Literal["wgs84", "cgcs2000", "gcj02", "bd09"], Query()] = "wgs84",
    source: Annotated[str | None, Query(max_length=200)] = None,
    dry_run: Annotated[bool, Query(description="report what would change, change nothing")] = False,
) -> ImportReport:
    """Import one or more registry files (each a ``file`` part) through the readers: all of them, or,
    when one cannot be imported, none. ``dry_run`` reports without writing. File streams given as
    relative paths are refused (an upload has no folder)."""
    if len(file) > MAX_FILES:
        raise HTTPException(400, f"at most {MAX_FILES} files per upload")
    names = [upload_name(f.filename) for f in file]
    for name in names:
        suffix = Path(name).suffix.lower()
        if suffix not in ALLOWED_SUFFIXES:
            raise HTTPException(
                415,
                f"{name}: file type {suffix or '(none)'} refused; use one of {sorted(ALLOWED_SUFFIXES)}",
            )
    mb = state.settings.max_upload_mb
    with tempfile.TemporaryDirectory(prefix="sharpeyes-upload-") as tmp:
        folder = Path(tmp)
        paths, sizes = [], []
        for i, (upload, name) in enumerate(zip(file, names, strict=True)):
            (folder / str(i)).mkdir()
            path = folder / str(i) / disk_name(name)
            sizes.append(await _save(upload, path, name, mb * 1024 * 1024, mb))
            paths.append(path)
        try:
            result = await run_in_threadpool(
                uploads.import_uploads,
                state.store,
                paths,
                folder=folder,
                fmt=format,
                crs=crs,
                source=source or (names[0] if len(names) == 1 else None),
                dry_run=dry_run,
                by=user.name,
                sizes=sizes,
            )
        except SharpeyesError as exc:
            raise HTTPException(422, scrub(uploads.without_folder(str(exc), folder))) from None
    if not dry_run:
        state.written()
    return ImportReport(file=", ".join(names), files=names, dry_run=dry_run, report=clean(result))


@router.get("", response_model=Rows, summary="Imports, newest last")
def list_imports(state: StateDep, user: Viewer) -> Rows:
    """Every import: source, file, time, counts."""
    items = records(reads.imports(state.store))
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
    frame = reads.rejects(state.store, import_id)
    items = records(frame.iloc[offset : offset + limit]) if frame is not None else []
    return Rows(total=0 if frame is None else len(frame), items=items)
