"""``sharpeyes serve``, ``sharpeyes users add``, ``sharpeyes tokens create``."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from sharpeyes.cli._common import DbOption, JsonOption, emit, say, user_errors


def register(app: typer.Typer) -> None:
    """Add ``serve``, ``users`` and ``tokens`` to ``app``."""
    users = typer.Typer(
        help="Users of the API and the map (roles viewer, editor, admin)", no_args_is_help=True
    )
    tokens = typer.Typer(help="API tokens (Authorization: Bearer …)", no_args_is_help=True)
    app.add_typer(users, name="users")
    app.add_typer(tokens, name="tokens")

    @app.command("serve")
    def serve(
        db: DbOption = None,
        as_json: JsonOption = False,
        host: Annotated[str, typer.Option("--host", help="Address to listen on")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", help="TCP port")] = 8000,
    ) -> None:
        """Serve the API (/api/, docs at /docs) and the map pages (/map) with uvicorn."""
        from sharpeyes.api.app import run
        from sharpeyes.settings import Settings, database_url
        from sharpeyes.store import Store

        with user_errors():
            url = database_url(db)
            settings = Settings(db=url)
            store = Store.open(url)
            if as_json:
                emit({"url": f"http://{host}:{port}/map", "db": url}, as_json=True)
            else:
                say(f"sharpeyes: serving http://{host}:{port}/map (API docs at /docs)")
            run(settings, store, host=host, port=port)

    @users.command("add")
    def users_add(
        name: Annotated[str, typer.Argument(help="User name")],
        role: Annotated[str, typer.Option("--role", help="viewer, editor or admin")] = "viewer",
        password_stdin: Annotated[
            bool,
            typer.Option("--password-stdin", help="Read a password for the login form from stdin"),
        ] = False,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Add a user with a role (and a password for the login form, read from stdin)."""
        from sharpeyes.jobs.auth import add_user
        from sharpeyes.settings import database_url
        from sharpeyes.store import Store

        with user_errors():
            password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
            store = Store.open(database_url(db))
            user = add_user(store, name, role, password=password)
            emit(
                {"name": user.name, "role": user.role, "password": password is not None},
                as_json=as_json,
                text=f"user {user.name} added with role {user.role}",
            )

    @tokens.command("create")
    def tokens_create(
        name: Annotated[str, typer.Argument(help="User the token acts as")],
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Create an API token for a user; it is printed once and stored only as its SHA-256."""
        from sharpeyes.jobs.auth import create_token
        from sharpeyes.settings import database_url
        from sharpeyes.store import Store

        with user_errors():
            store = Store.open(database_url(db))
            token = create_token(store, name)
            emit({"name": name, "token": token}, as_json=as_json, text=token)
