"""Commands of sharpeyes.coverage (registered on the root `sharpeyes` app):
``units import``, ``places import``, ``roads import``, ``report``, ``gaps``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from sharpeyes.cli._common import DbOption, JsonOption, emit, say, user_errors

CrsOption = Annotated[
    str,
    typer.Option(
        "--crs", help="Coordinates of the file: wgs84 (default), cgcs2000, gcj02, bd09 or EPSG:xxxx"
    ),
]


def _store(db: str | None) -> Any:
    from sharpeyes.settings import database_url
    from sharpeyes.store import Store

    return Store.open(database_url(db))


def _problems_text(result: dict[str, Any]) -> str:
    lines = []
    for row in result.get("problem_rows", [])[:20]:
        where = f"row {row['row']}" if row.get("row") is not None else ""
        lines.append(f"  {row['kind']}: {row.get('code') or ''} {where} {row['reason']}".rstrip())
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    """Add ``units``, ``places``, ``roads`` (each with ``import``), ``report`` and ``gaps``."""
    units_app = typer.Typer(
        help="Administrative units (county, township, village)", no_args_is_help=True
    )
    places_app = typer.Typer(
        help="Key places (schools, hospitals, stations …)", no_args_is_help=True
    )
    roads_app = typer.Typer(help="Key roads", no_args_is_help=True)
    app.add_typer(units_app, name="units")
    app.add_typer(places_app, name="places")
    app.add_typer(roads_app, name="roads")

    @units_app.command("import")
    def units_import(
        files: Annotated[
            list[Path], typer.Argument(help="GeoJSON/GPKG/Shapefile or CSV code lists")
        ],
        level: Annotated[
            str | None,
            typer.Option(
                "--level", help="county, township or village (default: from the code length)"
            ),
        ] = None,
        code_field: Annotated[str | None, typer.Option("--code-field")] = None,
        name_field: Annotated[str | None, typer.Option("--name-field")] = None,
        parent_field: Annotated[str | None, typer.Option("--parent-field")] = None,
        crs: CrsOption = "wgs84",
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Import administrative units; the levels in FILE replace those levels in the store."""
        from sharpeyes.jobs.coverage import import_units

        with user_errors():
            store = _store(db)
            results = []
            for path in files:
                results.append(
                    import_units(
                        store,
                        path,
                        level=level,
                        code_field=code_field,
                        name_field=name_field,
                        parent_field=parent_field,
                        crs=crs,
                    )
                )
                r = results[-1]
                say(
                    f"{path}: {r['imported']} units {r['levels']}, problems {r['problems'] or 'none'}"
                )
            text = "\n".join(
                f"{r['file']}: imported {r['imported']} {r['levels']}; in store {r['units_in_store']}; "
                f"metric CRS {r['metric_crs']}\n{_problems_text(r)}"
                for r in results
            )
            emit({"files": results}, as_json=as_json, text=text)

    @places_app.command("import")
    def places_import(
        file: Annotated[
            Path, typer.Argument(help="GeoJSON/GPKG/Shapefile, CSV (lon/lat or wkt) or OSM")
        ],
        category_field: Annotated[str | None, typer.Option("--category-field")] = None,
        crs: CrsOption = "wgs84",
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Import key places (replaces the places in the store)."""
        from sharpeyes.jobs.coverage import import_places

        with user_errors():
            r = import_places(_store(db), file, category_field=category_field, crs=crs)
            emit(
                r,
                as_json=as_json,
                text=f"{file}: {r['imported']} places {r['categories']}, {r['refused']} refused",
            )

    @roads_app.command("import")
    def roads_import(
        file: Annotated[
            Path, typer.Argument(help="GeoJSON/GPKG/Shapefile, CSV (wkt) or OSM highways")
        ],
        class_field: Annotated[str | None, typer.Option("--class-field")] = None,
        crs: CrsOption = "wgs84",
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Import key roads (replaces the roads in the store)."""
        from sharpeyes.jobs.coverage import import_roads

        with user_errors():
            r = import_roads(_store(db), file, class_field=class_field, crs=crs)
            emit(
                r,
                as_json=as_json,
                text=f"{file}: {r['imported']} roads, {r['length_km']} km {r['classes']}, {r['refused']} refused",
            )

    @app.command("report")
    def report(
        out: Annotated[Path, typer.Option("-o", "--out", help="Output file")],
        unit: Annotated[
            str | None, typer.Option("--unit", help="Only this unit (code) and the units inside it")
        ] = None,
        level: Annotated[
            str | None, typer.Option("--level", help="Only city, county, township or village rows")
        ] = None,
        fmt: Annotated[str, typer.Option("--format", help="xlsx, csv or json")] = "xlsx",
        area: Annotated[
            str, typer.Option("--area", help="Area coverage: exact, fast (raster) or none")
        ] = "exact",
        hd_min_lines: Annotated[
            int | None, typer.Option("--hd-min-lines", help="HD threshold (lines)")
        ] = None,
        hd_source: Annotated[
            str,
            typer.Option(
                "--hd-source",
                help="HD ratio from the registry's resolution, or from what the streams really send",
            ),
        ] = "registry",
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """KPIs per county, township and village: counts, networking, HD, online/intact, coverage."""
        from sharpeyes.jobs.coverage import write_report
        from sharpeyes.settings import Settings

        with user_errors():
            threshold = hd_min_lines if hd_min_lines is not None else Settings().hd_min_lines
            say("computing coverage report …")
            r = write_report(
                _store(db),
                out,
                fmt=fmt,
                unit=unit,
                level=level,
                hd_min_lines=threshold,
                area=area,
                hd_source=hd_source,
            )
            emit(
                r,
                as_json=as_json,
                text=(
                    f"wrote {r['rows_written']} rows to {out} ({fmt}); metric CRS {r['metric_crs']}; "
                    f"cameras {r['cameras']}, outside every unit {r['outside_every_unit']}, "
                    f"no position {r['unplaced_no_position']}, ID county mismatches {r['id_county_mismatch']}; "
                    f"HD from {hd_source}, streams contradicting the registry's resolution "
                    f"{r.get('resolution_mismatches', 0)}"
                ),
            )

    @app.command("gaps")
    def gaps(
        out: Annotated[Path, typer.Option("-o", "--out", help="Output file (or folder)")],
        fmt: Annotated[str, typer.Option("--format", help="geojson, gpkg or csv")] = "geojson",
        h3_resolution: Annotated[
            int, typer.Option("--h3-resolution", help="H3 grid resolution (8 ≈ 0.74 km²)")
        ] = 8,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Uncovered villages, key places, road stretches, and an H3 grid of coverage and density."""
        from sharpeyes.jobs.coverage import write_gaps

        with user_errors():
            say("finding gaps …")
            r = write_gaps(_store(db), out, fmt=fmt, h3_resolution=h3_resolution)
            emit(
                r,
                as_json=as_json,
                text=(
                    f"villages without a networked camera: {r['villages_without_network']}; "
                    f"uncovered places: {r['uncovered_places']}; uncovered roads: {r['uncovered_road_km']} km; "
                    f"H3 cells: {r['cells']}\n" + "\n".join(r["files"])
                ),
            )
