"""The door (sharpeyes.api.door) against `sharpeyes serve` in its own process: bodies are refused before
they are read, measured on that process's memory (RSS) and its temporary folder, never on time."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sharpeyes.jobs.auth import add_user, create_token
from sharpeyes.store import Store
from tests.conftest import free_port, wait_until_serving

MB = 1024 * 1024
BODY_BYTES = 200 * MB
UPLOAD_LIMIT_MB = 5


@dataclass
class Served:
    """`sharpeyes serve` in a child process: URL, port, PID, its TMPDIR and tokens per role."""

    url: str
    port: int
    pid: int
    tmp: Path
    tokens: dict[str, str] = field(default_factory=dict)

    def rss_bytes(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise AssertionError("no VmRSS")

    def spooled_bytes(self) -> int:
        """Bytes of every file under the server's temporary folder, and of every file the process
        holds open there (Python's temporary files are unlinked at once, so only their descriptors
        show them)."""
        named = sum(p.stat().st_size for p in self.tmp.rglob("*") if p.is_file())
        held = 0
        for fd in Path(f"/proc/{self.pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
                if target.startswith(str(self.tmp)):
                    held += os.stat(fd).st_size
            except OSError:  # closed meanwhile
                continue
        return named + held


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("door")
    db = root / "door.db"
    store = Store.open(f"sqlite:///{db}")
    tokens = {}
    for role in ("viewer", "editor", "admin"):
        add_user(store, f"{role}1", role, password=f"{role}-password")
        tokens[role] = create_token(store, f"{role}1")
    store.close()
    tmp = root / "server-tmp"
    tmp.mkdir()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHARPEYES_")}
    env |= {"TMPDIR": str(tmp), "SHARPEYES_MAX_UPLOAD_MB": str(UPLOAD_LIMIT_MB)}
    process = subprocess.Popen(
        [sys.executable, "-m", "sharpeyes", "serve", "--db", str(db), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_serving(process, f"{url}/healthz")
    served = Served(url, port, process.pid, tmp, tokens)
    # settle the process's memory: the first requests of each kind allocate caches once
    for _ in range(3):
        _request(served, "/api/imports", headers={"Content-Length": "10"}, body=b"x" * 10)
        _request(served, "/api/users", headers={"Content-Length": "2"}, body=b"{}")
        _request(
            served,
            "/api/imports",
            headers={"Authorization": f"Bearer {tokens['editor']}", "Transfer-Encoding": "chunked"},
            body_bytes=UPLOAD_LIMIT_MB * MB * 2,
        )
    try:
        yield served
    finally:
        process.terminate()
        process.wait(timeout=20)


@dataclass
class Outcome:
    """What the server answered and how much of the body had been sent by then."""

    status: int
    sent_before_answer: int
    sent_total: int
    max_spooled: int
    head: str


def _request(
    served: Served,
    path: str,
    *,
    headers: dict[str, str],
    body: bytes | None = None,
    body_bytes: int = 0,
    wait_first_s: float = 0.0,
) -> Outcome:
    """POST ``path`` over a raw socket, streaming ``body`` or ``body_bytes`` zeros (chunked when
    ``Transfer-Encoding: chunked``), while watching for the answer and the server's temp folder."""
    sock = socket.create_connection(("127.0.0.1", served.port), timeout=30)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 64 * 1024)
    boundary = "sharpeyesboundary"
    lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{served.port}"]
    if path == "/api/imports":
        lines.append(f"Content-Type: multipart/form-data; boundary={boundary}")
    else:
        lines.append("Content-Type: application/json")
    lines += [f"{k}: {v}" for k, v in headers.items()]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    answer = bytearray()
    sent = 0
    sent_before_answer: int | None = None
    max_spooled = 0
    done = threading.Event()

    def read() -> None:
        nonlocal sent_before_answer
        try:
            while chunk := sock.recv(65536):
                if sent_before_answer is None:
                    sent_before_answer = sent
                answer.extend(chunk)
                if b"\r\n\r\n" in answer:
                    break
        except OSError:
            pass
        done.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    if wait_first_s:
        done.wait(wait_first_s)
    chunked = headers.get("Transfer-Encoding") == "chunked"
    payload = body if body is not None else None
    if path == "/api/imports" and payload is None:
        prefix = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
            "Content-Type: text/csv\r\n\r\ndevice_id,name\r\n"
        ).encode()
    else:
        prefix = b""
    piece = b"0" * (256 * 1024)
    try:
        if payload is not None:
            sock.sendall(payload)
            sent = len(payload)
        else:
            first = True
            while sent < body_bytes and not done.is_set():
                data = prefix + piece if first else piece
                first = False
                sock.sendall(f"{len(data):x}\r\n".encode() + data + b"\r\n" if chunked else data)
                sent += len(data)
                max_spooled = max(max_spooled, served.spooled_bytes())
            if chunked and not done.is_set():
                sock.sendall(b"0\r\n\r\n")
    except OSError:  # the server closed the connection: it will not read the rest
        pass
    done.wait(30)
    sock.close()
    reader.join(5)
    head = answer.decode("latin-1").split("\r\n\r\n")[0]
    status = int(head.split()[1]) if head.startswith("HTTP/") else 0
    return Outcome(
        status,
        sent if sent_before_answer is None else sent_before_answer,
        sent,
        max_spooled,
        head,
    )


