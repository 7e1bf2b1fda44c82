"""Candidate sites for new cameras: road intersections, key-place entrances, village centres, a grid.

Every generator takes layers in one metric CRS and returns a frame of candidates in that CRS with
the camera it would get::

    kind           where                                  camera            class   field of view
    intersection   road nodes where >= 3 road ends meet   dome (type 1)     I       circle (360°)
                   (roads as a networkx graph)
    entrance       20 m from a key place, on the side     fixed bullet (3)  II for school, hospital,
                   of its nearest road, facing the place                    station, bank, government;
                                                                            I otherwise; sector toward
                                                                            the place
    village        a village's representative point       dome (type 1)     III     circle
    grid           a square grid over the units           dome (type 1)     I       circle

Fields of view use the type defaults of :data:`sharpeyes.coverage.fov.FOV_DEFAULTS` for an HD camera
(new cameras are HD); costs (CNY, installed and networked) are in :data:`COSTS_CNY`.

Sites read from a file (:func:`sharpeyes.planning.io.candidates_from_file`) get the same defaults
where the file is silent (:func:`with_site_defaults`), and two sites at one place with one field of
view are one site (:func:`drop_duplicate_sites`).
"""

from __future__ import annotations

import itertools
from typing import Final

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from sharpeyes.coverage.fov import FOV_DEFAULTS
from sharpeyes.model.crs import metric_crs

__all__ = [
    "CANDIDATE_COLUMNS",
    "COSTS_CNY",
    "DUPLICATE_SITE_M",
    "drop_duplicate_sites",
    "entrance_sites",
    "generate_candidates",
    "grid_sites",
    "intersection_sites",
    "road_segments",
    "village_sites",
    "with_site_defaults",
]

#: Columns of a candidate frame (plus geometry).
CANDIDATE_COLUMNS: Final = (
    "id",
    "name",
    "kind",
    "camera_type",
    "point_class",
    "heading_deg",
    "fov_deg",
    "range_m",
    "resolution",
    "is_hd",
    "cost",
)

#: Cost of a new networked HD camera by camera type (CNY, pole, installation and uplink included).
COSTS_CNY: Final[dict[int, float]] = {1: 12_000.0, 2: 4_000.0, 3: 6_000.0, 4: 10_000.0, 5: 15_000.0}

_CLASS_II_CATEGORIES: Final = {"school", "hospital", "station", "bank", "government"}
ENTRANCE_OFFSET_M: Final = 20.0
#: Two sites closer than this (metres) are the same site.
DUPLICATE_SITE_M: Final = 0.5
NODE_SNAP_M: Final = 1.0


def _frame(
    points: np.ndarray,
    *,
    kind: str,
    camera_type: int,
    point_class: np.ndarray | int,
    heading_deg: np.ndarray | float,
    names: list[str] | None,
    crs: object,
) -> gpd.GeoDataFrame:
    n = len(points)
    fov, range_hd, _ = FOV_DEFAULTS[camera_type]
    frame = pd.DataFrame(
        {
            "id": [f"{kind[:3].upper()}{i:06d}" for i in range(n)],
            "name": names if names is not None else [f"{kind} {i}" for i in range(n)],
            "kind": kind,
            "camera_type": camera_type,
            "point_class": np.broadcast_to(np.asarray(point_class), (n,)).astype(int),
            "heading_deg": np.broadcast_to(np.asarray(heading_deg, dtype=float), (n,)),
            "fov_deg": fov,
            "range_m": range_hd,
            "resolution": 1080,
            "is_hd": True,
            "cost": COSTS_CNY[camera_type],
        }
    )
    return gpd.GeoDataFrame(frame, geometry=list(points) if n else [], crs=crs)


