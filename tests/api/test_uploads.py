"""Uploads that could leak the server: relative file streams, server paths, several files, long names."""

from __future__ import annotations

import tempfile

from tests.api.conftest import Server
from tests.api.test_api import csv_registry


def registry_with_file_stream(stream: str) -> bytes:
    rows = ["设备编码,设备名称,监控点位类型,经度,纬度,视频流地址"]
    rows.append(f"21120200001320000777,文件流,一类,123.751,42.251,{stream}")
    return ("\n".join(rows) + "\n").encode("utf-8")


def test_relative_file_streams_in_an_upload_are_refused(fresh_server: Server) -> None:
    with fresh_server.client("editor") as editor:
        for stream in ("../streams/x.mp4", "streams/x.mp4", "x.mp4"):
            response = editor.post(
                "/api/imports", files={"file": ("rel.csv", registry_with_file_stream(stream))}
            )
            assert response.status_code == 422, (stream, response.text)
            detail = response.json()["detail"]
            assert "relative file stream" in detail and "rel.csv" in detail
            assert tempfile.gettempdir() not in detail and "sharpeyes-upload-" not in detail
        assert fresh_server.store.camera("21120200001320000777") is None
        absolute = editor.post(
            "/api/imports", files={"file": ("abs.csv", registry_with_file_stream("/srv/x.mp4"))}
        )
        assert absolute.status_code == 200, absolute.text
    assert fresh_server.store.camera("21120200001320000777") is not None


def test_imports_list_shows_file_names_only(fresh_server: Server) -> None:
    with fresh_server.client("editor") as editor:
        assert editor.post("/api/imports", files={"file": ("new.csv", csv_registry())}).is_success
        listing = editor.get("/api/imports")
        rejects = editor.get(f"/api/imports/{listing.json()['items'][-1]['import_id']}/rejects")
    assert listing.status_code == 200
    assert listing.json()["items"][-1]["file"] == "new.csv"
    for text in (listing.text, rejects.text):
        assert tempfile.gettempdir() not in text and "sharpeyes-upload-" not in text


def test_several_files_import_all_or_none(fresh_server: Server) -> None:
    before = fresh_server.store.count_cameras()
    with fresh_server.client("editor") as editor:
        both = editor.post(
            "/api/imports",
            files=[
                ("file", ("a.csv", csv_registry(3, start=100))),
                ("file", ("b.csv", csv_registry(4, start=200))),
            ],
        )
        assert both.status_code == 200, both.text
        assert both.json()["files"] == ["a.csv", "b.csv"]
        assert both.json()["report"]["accepted"] == 7
        assert fresh_server.store.count_cameras() == before + 7
        imports = len(editor.get("/api/imports").json()["items"])
        one_bad = editor.post(
            "/api/imports",
            files=[
                ("file", ("c.csv", csv_registry(3, start=300))),
                ("file", ("d.csv", registry_with_file_stream("../x.mp4"))),
            ],
        )
        assert one_bad.status_code == 422, one_bad.text
        assert "none was" in one_bad.json()["detail"] and "d.csv" in one_bad.json()["detail"]
        assert fresh_server.store.count_cameras() == before + 7
        assert len(editor.get("/api/imports").json()["items"]) == imports


def test_file_names_over_255_bytes_are_a_400(fresh_server: Server) -> None:
    with fresh_server.client("editor") as editor:
        long_name = "长" * 90 + ".csv"  # 274 bytes of UTF-8
        response = editor.post("/api/imports", files={"file": (long_name, csv_registry())})
        assert response.status_code == 400, response.text
        assert "255 bytes" in response.json()["detail"]
        fits = "n" * 251 + ".csv"
        assert editor.post("/api/imports", files={"file": (fits, csv_registry())}).is_success
        folder = editor.post("/api/imports", files={"file": ("../../etc/x.csv", csv_registry(2))})
        assert folder.status_code == 200 and folder.json()["files"] == ["x.csv"]
