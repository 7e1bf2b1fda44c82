"""Copy the browser assets the app serves (Leaflet, Leaflet.VectorGrid, Swagger UI, ReDoc) from npm packages into the package.

The map pages and the API docs must work inside a network without internet, so every script,
stylesheet and image they load is committed under ``sharpeyes/api/static/vendor/``. Run this after
changing a pinned version below, then commit the files::

    python tools/vendor_assets.py            # needs `npm` (only `npm pack`: nothing is installed)

Only the files listed here are copied; each package's licence file is kept beside them.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VENDOR = Path(__file__).resolve().parents[1] / "sharpeyes" / "api" / "static" / "vendor"

#: npm package@version → (destination folder, [files inside the package tarball's ``package/``]).
PACKAGES: dict[str, tuple[str, list[str]]] = {
    "leaflet@1.9.4": (
        "leaflet",
        [
            "dist/leaflet.js",
            "dist/leaflet.css",
            "dist/images/layers.png",
            "dist/images/layers-2x.png",
            "dist/images/marker-icon.png",
            "dist/images/marker-icon-2x.png",
            "dist/images/marker-shadow.png",
            "LICENSE",
        ],
    ),
    "swagger-ui-dist@5.35.0": (
        "swagger-ui",
        ["swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png", "LICENSE"],
    ),
    "redoc@2.5.4": ("redoc", ["bundles/redoc.standalone.js", "LICENSE"]),
    # the asset folium's VectorGridProtobuf plugin loads (pbf + vector-tile decoders bundled); the
    # package has no LICENSE file: its README carries the licence (Beerware) and those of the bundle
    "leaflet.vectorgrid@1.3.0": (
        "leaflet.vectorgrid",
        ["dist/Leaflet.VectorGrid.bundled.min.js", "README.md"],
    ),
}

#: Off-host URLs inside vendored files, replaced so that no page can ask the internet for them.
OFFLINE_PATCHES = {
    "redoc.standalone.js": [
        (
            'src:"https://cdn.redoc.ly/redoc/logo-mini.svg"',
            'src:"data:image/gif;base64,R0lGODlhAQABAAAAACw="',
        )
    ],
}


def vendor(package: str, folder: str, files: list[str], work: Path) -> None:
    """``npm pack`` one package into ``work`` and copy ``files`` to ``VENDOR/folder``."""
    out = subprocess.run(
        ["npm", "pack", package, "--silent"], cwd=work, check=True, capture_output=True, text=True
    )
    tarball = work / out.stdout.strip().splitlines()[-1]
    target = VENDOR / folder
    if target.exists():
        shutil.rmtree(target)
    with tarfile.open(tarball) as tar:
        for name in files:
            member = tar.getmember(f"package/{name}")
            source = tar.extractfile(member)
            if source is None:
                raise SystemExit(f"{package}: {name} is not a file")
            dest = target / (name.removeprefix("dist/").removeprefix("bundles/"))
            dest.parent.mkdir(parents=True, exist_ok=True)
            data = source.read()
            for old, new in OFFLINE_PATCHES.get(dest.name, []):
                data = data.replace(old.encode(), new.encode())
            dest.write_bytes(data)
    sys.stderr.write(f"{package} -> {target.relative_to(VENDOR.parents[3])}\n")


def main() -> None:
    """Vendor every package of :data:`PACKAGES`."""
    with tempfile.TemporaryDirectory() as tmp:
        for package, (folder, files) in PACKAGES.items():
            vendor(package, folder, files, Path(tmp))


if __name__ == "__main__":
    main()
