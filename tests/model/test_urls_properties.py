"""Stream credentials in every URL form: split, joined back, masked, and never in any output.

Hypothesis writes URLs with the secret in the user-info (raw, with "@" in it, or percent-encoded),
without a scheme, and in the query string (password=, pwd=, passwd=, key=, token=, any case), over
rtsp/http/https, IPv4/IPv6/host names, ports, paths and queries. Each registry is imported into a real
SQLite store; the API (a real uvicorn server on 127.0.0.1), ``cameras export`` in every format, the rejects CSV,
the import report, the CLI's output and every log record at DEBUG are searched for the secret.
"""

from __future__ import annotations

import logging
import os
import tempfile
import zipfile
from pathlib import Path
from urllib.parse import quote

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sharpeyes.model.urls import (
    SECRET_SEPARATOR,
    join_credentials,
    mask_url,
    scrub,
    split_credentials,
    split_credentials_series,
)

_EXAMPLES = int(os.environ.get("SHARPEYES_HYPOTHESIS_EXAMPLES", "40"))

#: The part of every secret that is searched for: letters and digits, never encoded.
_CORE = st.text(
    alphabet="ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789", min_size=6, max_size=10
).map(lambda t: f"Zq9{t}")  # the prefix keeps it out of any text an output holds by itself
_RAW_USERINFO_MARKS = "@:#!$&*=+-_.~;,'()"
_RAW_QUERY_MARKS = "@:!$*+-_.~/,()"
_HOSTS = st.one_of(
    st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: ".".join(map(str, t))),
    st.sampled_from(["[::1]", "[2001:db8::17]", "[fe80::1:2]"]),
    st.from_regex(r"[a-z][a-z0-9-]{0,10}(\.[a-z][a-z0-9]{0,6}){0,2}", fullmatch=True),
)
_PATHS = st.sampled_from(
    [
        "",
        "/",
        "/Streaming/Channels/101",
        "/cam/realmonitor",
        "/live%20view/ch1",
        "/h264/ch1/main/av_stream",
    ]
)
_OTHER_QUERY = st.sampled_from(["", "channel=1", "subtype=0&channel=2", "a=%2F%3F", "user=admin"])
_SECRET_KEYS = st.sampled_from(["password", "pwd", "passwd", "key", "token"]).flatmap(
    lambda k: st.sampled_from([k, k.upper(), k.capitalize()])
)


@st.composite
def secret_urls(draw: st.DrawFn) -> tuple[str, str]:
    """(URL, the core of its secret)."""
    core = draw(_CORE)
    marks = draw(st.text(alphabet=_RAW_USERINFO_MARKS, max_size=4))
    scheme = draw(st.sampled_from(["rtsp", "http", "https", "RTSP"]))
    host = draw(_HOSTS)
    port = draw(st.sampled_from(["", ":554", ":8080", ":1"]))
    path = draw(_PATHS)
    other = draw(_OTHER_QUERY)
    user = draw(st.sampled_from(["admin", "op.1", "user_2", "a-b"]))
    form = draw(st.sampled_from(["userinfo", "encoded", "schemeless", "query", "both"]))
    password = draw(st.sampled_from(["", "Sec@"])) + marks[:2] + core + marks[2:]
    if form in ("userinfo", "both"):
        url = f"{scheme}://{user}:{password}@{host}{port}{path}"
    elif form == "encoded":
        url = f"{scheme}://{quote(user, safe='')}:{quote(password, safe='')}@{host}{port}{path}"
    elif form == "schemeless":
        password = password.replace("\\", "")
        url = f"{user}:{password}@{host}{port}{path}"
    else:
        url = f"{scheme}://{host}{port}{path or '/'}"
    query = [other] if other else []
    if form in ("query", "both"):
        value = core + draw(st.text(alphabet=_RAW_QUERY_MARKS, max_size=3))
        if draw(st.booleans()):
            value = quote("&#" + value, safe="")
        query.insert(draw(st.integers(0, len(query))), f"{draw(_SECRET_KEYS)}={value}")
    if query:
        url += "?" + "&".join(query)
    return url, core


@settings(max_examples=_EXAMPLES * 10, deadline=None)
@given(case=secret_urls())
def test_split_takes_every_secret_out_and_join_puts_it_back(case: tuple[str, str]) -> None:
    url, core = case
    bare, user, password = split_credentials(url)
    assert bare is not None and core not in bare
    assert password is not None and core in password
    assert core not in (mask_url(url) or "")
    assert core not in scrub(f"could not open {url}: 401 Unauthorized")
    joined = join_credentials(bare, user, password)
    assert core in joined
    assert split_credentials(joined) == (bare, user, password)


@settings(max_examples=_EXAMPLES * 2, deadline=None)
@given(cases=st.lists(secret_urls() | st.just(("rtsp://10.1.2.3/x", "-")), min_size=1, max_size=12))
def test_vectorised_split_agrees_on_every_form(cases: list[tuple[str, str]]) -> None:
    urls = [u for u, _ in cases]
    bare, user, password = split_credentials_series(pd.Series(urls, dtype="string"))
    for i, url in enumerate(urls):
        got = tuple(None if pd.isna(s.iloc[i]) else s.iloc[i] for s in (bare, user, password))
        assert got == split_credentials(url), url