def intersection_sites(roads: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Domes at road intersections: graph nodes (line ends and vertices snapped to 1 m) of degree >= 3.

    Parameters
    ----------
    roads
        Key roads (lines) in a metric CRS.
    """
    graph = nx.Graph()
    for geom in roads.geometry.to_numpy():
        if geom is None or geom.is_empty:
            continue
        for line in getattr(geom, "geoms", [geom]):
            coords = np.round(np.asarray(line.coords)[:, :2] / NODE_SNAP_M).astype(np.int64)
            keys = [tuple(c) for c in coords.tolist()]
            graph.add_edges_from((a, b) for a, b in itertools.pairwise(keys) if a != b)
    nodes = sorted(n for n, d in graph.degree() if d >= 3)
    pts = np.array(
        [shapely.Point(x * NODE_SNAP_M, y * NODE_SNAP_M) for x, y in nodes], dtype=object
    )
    return _frame(
        pts,
        kind="intersection",
        camera_type=1,
        point_class=1,
        heading_deg=0.0,
        names=None,
        crs=roads.crs,
    )


def entrance_sites(places: gpd.GeoDataFrame, roads: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A bullet 20 m from each key place toward its nearest road, facing the place.

    Parameters
    ----------
    places
        Key places (points or polygons, ``category``, ``place_id``, ``name``) in a metric CRS.
    roads
        Key roads in the same CRS (a place with no road gets its camera 20 m south, facing north).
    """
    if len(places) == 0:
        return _frame(np.zeros(0, object), kind="entrance", camera_type=3, point_class=1,
                      heading_deg=0.0, names=[], crs=places.crs)  # fmt: skip
    target = places.geometry.representative_point().to_numpy()
    tx, ty = shapely.get_x(target), shapely.get_y(target)
    dx, dy = np.zeros(len(target)), -np.ones(len(target))
    segments = road_segments(roads)
    if len(segments):
        tree = shapely.STRtree(segments)
        nearest = tree.query_nearest(target, all_matches=False, return_distance=False)
        on_road = shapely.get_coordinates(
            shapely.shortest_line(target[nearest[0]], segments[nearest[1]])
        ).reshape(-1, 2, 2)[:, 1, :]
        vx = np.full(len(target), 0.0)
        vy = np.full(len(target), -1.0)
        vx[nearest[0]] = on_road[:, 0] - tx[nearest[0]]
        vy[nearest[0]] = on_road[:, 1] - ty[nearest[0]]
        norm = np.hypot(vx, vy)
        ok = norm > 1e-6
        dx = np.where(ok, vx / np.where(ok, norm, 1), 0.0)
        dy = np.where(ok, vy / np.where(ok, norm, 1), -1.0)
    px, py = tx + ENTRANCE_OFFSET_M * dx, ty + ENTRANCE_OFFSET_M * dy
    heading = np.mod(np.degrees(np.arctan2(-dx, -dy)), 360.0)
    cats = (
        places["category"].astype(str).to_numpy()
        if "category" in places
        else np.full(len(target), "other")
    )
    cls = np.where(np.isin(cats, list(_CLASS_II_CATEGORIES)), 2, 1)
    names = [f"{n} entrance" for n in (places.get("name", places.index)).astype(str)]
    out = _frame(
        shapely.points(px, py), kind="entrance", camera_type=3, point_class=cls,
        heading_deg=heading, names=names, crs=places.crs,
    )  # fmt: skip
    if "place_id" in places:
        out["target"] = places["place_id"].astype(str).to_numpy()
    return out


def road_segments(roads: gpd.GeoDataFrame) -> np.ndarray:
    """Every straight segment of the road lines (so that spatial indexes stay tight)."""
    geoms = shapely.get_parts(roads.geometry.dropna().to_numpy())
    if len(geoms) == 0:
        return np.zeros(0, dtype=object)
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    same = index[1:] == index[:-1]
    starts, ends = coords[:-1][same], coords[1:][same]
    keep = np.any(starts != ends, axis=1)
    return np.asarray(shapely.linestrings(np.stack([starts[keep], ends[keep]], axis=1)))


def village_sites(villages: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A dome at each village's representative point (inside the village), class III."""
    pts = villages.geometry.representative_point().to_numpy()
    names = [f"{n} centre" for n in (villages.get("name", villages.index)).astype(str)]
    return _frame(pts, kind="village", camera_type=1, point_class=3, heading_deg=0.0, names=names,
                  crs=villages.crs)  # fmt: skip


def grid_sites(area: gpd.GeoDataFrame, *, spacing_m: float) -> gpd.GeoDataFrame:
    """Domes on a square grid of ``spacing_m`` metres, kept where they fall inside ``area``."""
    if len(area) == 0:
        return _frame(np.zeros(0, object), kind="grid", camera_type=1, point_class=1, heading_deg=0.0,
                      names=[], crs=area.crs)  # fmt: skip
    minx, miny, maxx, maxy = area.total_bounds
    xs = np.arange(minx + spacing_m / 2, maxx, spacing_m)
    ys = np.arange(miny + spacing_m / 2, maxy, spacing_m)
    gx, gy = np.meshgrid(xs, ys)
    pts = shapely.points(gx.ravel(), gy.ravel())
    inside = np.zeros(len(pts), dtype=bool)
    hit = area.sindex.query(pts, predicate="within")
    inside[hit[0]] = True
    return _frame(pts[inside], kind="grid", camera_type=1, point_class=1, heading_deg=0.0, names=None,
                  crs=area.crs)  # fmt: skip


def generate_candidates(
    *,
    units: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame,
    grid_spacing_m: float | None = None,
    max_grid_sites: int = 5_000,
) -> gpd.GeoDataFrame:
    """All generated candidates (metric CRS of the inputs), ids unique across kinds.

    ``grid_spacing_m`` defaults to the spacing that puts about ``max_grid_sites`` points over the
    units (at least 200 m).
    """
    leaves = units[units["level"] == "village"] if "level" in units else units
    if len(leaves) == 0:
        leaves = units
    parts = [intersection_sites(roads), entrance_sites(places, roads), village_sites(leaves)]
    if grid_spacing_m is None:
        area = float(leaves.geometry.area.sum()) if len(leaves) else 0.0
        grid_spacing_m = max(200.0, float(np.sqrt(area / max(1, max_grid_sites))))
    parts.append(grid_sites(leaves, spacing_m=grid_spacing_m))
    parts = [p for p in parts if len(p)]
    if not parts:
        return _frame(np.zeros(0, object), kind="grid", camera_type=1, point_class=1, heading_deg=0.0,
                      names=[], crs=units.crs)  # fmt: skip
    out = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=units.crs)
    return out


def with_site_defaults(sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Candidate sites from a file with what the file leaves out: an HD dome of class I
    (``camera_type`` 1, ``point_class`` 1, ``is_hd``, ``resolution`` 1080), the cost of its camera
    type (:data:`COSTS_CNY`) and ``kind`` ``"file"``. Returns a copy, in the CRS of ``sites``."""
    out = sites.copy()
    for col, default in (
        ("camera_type", 1),
        ("point_class", 1),
        ("is_hd", True),
        ("resolution", 1080),
    ):
        if col not in out:
            out[col] = default
    if "cost" not in out:
        out["cost"] = [
            COSTS_CNY.get(int(t), COSTS_CNY[1])
            for t in pd.to_numeric(out["camera_type"], errors="coerce").fillna(1)
        ]
    if "kind" not in out:
        out["kind"] = "file"
    return out


def drop_duplicate_sites(candidates: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Drop sites within 0.5 m of an earlier one with the same field of view; listed in
    ``attrs["duplicates"]`` (``id``, ``row``, ``same_as``). Distances in the metric CRS of
    :func:`sharpeyes.model.crs.metric_crs`."""
    from scipy.spatial import cKDTree

    if len(candidates) < 2:
        candidates.attrs["duplicates"] = []
        return candidates
    crs = metric_crs(candidates)
    pts = candidates.geometry.to_crs(crs)
    xy = np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])
    pairs = cKDTree(xy).query_pairs(DUPLICATE_SITE_M, output_type="ndarray")
    fov_cols = [c for c in ("camera_type", "heading_deg", "fov_deg", "range_m") if c in candidates]
    drop: dict[int, int] = {}
    for a, b in sorted((int(min(x, y)), int(max(x, y))) for x, y in pairs):
        if a in drop:
            continue
        same_view = all(str(candidates[c].iloc[a]) == str(candidates[c].iloc[b]) for c in fov_cols)
        if same_view and b not in drop:
            drop[b] = a
    ids = candidates["id"].tolist()
    rows = candidates["row"].tolist() if "row" in candidates else list(range(len(candidates)))
    dups = [{"id": ids[b], "row": rows[b], "same_as": ids[a]} for b, a in sorted(drop.items())]
    kept = candidates.drop(index=candidates.index[sorted(drop)]).copy()
    kept.attrs["duplicates"] = dups
    return kept
