"""Coverage matrices: which candidate site sees which demand item.

A coverage matrix is a sparse boolean ``scipy.sparse.csr_matrix`` of shape (candidates × demand):
entry (j, i) is true when candidate j covers demand item i. Every builder takes geometry in one
metric CRS (metres) and refuses to mix CRSs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from sharpeyes._errors import AnalysisError, InputError

__all__ = [
    "coverage_matrix_from_distances",
    "coverage_matrix_from_frames",
    "coverage_matrix_from_geometries",
    "coverage_matrix_from_radius",
    "site_coverage_matrix",
]


def coverage_matrix_from_radius(
    candidate_xy: ArrayLike, demand_xy: ArrayLike, radius_m: float | ArrayLike
) -> sp.csr_matrix:
    """Sparse coverage matrix (candidates × demand) of circles around the candidates.

    Parameters
    ----------
    candidate_xy, demand_xy : array of shape (n, 2)
        Coordinates in one metric CRS (metres).
    radius_m : float or array of shape (n_candidates,)
        Coverage radius in metres; a demand point at distance ``<= radius_m`` is covered
        (spopt's convention).

    Returns
    -------
    scipy.sparse.csr_matrix of bool, shape (n_candidates, n_demand)
    """
    from scipy.spatial import cKDTree

    cand = np.asarray(candidate_xy, dtype=float).reshape(-1, 2)
    dem = np.asarray(demand_xy, dtype=float).reshape(-1, 2)
    radii = np.broadcast_to(np.asarray(radius_m, dtype=float), (len(cand),))
    if len(cand) and (not np.isfinite(radii).all() or (radii < 0).any()):
        raise InputError("coverage radius must be a finite number of metres >= 0", field="radius_m")
    if len(cand) == 0 or len(dem) == 0:
        return sp.csr_matrix((len(cand), len(dem)), dtype=bool)
    tree = cKDTree(dem)
    hits = tree.query_ball_point(cand, radii, return_sorted=True)
    lengths = np.fromiter((len(h) for h in hits), dtype=np.int64, count=len(cand))
    indptr = np.zeros(len(cand) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    indices = (
        np.concatenate([np.asarray(h, dtype=np.int64) for h in hits])
        if indptr[-1]
        else np.zeros(0, dtype=np.int64)
    )
    data = np.ones(len(indices), dtype=bool)
    return sp.csr_matrix((data, indices, indptr), shape=(len(cand), len(dem)))


def coverage_matrix_from_distances(cost_matrix: Any, service_radius: float) -> sp.csr_matrix:
    """Coverage matrix (candidates × demand) from a distance matrix as spopt takes it.

    Parameters
    ----------
    cost_matrix : array of shape (n_demand, n_candidates)
        Distance (or travel time) from each demand item to each candidate, in spopt's layout
        (clients × facilities); NaN means out of reach.
    service_radius : float
        A demand item within ``<= service_radius`` of a candidate is covered by it.

    Returns
    -------
    scipy.sparse.csr_matrix of bool, shape (n_candidates, n_demand)
    """
    if not np.isfinite(service_radius) or service_radius < 0:
        raise InputError(
            "service radius must be a finite number >= 0",
            field="service_radius",
            value=service_radius,
        )
    dense = np.asarray(cost_matrix, dtype=float)
    if dense.ndim != 2:
        raise InputError(
            f"the cost matrix must be 2-dimensional (demand × candidates), not {dense.ndim}-d",
            field="cost_matrix",
        )
    covered = np.less_equal(dense.T, service_radius)
    return sp.csr_matrix(covered)


def coverage_matrix_from_geometries(
    fields_of_view: Any, demand: Any, *, predicate: str = "intersects"
) -> sp.csr_matrix:
    """Sparse coverage matrix (candidates × demand) from field-of-view polygons.

    Parameters
    ----------
    fields_of_view : GeoSeries of polygons
        One field of view per candidate, in a metric CRS.
    demand : GeoSeries
        Demand geometries (points, lines or polygons) in the same CRS.
    predicate : str
        Spatial predicate between a field of view and a demand geometry (``intersects`` by default,
        ``contains`` for points strictly inside).

    Returns
    -------
    scipy.sparse.csr_matrix of bool, shape (len(fields_of_view), len(demand))
    """
    n_cand, n_dem = len(fields_of_view), len(demand)
    if n_cand == 0 or n_dem == 0:
        return sp.csr_matrix((n_cand, n_dem), dtype=bool)
    if (
        fields_of_view.crs is not None
        and demand.crs is not None
        and fields_of_view.crs != demand.crs
    ):
        raise AnalysisError(
            f"fields of view are in {fields_of_view.crs} but demand is in {demand.crs}: project both "
            "to the same metric CRS first"
        )
    pairs = demand.sindex.query(fields_of_view.values, predicate=predicate)
    data = np.ones(pairs.shape[1], dtype=bool)
    return sp.csr_matrix((data, (pairs[0], pairs[1])), shape=(n_cand, n_dem))


def coverage_matrix_from_frames(
    demand: Any,
    candidates: Any,
    *,
    radius_m: float | None = None,
    fov_col: str | None = None,
    predicate: str = "intersects",
) -> sp.csr_matrix:
    """Coverage matrix (candidates × demand) of two GeoDataFrames in one metric CRS.

    ``fov_col`` names a geometry column of the candidates holding each field-of-view polygon
    (:func:`coverage_matrix_from_geometries`); else ``radius_m`` draws circles of that many metres
    around the candidate points (:func:`coverage_matrix_from_radius`, demand at its representative
    point).
    """
    if demand.crs is not None and demand.crs.is_geographic:
        raise AnalysisError("demand is in geographic coordinates: project it to a metric CRS")
    if fov_col is not None:
        fov = candidates[fov_col]
        if not hasattr(fov, "sindex"):
            import geopandas as gpd

            fov = gpd.GeoSeries(fov, crs=candidates.crs)
        return coverage_matrix_from_geometries(fov, demand.geometry, predicate=predicate)
    if radius_m is None:
        raise InputError("give radius_m or fov_col to say what a candidate covers")
    if candidates.crs is not None and candidates.crs.is_geographic:
        raise AnalysisError(
            "candidates are in geographic coordinates: project them to a metric CRS"
        )
    cxy = np.column_stack([candidates.geometry.x, candidates.geometry.y])
    points = demand.geometry.representative_point()
    return coverage_matrix_from_radius(cxy, np.column_stack([points.x, points.y]), radius_m)


def site_coverage_matrix(sites: Any, fov: Any, demand: Any) -> sp.csr_matrix:
    """Coverage matrix sites × demand items of a city plan (all in one metric CRS).

    A village (demand ``kind == "village"``, its polygon) is covered by a site inside it, as the
    village-coverage KPI counts; every other item (a point) by a field of view it lies in.

    Parameters
    ----------
    sites : GeoDataFrame
        Site points (candidates or existing cameras).
    fov : GeoSeries
        One field-of-view polygon per site (``None`` or empty for a site without one).
    demand : GeoDataFrame
        Demand items (:func:`sharpeyes.planning.demand.demand_items`).
    """
    import geopandas as gpd

    n = len(demand)
    is_village = (demand["kind"] == "village").to_numpy()
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    if is_village.any():
        vidx = np.flatnonzero(is_village)
        hit = demand.geometry.iloc[vidx].sindex.query(
            sites.geometry.to_numpy(), predicate="intersects"
        )
        rows.append(hit[0])
        cols.append(vidx[hit[1]])
    if (~is_village).any():
        oidx = np.flatnonzero(~is_village)
        valid = ~(fov.isna() | fov.is_empty).to_numpy()
        sub = coverage_matrix_from_geometries(
            gpd.GeoSeries(fov.to_numpy()[valid], crs=fov.crs),
            demand.geometry.iloc[oidx].reset_index(drop=True),
        ).tocoo()
        rows.append(np.flatnonzero(valid)[sub.row])
        cols.append(oidx[sub.col])
    r = np.concatenate(rows) if rows else np.zeros(0, int)
    c = np.concatenate(cols) if cols else np.zeros(0, int)
    return sp.csr_matrix((np.ones(len(r), bool), (r, c)), shape=(len(sites), n))
