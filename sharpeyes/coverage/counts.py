"""Additive counts of one county partition: cameras, villages, covered area, places and roads per
unit and point class. Every count is a sum, so a unit's figure is the sum of its partitions' and
:func:`sharpeyes.coverage.kpis.rates_from_counts` turns them into rates.

Geometry is in the metric CRS of :class:`~sharpeyes.coverage.inputs.CoverageInputs` (metres, m²).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from sharpeyes.coverage.area import covered_area_exact_subsets, covered_area_raster
from sharpeyes.coverage.fov import sector_polygons
from sharpeyes.coverage.inputs import CLASSES, CODE_COLUMNS, AreaMethod, CoverageInputs
from sharpeyes.model.frames import obj_array

__all__ = [
    "Partition",
    "PartitionPlan",
    "build_partition",
    "camera_sectors",
    "county_partitions",
    "county_plans",
    "exact_area_classes",
    "partial_counts",
    "places_covered",
    "raster_area_classes",
]


#: Columns of the covering cameras that :func:`partial_counts` reads.
_COVERING_COLUMNS = ("x", "y", "heading_deg", "fov_deg", "range_m", "networked", "point_class")


@dataclass
class Partition:
    """One county's share of the work (picklable, for process pools and Dask workers)."""

    county: str | None
    cameras: pd.DataFrame  # cameras counted here
    covering: pd.DataFrame  # cameras whose fields of view may reach this county's leaves
    leaves: gpd.GeoDataFrame
    villages: pd.DataFrame
    places: pd.DataFrame
    roads: gpd.GeoDataFrame
    place_categories: list[str]
    road_classes: list[str]


@dataclass(frozen=True)
class PartitionPlan:
    """Which rows of the prepared inputs make one county's :class:`Partition` (row numbers and
    masks only: cheap to make for every county in the parent, and a forked process builds its
    partitions from them itself, in parallel)."""

    county: str | None
    counted: np.ndarray  # rows of the cameras counted here
    covering: np.ndarray  # rows of the cameras whose fields of view may reach the leaves
    leaves: np.ndarray | None  # mask of the county's leaves (None: the rest, outside every county)
    roads: np.ndarray  # rows of the roads meeting the county's box
    villages: np.ndarray  # mask of the county's villages
    places: np.ndarray  # mask of the county's places

    @property
    def size(self) -> int:
        """Cameras counted plus covering: the work a partition takes, roughly."""
        return len(self.counted) + len(self.covering)


def county_plans(inputs: CoverageInputs) -> list[PartitionPlan]:
    """The rows of each county's partition (see :func:`county_partitions`), in county order."""
    cam = inputs.cameras
    # county numbers of the cameras (one Arrow dictionary pass, not a million Python strings)
    cam_inv, found = pd.factorize(cam["county"], use_na_sentinel=True)
    cam_uniq = np.asarray(found, dtype=object)
    leaf_county = obj_array(inputs.leaves["county"])
    counties = sorted({str(c) for c in cam_uniq if c} | {str(c) for c in leaf_county if c})
    number = {str(c): i for i, c in enumerate(cam_uniq) if c}
    max_range = float(np.nanmax(cam["range_m"])) if len(cam) else 0.0
    x, y = cam["x"].to_numpy(dtype=float), cam["y"].to_numpy(dtype=float)
    has_xy = np.isfinite(x) & np.isfinite(y)
    road_geo = inputs.roads.geometry.to_numpy()
    road_tree = shapely.STRtree(road_geo) if len(road_geo) else None
    village_county = obj_array(inputs.villages["county"])
    place_county = obj_array(inputs.places["county"])
    none = np.zeros(0, dtype=np.int64)
    plans = []
    for county in [*counties, None]:
        leaves = leaf_county == county if county else None
        number_of = number.get(county, -2) if county else -1
        counted = np.flatnonzero(cam_inv == number_of)
        covering, roads = none, none
        if leaves is not None and leaves.any():
            # the county's bounding box widened by the longest range: a superset of the cameras
            # that can see into it (the exact and raster paths clip to the leaves themselves);
            # cameras in the box's envelope, as an STRtree query of the points finds them
            minx, miny, maxx, maxy = shapely.total_bounds(inputs.leaves.geometry.to_numpy()[leaves])
            region = shapely.box(minx, miny, maxx, maxy)
            bx0, by0, bx1, by1 = shapely.bounds(
                shapely.buffer(region, max_range, join_style="mitre")
            )
            with np.errstate(invalid="ignore"):
                covering = np.flatnonzero(
                    has_xy & (x >= bx0) & (x <= bx1) & (y >= by0) & (y <= by1)
                )
            if road_tree is not None:
                roads = np.sort(road_tree.query(region, predicate="intersects"))
        villages, places = village_county == county, place_county == county
        if county is None and not (len(counted) or villages.any() or places.any()):
            continue  # units outside every county (no county level) are still counted
        plans.append(PartitionPlan(county, counted, covering, leaves, roads, villages, places))
    return plans


