"""``sharpeyes plan``: where the next N cameras close the most coverage gaps (issue 7)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sharpeyes.cli import _options as opt
from sharpeyes.cli._common import DbOption, JsonOption, MkdirOption, emit, say, user_errors

if TYPE_CHECKING:
    from sharpeyes.planning.model import Method


def _text(doc: dict[str, Any]) -> str:
    lines = [
        f"{len(doc['selected'])} site(s) chosen ({doc.get('method')}, {doc.get('status')}): "
        f"covered weight {doc['covered_weight']:.6g} of {doc['total_weight']:.6g}"
        + (
            f" ({100 * doc['coverage_share']:.1f} %)"
            if doc.get("coverage_share") is not None
            else ""
        )
    ]
    bound = doc.get("upper_bound")
    if bound:
        lines.append(
            f"proven upper bound {bound:.6g}: this plan reaches at least "
            f"{100 * doc['covered_weight'] / bound:.1f} % of the best possible"
        )
    for key, label in (
        ("village_coverage", "village coverage"),
        ("place_coverage", "key-place coverage"),
        ("road_coverage", "road coverage"),
        ("population_coverage", "population coverage"),
    ):
        before, after = doc.get("before", {}).get(key), doc.get("after", {}).get(key)
        if before is not None and after is not None:
            lines.append(f"{label}: {100 * before:.1f} % -> {100 * after:.1f} %")
    for note in doc.get("notes", []):
        lines.append(f"note: {note}")
    for role, path in doc.get("written", {}).items():
        lines.append(f"wrote {role}: {path}")
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    """Add ``plan`` to ``app``."""

    @app.command("plan")
    def plan_command(
        out: Annotated[
            Path,
            typer.Option(
                "--out",
                "-o",
                metavar="PATH",
                help="Output file (.csv, .geojson, .gpkg, .xlsx), and PATH_curve.png beside it",
            ),
        ],
        budget: Annotated[
            int | None,
            typer.Option("--budget", metavar="N", help="Number of new cameras (sites) to place"),
        ] = None,
        budget_cost: Annotated[
            float | None,
            typer.Option(
                "--budget-cost",
                metavar="CNY",
                help="Total cost the new sites may not exceed (CNY; candidates' cost column or "
                "the defaults by camera type)",
            ),
        ] = None,
        unit: Annotated[
            str | None,
            typer.Option(
                "--unit", metavar="CODE", help="Plan inside this unit only (default: everywhere)"
            ),
        ] = None,
        candidates: Annotated[
            Path | None,
            typer.Option(
                "--candidates",
                metavar="FILE",
                help="Candidate sites (CSV lon/lat + id, or GeoJSON; default: generated at key places, along roads and on a grid)",
            ),
        ] = None,
        demand: Annotated[
            Path | None,
            typer.Option(
                "--demand",
                metavar="FILE",
                help="Plain instance: demand points with a weight (CSV lon/lat, or GeoJSON); "
                "needs --candidates and --radius-m, uses no store data",
            ),
        ] = None,
        radius_m: Annotated[
            float | None,
            typer.Option("--radius-m", metavar="M", help="Plain instance: coverage radius, metres"),
        ] = None,
        exact: Annotated[
            bool,
            typer.Option(
                "--exact", help="Run the exact integer program (HiGHS) to prove optimality"
            ),
        ] = False,
        crs: Annotated[
            str,
            typer.Option(
                "--crs",
                metavar=opt.metavar(opt.SOURCE_CRS),
                help="Coordinate system of the input files' longitude/latitude",
            ),
        ] = "wgs84",
        fmt: Annotated[
            str | None,
            typer.Option(
                "--format",
                metavar=opt.metavar(opt.PLAN_FORMATS),
                help="File format (default: from -o's extension, else csv)",
            ),
        ] = None,
        per_unit: Annotated[
            str | None,
            typer.Option(
                "--per-unit",
                metavar=opt.metavar(opt.LEVELS),
                help="Budget per unit of this level (county/township/village) instead of in total",
            ),
        ] = None,
        time_limit_s: Annotated[
            float,
            typer.Option(
                "--time-limit",
                metavar="S",
                help="Time for the whole solve, seconds: the best plan found within it, with its proven bound",
            ),
        ] = 2.0,
        mkdir: MkdirOption = False,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Expansion plan: the sites where --budget new cameras cover the most of today's gaps."""
        with user_errors():
            from sharpeyes._errors import InputError

            fmt = opt.output_format(out, fmt, opt.PLAN_FORMATS, default="csv")
            crs = opt.crs("--crs", crs, epsg=False)
            per_unit = opt.choice("--per-unit", per_unit, opt.LEVELS)
            method: Method = "exact" if exact else "auto"
            if budget is None and budget_cost is None:
                raise InputError(
                    "give --budget N (sites) or --budget-cost AMOUNT", field="--budget"
                )
            if demand is not None:
                from sharpeyes.planning.io import (
                    candidates_from_file,
                    demand_from_file,
                    write_plan,
                )
                from sharpeyes.planning.plans import plan_points

                if candidates is None:
                    raise InputError("a plain instance (--demand) needs --candidates FILE")
                if radius_m is None:
                    raise InputError("a plain instance (--demand) needs --radius-m R (metres)")
                if unit is not None or per_unit is not None:
                    raise InputError("--unit and --per-unit need store data, not --demand")
                from sharpeyes.ingest.files import check_input_file, reading

                opt.output_path(out, mkdir=mkdir)
                for given, kind in (
                    (demand, "demand points file"),
                    (candidates, "candidates file"),
                ):
                    check_input_file(given, kind)
                with reading(demand, "demand points file"):
                    demand_points = demand_from_file(demand, crs=crs)
                with reading(candidates, "candidates file"):
                    sites = candidates_from_file(candidates, crs=crs)
                say(
                    f"plain instance: {len(demand_points)} demand points, {len(sites)} candidate "
                    f"sites, budget {budget}, radius {radius_m:g} m"
                )
                result = plan_points(
                    demand_points,
                    sites,
                    budget=budget,
                    radius_m=radius_m,
                    cost_budget=budget_cost,
                    method=method,
                    time_limit_s=time_limit_s,
                )
                written = write_plan(result, out, fmt=fmt)
                doc = result.document()
                doc["written"] = written
                doc.pop("sites", None)
            else:
                from sharpeyes.jobs.planning import plan
                from sharpeyes.settings import database_url
                from sharpeyes.store import Store

                if radius_m is not None:
                    raise InputError("--radius-m is for plain instances (--demand FILE)")
                opt.output_path(out, mkdir=mkdir)
                store = Store.open(database_url(db))
                doc = plan(
                    store,
                    out,
                    budget=budget,
                    unit=unit,
                    candidates=candidates,
                    fmt=fmt,
                    crs=crs,
                    per_unit=per_unit,
                    cost_budget=budget_cost,
                    method=method,
                    time_limit_s=time_limit_s,
                )
                doc = {k: v for k, v in doc.items() if k != "sites"}
            emit(doc, as_json=as_json, text=_text(doc))