def test_examples_of_each_form() -> None:
    assert split_credentials("rtsp://admin:Sec@ret123@10.0.0.1:554/x") == (
        "rtsp://10.0.0.1:554/x",
        "admin",
        "Sec@ret123",
    )
    assert split_credentials("http://cam/snap.cgi?user=admin&PWD=s3cret&ch=1") == (
        "http://cam/snap.cgi?user=admin&PWD=&ch=1",
        None,
        "s3cret",
    )
    assert split_credentials("admin:pw@[2001:db8::1]:554/live") == (
        "[2001:db8::1]:554/live",
        "admin",
        "pw",
    )
    both = split_credentials("rtsp://a:one@h/x?token=two")
    assert both == ("rtsp://h/x?token=", "a", f"one{SECRET_SEPARATOR}two")
    assert join_credentials(*both) == "rtsp://a:one@h/x?token=two"
    # a password from its own column goes where the URL leaves room for it
    assert (
        join_credentials("http://h/snap?user=&pwd=", "admin", "pw")
        == "http://h/snap?user=admin&pwd=pw"
    )
    assert join_credentials("rtsp://h/x", "admin", "p@ss") == "rtsp://admin:p%40ss@h/x"
    # not credentials: a file path, an "@" in the path, a plain user name
    for text in (
        "/videos/a@b.mp4",
        "rtsp://h/live@main",
        "C:\\videos\\a@b.mp4",
        "rtsp://h/x?keyframe=1",
    ):
        assert split_credentials(text) == (text, None, None)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def _registry(folder: Path, urls: list[str]) -> Path:
    """A CSV registry: each URL on an accepted row, on a refused row, and on a malformed row."""
    lines = ["设备编码,设备名称,监控点位类型,经度,纬度,视频流地址,密码"]
    for i, url in enumerate(urls):
        cell = '"' + url.replace('"', '""') + '"'
        lines.append(f"3402000000132{i:07d},cam{i},1,123.8,42.3,{cell},")
        lines.append(f"3402000000132{i + 500:07d},bad{i},1,999,42.3,{cell},")
        lines.append(f"3402000000132{i + 900:07d},long{i},1,123.8,42.3,{cell},,extra")
    path = folder / "registry.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _texts(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` as text (zip members of xlsx decompressed)."""
    out = {}
    for path in folder.rglob("*"):
        if not path.is_file() or path.name.startswith("s.db") or path.name == "registry.csv":
            continue
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                text = "".join(
                    archive.read(n).decode("utf-8", "replace") for n in archive.namelist()
                )
        else:
            text = path.read_bytes().decode("utf-8", "replace")
        out[str(path)] = text
    return out


@settings(
    max_examples=max(5, _EXAMPLES // 3),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(cases=st.lists(secret_urls(), min_size=1, max_size=4))
def test_no_secret_in_any_output(cases: list[tuple[str, str]]) -> None:
    import httpx
    from typer.testing import CliRunner

    from sharpeyes.api import create_app
    from sharpeyes.cli import app as cli
    from sharpeyes.jobs.auth import add_user, create_token
    from sharpeyes.settings import Settings
    from sharpeyes.store import Store
    from tests.api.conftest import serve

    cores = [core for _, core in cases]
    records = _Records()
    root = logging.getLogger()
    level = root.level
    root.addHandler(records)
    root.setLevel(logging.DEBUG)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            registry = _registry(folder, [u for u, _ in cases])
            db = str(folder / "s.db")
            runner = CliRunner()
            outputs = [runner.invoke(cli, ["import", str(registry), "--db", db, "--json"])]
            assert outputs[0].exit_code == 0, outputs[0].output
            for fmt in ("csv", "xlsx", "geojson", "gpkg"):
                target = folder / f"export.{fmt}"
                outputs.append(
                    runner.invoke(
                        cli, ["cameras", "export", "-o", str(target), "--format", fmt, "--db", db]
                    )
                )
                assert outputs[-1].exit_code == 0, outputs[-1].output
            store = Store.open(f"sqlite:///{db}")
            stored = store.cameras(include_credentials=True)
            assert stored["stream_password"].notna().all()
            add_user(store, "v", "viewer", password="viewer-password")
            token = create_token(store, "v")
            pages = ["/api/cameras?limit=1000", "/api/imports", "/api/imports/1/rejects"]
            pages += [f"/api/cameras/{d}" for d in stored["device_id"]]
            pages += ["/api/map/cameras?bbox=120,40,125,45&zoom=18"]
            bodies = []
            for base in serve(create_app(Settings(), store)):
                headers = {"Authorization": f"Bearer {token}"}
                with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
                    for page in pages:
                        response = client.get(page)
                        assert response.status_code == 200, (page, response.text)
                        bodies.append(response.text)
            files = _texts(folder)
            assert any(p.endswith(".rejects.csv") for p in files)
            assert any(p.endswith(".import.json") for p in files)
            everything = {
                **files,
                **{f"api {p}": b for p, b in zip(pages, bodies, strict=True)},
                **{f"cli {i}": o.output for i, o in enumerate(outputs)},
                "logs": "\n".join(records.lines),
            }
            for core in cores:
                for where, text in everything.items():
                    assert core not in text, f"secret {core!r} in {where}"
            store.close()
    finally:
        root.removeHandler(records)
        root.setLevel(level)
