"""``sharpeyes sync wvp URL``: the video platform's channels and online status into the store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sharpeyes.cli import _options as opt
from sharpeyes.cli._common import DbOption, JsonOption, emit, user_errors

sync_app = typer.Typer(
    help="Sync the inventory with a video platform (wvp-GB28181-pro).", no_args_is_help=True
)

PasswordFile = Annotated[
    Path | None,
    typer.Option(
        "--password-file",
        metavar="FILE",
        help="File whose first line is the platform password (else $SHARPEYES_WVP_PASSWORD)",
    ),
]


@sync_app.command("wvp")
def wvp(
    url: Annotated[
        str,
        typer.Argument(
            metavar="URL",
            help="mysql+pymysql://USER@host/wvp, postgresql+psycopg://… or http(s)://USER@host:18080 "
            "(password from $SHARPEYES_WVP_PASSWORD or --password-file, not the command line)",
        ),
    ],
    crs: Annotated[
        str,
        typer.Option(
            "--crs",
            metavar=opt.metavar(opt.SOURCE_CRS),
            help="The platform's coordinate system (stored as WGS-84)",
        ),
    ] = "wgs84",
    source: Annotated[
        str | None,
        typer.Option("--source", metavar="NAME", help="Source name (default: wvp URL)"),
    ] = None,
    password_file: PasswordFile = None,
    timeout_s: Annotated[
        float, typer.Option("--timeout-s", metavar="S", help="REST: time per request, seconds")
    ] = 15.0,
    retries: Annotated[
        int, typer.Option("--retries", metavar="N", help="REST: retries of a failed request")
    ] = 2,
    page_size: Annotated[
        int, typer.Option("--page-size", metavar="N", help="REST: channels per page")
    ] = 500,
    full: Annotated[
        bool, typer.Option("--full", help="Merge every channel, not only those updated")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Read the platform's devices and channels; merge what changed; keep every channel's status."""
    with user_errors():
        crs = opt.crs("--crs", crs, epsg=False)
        from sharpeyes.jobs.sync import summary_text, sync_wvp
        from sharpeyes.settings import database_url
        from sharpeyes.store import Store

        doc = sync_wvp(
            Store.open(database_url(db)),
            url,
            crs=crs,
            source=source,
            password_file=password_file,
            timeout_s=timeout_s,
            retries=retries,
            page_size=page_size,
            full=full,
        )
        emit(doc, as_json=as_json, text=summary_text(doc))


def register(app: typer.Typer) -> None:
    """Add ``sharpeyes sync …`` to ``app``."""
    app.add_typer(sync_app, name="sync")
