"""``sharpeyes import`` and ``sharpeyes cameras export`` (registered on the root app)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from sharpeyes.cli import _options as opt
from sharpeyes.cli._common import DbOption, JsonOption, MkdirOption, emit, say, user_errors

cameras_app = typer.Typer(help="The camera inventory.", no_args_is_help=True)


def dry_run_store(db: str | None) -> Any:
    """The store a dry run reads: the existing database, else an empty in-memory one, so that a
    dry run creates no database file and no folder."""
    from sharpeyes.settings import database_url
    from sharpeyes.store import Store

    url = database_url(db)
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if not path.exists():
            say(f"dry run: {path} does not exist; counting against an empty store (none created)")
            return Store.open("sqlite://")
    return Store.open(url)


def register(app: typer.Typer) -> None:
    """Add ``import`` and ``cameras export`` to ``app``."""

    @app.command("import")
    def import_(
        files: Annotated[
            list[Path], typer.Argument(metavar="FILE", help="Registry files, each its own import")
        ],
        fmt: Annotated[
            str,
            typer.Option(
                "--format",
                metavar=opt.metavar(opt.IMPORT_FORMATS),
                help="Registry format (auto: by extension and content)",
            ),
        ] = "auto",
        crs: Annotated[
            str,
            typer.Option(
                "--crs",
                metavar=opt.metavar(opt.SOURCE_CRS),
                help="Coordinate system of the registry's longitude/latitude (stored as WGS-84)",
            ),
        ] = "wgs84",
        mapping: Annotated[
            Path | None,
            typer.Option("--mapping", metavar="FILE", help="Column mapping file (TOML or JSON)"),
        ] = None,
        source: Annotated[
            str | None,
            typer.Option(
                "--source", metavar="NAME", help="Name of the source (default: file name)"
            ),
        ] = None,
        dry_run: Annotated[
            bool,
            typer.Option(
                "--dry-run",
                help="Validate and count, keep nothing: no database, folder, rejects or report "
                "written (says where they would go)",
            ),
        ] = False,
        rejects_dir: Annotated[
            Path | None,
            typer.Option(
                "--rejects-dir",
                metavar="DIR",
                help="Where rejects CSV and import report go (default: beside each file)",
            ),
        ] = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Import camera registries: prints accepted / warned / refused by class, and the warnings
        and refusals by reason with their first rows; refused rows go to FILE.rejects.csv (UTF-8
        with BOM) beside an import report FILE.import.json that lists every warning."""
        from sharpeyes._errors import InputError

        with user_errors():
            fmt = opt.choice("--format", fmt, opt.IMPORT_FORMATS) or "auto"
            crs = opt.crs("--crs", crs, epsg=False)
            from sharpeyes.jobs.ingest import import_files, summary_text
            from sharpeyes.settings import database_url
            from sharpeyes.store import Store

            store = dry_run_store(db) if dry_run else Store.open(database_url(db))
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
        out: Annotated[
            Path,
            typer.Option(
                "-o", "--out", metavar="PATH", help="File to write (.csv, .xlsx, .geojson, .gpkg)"
            ),
        ],
        fmt: Annotated[
            str | None,
            typer.Option(
                "--format",
                metavar=opt.metavar(opt.EXPORT_FORMATS),
                help="File format (default: from -o's extension, else csv)",
            ),
        ] = None,
        unit: Annotated[
            str | None,
            typer.Option(
                "--unit", metavar="CODE", help="Division code prefix (6/9/12 digits); default all"
            ),
        ] = None,
        point_class: Annotated[
            str | None,
            typer.Option(
                "--class",
                metavar="1|2|3|4|9",
                help="Point class (also I/II/III, 一类/二类/三类); default all",
            ),
        ] = None,
        with_warnings: Annotated[
            bool,
            typer.Option(
                "--with-warnings", help="Add a warnings column: each camera's doubts from import"
            ),
        ] = False,
        mkdir: MkdirOption = False,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Write the inventory's canonical columns in order (xlsx: Chinese headers); no credentials."""
        with user_errors():
            fmt = opt.output_format(out, fmt, opt.EXPORT_FORMATS, default="csv")
            code = opt.point_class("--class", point_class)
            opt.output_path(out, mkdir=mkdir)
            from sharpeyes.jobs.ingest import export_cameras
            from sharpeyes.settings import database_url
            from sharpeyes.store import Store

            store = Store.open(database_url(db))
            try:
                result = export_cameras(
                    store, out, fmt=fmt, unit=unit, point_class=code, with_warnings=with_warnings
                )
            finally:
                store.close()
            emit(result, as_json=as_json, text=f"{result['rows']:,} cameras → {result['path']}")
            if not as_json:
                say(f"format {result['format']}; stream credentials are never exported")

    app.add_typer(cameras_app, name="cameras")
