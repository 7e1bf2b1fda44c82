"""Users, passwords and tokens (sharpeyes.jobs.auth) and their CLI commands, on a real SQLite store."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sharpeyes._errors import ConfigError, InputError
from sharpeyes.cli import app
from sharpeyes.jobs import auth
from sharpeyes.store import Store
from tests.conftest import free_port, wait_until_serving


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(f"sqlite:///{tmp_path / 'auth.db'}")


def test_password_hashes_are_salted_and_verified() -> None:
    first, second = auth.hash_password("correct horse"), auth.hash_password("correct horse")
    assert first != second and first.startswith("scrypt$")
    assert "correct horse" not in first
    assert auth.verify_password("correct horse", first)
    assert not auth.verify_password("correct hors", first)
    assert not auth.verify_password("correct horse", None)
    assert not auth.verify_password("correct horse", "garbage")
    with pytest.raises(InputError, match="too short"):
        auth.hash_password("short")


def test_tokens_are_stored_as_sha256(store: Store) -> None:
    auth.add_user(store, "ops", "editor")
    token = auth.create_token(store, "ops")
    assert len(token) >= 40
    assert store.user_for_token(token) is None
    assert store.user_for_token(hashlib.sha256(token.encode()).hexdigest())["name"] == "ops"  # type: ignore[index]
    assert auth.principal_for_token(store, token) == auth.Principal("ops", "editor")
    assert auth.principal_for_token(store, token + "x") is None
    with pytest.raises(InputError, match="no such user"):
        auth.create_token(store, "ghost")


def test_roles_and_passwords(store: Store) -> None:
    auth.add_user(store, "ann", "viewer", password="ann-password")
    assert auth.principal_for_password(store, "ann", "ann-password") == auth.Principal(
        "ann", "viewer"
    )
    assert auth.principal_for_password(store, "ann", "wrong-password") is None
    assert auth.principal_for_password(store, "nobody", "ann-password") is None
    with pytest.raises(InputError, match="unknown role"):
        auth.add_user(store, "bad", "root")
    with pytest.raises(InputError, match="exists"):
        auth.add_user(store, "ann", "admin")
    assert auth.Principal("x", "admin").may("editor") and not auth.Principal("x", "viewer").may(
        "editor"
    )
    actions = set(store.audit_log()["action"])
    assert "users.add" in actions


def test_ensure_admin_token(store: Store) -> None:
    first = auth.ensure_admin_token(store)
    second = auth.ensure_admin_token(store)
    assert first != second
    assert auth.principal_for_token(store, first) == auth.Principal("demo-admin", "admin")
    assert auth.principal_for_token(store, second) == auth.Principal("demo-admin", "admin")
    auth.add_user(store, "low", "viewer")
    with pytest.raises(ConfigError, match="not admin"):
        auth.ensure_admin_token(store, "low")


def test_cli_users_and_tokens(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.db")
    runner = CliRunner()
    added = runner.invoke(
        app,
        ["users", "add", "carol", "--role", "editor", "--password-stdin", "--db", db, "--json"],
        input="carol-password\n",
    )
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout) == {"name": "carol", "role": "editor", "password": True}
    created = runner.invoke(app, ["tokens", "create", "carol", "--db", db, "--json"])
    assert created.exit_code == 0, created.output
    token = json.loads(created.stdout)["token"]
    store = Store.open(f"sqlite:///{db}")
    assert auth.principal_for_token(store, token) == auth.Principal("carol", "editor")
    assert auth.principal_for_password(store, "carol", "carol-password") is not None
    bad = runner.invoke(app, ["users", "add", "dave", "--role", "god", "--db", db])
    assert bad.exit_code == 1 and "unknown role" in bad.stderr
    missing = runner.invoke(app, ["tokens", "create", "nobody", "--db", db])
    assert missing.exit_code == 1 and "no such user" in missing.stderr


@pytest.mark.slow
def test_cli_serve_runs_a_server(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    import httpx

    db = str(tmp_path / "serve.db")
    token = auth.ensure_admin_token(Store.open(f"sqlite:///{db}"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHARPEYES_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "sharpeyes", "serve", "--db", db, "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until_serving(process, f"http://127.0.0.1:{port}/healthz")
        me = httpx.get(
            f"http://127.0.0.1:{port}/api/me", headers={"Authorization": f"Bearer {token}"}
        )
        assert me.json() == {"name": "demo-admin", "role": "admin"}
    finally:
        process.terminate()
        process.wait(timeout=20)
    refused = subprocess.run(
        [sys.executable, "-m", "sharpeyes", "serve", "--db", db, "--port", str(port)],
        env=env | {"SHARPEYES_ENVIRONMENT": "production"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 1 and "SHARPEYES_SECRET_KEY" in refused.stderr


def test_cli_revocation(tmp_path: Path) -> None:
    db = str(tmp_path / "revoke.db")
    runner = CliRunner()
    store = Store.open(f"sqlite:///{db}")
    auth.add_user(store, "erin", "editor", password="erin-password")
    first, second = auth.create_token(store, "erin"), auth.create_token(store, "erin")
    listed = runner.invoke(app, ["tokens", "list", "--db", db, "--json"])
    assert listed.exit_code == 0, listed.output
    ids = {t["token_id"] for t in json.loads(listed.stdout)["tokens"]}
    assert ids == {auth.token_id(first), auth.token_id(second)}
    assert first not in listed.stdout and second not in listed.stdout
    revoked = runner.invoke(app, ["tokens", "revoke", auth.token_id(first), "--db", db, "--json"])
    assert revoked.exit_code == 0 and json.loads(revoked.stdout)["revoked"] == 1
    assert auth.principal_for_token(store, first) is None
    assert auth.principal_for_token(store, second) is not None
    again = runner.invoke(app, ["tokens", "revoke", auth.token_id(first), "--db", db])
    assert again.exit_code == 1 and "no such token" in again.stderr
    passwd = runner.invoke(
        app, ["users", "passwd", "erin", "--db", db, "--json"], input="a-new-password\n"
    )
    assert passwd.exit_code == 0, passwd.output
    assert auth.principal_for_password(store, "erin", "erin-password") is None
    assert auth.principal_for_password(store, "erin", "a-new-password") is not None
    short = runner.invoke(app, ["users", "passwd", "erin", "--db", db], input="short\n")
    assert short.exit_code == 1 and "too short" in short.stderr
    removed = runner.invoke(app, ["users", "remove", "erin", "--db", db, "--json"])
    assert removed.exit_code == 0, removed.output
    assert json.loads(removed.stdout) == {"name": "erin", "tokens": 1, "sessions": 0}
    assert auth.principal_for_token(store, second) is None
    users = runner.invoke(app, ["users", "list", "--db", db, "--json"])
    assert json.loads(users.stdout) == {"users": []}
    gone = runner.invoke(app, ["users", "remove", "erin", "--db", db])
    assert gone.exit_code == 1 and "no such user" in gone.stderr
