"""Import camera registries into the store, and export the inventory.

The readers (:func:`sharpeyes.ingest.read_cameras`) turn a file into a canonical frame and a rejects
table; :meth:`sharpeyes.store.Store.import_cameras` merges the frame in one transaction. Each file is
its own atomic import. Next to every import this job writes the rejects as CSV (UTF-8 with BOM, so
Excel shows the Chinese) and an import report as JSON.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from sharpeyes._errors import InputError, SharpeyesError
from sharpeyes.model.codes import HD_MIN_LINES, POINT_CLASSES
from sharpeyes.model.columns import (
    CAMERA_COLUMNS,
    CAMERA_HEADERS_ZH,
    REJECT_COLUMNS,
    REJECT_HEADERS_ZH,
    WGS84,
)
from sharpeyes.model.jsonable import dumps
from sharpeyes.model.sheets import frames_to_xlsx, write_csv
from sharpeyes.model.urls import is_credential_header, mask_url, scrub
from sharpeyes.store import Store
from sharpeyes.store.repository import file_sha256

log = logging.getLogger(__name__)

#: Formats of ``sharpeyes cameras export``.
EXPORT_FORMATS = ("csv", "xlsx", "geojson", "gpkg")

#: Files at least this big get a progress bar of their stages on stderr.
BIG_FILE_BYTES = 8 * 2**20

_COUNTS = (
    "rows",
    "accepted",
    "warned",
    "refused",
    "not_cameras",
    "inserted",
    "updated",
    "unchanged",
    "conflicts",
)


def _report_paths(path: Path, rejects_dir: Path | None) -> tuple[Path, Path]:
    folder = rejects_dir if rejects_dir is not None else path.parent
    return folder / f"{path.name}.rejects.csv", folder / f"{path.name}.import.json"


def mask_rejects(rejects: pd.DataFrame) -> pd.DataFrame:
    """``rejects`` with every URL credential in values and reasons masked, and the whole value of a
    credential column (``密码``, ``stream_password`` …) replaced by ``***``: for the store and files."""
    out = rejects.copy()
    for column in ("value", "reason"):
        if column in out.columns:
            out[column] = out[column].map(scrub, na_action="ignore").astype("string")
    if "column" in out.columns and "value" in out.columns:
        secret = np.array(
            [
                isinstance(c, str) and any(is_credential_header(h) for h in c.split(", "))
                for c in out["column"].astype(object)
            ],
            dtype=bool,
        )
        if secret.any():
            out.loc[secret & out["value"].notna().to_numpy(dtype=bool), "value"] = "***"
    return out


def write_rejects_csv(rejects: pd.DataFrame, out: Path) -> Path:
    """Write rejects as CSV in UTF-8 with BOM, Chinese and English headers (``文件 file`` ...)."""
    frame = mask_rejects(rejects).reindex(columns=list(REJECT_COLUMNS))
    frame = frame.rename(columns={c: f"{REJECT_HEADERS_ZH[c]} {c}" for c in REJECT_COLUMNS})
    out.parent.mkdir(parents=True, exist_ok=True)
    write_csv(frame, out)
    return out


def import_file(
    store: Store,
    path: str | Path,
    *,
    fmt: str = "auto",
    crs: str = "wgs84",
    mapping: str | Path | None = None,
    source: str | None = None,
    dry_run: bool = False,
    progress: bool = False,
    rejects_dir: str | Path | None = None,
    hd_min_lines: int = HD_MIN_LINES,
    one_means_networked: bool = True,
    relative_streams: bool = True,
) -> dict[str, Any]:
    """Read one registry and merge it into ``store`` in one transaction; see :func:`import_files`."""
    from sharpeyes.ingest import ReadOptions
    from sharpeyes.ingest.files import check_input_file
    from sharpeyes.ingest.warning_rows import by_reason

    p = check_input_file(path, "camera registry")
    started = time.perf_counter()
    stages = None
    if progress and p.is_file() and p.stat().st_size >= BIG_FILE_BYTES:
        from tqdm import tqdm

        stages = tqdm(total=3, desc=f"{p.name}: read + validate", file=sys.stderr, unit="step")
    options = ReadOptions(
        crs=crs,
        mapping=mapping,
        source=source,
        hd_min_lines=hd_min_lines,
        one_means_networked=one_means_networked,
        progress=progress,
        source_rows=True,
    )
    result, src, warnings, rejects, read_s = _read_and_store(
        store, p, options, fmt, source, dry_run=dry_run, relative=relative_streams, stages=stages
    )
    seconds = time.perf_counter() - started
    rejects_path, report_path = _report_paths(p, Path(rejects_dir) if rejects_dir else None)
    if not dry_run:  # a dry run writes nothing anywhere: it says where the files would go
        stored_rejects = (
            store.rejects(result.import_id) if result.import_id is not None else rejects
        )
        write_rejects_csv(stored_rejects, rejects_path)
    document: dict[str, Any] = {
        "file": str(p),
        "format": fmt,
        "crs": crs,
        "source": src,
        "import_id": result.import_id,
        "dry_run": dry_run,
        **{k: int(getattr(result, k)) for k in _COUNTS},
        "by_class": _labelled(result.by_class),
        "conflict_warnings": result.warnings,
        "warnings_by_reason": by_reason(warnings),
        "refused_by_reason": by_reason(_reject_records(rejects)),
        "rejects": str(rejects_path),
        "report": str(report_path),
        "seconds": round(seconds, 3),
        "read_seconds": round(read_s, 3),
        "rows_per_s": round(result.rows / seconds, 1) if seconds > 0 else None,
    }
    document = _scrubbed(document)
    if not dry_run:  # a dry run writes nothing anywhere: the document says where it would
        report = {**document, "warnings": _scrubbed(warnings)}
        report_path.write_text(dumps(report) + "\n", encoding="utf-8")
    if stages is not None:
        stages.set_description(f"{p.name}: done")
        stages.update(2)
        stages.close()
    return document


def _read_and_store(
    store: Store,
    p: Path,
    options: Any,
    fmt: str,
    source: str | None,
    *,
    dry_run: bool,
    relative: bool,
    stages: Any,
) -> tuple[Any, str, list[dict[str, Any]], pd.DataFrame, float]:
    """Read the registry at ``p`` and merge it into ``store``: (the store's result, the source,
    the warnings, the masked rejects, seconds spent reading). With ``relative`` file streams
    resolved the file is read in parts that the store writes while the next is validated;
    otherwise read whole (an upload, whose relative file streams are refused)."""
    from sharpeyes.ingest import read_cameras
    from sharpeyes.ingest.files import reading
    from sharpeyes.ingest.warning_rows import warning_records
    from sharpeyes.jobs.ingest_parts import RegistryParts
    from sharpeyes.store.part_writes import import_camera_parts

    started = time.perf_counter()
    if relative:  # read in parts: the store writes one while the next is validated
        parts = RegistryParts(
            p, options, fmt, partial(_resolve_file_streams, folder=p.parent), mask_rejects
        )
        # the source is --source, else the mapping file's `source`, else the file name
        src = source or parts.first_source() or p.name
        if stages is not None:
            stages.set_description(f"{p.name}: read, validate and store")
            stages.update(1)
        result = import_camera_parts(
            store, parts, source=src, file=str(p), dry_run=dry_run, file_sha256=file_sha256(p)
        )
        warnings, rejects, read_s = parts.warnings, parts.all_rejects(), parts.read_s
    else:
        with reading(p, "camera registry"):
            cameras, rejects = read_cameras(p, options, fmt=fmt)
        warnings = warning_records(cameras)
        _refuse_relative_streams(cameras, p.name)
        named = cameras["source"].dropna()
        src = source or (str(named.iloc[0]) if len(named) else p.name)
        read_s = time.perf_counter() - started
        if stages is not None:
            stages.set_description(f"{p.name}: store {len(cameras):,} cameras")
            stages.update(1)
        rejects = mask_rejects(rejects)
        result = store.import_cameras(
            cameras, rejects, source=src, file=str(p), dry_run=dry_run, file_sha256=file_sha256(p)
        )
    return result, src, warnings, rejects, read_s


def _reject_records(rejects: pd.DataFrame) -> list[dict[str, Any]]:
    """The refused rows as warning-like records (row, field, value, reason) for counting."""
    if len(rejects) == 0:
        return []
    frame = rejects.reindex(columns=["row", "column", "value", "reason"]).astype(object)
    frame = frame.where(frame.notna(), None)
    return [
        {
            "row": None if row is None else int(row),
            "field": None if column is None else str(column),
            "value": None if value is None else mask_url(str(value)),
            "reason": str(reason),
        }
        for row, column, value, reason in frame.itertuples(index=False, name=None)
    ]


def _scrubbed(value: Any) -> Any:
    """``value`` (a JSON document) with URL credentials masked in every text."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {k: _scrubbed(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrubbed(v) for v in value]
    return value


