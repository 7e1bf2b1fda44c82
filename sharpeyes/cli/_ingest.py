"""``sharpeyes import`` and ``sharpeyes cameras export`` (registered on the root app)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sharpeyes.cli._common import DbOption, JsonOption, emit, say, user_errors

cameras_app = typer.Typer(help="The camera inventory.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add ``import`` and ``cameras export`` to ``app``."""

    @app.command("import")
    def import_(
        files: Annotated[list[Path], typer.Argument(help="Registry files, each its own import")],
        fmt: Annotated[
            str,
            typer.Option(
                "--format", help="auto|csv|xlsx|gb28181|geojson|gpkg|shp|osm (auto: by content)"
            ),
        ] = "auto",
        crs: Annotated[
            str,
            typer.Option(
                "--crs", help="Coordinate system of the registry: wgs84|cgcs2000|gcj02|bd09"
            ),
        ] = "wgs84",
        mapping: Annotated[
            Path | None, typer.Option("--mapping", help="Column mapping file (TOML or JSON)")
        ] = None,
        source: Annotated[
            str | None, typer.Option("--source", help="Name of the source (default: file name)")
        ] = None,
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Validate and count, keep nothing")
        ] = False,
        rejects_dir: Annotated[
            Path | None,
            typer.Option(
                "--rejects-dir",
                help="Where rejects CSV and import report go (default: beside the file)",
            ),
        ] = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Import camera registries: prints accepted / warned / refused by class; refused rows go to
        <file>.rejects.csv (UTF-8 with BOM) beside an import report <file>.import.json."""
        from sharpeyes._errors import InputError
        from sharpeyes.jobs.ingest import import_files, summary_text
        from sharpeyes.settings import database_url
        from sharpeyes.store import Store

        with user_errors():
            store = Store.open(database_url(db))
            try:
                result = import_files(
                    store,
                    files,
                    fmt=fmt,
                    crs=crs,
                    mapping=mapping,
                    source=source,
                    dry_run=dry_run,
                    progress=True,
                    rejects_dir=rejects_dir,
                )
            finally:
                store.close()
            emit(result, as_json=as_json, text=summary_text(result))
            if result["failed"]:
                first = result["failed"][0]
                raise InputError(
                    f"{len(result['failed'])} of {len(files)} files not imported "
                    f"(each left the store unchanged); first: {first['error']}"
                )

    @cameras_app.command("export")
    def export(
        out: Annotated[Path, typer.Option("-o", "--out", help="File to write")],
        fmt: Annotated[str, typer.Option("--format", help="csv|xlsx|geojson|gpkg")] = "csv",
        unit: Annotated[
            str | None, typer.Option("--unit", help="Division code prefix (6/9/12 digits)")
        ] = None,
        point_class: Annotated[
            int | None, typer.Option("--class", help="Point class 1, 2, 3, 4 or 9")
        ] = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Write the inventory's canonical columns in order (xlsx: Chinese headers); no credentials."""
        from sharpeyes.jobs.ingest import export_cameras
        from sharpeyes.settings import database_url
        from sharpeyes.store import Store

        with user_errors():
            store = Store.open(database_url(db))
            try:
                result = export_cameras(store, out, fmt=fmt, unit=unit, point_class=point_class)
            finally:
                store.close()
            emit(result, as_json=as_json, text=f"{result['rows']:,} cameras → {result['path']}")
            if not as_json:
                say(f"format {result['format']}; stream credentials are never exported")

    app.add_typer(cameras_app, name="cameras")
