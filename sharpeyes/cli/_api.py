"""``sharpeyes serve``; ``sharpeyes users add|list|remove|passwd``; ``sharpeyes tokens create|list|revoke``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from sharpeyes.cli import _options as opt
from sharpeyes.cli._common import DbOption, JsonOption, emit, say, user_errors


def login_hint(store: Any, url: str, db: str | None) -> dict[str, Any]:
    """How to log in to a server on ``store``: the token ``sharpeyes demo`` kept, if it is still
    there, else the command that makes one."""
    db_arg = f" --db {db}" if db else ""
    demo = store.latest_result("demo")
    token_file = Path(demo["token_file"]) if demo and demo.get("token_file") else None
    if token_file is not None and token_file.is_file():
        token = token_file.read_text(encoding="utf-8").strip()
        return {
            "user": demo.get("user") if demo else None,
            "token": token,
            "token_file": str(token_file),
            "text": (
                f"log in at {url} with the demo admin's token (in {token_file}):\n  {token}\n"
                f"or send it as the header Authorization: Bearer {token}"
            ),
        }
    command = f"sharpeyes tokens create NAME{db_arg}"
    return {
        "user": None,
        "token": None,
        "create_token": command,
        "text": (
            f"log in at {url} with a token: make one with `{command}` (NAME a user; add one "
            f"with `sharpeyes users add NAME --role admin{db_arg}`), or with a user's password "
            "(`sharpeyes users add NAME --password-stdin`)"
        ),
    }


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
        host: Annotated[
            str, typer.Option("--host", metavar="ADDRESS", help="Address to listen on")
        ] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", metavar="PORT", help="TCP port")] = 8000,
        workers: Annotated[
            int | None,
            typer.Option(
                "--workers",
                metavar="N",
                min=1,
                help="Server processes (default: the number of cores)",
            ),
        ] = None,
    ) -> None:
        """Serve the API (/api/, docs at /docs) and the map pages (/map) with uvicorn; print the
        URL and how to log in."""
        with user_errors():
            from sharpeyes.api.app import default_workers, run
            from sharpeyes.settings import database_url, load_settings
            from sharpeyes.store import Store

            url = database_url(db)
            settings = load_settings(db=url)
            store = Store.open(url)
            map_url = f"http://{_url_host(host)}:{port}/map"
            login = login_hint(store, map_url, db)
            if as_json:
                emit(
                    {"url": map_url, "db": store.url, "workers": workers or default_workers()}
                    | {k: v for k, v in login.items() if k != "text"},
                    as_json=True,
                )
            else:
                say(f"sharpeyes: serving {map_url} (API docs at /docs)")
                say(login["text"])
            run(settings, store, host=host, port=port, workers=workers or default_workers())

    @users.command("add")
    def users_add(
        name: Annotated[str, typer.Argument(metavar="NAME", help="User name")],
        role: Annotated[
            str,
            typer.Option(
                "--role",
                metavar=opt.metavar(opt.ROLES),
                help="What the user may do: read, also import/edit, also manage users",
            ),
        ] = "viewer",
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
            role = opt.choice("--role", role, opt.ROLES) or "viewer"
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
        name: Annotated[str, typer.Argument(metavar="NAME", help="User the token acts as")],
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
        name: Annotated[str, typer.Argument(metavar="NAME", help="User to remove")],
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
        name: Annotated[str, typer.Argument(metavar="NAME", help="User whose password changes")],
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
        name: Annotated[
            str | None,
            typer.Option("--user", metavar="NAME", help="Only this user's tokens (default: all)"),
        ] = None,
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
            str | None,
            typer.Argument(
                metavar="TOKEN_ID", help="Token id, as `sharpeyes tokens list` shows it"
            ),
        ] = None,
        name: Annotated[
            str | None,
            typer.Option("--user", metavar="NAME", help="Revoke every token of this user instead"),
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


def _url_host(host: str) -> str:
    """``host`` as written in a URL (an IPv6 address in brackets; 0.0.0.0 as this machine)."""
    if host in ("0.0.0.0", "::", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
