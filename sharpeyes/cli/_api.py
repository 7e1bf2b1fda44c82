"""``sharpeyes serve``; ``sharpeyes users add|list|remove|passwd``; ``sharpeyes tokens create|list|revoke``."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from sharpeyes.cli._common import DbOption, JsonOption, emit, say, user_errors


def _read_password() -> str:
    """One line from stdin (a password never goes on the command line, where ``ps`` shows it)."""
    return sys.stdin.readline().rstrip("\r\n")


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
        from sharpeyes.jobs.auth import create_token, token_id
        from sharpeyes.settings import database_url
        from sharpeyes.store import Store

        with user_errors():
            store = Store.open(database_url(db))
            token = create_token(store, name)
            emit(
                {"name": name, "token": token, "token_id": token_id(token)},
                as_json=as_json,
                text=token,
            )

    _register_revocation(users, tokens)


def _register_revocation(users: typer.Typer, tokens: typer.Typer) -> None:
    """``users list|remove|passwd`` and ``tokens list|revoke``."""

    @users.command("list")
    def users_list(db: DbOption = None, as_json: JsonOption = False) -> None:
        """Every user with its role (never a password hash)."""
        from sharpeyes.jobs.auth import users as all_users
        from sharpeyes.settings import database_url
        from sharpeyes.store import Store

        with user_errors():
            found = all_users(Store.open(database_url(db)))
            text = "\n".join(f"{u['name']}\t{u['role']}\t{u['created_at']}" for u in found)
            emit({"users": found}, as_json=as_json, text=text or "no users")

    @users.command("remove")
    def users_remove(
        name: Annotated[str, typer.Argument(help="User to remove")],
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Remove a user with its tokens and sessions (they stop working at once)."""
        from sharpeyes.jobs.auth import remove_user
        from sharpeyes.settings import database_url
        from sharpeyes.store import Store

        with user_errors():
            ended = remove_user(Store.open(database_url(db)), name)
            emit(
                {"name": name, **ended},
                as_json=as_json,
                text=f"user {name} removed ({ended['tokens']} tokens revoked, "
                f"{ended['sessions']} sessions ended)",
            )

    @users.command("passwd")
    def users_passwd(
        name: Annotated[str, typer.Argument(help="User whose password changes")],
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Set a user's password for the login form, read from stdin (8+ characters); ends its
        sessions."""
        from sharpeyes.jobs.auth import set_password
        from sharpeyes.settings import database_url
        from sharpeyes.store import Store

        with user_errors():
            ended = set_password(Store.open(database_url(db)), name, _read_password())
            emit(
                {"name": name, "sessions": ended},
                as_json=as_json,
                text=f"password of {name} changed ({ended} sessions ended)",
            )

    @tokens.command("list")
    def tokens_list(
        name: Annotated[str | None, typer.Option("--user", help="Only this user's tokens")] = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Token ids (first hex digits of each token's SHA-256), users and creation times."""
        from sharpeyes.jobs.auth import list_tokens
        from sharpeyes.settings import database_url
        from sharpeyes.store import Store

        with user_errors():
            found = list_tokens(Store.open(database_url(db)), name)
            text = "\n".join(f"{t['token_id']}\t{t['name']}\t{t['created_at']}" for t in found)
            emit({"tokens": found}, as_json=as_json, text=text or "no tokens")

    @tokens.command("revoke")
    def tokens_revoke(
        token_id: Annotated[
            str | None, typer.Argument(help="Token id, as `sharpeyes tokens list` shows it")
        ] = None,
        name: Annotated[
            str | None, typer.Option("--user", help="Revoke every token of this user instead")
        ] = None,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Revoke one API token by its id, or every token of a user (--user); they stop working at
        once."""
        from sharpeyes.jobs.auth import revoke_tokens
        from sharpeyes.settings import database_url
        from sharpeyes.store import Store

        with user_errors():
            revoked = revoke_tokens(Store.open(database_url(db)), token_id=token_id, name=name)
            emit(
                {"revoked": revoked, "token_id": token_id, "name": name},
                as_json=as_json,
                text=f"{revoked} token(s) revoked",
            )