def _relative_file_streams(cameras: pd.DataFrame) -> pd.Series:
    """Which cameras name their stream by a relative file path (no scheme, not absolute)."""
    urls = cameras["stream_url"].astype("string")
    return (
        urls.notna()
        & ~urls.str.contains("://", regex=False).fillna(False)
        & ~urls.str.startswith("/").fillna(False)
    )


def _resolve_file_streams(cameras: pd.DataFrame, folder: Path) -> None:
    """A stream named by a relative file path is relative to the registry that names it."""
    urls = cameras["stream_url"].astype("string")
    relative = _relative_file_streams(cameras)
    if relative.any():
        cameras.loc[relative, "stream_url"] = [str((folder / u).resolve()) for u in urls[relative]]


def _refuse_relative_streams(cameras: pd.DataFrame, file: str) -> None:
    """An uploaded registry has no folder: a stream named by a relative file path is refused."""
    relative = _relative_file_streams(cameras)
    if relative.any():
        ids = cameras.loc[relative, "device_id"].astype(str).tolist()
        raise InputError(
            f"relative file stream in an uploaded registry ({int(relative.sum())} cameras, first "
            f"{', '.join(ids[:3])}): an upload has no folder to resolve it against; give absolute "
            "paths or rtsp:// URLs, or import the file with `sharpeyes import`",
            file=file,
            field="stream_url",
            value=str(cameras.loc[relative, "stream_url"].iloc[0]),
        )