def build_partition(inputs: CoverageInputs, plan: PartitionPlan) -> Partition:
    """The :class:`Partition` of ``plan``: the counted cameras with every column but
    ``device_id``, the covering ones with only the columns :func:`partial_counts` reads."""
    cam = inputs.cameras
    cols = list(cam.columns)
    counted_at = [i for i, c in enumerate(cols) if c != "device_id"]
    covering_at = [cols.index(c) for c in _COVERING_COLUMNS if c in cols]
    drawn = plan.leaves is not None and bool(plan.leaves.any())
    return Partition(
        county=plan.county,
        cameras=cam.iloc[plan.counted, counted_at],
        covering=cam.iloc[plan.covering, covering_at] if drawn else cam.iloc[0:0, covering_at],
        leaves=inputs.leaves[plan.leaves] if plan.leaves is not None else inputs.leaves.iloc[0:0],
        villages=inputs.villages[plan.villages],
        places=inputs.places[plan.places],
        roads=inputs.roads.iloc[plan.roads] if drawn else inputs.roads.iloc[0:0],
        place_categories=inputs.place_categories,
        road_classes=inputs.road_classes,
    )


def county_partitions(inputs: CoverageInputs) -> list[Partition]:
    """Split the work by county: a county's cameras, leaves, villages and places, plus every camera
    within its longest range of the county (fields of view cross borders)."""
    return [build_partition(inputs, plan) for plan in county_plans(inputs)]


