"""A real uvicorn server on 127.0.0.1 over a real SQLite store holding the test city."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from sharpeyes.api import create_app
from sharpeyes.jobs.auth import add_user, create_token
from sharpeyes.settings import Settings
from sharpeyes.store import Store
from tests.api import city


@dataclass
class Server:
    """A running server: its base URL, its store and a token per role."""

    url: str
    store: Store
    tokens: dict[str, str]

    def client(self, role: str | None = None, **kwargs: object) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30, **kwargs)  # type: ignore[arg-type]


def serve(app: object) -> Iterator[str]:
    """Run ``app`` with uvicorn in a thread on a free loopback port; yields the base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off")  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def city_store(path: Path) -> tuple[Store, dict[str, str]]:
    """A store with the test city and one user + token per role."""
    store = Store.open(f"sqlite:///{path}")
    city.populate(store)
    tokens = {}
    for role in ("viewer", "editor", "admin"):
        add_user(store, f"{role}1", role, password=f"{role}-password")
        tokens[role] = create_token(store, f"{role}1")
    return store, tokens


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server over the test city, shared by the read-only tests of a module."""
    store, tokens = city_store(tmp_path_factory.mktemp("api") / "city.db")
    app = create_app(Settings(max_upload_mb=1), store)
    for url in serve(app):
        yield Server(url, store, tokens)


@pytest.fixture
def fresh_server(tmp_path: Path) -> Iterator[Server]:
    """A server of its own, for tests that write (imports, users, tokens)."""
    store, tokens = city_store(tmp_path / "city.db")
    app = create_app(Settings(max_upload_mb=1), store, cache_ttl_s=0.5)
    for url in serve(app):
        yield Server(url, store, tokens)
