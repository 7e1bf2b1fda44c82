"""``sharpeyes demo``: build the demo city and run every job on it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sharpeyes.cli._common import DbOption, JsonOption, emit, say, user_errors


def register(app: typer.Typer) -> None:
    """Add ``demo`` to ``app``."""

    @app.command("demo")
    def demo(
        db: DbOption = None,
        as_json: JsonOption = False,
        workdir: Annotated[
            Path, typer.Option("--workdir", metavar="DIR", help="Where the demo writes its files")
        ] = Path("sharpeyes-demo"),
        scale: Annotated[
            float,
            typer.Option(
                "--scale", metavar="SHARE", help="Share of the full city's cameras (1.0 ≈ 34,000)"
            ),
        ] = 1.0,
        seed: Annotated[int, typer.Option("--seed", metavar="N", help="Seed of the generator")] = 0,
        no_health: Annotated[
            bool, typer.Option("--no-health", help="Skip the nightly health run")
        ] = False,
        serve: Annotated[
            bool, typer.Option("--serve", help="Serve the API and map at the end")
        ] = False,
        host: Annotated[
            str, typer.Option("--host", metavar="ADDRESS", help="Address to serve on (--serve)")
        ] = "127.0.0.1",
        port: Annotated[
            int, typer.Option("--port", metavar="PORT", help="TCP port to serve on (--serve)")
        ] = 8000,
    ) -> None:
        """Build the demo city of Tieling (铁岭) and run every job on it (SQLite by default)."""
        from sharpeyes.jobs.demo import run_demo
        from sharpeyes.settings import database_url
        from sharpeyes.store import Store

        with user_errors():
            url = database_url(db)
            store = Store.open(url)
            run = run_demo(
                store,
                workdir.resolve(),
                db_url=url,
                seed=seed,
                scale=scale,
                health=not no_health,
                say=say,
            )
            map_url = f"http://{host}:{port}/map"
            doc = {
                "workdir": str(run.workdir),
                "db": url,
                "steps": [{"name": s.name, "seconds": s.seconds, **s.summary} for s in run.steps],
                "map_url": map_url,
                "token": run.token,
                "token_file": str(run.token_file) if run.token_file else None,
            }
            lines = [f"sharpeyes demo: Tieling built in {run.workdir}"]
            for s in run.steps:
                brief = ", ".join(
                    f"{k}={len(v) if isinstance(v, list) else v}"
                    for k, v in s.summary.items()
                    if isinstance(v, (int, float, str, list)) and k != "token" and "file" not in k
                )
                lines.append(f"  {s.name:<22} {s.seconds:>6.1f} s  {brief}")
            lines.append(f"Map: {map_url}  (sharpeyes serve --db {url})")
            lines.append(
                f"Admin token: {run.token}  (Authorization: Bearer …, or log in at {map_url}; "
                f"kept in {run.token_file} for `sharpeyes serve`)"
            )
            emit(doc, as_json=as_json, text="\n".join(lines))
            if serve:
                import uvicorn

                from sharpeyes.api import create_app
                from sharpeyes.settings import load_settings

                uvicorn.run(create_app(load_settings(db=url), store), host=host, port=port)