def _factorize(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Number per row (``-1`` where missing) and the distinct values in order of first appearance,
    as ``pd.factorize`` of the column's object array gives them, without building that array
    (an Arrow string column is dictionary-encoded in one pass)."""
    inv, uniq = pd.factorize(column, use_na_sentinel=True)
    return np.asarray(inv), np.asarray(uniq, dtype=object)


def _group_sum(
    codes: pd.DataFrame, values: dict[str, np.ndarray], classes: np.ndarray | None
) -> pd.DataFrame:
    """Sum ``values`` per (unit code, point class) over every level of ``codes``; class ``0`` = all,
    and with ``classes`` also 1/2/3 (numpy ``bincount`` on factorised codes, one frame at the end)."""
    keys = list(values)
    weights = [np.asarray(values[k], dtype=float) for k in keys]
    unit_parts: list[np.ndarray] = []
    class_parts: list[np.ndarray] = []
    blocks: list[np.ndarray] = []
    for lvl in CODE_COLUMNS:
        if lvl not in codes:
            continue
        inv, uniq = _factorize(codes[lvl])
        ok = inv >= 0
        if not ok.any():
            continue
        inv_ok = inv[ok]
        m = len(uniq)
        uniq_obj = uniq
        unit_parts.append(uniq_obj)
        class_parts.append(np.zeros(m, dtype=np.int64))
        blocks.append(
            np.column_stack([np.bincount(inv_ok, weights=w[ok], minlength=m) for w in weights])
            if keys
            else np.zeros((m, 0))
        )
        if classes is not None:
            cls = np.asarray(classes)[ok]
            in_cls = np.isin(cls, CLASSES)
            key = inv_ok[in_cls] * 4 + cls[in_cls]
            per = [
                np.bincount(key, weights=w[ok][in_cls], minlength=m * 4).reshape(m, 4)
                for w in weights
            ]
            for c in CLASSES:
                unit_parts.append(uniq_obj)
                class_parts.append(np.full(m, c, dtype=np.int64))
                blocks.append(
                    np.column_stack([arr[:, c] for arr in per]) if keys else np.zeros((m, 0))
                )
    if not blocks:
        return pd.DataFrame(columns=["unit_code", "point_class", *keys])
    frame = pd.DataFrame(np.vstack(blocks), columns=keys)
    frame.insert(0, "unit_code", np.concatenate(unit_parts))
    frame.insert(1, "point_class", np.concatenate(class_parts))
    return frame


def camera_sectors(cams: pd.DataFrame) -> np.ndarray:
    """Field-of-view polygons (metric CRS) of prepared cameras (``x, y, heading_deg, fov_deg, range_m``)."""
    return sector_polygons(
        cams["x"].to_numpy(dtype=float),
        cams["y"].to_numpy(dtype=float),
        cams["heading_deg"].to_numpy(dtype=float),
        cams["fov_deg"].to_numpy(dtype=float),
        cams["range_m"].to_numpy(dtype=float),
    )


def places_covered(places: pd.DataFrame, cams: pd.DataFrame, sectors: np.ndarray) -> np.ndarray:
    """(n_places, 4) bool: covered by a networked camera of any class (col 0) or of class 1/2/3."""
    out = np.zeros((len(places), 4), dtype=bool)
    if len(places) == 0 or len(cams) == 0:
        return out
    net = cams["networked"].to_numpy(dtype=bool)
    ok = net & ~(shapely.is_missing(sectors))
    if not ok.any():
        return out
    idx = np.flatnonzero(ok)
    tree = shapely.STRtree(sectors[idx])
    pts = shapely.points(places["x"].to_numpy(dtype=float), places["y"].to_numpy(dtype=float))
    pi, si = tree.query(pts, predicate="within")
    out[pi, 0] = True
    pc = cams["point_class"].to_numpy(dtype=int)[idx][si]
    for k, c in enumerate(CLASSES, start=1):
        out[pi[pc == c], k] = True
    return out


def _road_lengths(
    roads: gpd.GeoDataFrame, leaves: gpd.GeoDataFrame, cams: pd.DataFrame, sectors: np.ndarray
) -> pd.DataFrame:
    """Road pieces per leaf with their length and covered length (all classes and per class)."""
    cols = ["leaf", "road_class", "length", "cov0", "cov1", "cov2", "cov3"]
    if len(roads) == 0 or len(leaves) == 0:
        return pd.DataFrame(columns=cols)
    leaf_geo = leaves.geometry.to_numpy()
    tree = shapely.STRtree(leaf_geo)
    ri, li = tree.query(roads.geometry.to_numpy(), predicate="intersects")
    pieces = shapely.intersection(roads.geometry.to_numpy()[ri], leaf_geo[li])
    length = shapely.length(pieces)
    cov = np.zeros((len(pieces), 4))
    net = cams["networked"].to_numpy(dtype=bool) & ~shapely.is_missing(sectors)
    if net.any() and len(pieces):
        sidx = np.flatnonzero(net)
        stree = shapely.STRtree(sectors[sidx])
        pj, sj = stree.query(pieces, predicate="intersects")
        if len(pj):
            segs = shapely.intersection(pieces[pj], sectors[sidx][sj])
            pcls = cams["point_class"].to_numpy(dtype=int)[sidx][sj]
            for k, cls in enumerate((None, *CLASSES)):
                keep = np.ones(len(pj), bool) if cls is None else pcls == cls
                if not keep.any():
                    continue
                # pieces' segments in runs (stable sort: same order as found), one union per piece
                sel = np.flatnonzero(keep)
                order = sel[np.argsort(pj[sel], kind="stable")]
                cuts = np.flatnonzero(np.diff(pj[order])) + 1
                for run in np.split(order, cuts):
                    cov[pj[run[0]], k] = shapely.length(shapely.union_all(segs[run]))
    return pd.DataFrame(
        {
            "leaf": leaves["leaf_id"].to_numpy()[li],
            "road_class": roads["road_class"].to_numpy()[ri],
            "length": length,
            "cov0": cov[:, 0],
            "cov1": cov[:, 1],
            "cov2": cov[:, 2],
            "cov3": cov[:, 3],
        }
    )


def _camera_counts(cams: pd.DataFrame) -> list[pd.DataFrame]:
    values = {
        "cameras": np.ones(len(cams), dtype=np.int64),
        "networked": cams["networked"].to_numpy(dtype=np.int64),
        "hd": (cams["hd"].to_numpy() == 1).astype(np.int64),
        "hd_unknown": (cams["hd"].to_numpy() == -1).astype(np.int64),
        "online": cams["online"].to_numpy(dtype=np.int64),
        "intact": cams["intact"].to_numpy(dtype=np.int64),
    }
    if "probed" in cams:
        values["probed"] = cams["probed"].to_numpy(dtype=np.int64)
    return [_group_sum(cams, values, cams["point_class"].to_numpy(dtype=int))]


def _village_counts(part: Partition, village_classes: Iterable[int]) -> list[pd.DataFrame]:
    """Administrative villages and communities with a networked camera (of the village classes;
    for class rows, of that class). Village-level units of unknown kind count as villages; virtual
    units count as neither."""
    vil = part.villages
    if not len(vil):
        return []
    cams = part.cameras
    vc = set(int(c) for c in village_classes)
    net = cams[cams["networked"].to_numpy(dtype=bool)]
    # distinct codes first: iterating a million Arrow strings in Python is slow
    seen_any = set(net["village"][net["point_class"].isin(vc)].dropna().unique())
    seen = {c: set(net["village"][net["point_class"] == c].dropna().unique()) for c in CLASSES}
    codes = vil["code"].to_numpy(dtype=object)
    kind = obj_array(vil["kind"]) if "kind" in vil else np.full(len(vil), None, dtype=object)
    is_village = ((kind == "village") | pd.isna(kind)).astype(np.int64)
    is_community = (kind == "community").astype(np.int64)

    def values(covered: set[object]) -> dict[str, np.ndarray]:
        hit = np.array([c in covered for c in codes], dtype=np.int64)
        return {
            "villages": is_village,
            "villages_covered": is_village * hit,
            "communities": is_community,
            "communities_covered": is_community * hit,
        }

    frames = [_group_sum(vil, values(seen_any), None)]
    for c in CLASSES:
        f = _group_sum(vil, values(seen[c]), None)
        f["point_class"] = c
        frames.append(f)
    return frames


def _near_places_or_roads(part: Partition, cams: pd.DataFrame) -> np.ndarray:
    """Which of ``cams`` stand close enough to a place or a road for their field of view to
    reach it (a superset: within the longest range, +1 %, of a place or of a road stretch of at
    most 200 m, by bounding boxes). Candidates first from a coarse grid, so that the spatial
    tree holds a few thousand points, not every camera."""
    x = cams["x"].to_numpy(dtype=float)
    y = cams["y"].to_numpy(dtype=float)
    reach = float(np.nanmax(cams["range_m"].to_numpy(dtype=float))) * 1.01 + 1.0
    boxes = []
    if len(part.places):
        px, py = part.places["x"].to_numpy(float), part.places["y"].to_numpy(float)
        boxes.append(np.column_stack([px, py, px, py]))
    if len(part.roads):
        lines = shapely.segmentize(part.roads.geometry.to_numpy(), 200.0)
        coords, idx = shapely.get_coordinates(lines, return_index=True)
        same = idx[1:] == idx[:-1]  # consecutive vertices of one line make a stretch
        a, b = coords[:-1][same], coords[1:][same]
        boxes.append(np.column_stack([np.minimum(a, b), np.maximum(a, b)]))
    near = np.zeros(len(cams), dtype=bool)
    ok = np.isfinite(x) & np.isfinite(y)
    if not boxes or not ok.any():
        return near
    b = np.concatenate(boxes)
    b = b[np.isfinite(b).all(axis=1)]
    if not len(b):
        return near
    # cells of at least `reach` metres: a camera within `reach` of a box is in a cell at most one
    # cell (each way) from a cell the box meets (cells ≥ 50 m and ≤ 2,048 a side: few of them)
    x0, y0 = min(x[ok].min(), b[:, 0].min()) - reach, min(y[ok].min(), b[:, 1].min()) - reach
    extent = max(max(x[ok].max(), b[:, 2].max()) - x0, max(y[ok].max(), b[:, 3].max()) - y0)
    cell = max(reach, 50.0, extent / 2048.0)
    c0 = ((b[:, :2] - (x0, y0)) // cell).astype(np.int64)
    c1 = ((b[:, 2:] - (x0, y0)) // cell).astype(np.int64)
    cx = ((x[ok] - x0) // cell).astype(np.int64)
    cy = ((y[ok] - y0) // cell).astype(np.int64)
    shape = (int(max(c1[:, 0].max(), cx.max())) + 3, int(max(c1[:, 1].max(), cy.max())) + 3)
    hit = np.zeros(shape, dtype=bool)
    span = c1 - c0
    for dx in range(int(span[:, 0].max()) + 3):
        for dy in range(int(span[:, 1].max()) + 3):
            sel = (dx <= span[:, 0] + 2) & (dy <= span[:, 1] + 2)
            hit[c0[sel, 0] + dx, c0[sel, 1] + dy] = True  # the cells met, grown by one
    cand = np.flatnonzero(ok)[hit[cx + 1, cy + 1]]
    if not len(cand):
        return near
    # the candidates within `reach` of a box, by bounding boxes (the same set as an STRtree of
    # every camera would give, so the sectors built and their order are the same)
    tree = shapely.STRtree(shapely.points(x[cand], y[cand]))
    grown = shapely.box(b[:, 0] - reach, b[:, 1] - reach, b[:, 2] + reach, b[:, 3] + reach)
    near[cand[np.unique(tree.query(grown)[1])]] = True
    return near


def _partition_sectors(part: Partition, area: str) -> np.ndarray:
    """Sectors of the covering cameras: all of them for exact areas, else only the networked ones
    near a place or a road, that places and roads count (the others stay ``None``, which both
    helpers skip)."""
    covering = part.covering
    sectors = np.full(len(covering), None, dtype=object)
    if area == "exact" and len(part.leaves):
        return camera_sectors(covering)
    if area == "networked":
        net = np.flatnonzero(covering["networked"].to_numpy(dtype=bool))
        sectors[net] = camera_sectors(covering.iloc[net])
        return sectors
    if len(part.places) or len(part.roads):
        net_cov = covering["networked"].to_numpy(dtype=bool)
        if net_cov.any():
            idx = np.flatnonzero(net_cov)
            idx = idx[_near_places_or_roads(part, covering.iloc[idx])]
            sectors[idx] = camera_sectors(covering.iloc[idx])
    return sectors


def _covered_areas(
    part: Partition,
    sectors: np.ndarray,
    *,
    area: AreaMethod,
    cell_m: float,
    area_by_class: bool,
) -> dict[int | None, np.ndarray]:
    """Covered m² per leaf, by all cameras (key ``None``) and, with ``area_by_class``, per class."""
    covering, leaves = part.covering, part.leaves
    if area == "none":
        return {}
    cpc = covering["point_class"].to_numpy(dtype=int)
    # group 0 for cameras of no class counted separately, groups 1–3 the classes
    group = np.where(np.isin(cpc, CLASSES), cpc, 0) if area_by_class else np.zeros(len(cpc), int)
    if area == "exact":
        # a union per class: unioning the classes' unions again for all cameras cost more than a
        # second union from the sectors (measured at 200,000 cameras on the benchmark city)
        classes = (None, *(CLASSES if area_by_class else ()))
        masks = [np.ones(len(covering), bool) if c is None else cpc == c for c in classes]
        found = covered_area_exact_subsets(sectors, leaves.geometry.to_numpy(), masks)
        return dict(zip(classes, found, strict=True))
    res = _raster_areas(part, group, cell_m)
    covered: dict[int | None, np.ndarray] = {None: res[0]}
    if area_by_class:
        for cls in CLASSES:
            covered[cls] = res[1 + cls] if res.shape[0] > 1 + cls else np.zeros(len(leaves))
    return covered


def _raster_areas(part: Partition, group: np.ndarray, cell_m: float) -> np.ndarray:
    """:func:`covered_area_raster` of the partition's covering cameras, one bit per group."""
    covering, leaves = part.covering, part.leaves
    return covered_area_raster(
        covering["x"].to_numpy(dtype=float),
        covering["y"].to_numpy(dtype=float),
        covering["heading_deg"].to_numpy(dtype=float),
        covering["fov_deg"].to_numpy(dtype=float),
        covering["range_m"].to_numpy(dtype=float),
        leaves.geometry.to_numpy(),
        cell_m=cell_m,
        groups=group.astype(np.int64),
    )


def _area_counts(part: Partition, covered: dict[int | None, np.ndarray]) -> list[pd.DataFrame]:
    leaves = part.leaves
    leaf_codes = leaves[["city", "county", "township", "village"]]
    lvals: dict[str, np.ndarray] = {"area_m2": leaves["area_m2"].to_numpy(dtype=float)}
    unknown = np.full(len(leaves), np.nan)
    frames = [_group_sum(leaf_codes, {**lvals, "covered_m2": covered.get(None, unknown)}, None)]
    for cls in CLASSES:
        f = _group_sum(leaf_codes, {**lvals, "covered_m2": covered.get(cls, unknown)}, None)
        f["point_class"] = cls
        frames.append(f)
    return frames


def _place_counts(part: Partition, sectors: np.ndarray) -> list[pd.DataFrame]:
    places = part.places
    cov = places_covered(places, part.covering, sectors)
    cat = places["category"].to_numpy(dtype=object)
    frames = []
    for k, cls in enumerate((0, *CLASSES)):
        pvals: dict[str, np.ndarray] = {
            "places": np.ones(len(places), dtype=np.int64),
            "places_covered": cov[:, k].astype(np.int64),
        }
        for name in part.place_categories:
            pvals[f"places_{name}"] = (cat == name).astype(np.int64)
            pvals[f"places_covered_{name}"] = ((cat == name) & cov[:, k]).astype(np.int64)
        f = _group_sum(places, pvals, None)
        f["point_class"] = cls
        frames.append(f)
    return frames


def _road_counts(part: Partition, sectors: np.ndarray) -> list[pd.DataFrame]:
    leaves = part.leaves
    pieces = _road_lengths(part.roads, leaves, part.covering, sectors)
    if not len(pieces):
        return []
    codes = leaves.set_index("leaf_id").loc[
        pieces["leaf"], ["city", "county", "township", "village"]
    ]
    codes = codes.reset_index(drop=True)
    rc = pieces["road_class"].to_numpy(dtype=object)
    length = pieces["length"].to_numpy(dtype=float)
    frames = []
    for k, cls in enumerate((0, *CLASSES)):
        covered = pieces[f"cov{k}"].to_numpy(dtype=float)
        rvals: dict[str, np.ndarray] = {"road_m": length, "road_covered_m": covered}
        for name in part.road_classes:
            rvals[f"road_m_{name}"] = np.where(rc == name, length, 0.0)
            rvals[f"road_covered_m_{name}"] = np.where(rc == name, covered, 0.0)
        f = _group_sum(codes, rvals, None)
        f["point_class"] = cls
        frames.append(f)
    return frames


def exact_area_classes(
    part: Partition, classes: tuple[int | None, ...]
) -> dict[int | None, np.ndarray]:
    """Exact covered m² per leaf of the partition, by all covering cameras (``None``) and by the
    cameras of each class given: what :func:`partial_counts` computes for its exact areas, for a
    process pool that spreads one partition's classes over several processes (the same unions of
    the same sectors in the same order, so the same figures)."""
    covering = part.covering
    cpc = covering["point_class"].to_numpy(dtype=int)
    masks = [np.ones(len(covering), bool) if c is None else cpc == c for c in classes]
    any_class = np.logical_or.reduce(masks)
    idx = np.flatnonzero(any_class)
    sectors = camera_sectors(covering.iloc[idx])
    found = covered_area_exact_subsets(
        sectors, part.leaves.geometry.to_numpy(), [m[idx] for m in masks]
    )
    return dict(zip(classes, found, strict=True))


def raster_area_classes(
    part: Partition, *, cell_m: float, area_by_class: bool
) -> dict[int | None, np.ndarray]:
    """Raster covered m² per leaf of the partition, by all covering cameras (``None``) and, with
    ``area_by_class``, by each class: what :func:`partial_counts` computes for its fast areas,
    for a process pool that runs a partition's areas and its counts as separate tasks."""
    none = np.empty(0, dtype=object)  # the raster needs no sector polygons
    return _covered_areas(part, none, area="fast", cell_m=cell_m, area_by_class=area_by_class)


def partial_counts(
    part: Partition,
    *,
    area: AreaMethod = "exact",
    cell_m: float = 10.0,
    area_by_class: bool = True,
    village_classes: Iterable[int] = CLASSES,
    covered: dict[int | None, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Additive counts of one partition per (unit code, point class 0=all/1/2/3).

    Columns: cameras, networked, hd, hd_unknown, online, intact, probed, villages, villages_covered,
    communities, communities_covered, area_m2, covered_m2, places[_cat], places_covered[_cat], road_m[_cls], road_covered_m[_cls].
    ``covered``: the covered m² per leaf already computed (:func:`exact_area_classes`,
    :func:`raster_area_classes`), by class.
    """
    frames = _camera_counts(part.cameras) + _village_counts(part, village_classes)
    # with exact areas given, places and roads need the networked cameras' sectors only (the same
    # sectors, in the same order, as the exact path's trees of networked sectors hold)
    sectors = _partition_sectors(
        part, "networked" if covered is not None and area == "exact" else area
    )
    if len(part.leaves):
        if covered is None:
            covered = _covered_areas(
                part, sectors, area=area, cell_m=cell_m, area_by_class=area_by_class
            )
        frames += _area_counts(part, covered)
    if len(part.places):
        frames += _place_counts(part, sectors)
    if len(part.roads) and len(part.leaves):
        frames += _road_counts(part, sectors)
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=["unit_code", "point_class"])
    out = pd.concat(frames, ignore_index=True)
    return out.groupby(["unit_code", "point_class"], sort=False).sum(min_count=1).reset_index()
