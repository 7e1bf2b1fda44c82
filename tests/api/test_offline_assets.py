"""The assets the app serves name no CDN: the pages must work inside a network with no internet."""

from __future__ import annotations

import re
from pathlib import Path

import sharpeyes.api

STATIC = Path(sharpeyes.api.__file__).parent / "static"
CDN = re.compile(
    rb"https?://(cdn|unpkg|cdnjs|code\.jquery|fonts\.googleapis|fonts\.gstatic|cdn\.jsdelivr)"
)


def test_no_served_asset_names_a_cdn() -> None:
    offenders = [
        str(p.relative_to(STATIC))
        for p in STATIC.rglob("*")
        if p.is_file() and p.suffix in {".js", ".css", ".html"} and CDN.search(p.read_bytes())
    ]
    assert offenders == []
    assert any(STATIC.rglob("leaflet.js"))  # the scan looked at the vendored files
