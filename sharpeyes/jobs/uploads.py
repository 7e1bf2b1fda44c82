"""Registries uploaded through the API: imported all together or not at all, with nothing of the
server's folders in what is answered or logged.

The files arrive in a temporary folder that is deleted after the import: a relative file stream in
them would resolve against that folder (or a ``streams`` folder beside the system temp folder, which
any local user can create), so uploads refuse relative file streams.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from sharpeyes._errors import InputError
from sharpeyes.jobs import ingest
from sharpeyes.store import Store


def import_uploads(
    store: Store,
    paths: list[Path],
    *,
    folder: Path,
    fmt: str,
    crs: str,
    source: str | None,
    dry_run: bool,
    by: str,
    sizes: list[int],
) -> dict[str, Any]:
    """Import uploaded registry files (each stored under ``folder``/N/NAME).

    Several files are first all read and merged in a dry run; only when every one of them imports is
    any of them written (:class:`InputError` naming the failed files otherwise). The report has the
    ``folder`` cut from every path; the audit log names the files, sizes and counts.
    """
    options: dict[str, Any] = {
        "fmt": fmt,
        "crs": crs,
        "source": source,
        "progress": False,
        "rejects_dir": folder / "reports",
        "relative_streams": False,
    }
    if len(paths) > 1:
        trial = ingest.import_files(store, paths, dry_run=True, **options)
        if trial["failed"]:
            reasons = "; ".join(f"{Path(f['file']).name}: {f['error']}" for f in trial["failed"])
            raise InputError(
                f"{len(trial['failed'])} of {len(paths)} files cannot be imported, so none was: "
                + without_folder(reasons, folder)
            )
    result = ingest.import_files(store, paths, dry_run=dry_run, **options)
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        result = dataclasses.asdict(result)
    report = without_folder(result, folder)
    names = [p.name for p in paths]
    store.audit(
        by,
        "imports.dry_run" if dry_run else "imports.create",
        {"files": names, "bytes": sizes, "format": fmt, "crs": crs, "report": report},
    )
    return dict(report)


def without_folder(value: Any, folder: Path) -> Any:
    """``value`` with every path under ``folder`` cut to the file's name."""
    if isinstance(value, str):
        text = value
        for base in sorted({str(folder), str(folder.resolve())}, key=len, reverse=True):
            while base in text:
                start = text.index(base)
                end = start + len(base)
                # drop the folder and the numbered subfolder an upload sits in (…/0/name)
                rest = text[end:]
                parts = rest.lstrip("/").split("/", 1)
                if len(parts) == 2 and (parts[0].isdigit() or parts[0] == "reports"):
                    rest = parts[1]
                text = text[:start] + rest.lstrip("/")
        return text
    if isinstance(value, dict):
        return {k: without_folder(v, folder) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [without_folder(v, folder) for v in value]
    return value
