"""Commands of sharpeyes.coverage (registered on the root `sharpeyes` app):
``units import``, ``places import``, ``roads import``, ``report``, ``gaps``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from sharpeyes.cli import _options as opt
from sharpeyes.cli._common import (
    DaskOption,
    DbOption,
    JsonOption,
    MkdirOption,
    emit,
    say,
    user_errors,
)
from sharpeyes.model.police import HIERARCHIES, POLICE_LEVELS

CrsOption = Annotated[
    str,
    typer.Option(
        "--crs",
        metavar="wgs84|cgcs2000|gcj02|bd09|EPSG:CODE",
        help="Coordinate system of the file when it names none (stored as WGS-84)",
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


def _levels_note(result: dict[str, Any]) -> str:
    """``; levels not imported: township, village`` (and those without polygons), or nothing."""
    notes = []
    if result.get("missing_levels"):
        notes.append(f"levels not imported: {', '.join(result['missing_levels'])}")
    if result.get("levels_without_polygons"):
        notes.append(
            f"levels without polygons (counted by code only): "
            f"{', '.join(result['levels_without_polygons'])}"
        )
    return "".join(f"; {n}" for n in notes)


def _kinds_text(result: dict[str, Any]) -> str:
    """``; village level: 1176 villages, 248 communities, 47 virtual`` (empty without villages)."""
    kinds = result.get("village_kinds") or {}
    words = {"village": "villages", "community": "communities"}
    listed = ", ".join(f"{n} {words.get(k, k)}" for k, n in kinds.items())
    return f"; village level: {listed}" if listed else ""


def _compared_text(result: dict[str, Any]) -> str:
    if not result.get("compared_to"):
        return ""
    return (
        f", compared with {result['compared_to']}: {result['newly_met']} targets newly met, "
        f"{result['newly_missed']} newly missed, {result['new_rows']} rows new, "
        f"{result['removed_rows']} gone"
    )


KindOption = Annotated[
    str,
    typer.Option(
        "--kind",
        metavar="admin|police",
        help="Administrative units, or police jurisdictions (bureau → 分局 → 派出所)",
    ),
]


def _police_report(
    out: Path,
    *,
    fmt: str,
    unit: str | None,
    level: str | None,
    area: str,
    hd_min_lines: int | None,
    hd_source: str,
    mkdir: bool,
    db: str | None,
    as_json: bool,
    lang: str = "zh",
) -> None:
    """``report --hierarchy police``: the KPIs per police unit, written to ``out``."""
    from sharpeyes.jobs.police import write_police_report
    from sharpeyes.settings import load_settings

    opt.output_path(out, mkdir=mkdir)
    threshold = hd_min_lines if hd_min_lines is not None else load_settings().hd_min_lines
    say("computing police report …")
    r = write_police_report(
        _store(db),
        out,
        fmt=fmt,
        unit=unit,
        level=level,
        hd_min_lines=threshold,
        area=area,
        hd_source=hd_source,
        lang=lang,
    )
    emit(
        r,
        as_json=as_json,
        text=(
            f"wrote {r['rows_written']} rows to {out} ({fmt}); metric CRS {r['metric_crs']}; "
            f"cameras {r['cameras']}, outside every jurisdiction {r['outside_every_jurisdiction']}, "
            f"no position {r['unplaced_no_position']}, "
            f"police_unit mismatches {r['police_unit_mismatch']}"
        ),
    )


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
            list[Path],
            typer.Argument(metavar="FILE", help="GeoJSON/GPKG/Shapefile or CSV code lists"),
        ],
        level: Annotated[
            str | None,
            typer.Option(
                "--level",
                metavar=opt.metavar(opt.UNIT_LEVELS),
                help="Level of every unit in FILE (default: from each code's length); "
                "grid: 网格 below villages, any code, parents from --parent-field",
            ),
        ] = None,
        code_field: Annotated[
            str | None,
            typer.Option(
                "--code-field",
                metavar="COLUMN",
                help="Column of the division code (default: found by name, e.g. code/区划代码)",
            ),
        ] = None,
        name_field: Annotated[
            str | None,
            typer.Option(
                "--name-field",
                metavar="COLUMN",
                help="Column of the unit name (default: found by name, e.g. name/名称)",
            ),
        ] = None,
        kind_field: Annotated[
            str | None,
            typer.Option(
                "--kind-field",
                metavar="COLUMN",
                help="Column saying village (村/村委会), community (社区/居委会) or virtual "
                "(default: kind/村居类型/类型 if present, else the code's last 3 digits, else the name)",
            ),
        ] = None,
        parent_field: Annotated[
            str | None,
            typer.Option(
                "--parent-field",
                metavar="COLUMN",
                help="Column of the parent unit's code (default: found by name, e.g. parent_code/"
                "streetCode, else derived from a statistical code); with it any code is accepted",
            ),
        ] = None,
        crs: CrsOption = "wgs84",
        kind: KindOption = "admin",
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Import administrative units (or, with --kind police, police jurisdictions: bureau,
        sub-bureau 分局, station 派出所); the levels in FILE replace those levels in the store."""
        with user_errors():
            kind = opt.choice("--kind", kind, HIERARCHIES) or "admin"
            if kind == "police" and kind_field is not None:
                from sharpeyes._errors import InputError

                raise InputError(
                    "--kind-field tells villages from communities: it has no meaning with "
                    "--kind police",
                    field="--kind-field",
                )
            level = opt.choice(
                "--level", level, opt.UNIT_LEVELS if kind == "admin" else tuple(POLICE_LEVELS)
            )
            crs = opt.crs("--crs", crs, epsg=True)
            from sharpeyes.jobs.coverage import import_units
            from sharpeyes.jobs.police import import_police_units

            store = _store(db)
            fields = {"code_field": code_field, "name_field": name_field}
            results = []
            for path in files:
                if kind == "admin":
                    r = import_units(
                        store,
                        path,
                        level=level,
                        kind_field=kind_field,
                        parent_field=parent_field,
                        crs=crs,
                        **fields,
                    )
                else:
                    r = import_police_units(
                        store, path, level=level, parent_field=parent_field, crs=crs, **fields
                    )
                results.append(r)
                say(
                    f"{path}: {r['imported']} units {r['levels']}, problems {r['problems'] or 'none'}"
                )
            text = "\n".join(
                f"{r['file']}: imported {r['imported']} {r['levels']}; in store {r['units_in_store']}; "
                f"metric CRS {r['metric_crs']}{_kinds_text(r)}\n{_problems_text(r)}"
                for r in results
            )
            emit({"files": results}, as_json=as_json, text=text)

    @places_app.command("import")
    def places_import(
        file: Annotated[
            Path,
            typer.Argument(
                metavar="FILE", help="GeoJSON/GPKG/Shapefile, CSV (lon/lat or wkt) or OSM"
            ),
        ],
        category_field: Annotated[
            str | None,
            typer.Option(
                "--category-field",
                metavar="COLUMN",
                help="Column of the category (default: found by name, e.g. category/类别)",
            ),
        ] = None,
        crs: CrsOption = "wgs84",
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Import key places (replaces the places in the store)."""
        with user_errors():
            crs = opt.crs("--crs", crs, epsg=True)
            from sharpeyes.jobs.coverage import import_places

            r = import_places(_store(db), file, category_field=category_field, crs=crs)
            emit(
                r,
                as_json=as_json,
                text=f"{file}: {r['imported']} places {r['categories']}, {r['refused']} refused",
            )

    @roads_app.command("import")
    def roads_import(
        file: Annotated[
            Path,
            typer.Argument(
                metavar="FILE", help="GeoJSON/GPKG/Shapefile, CSV (wkt) or OSM highways"
            ),
        ],
        class_field: Annotated[
            str | None,
            typer.Option(
                "--class-field",
                metavar="COLUMN",
                help="Column of the road class (default: found by name, e.g. road_class/highway)",
            ),
        ] = None,
        crs: CrsOption = "wgs84",
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Import key roads (replaces the roads in the store)."""
        with user_errors():
            crs = opt.crs("--crs", crs, epsg=True)
            from sharpeyes.jobs.coverage import import_roads

            r = import_roads(_store(db), file, class_field=class_field, crs=crs)
            emit(
                r,
                as_json=as_json,
                text=f"{file}: {r['imported']} roads, {r['length_km']} km {r['classes']}, {r['refused']} refused",
            )

    @app.command("report")
    def report(
        out: Annotated[
            Path,
            typer.Option("-o", "--out", metavar="PATH", help="Output file (.xlsx, .csv, .json)"),
        ],
        unit: Annotated[
            str | None,
            typer.Option(
                "--unit",
                metavar="CODE",
                help="Only this unit and the units inside it (default: every unit)",
            ),
        ] = None,
        level: Annotated[
            str | None,
            typer.Option(
                "--level",
                metavar=opt.metavar(opt.LEVELS),
                help="Only the rows of this level (default: every level)",
            ),
        ] = None,
        fmt: Annotated[
            str | None,
            typer.Option(
                "--format",
                metavar=opt.metavar(opt.REPORT_FORMATS),
                help="File format (default: from -o's extension, else xlsx)",
            ),
        ] = None,
        area: Annotated[
            str,
            typer.Option(
                "--area",
                metavar=opt.metavar(opt.AREA_METHODS),
                help="Area coverage: exact polygons, fast (10 m raster) or none",
            ),
        ] = "exact",
        hd_min_lines: Annotated[
            int | None,
            typer.Option(
                "--hd-min-lines",
                metavar="LINES",
                help="HD threshold, vertical lines (default: $SHARPEYES_HD_MIN_LINES, else 1080)",
            ),
        ] = None,
        hd_source: Annotated[
            str,
            typer.Option(
                "--hd-source",
                metavar="registry|stream",
                help="HD ratio from the registry's resolution, or from what the streams really send",
            ),
        ] = "registry",
        lang: Annotated[
            str,
            typer.Option(
                "--lang",
                metavar=opt.metavar(opt.LANGS),
                help="Language of the headers and values of xlsx and csv (JSON keys stay English)",
            ),
        ] = "zh",
        period: Annotated[
            str | None,
            typer.Option(
                "--period",
                metavar="YYYY-MM",
                help="Reporting period of this run (default: this month); a re-run supersedes it",
            ),
        ] = None,
        compare: Annotated[
            str | None,
            typer.Option(
                "--compare",
                metavar="YYYY-MM|previous",
                help="Add each KPI's value in that stored period and the change (percentage points)",
            ),
        ] = None,
        hierarchy: Annotated[
            str,
            typer.Option(
                "--hierarchy",
                metavar="admin|police",
                help="Units to report on: administrative (county …) or police (分局, 派出所)",
            ),
        ] = "admin",
        mkdir: MkdirOption = False,
        db: DbOption = None,
        as_json: JsonOption = False,
        dask: DaskOption = None,
    ) -> None:
        """KPIs per county, township and village (or per sub-bureau and police station, with
        --hierarchy police): counts, networking, HD, online/intact, coverage."""
        with user_errors():
            fmt = opt.output_format(out, fmt, opt.REPORT_FORMATS, default="xlsx")
            hierarchy = opt.choice("--hierarchy", hierarchy, HIERARCHIES) or "admin"
            if hierarchy == "police":
                _police_report(
                    out,
                    fmt=fmt,
                    unit=unit,
                    level=opt.choice("--level", level, tuple(POLICE_LEVELS)),
                    area=opt.choice("--area", area, opt.AREA_METHODS) or "exact",
                    hd_min_lines=hd_min_lines,
                    hd_source=opt.choice("--hd-source", hd_source, opt.HD_SOURCES) or "registry",
                    mkdir=mkdir,
                    db=db,
                    as_json=as_json,
                    lang=opt.choice("--lang", lang, opt.LANGS) or "zh",
                )
                return
            level = opt.choice("--level", level, opt.UNIT_LEVELS)
            area = opt.choice("--area", area, opt.AREA_METHODS) or "exact"
            hd_source = opt.choice("--hd-source", hd_source, opt.HD_SOURCES) or "registry"
            lang = opt.choice("--lang", lang, opt.LANGS) or "zh"
            period = opt.period("--period", period)
            compare = opt.period("--compare", compare, previous=True)
            opt.output_path(out, mkdir=mkdir)
            from sharpeyes.jobs.coverage import write_report
            from sharpeyes.settings import load_settings

            threshold = hd_min_lines if hd_min_lines is not None else load_settings().hd_min_lines
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
                lang=lang,
                period=period,
                compare=compare,
                dask_address=dask,
            )
            emit(
                r,
                as_json=as_json,
                text=(
                    f"wrote {r['rows_written']} rows to {out} ({fmt}); metric CRS {r['metric_crs']}; "
                    f"cameras {r['cameras']}, outside every unit {r['outside_every_unit']}, "
                    f"no position {r['unplaced_no_position']}, ID county mismatches {r['id_county_mismatch']}; "
                    f"HD from {hd_source}, streams contradicting the registry's resolution "
                    f"{r.get('resolution_mismatches', 0)}; period {r['period']}"
                    + _compared_text(r)
                    + _levels_note(r)
                ),
            )

    @app.command("gaps")
    def gaps(
        out: Annotated[
            Path,
            typer.Option(
                "-o",
                "--out",
                metavar="PATH",
                help="Output file (.geojson, .gpkg, .csv; one file per layer beside it) or folder",
            ),
        ],
        fmt: Annotated[
            str | None,
            typer.Option(
                "--format",
                metavar=opt.metavar(opt.GAPS_FORMATS),
                help="File format (default: from -o's extension, else geojson)",
            ),
        ] = None,
        h3_resolution: Annotated[
            int,
            typer.Option(
                "--h3-resolution",
                metavar="0-15",
                help="H3 grid resolution (8: cells of about 0.74 km²)",
            ),
        ] = 8,
        mkdir: MkdirOption = False,
        db: DbOption = None,
        as_json: JsonOption = False,
        dask: DaskOption = None,
    ) -> None:
        """Uncovered villages, key places, road stretches, and an H3 grid of coverage and density."""
        with user_errors():
            fmt = opt.output_format(out, fmt, opt.GAPS_FORMATS, default="geojson")
            opt.output_path(out, mkdir=mkdir, folder=True)
            from sharpeyes.jobs.coverage import write_gaps

            say("finding gaps …")
            r = write_gaps(_store(db), out, fmt=fmt, h3_resolution=h3_resolution, dask_address=dask)
            emit(
                r,
                as_json=as_json,
                text=(
                    f"villages without a networked camera: {r['villages_without_network']}; "
                    f"uncovered places: {r['uncovered_places']}; uncovered roads: {r['uncovered_road_km']} km; "
                    f"H3 cells: {r['cells']}" + _levels_note(r) + "\n" + "\n".join(r["files"])
                ),
            )
