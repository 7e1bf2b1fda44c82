"""Commands of sharpeyes.network: ``sharpeyes network import NODES LINKS`` and ``network check``."""

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

network_app = typer.Typer(
    help="Network check: reachability, single points of failure and uplink load.",
    no_args_is_help=True,
)


def _open(db: str | None) -> Any:
    from sharpeyes.settings import database_url
    from sharpeyes.store import Store

    return Store.open(database_url(db))


@network_app.command("import")
def import_command(
    nodes: Annotated[
        Path, typer.Argument(metavar="NODES", help="Nodes file (CSV, XLSX or GeoJSON)")
    ],
    links: Annotated[
        Path, typer.Argument(metavar="LINKS", help="Links file (CSV, XLSX or GeoJSON)")
    ],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Read and validate a topology and store it (replaces the previous one)."""
    from sharpeyes.jobs import network as jobs

    with user_errors():
        store = _open(db)
        result = jobs.import_topology(store, nodes, links)
        lines = [
            f"stored {result['nodes']} nodes and {result['links']} links",
            "nodes by kind: "
            + ", ".join(f"{k} {v}" for k, v in sorted(result["nodes_by_kind"].items())),
        ]
        for problem in result["problems"][:50]:
            where = ", ".join(
                str(x)
                for x in (
                    problem["file"],
                    f"row {problem['row']}" if problem["row"] is not None else None,
                    f"field {problem['column']}" if problem["column"] else None,
                )
                if x
            )
            lines.append(f"  {where}: {problem['reason']}")
        if len(result["problems"]) > 50:
            lines.append(f"  … and {len(result['problems']) - 50} more problems (see --json)")
        emit(result, as_json=as_json, text="\n".join(lines))


@network_app.command("check")
def check_command(
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="PATH",
            help="Also write the report here (.json or .xlsx; default: kept in the store only)",
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            metavar=opt.metavar(opt.NETWORK_FORMATS),
            help="Report format (default: from -o's extension, else json)",
        ),
    ] = None,
    bitrates: Annotated[
        Path | None,
        typer.Option(
            "--bitrates",
            metavar="FILE",
            help="JSON file overriding the bitrate table, Mbit/s (default: the built-in table)",
        ),
    ] = None,
    threshold: Annotated[
        float,
        typer.Option(
            "--threshold",
            metavar="SHARE",
            help="Utilisation (share of capacity, 0–1) above which a link is flagged",
        ),
    ] = 0.8,
    layers: Annotated[
        Path | None,
        typer.Option(
            "--layers", metavar="DIR", help="Also write the GeoJSON map layers (WGS-84) here"
        ),
    ] = None,
    mkdir: MkdirOption = False,
    db: DbOption = None,
    as_json: JsonOption = False,
    dask: DaskOption = None,
) -> None:
    """Run reachability, single-point-of-failure and load checks; save the report in the store."""
    with user_errors():
        fmt = opt.output_format(output, fmt, opt.NETWORK_FORMATS, default="json")
        if output is not None:
            opt.output_path(output, mkdir=mkdir)
        if layers is not None:
            opt.output_path(layers, mkdir=mkdir, folder=True)
        from sharpeyes.jobs import network as jobs

        store = _open(db)
        say("checking the network …")
        document = jobs.check(
            store,
            out=output,
            fmt=fmt,
            bitrates=bitrates,
            threshold=threshold,
            layers_dir=layers,
            dask_address=dask,
            with_layers=False,  # printed without them (saved and written with them)
        )
        s = document["summary"]
        lines = [
            f"cameras {s['cameras']}, with a path to a platform {s['cameras_with_path']}, "
            f"registry networked {s['cameras_networked_registry']}",
            f"networked without path: {s['networked_without_path']}; "
            f"path but not networked: {s['path_but_not_networked']}",
            f"single points of failure: {s['single_points_of_failure']} nodes, {s['bridges']} links",
        ]
        for item in document["single_points_of_failure"][:10]:
            lines.append(
                f"  {item['node']} ({item['kind']}, {item['name'] or ''}): "
                f"{item['cameras_cut_off']} cameras"
            )
        lines.append(f"overloaded links (> {s['overload_threshold']:.0%}): {s['overloaded_links']}")
        for item in document["overloaded_links"][:10]:
            lines.append(
                f"  {item['a']} – {item['b']}: {item['load_mbps']:.1f} of "
                f"{item['capacity_mbps']:.0f} Mbit/s ({item['utilisation']:.0%})"
            )
        if output is not None:
            lines.append(f"report written to {output}")
        if as_json:
            document = {k: v for k, v in document.items() if k != "layers"} | {
                "output": str(output) if output else None
            }
        emit(document, as_json=as_json, text="\n".join(lines))


def register(app: typer.Typer) -> None:
    """Add this part's commands to ``app``."""
    app.add_typer(network_app, name="network")
