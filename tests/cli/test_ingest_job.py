"""The import/export job in-process (``sharpeyes.jobs.ingest``), on SQLite and PostGIS."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sharpeyes import InputError
from sharpeyes.jobs.ingest import export_cameras, import_files, summary_text
from sharpeyes.model.columns import CAMERA_COLUMNS
from sharpeyes.store import Store


def _csv(path: Path, rows: list[str]) -> Path:
    header = "设备编码,设备名称,监控点位类型,经度,纬度,联网属性,安装地址\n"
    path.write_text(header + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def test_two_registries_merge_with_conflict_and_reports(store_url: str, tmp_path: Path) -> None:
    store = Store.open(store_url)
    contractor = _csv(
        tmp_path / "contractor.csv",
        [
            "21120200001320000001,银州路口,一类,123.84,42.29,是,银州区人民路1号",
            "21120200001320000002,学校门口,二类,123.85,42.30,否,银州区学府路",
            "21120200001320000003,坏坐标,二类,东经,42.30,否,",
        ],
    )
    platform = _csv(
        tmp_path / "platform.csv",
        [
            "21120200001320000001,人民路口,一类,123.84,42.29,是,",
            "21120200001320000009,新点,三类,123.86,42.31,是,",
        ],
    )
    reports = tmp_path / "reports"
    result = import_files(
        store, [contractor, platform], progress=False, rejects_dir=reports, source=None
    )
    assert (result["accepted"], result["refused"], result["inserted"]) == (4, 1, 3)
    assert result["updated"] == 1 and result["conflicts"] == 1 and result["failed"] == []
    assert [f["source"] for f in result["files"]] == ["contractor.csv", "platform.csv"]
    combined = pd.read_csv(result["rejects"], encoding="utf-8-sig", dtype=str)
    assert len(combined) == 1 and combined.iloc[0]["行号 row"] == "4"
    report = json.loads((reports / "platform.csv.import.json").read_text(encoding="utf-8"))
    assert report["conflicts"] == 1 and "人民路口" in report["conflict_warnings"][0]
    camera = store.camera("21120200001320000001")
    assert camera is not None
    assert camera["name"] == "人民路口" and camera["address"] == "银州区人民路1号"
    assert camera["source"] == "contractor.csv; platform.csv"
    text = summary_text(result)
    assert "4 accepted" in text and "1 refused" in text and "一类" in text


def test_dry_run_job_keeps_nothing(sqlite_url: str, tmp_path: Path) -> None:
    store = Store.open(sqlite_url)
    registry = _csv(tmp_path / "a.csv", ["21120200001320000001,a,一类,123.84,42.29,是,x"])
    result = import_files(store, [registry], dry_run=True, progress=False)
    assert result["inserted"] == 1 and result["files"][0]["import_id"] is None
    assert store.count_cameras() == 0
    # a dry run writes nothing anywhere (issue 10): it names where rejects and report would go
    assert not Path(result["rejects"]).exists()
    assert not Path(result["files"][0]["report"]).exists()


def test_single_bad_file_raises_and_changes_nothing(sqlite_url: str, tmp_path: Path) -> None:
    store = Store.open(sqlite_url)
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="empty"):
        import_files(store, [empty], progress=False)
    with pytest.raises(InputError):
        import_files(store, [], progress=False)
    assert store.imports().empty


def test_export_refuses_unknown_format(sqlite_url: str, tmp_path: Path) -> None:
    store = Store.open(sqlite_url)
    with pytest.raises(InputError, match="format"):
        export_cameras(store, tmp_path / "x.pdf", fmt="pdf")
    empty = export_cameras(store, tmp_path / "x.csv")
    assert empty["rows"] == 0
    assert list(pd.read_csv(tmp_path / "x.csv", encoding="utf-8-sig").columns) == list(
        CAMERA_COLUMNS
    )


def test_relative_file_streams_resolve_against_the_registry(tmp_path: Path) -> None:
    folder = tmp_path / "registries"
    folder.mkdir()
    registry = folder / "streams.csv"
    registry.write_text(
        "设备编码,设备名称,监控点位类型,经度,纬度,视频流地址\n"
        "21120200001320000001,甲,1,123.84,42.29,../streams/a.mp4\n"
        "21120200001320000002,乙,1,123.85,42.29,rtsp://admin:pw@127.0.0.1:8554/b\n",
        encoding="utf-8",
    )
    store = Store.open(f"sqlite:///{tmp_path / 's.db'}")
    try:
        import_files(store, [registry], progress=False)
        urls = dict(zip(store.cameras()["device_id"], store.cameras()["stream_url"], strict=True))
    finally:
        store.close()
    assert urls["21120200001320000001"] == str(tmp_path / "streams" / "a.mp4")
    assert urls["21120200001320000002"] == "rtsp://127.0.0.1:8554/b"


def test_source_comes_from_option_then_mapping_then_file_name(tmp_path: Path) -> None:
    registry = tmp_path / "台账.csv"
    registry.write_text(
        "设备编码,设备名称,监控点位类型,经度,纬度\n21120200001320000001,甲,1,123.84,42.29\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "map.toml"
    mapping.write_text('source = "县交警队 2024 台账"\n', encoding="utf-8")
    store = Store.open(f"sqlite:///{tmp_path / 's.db'}")
    try:
        by_file = import_files(store, [registry], progress=False)
        by_mapping = import_files(store, [registry], mapping=mapping, progress=False)
        by_option = import_files(store, [registry], mapping=mapping, source="平台", progress=False)
    finally:
        store.close()
    assert by_file["files"][0]["source"] == "台账.csv"
    assert by_mapping["files"][0]["source"] == "县交警队 2024 台账"
    assert by_option["files"][0]["source"] == "平台"