def import_files(
    store: Store,
    paths: Sequence[str | Path],
    *,
    fmt: str = "auto",
    crs: str = "wgs84",
    mapping: str | Path | None = None,
    source: str | None = None,
    dry_run: bool = False,
    progress: bool = True,
    rejects_dir: str | Path | None = None,
    hd_min_lines: int = HD_MIN_LINES,
    one_means_networked: bool = True,
    relative_streams: bool = True,
) -> dict[str, Any]:
    """Import camera registries, each file its own atomic import.

    Parameters
    ----------
    store
        The store to merge into.
    paths
        Registry files (CSV/XLSX, GB/T 28181 catalog, GeoJSON/GPKG/Shapefile, OSM).
    fmt, crs, mapping, hd_min_lines, one_means_networked
        Passed to :func:`sharpeyes.ingest.read_cameras` (``crs`` names the coordinate system of
        the registry: wgs84, cgcs2000, gcj02 or bd09; the store keeps WGS-84).
    source
        Name of the source (default: each file's name); conflicts are told between sources.
    dry_run
        Read, validate and merge, then roll back: the counts are exact, the store is unchanged.
    progress
        Show progress on stderr.
    rejects_dir
        Where ``<file>.rejects.csv`` and ``<file>.import.json`` go (default: beside each file).
    relative_streams
        Resolve file streams named by relative paths against the registry's folder (``True``), or
        refuse the file (``False``: uploads, whose folder is a temporary one).

    Returns
    -------
    dict
        ``accepted``, ``warned``, ``refused``, ``inserted``, ``updated``, ``unchanged``,
        ``conflicts`` (sums over the files), ``rejects`` (path of the rejects CSV: the file's own
        for one file, a combined ``import-rejects.csv`` for several), ``by_class``, ``files`` (one
        document per file) and ``failed`` (file and reason of each file that could not be imported;
        those changed nothing).
    """
    if not paths:
        raise InputError("no file to import")
    one_file = partial(
        import_file,
        store,
        fmt=fmt,
        crs=crs,
        mapping=mapping,
        source=source,
        dry_run=dry_run,
        progress=progress,
        rejects_dir=rejects_dir,
        hd_min_lines=hd_min_lines,
        one_means_networked=one_means_networked,
        relative_streams=relative_streams,
    )
    files, failed = _import_each(paths, one_file, progress=progress)
    if files and not dry_run:
        _index_cameras(store, progress=progress)
    totals: dict[str, Any] = {k: sum(int(f[k]) for f in files) for k in _COUNTS}
    if len(files) == 1 and not failed:
        rejects_path = files[0]["rejects"]
    else:
        folder = (Path(rejects_dir) if rejects_dir else Path(paths[0]).parent).resolve()
        rejects_path = str(folder / "import-rejects.csv")
        if not dry_run:
            _combine_rejects([f["rejects"] for f in files], Path(rejects_path))
    return {
        **totals,
        "by_class": _summed_by_class(files),
        "rejects": rejects_path,
        "dry_run": dry_run,
        "files": files,
        "failed": failed,
    }


