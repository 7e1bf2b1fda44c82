"""Options checked before any work (issue 10, item 3): a wrong value fails at once with one line
naming the option, the value and what is allowed, exit 1, before a store is opened; ``--dry-run``
writes nothing anywhere; ``-o`` creates only a missing last folder unless ``--mkdir``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sharpeyes.cli import _options as opt
from tests.cli.conftest import TinyCity, sharpeyes

BAD = [
    (["report", "-o", "r.xlsx", "--level", "town"], "--level 'town'", "township"),
    (["report", "-o", "r.docx", "--format", "xlsx"], "-o r.docx does not fit --format xlsx", "csv"),
    (["report", "-o", "r.docx"], "extension '.docx'", ".xlsx"),
    (["report", "-o", "r.xlsx", "--format", "docx"], "--format 'docx'", "xlsx, csv, json"),
    (["report", "-o", "r.xlsx", "--area", "quick"], "--area 'quick'", "exact, fast, none"),
    (["report", "-o", "r.xlsx", "--period", "2026-13"], "--period '2026-13'", "YYYY-MM"),
    (["report", "-o", "r.xlsx", "--compare", "last"], "--compare 'last'", "or previous"),
    (["gaps", "-o", "g.xlsx"], "extension '.xlsx'", ".geojson"),
    (["plan", "-o", "p.csv", "--budget", "1", "--crs", "utm"], "--crs 'utm'", "gcj02"),
    (["plan", "-o", "p.csv", "--budget", "1", "--per-unit", "x"], "--per-unit 'x'", "village"),
    (["cameras", "export", "-o", "c.csv", "--class", "7"], "--class '7'", "1, 2, 3, 4, 9"),
    (
        ["cameras", "export", "-o", "c.csv", "--format", "gpkg"],
        "does not fit --format gpkg",
        "gpkg",
    ),
    (["import", "x.csv", "--format", "docx"], "--format 'docx'", "gb28181"),
    (["import", "x.csv", "--crs", "epsg:4526"], "--crs 'epsg:4526'", "bd09"),
    (["units", "import", "u.csv", "--level", "province"], "--level 'province'", "county"),
    (["units", "import", "u.csv", "--crs", "EPSG:1"], "--crs 'EPSG:1'", "EPSG:<code>"),
    (["places", "import", "p.csv", "--crs", "baidu"], "--crs 'baidu'", "bd09"),
    (["roads", "import", "r.csv", "--crs", "x"], "--crs 'x'", "wgs84"),
    (["network", "check", "-o", "n.csv"], "extension '.csv'", ".json"),
    (["users", "add", "bob", "--role", "boss"], "--role 'boss'", "viewer, editor, admin"),
]


@pytest.mark.parametrize(("args", "names", "allowed"), BAD, ids=[" ".join(b[0]) for b in BAD])
def test_a_wrong_option_fails_at_once(
    args: list[str], names: str, allowed: str, tmp_path: Path
) -> None:
    db = tmp_path / "never" / "x.db"
    out = sharpeyes(*args, "--db", str(db), cwd=tmp_path)
    assert out.returncode == 1, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sharpeyes: error:"), out.stderr
    assert names in lines[0] and allowed in lines[0]
    assert not db.parent.exists()  # no store was opened (it would have made the folder)
    assert not [p for p in tmp_path.iterdir() if p.name != "logs"]  # nothing written


def test_format_follows_the_extension_of_o(tiny_store: Path, tmp_path: Path) -> None:
    out = sharpeyes(
        "cameras",
        "export",
        "-o",
        str(tmp_path / "c.geojson"),
        "--db",
        str(tiny_store),
        "--json",
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["format"] == "geojson"
    assert json.loads((tmp_path / "c.geojson").read_text(encoding="utf-8"))["features"]


def test_dry_run_writes_nothing_anywhere(tiny_city: TinyCity, tmp_path: Path) -> None:
    db = tmp_path / "new" / "dir" / "x.db"
    rejects = tmp_path / "rejects"
    out = sharpeyes(
        "import",
        str(tiny_city.cameras),
        "--dry-run",
        "--db",
        str(db),
        "--rejects-dir",
        str(rejects),
        "--json",
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    document = json.loads(out.stdout)
    assert document["dry_run"] is True and document["accepted"] == 5
    assert document["rejects"] == str(rejects / "cameras.csv.rejects.csv")
    assert not (tmp_path / "new").exists() and not rejects.exists()
    assert not Path(document["files"][0]["report"]).exists()
    text = sharpeyes(
        "import",
        str(tiny_city.cameras),
        "--dry-run",
        "--db",
        str(db),
        "--rejects-dir",
        str(rejects),
        cwd=tmp_path,
    )
    assert "rejects would go to " + str(rejects / "cameras.csv.rejects.csv") in text.stdout
    assert not (tmp_path / "new").exists() and not rejects.exists()


def test_o_creates_only_a_missing_last_folder(tiny_store: Path, tmp_path: Path) -> None:
    last = tmp_path / "out" / "c.csv"
    assert (
        sharpeyes(
            "cameras", "export", "-o", str(last), "--db", str(tiny_store), cwd=tmp_path
        ).returncode
        == 0
    )
    assert last.is_file()
    deep = tmp_path / "a" / "b" / "c.csv"
    refused = sharpeyes("cameras", "export", "-o", str(deep), "--db", str(tiny_store), cwd=tmp_path)
    assert refused.returncode == 1 and "--mkdir" in refused.stderr
    assert not (tmp_path / "a").exists()
    made = sharpeyes(
        "cameras", "export", "-o", str(deep), "--mkdir", "--db", str(tiny_store), cwd=tmp_path
    )
    assert made.returncode == 0 and deep.is_file()


def test_output_format_rules(tmp_path: Path) -> None:
    from sharpeyes._errors import ConfigError

    assert opt.output_format(Path("r.CSV"), None, opt.REPORT_FORMATS, default="xlsx") == "csv"
    assert opt.output_format(Path("r"), None, opt.REPORT_FORMATS, default="xlsx") == "xlsx"
    assert opt.output_format(Path("g.json"), None, opt.GAPS_FORMATS, default="x") == "geojson"
    assert opt.output_format(tmp_path, "csv", opt.GAPS_FORMATS, default="geojson") == "csv"
    with pytest.raises(ConfigError, match=r"name the file \.xlsx"):
        opt.output_format(Path("r.csv"), "xlsx", opt.REPORT_FORMATS, default="xlsx")
    assert opt.point_class("--class", "二类") == 2 and opt.point_class("--class", "III") == 3
    assert opt.crs("--crs", "EPSG:4526", epsg=True) == "EPSG:4526"


def test_copied_tables_equal_their_sources() -> None:
    from sharpeyes.coverage.units import LEVELS
    from sharpeyes.ingest.read import FORMATS
    from sharpeyes.jobs.auth import ROLES
    from sharpeyes.jobs.ingest import EXPORT_FORMATS
    from sharpeyes.jobs.network import FORMATS as NETWORK_FORMATS
    from sharpeyes.model.crs import SOURCE_CRS
    from sharpeyes.model.labels import LANGS

    assert tuple(LEVELS) == opt.UNIT_LEVELS == (*opt.LEVELS, "grid")
    assert tuple(LANGS) == opt.LANGS
    assert tuple(FORMATS) == opt.IMPORT_FORMATS
    assert tuple(ROLES) == opt.ROLES
    assert tuple(EXPORT_FORMATS) == opt.EXPORT_FORMATS
    assert tuple(NETWORK_FORMATS) == opt.NETWORK_FORMATS
    assert tuple(SOURCE_CRS) == opt.SOURCE_CRS


def test_health_history_of_an_unknown_camera(tiny_store: Path, tmp_path: Path) -> None:
    out = sharpeyes("health", "history", "UNKNOWN", "--db", str(tiny_store), cwd=tmp_path)
    assert out.returncode == 1
    assert "'UNKNOWN'" in out.stderr and "no camera" in out.stderr
    known = sharpeyes(
        "health", "history", "21990100001320000001", "--db", str(tiny_store), cwd=tmp_path
    )
    assert known.returncode == 0, known.stderr
