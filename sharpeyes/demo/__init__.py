"""The demo city: Tieling (铁岭市), its units, a synthetic camera inventory and the registries a bureau
receives, all built from a seed.

Real: the county polygons and the township/village codes and names. Synthetic (and said so in
``data/README.md``): township and village polygons, populations, every camera and every registry.

>>> city = build_demo_city("sharpeyes-demo", seed=0, scale=0.02)   # doctest: +SKIP
>>> [r.path.name for r in city.registries]                          # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd

from sharpeyes.demo.cameras import CLASS_COUNTS, build_cameras
from sharpeyes.demo.city import build_units, write_units
from sharpeyes.demo.registries import PlantedProblem, RegistryFile, write_registries

__all__ = [
    "CLASS_COUNTS",
    "DemoCity",
    "PlantedProblem",
    "RegistryFile",
    "build_cameras",
    "build_demo_city",
    "build_units",
    "write_registries",
    "write_units",
]


@dataclass
class DemoCity:
    """What :func:`build_demo_city` made.

    ``units`` and ``cameras`` are the ground truth (EPSG:4326); ``units_path`` the units GeoJSON
    for ``sharpeyes units import``; ``registries`` the files for ``sharpeyes import`` (each with
    its format, coordinate system and source name); ``stream_paths`` where each file-streamed
    camera's video is expected (``<workdir>/streams/<device_id>.mp4``, not yet written: the
    cameras' ``stream_url`` is that path relative to ``workdir``).
    """

    workdir: Path
    units: gpd.GeoDataFrame
    cameras: gpd.GeoDataFrame
    units_path: Path
    registries: list[RegistryFile] = field(default_factory=list)
    stream_paths: dict[str, Path] = field(default_factory=dict)


def build_demo_city(workdir: Path | str, *, seed: int = 0, scale: float = 1.0) -> DemoCity:
    """Build Tieling in ``workdir``: units (GeoJSON + code lists), cameras, registries.

    ``scale`` is the share of the full camera counts (1.0: 4,205 class I, 6,385 class II,
    23,984 class III); the units are always the whole city. Same seed, same files.
    """
    root = Path(workdir)
    root.mkdir(parents=True, exist_ok=True)
    units = build_units(seed=seed)
    cameras = build_cameras(units, seed=seed, scale=scale)
    relative = cameras["stream_url"].fillna("").str.startswith("streams/")
    stream_paths = {
        str(device_id): root / str(url)
        for device_id, url in zip(
            cameras.loc[relative, "device_id"], cameras.loc[relative, "stream_url"], strict=True
        )
    }
    # registries sit in <workdir>/registries/ and name file streams relative to themselves
    cameras.loc[relative, "stream_url"] = "../" + cameras.loc[relative, "stream_url"]
    units_path = write_units(units, root)
    names = dict(zip(units["code"].astype(str), units["name"].astype(str), strict=True))
    registries = write_registries(cameras, root, seed=seed, names=names)
    (root / "streams").mkdir(exist_ok=True)
    return DemoCity(root, units, cameras, units_path, registries, stream_paths)