def _import_each(
    paths: Sequence[str | Path], one_file: Callable[[str | Path], dict[str, Any]], *, progress: bool
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Each file's import document, and the files that failed with their (scrubbed) reason; a
    single file's failure is raised instead. A progress bar on stderr for several files."""
    files: list[dict[str, Any]] = []
    failed: list[dict[str, str]] = []
    bar = None
    if progress and len(paths) > 1:
        from tqdm import tqdm

        bar = tqdm(total=len(paths), unit="file", file=sys.stderr, desc="import")
    for path in paths:
        try:
            files.append(one_file(path))
        except SharpeyesError as exc:
            if len(paths) == 1:
                raise
            failed.append({"file": str(path), "error": scrub(str(exc))})
            log.warning("import of %s failed: %s", path, scrub(str(exc)))
        except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
            if len(paths) == 1:
                raise
            failed.append({"file": str(path), "error": f"{exc.strerror}: {exc.filename}"})
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    return files, failed


def _index_cameras(store: Store, *, progress: bool) -> None:
    """Build the map's camera index now, so that the API's first request finds it ready
    (:mod:`sharpeyes.jobs.camera_index`; nothing to do when the cameras did not change)."""
    from sharpeyes.jobs.camera_index import refresh_after_import

    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=1, desc="camera index for the map", file=sys.stderr, unit="step")
    refresh_after_import(store)
    if bar is not None:
        bar.update(1)
        bar.close()