@pytest.mark.parametrize(
    ("path", "framing"),
    [("/api/imports", "length"), ("/api/imports", "chunked"), ("/api/users", "length")],
)
def test_unauthenticated_200_mb_body_is_refused_before_it_is_read(
    served: Served, path: str, framing: str
) -> None:
    rss_before = served.rss_bytes()
    headers = (
        {"Content-Length": str(BODY_BYTES)}
        if framing == "length"
        else {"Transfer-Encoding": "chunked"}
    )
    # the client waits for an answer before it sends a byte of the body: the door answers first
    outcome = _request(served, path, headers=headers, body_bytes=BODY_BYTES, wait_first_s=10)
    assert outcome.status == 401, outcome.head
    assert outcome.sent_before_answer == 0
    assert "www-authenticate: bearer" in outcome.head.lower()
    assert served.spooled_bytes() == 0 and outcome.max_spooled == 0
    assert served.rss_bytes() - rss_before < 1 * MB


def test_streamed_body_is_refused_even_when_the_client_does_not_wait(served: Served) -> None:
    rss_before = served.rss_bytes()
    outcome = _request(
        served, "/api/imports", headers={"Transfer-Encoding": "chunked"}, body_bytes=BODY_BYTES
    )
    assert outcome.status == 401, outcome.head
    assert outcome.sent_total < BODY_BYTES, "the server read the whole body"
    assert outcome.max_spooled == 0 and served.spooled_bytes() == 0
    assert served.rss_bytes() - rss_before < 1 * MB


def test_oversized_upload_is_cut_off_while_streaming(served: Served) -> None:
    rss_before = served.rss_bytes()
    auth = {"Authorization": f"Bearer {served.tokens['editor']}"}
    declared = _request(
        served,
        "/api/imports",
        headers=auth | {"Content-Length": str(BODY_BYTES)},
        body_bytes=BODY_BYTES,
        wait_first_s=10,
    )
    assert declared.status == 413 and declared.sent_before_answer == 0, declared.head
    streamed = _request(
        served,
        "/api/imports",
        headers=auth | {"Transfer-Encoding": "chunked"},
        body_bytes=BODY_BYTES,
    )
    assert streamed.status == 413, streamed.head
    assert streamed.sent_total < BODY_BYTES / 4, "the server kept reading past the limit"
    # at most the limit was ever spooled, and nothing is left behind
    assert streamed.max_spooled <= UPLOAD_LIMIT_MB * MB + 64 * 1024
    assert served.spooled_bytes() == 0
    assert served.rss_bytes() - rss_before < 16 * MB


def test_json_bodies_have_a_small_limit(served: Served) -> None:
    auth = {"Authorization": f"Bearer {served.tokens['admin']}"}
    declared = _request(
        served,
        "/api/users",
        headers=auth | {"Content-Length": str(300 * MB)},
        body_bytes=300 * MB,
        wait_first_s=10,
    )
    assert declared.status == 413 and declared.sent_before_answer == 0, declared.head
    streamed = _request(
        served, "/api/users", headers=auth | {"Transfer-Encoding": "chunked"}, body_bytes=50 * MB
    )
    assert streamed.status == 413, streamed.head
    assert streamed.sent_total < 50 * MB


def test_a_viewer_may_not_even_start_an_upload(served: Served) -> None:
    outcome = _request(
        served,
        "/api/imports",
        headers={
            "Authorization": f"Bearer {served.tokens['viewer']}",
            "Content-Length": str(BODY_BYTES),
        },
        body_bytes=BODY_BYTES,
        wait_first_s=10,
    )
    assert outcome.status == 403 and outcome.sent_before_answer == 0, outcome.head