def _summed_by_class(files: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Accepted and warned cameras per point class, summed over the files' documents."""
    by_class: dict[str, dict[str, Any]] = {}
    for f in files:
        for key, counts in f["by_class"].items():
            slot = by_class.setdefault(key, {**counts, "accepted": 0, "warned": 0})
            slot["accepted"] += counts["accepted"]
            slot["warned"] += counts["warned"]
    return by_class


def _combine_rejects(paths: Sequence[str], out: Path) -> None:
    combined = [pd.read_csv(p, dtype=str, encoding="utf-8-sig") for p in paths]
    merged = (
        pd.concat(combined, ignore_index=True)
        if combined
        else pd.DataFrame(columns=[f"{REJECT_HEADERS_ZH[c]} {c}" for c in REJECT_COLUMNS])
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    write_csv(merged, out)


def _labelled(by_class: dict[str, dict[str, int]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for key, counts in by_class.items():
        code = POINT_CLASSES.get(int(key)) if key.isdigit() else None
        out[key] = {
            "label_zh": code.zh if code else "未知",
            "label_en": code.en if code else "unknown",
            **counts,
        }
    return out


def export_cameras(
    store: Store,
    out: str | Path,
    *,
    fmt: str = "csv",
    unit: str | None = None,
    point_class: int | None = None,
    with_warnings: bool = False,
) -> dict[str, Any]:
    """Write the inventory's canonical columns (DESIGN.md §5), in that order.

    ``with_warnings`` adds a last column ``warnings`` (xlsx: ``警告``): each camera's doubts from
    its imports, "; "-joined, as the store keeps them.

    CSV (UTF-8 with BOM), GeoJSON and GeoPackage use the canonical English column names; XLSX has
    one header row with the Chinese names of :data:`~sharpeyes.model.columns.CAMERA_HEADERS_ZH`.
    Coordinates are WGS-84 (EPSG:4326). Stream credentials are never exported; ``stream_url`` is
    masked. Returns ``path``, ``format`` and ``rows``.
    """
    if fmt not in EXPORT_FORMATS:
        raise InputError(
            f"unknown export format; use one of {', '.join(EXPORT_FORMATS)}",
            field="--format",
            value=fmt,
        )
    path = Path(out).resolve()
    cameras = store.cameras(unit=unit, point_class=point_class)
    frame = pd.DataFrame({c: cameras[c] for c in CAMERA_COLUMNS})
    frame["stream_url"] = frame["stream_url"].map(mask_url, na_action="ignore").astype("string")
    if with_warnings:
        frame["warnings"] = cameras["warnings"].astype("string")
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.is_dir():
        raise InputError("is a folder; give a file name", file=str(path))
    if fmt == "csv":
        write_csv(frame, path)
    elif fmt == "xlsx":
        frames_to_xlsx(
            {"cameras": frame.rename(columns={**CAMERA_HEADERS_ZH, "warnings": "警告"})}, path
        )
    else:
        if path.exists():
            path.unlink()
        geo = gpd.GeoDataFrame(frame, geometry=cameras.geometry.to_numpy(), crs=WGS84)
        driver = "GeoJSON" if fmt == "geojson" else "GPKG"
        geo.to_file(
            path, driver=driver, engine="pyogrio", **({"layer": "cameras"} if fmt == "gpkg" else {})
        )
    return {
        "path": str(path),
        "format": fmt,
        "rows": len(frame),
        "unit": unit,
        "point_class": point_class,
        "with_warnings": with_warnings,
    }


def summary_text(result: dict[str, Any]) -> str:
    """Import result for people: accepted / warned / refused, by class, then per file."""
    lines = []
    head = "dry run (nothing kept): " if result.get("dry_run") else ""
    lines.append(
        f"{head}{result['accepted']:,} accepted ({result['warned']:,} warned), "
        f"{result['refused']:,} refused; {result['inserted']:,} new, {result['updated']:,} updated, "
        f"{result['unchanged']:,} unchanged"
    )
    lines.append(f"{'class':<14}{'accepted':>10}{'warned':>10}")
    for key in sorted(result["by_class"], key=lambda k: (not k.isdigit(), k)):
        c = result["by_class"][key]
        label = f"{key} {c.get('label_zh', '')}".strip()
        lines.append(f"{label:<14}{c['accepted']:>10,}{c['warned']:>10,}")
    lines.append(f"{'refused':<14}{result['refused']:>10,}")
    if result.get("not_cameras"):
        lines.append(
            f"{'not cameras':<14}{result['not_cameras']:>10,}  (recorders, platforms, groups)"
        )
    dry = bool(result.get("dry_run"))
    for f in result["files"]:
        where = (
            f"rejects would go to {f['rejects']}, the report to {f['report']} (not written)"
            if dry
            else f"(import {f['import_id']}) → rejects {f['rejects']}, report {f['report']}"
        )
        lines.append(
            f"{f['file']}: {f['accepted']:,} accepted, {f['warned']:,} warned, "
            f"{f['refused']:,} refused; {where}"
        )
        lines.extend(_reasons_text("warnings", f.get("warnings_by_reason", [])))
        lines.extend(_reasons_text("refused", f.get("refused_by_reason", [])))
    for f in result.get("failed", []):
        lines.append(f"{f['file']}: FAILED, nothing imported: {f['error']}")
    if len(result["files"]) != 1:
        lines.append(f"all rejects{' would go to' if dry else ':'} {result['rejects']}")
    return "\n".join(lines)


def _reasons_text(title: str, groups: list[dict[str, Any]], *, limit: int = 10) -> list[str]:
    """``warnings by reason:`` then one line per reason: count, reason, first rows."""
    if not groups:
        return []
    lines = [f"  {title} by reason:"]
    for g in groups[:limit]:
        rows = ", ".join(
            str(r["row"]) + (f" ({r['value']})" if r.get("value") not in (None, "") else "")
            for r in g["first"]
            if r.get("row") is not None
        )
        more = " …" if g["count"] > len(g["first"]) else ""
        lines.append(
            f"  {g['count']:>7,}  {g['reason']}" + (f"  rows {rows}{more}" if rows else "")
        )
    if len(groups) > limit:
        lines.append(f"  … and {len(groups) - limit} more reasons (every one in the import report)")
    return lines
