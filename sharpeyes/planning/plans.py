"""Expansion plans: where the next N cameras close the most coverage gaps.

Two kinds of instance, one model (:class:`sharpeyes.planning.model.MaximalCoverage`):

- **plain** (:func:`plan_points`): demand points with a ``weight`` and candidate points with an
  ``id`` (read from files by :mod:`sharpeyes.planning.io`); a candidate covers the demand within
  ``radius_m`` metres.
- **city** (:func:`plan_city`): demand built from the inventory's gaps
  (:func:`sharpeyes.planning.demand.demand_items`) and candidates generated or given
  (:mod:`sharpeyes.planning.candidates`); each candidate covers what its field of view
  (:func:`sharpeyes.coverage.fov.fov_sectors`) reaches.

Pure functions over frames: nothing here reads or writes a file. Distances and fields of view are
measured in the metric CRS of :func:`sharpeyes.model.crs.metric_crs`; everything returned is in
WGS-84 (EPSG:4326). What existing networked cameras already cover is demand already met: it
counts in the "before" figures and adds nothing to a plan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
from numpy.typing import NDArray

from sharpeyes._errors import InputError
from sharpeyes.coverage.fov import fov_sectors
from sharpeyes.model.columns import WGS84
from sharpeyes.model.crs import metric_crs
from sharpeyes.model.geojson import feature_collection
from sharpeyes.planning.candidates import generate_candidates, with_site_defaults
from sharpeyes.planning.demand import coverage_figures, demand_items, merged_weights
from sharpeyes.planning.matrix import coverage_matrix_from_radius, site_coverage_matrix
from sharpeyes.planning.model import MaximalCoverage, Method

__all__ = ["PlanResult", "plan_city", "plan_points", "result_from_model"]


# -- the result and the plain instance ------------------------------------------------------------


@dataclass
class PlanResult:
    """A plan: ranked sites (EPSG:4326), the coverage curve, the solver's report, notes."""

    sites: gpd.GeoDataFrame
    curve: list[dict[str, float]]
    solver: dict[str, Any]
    covered_weight: float
    total_weight: float
    notes: list[str] = field(default_factory=list)
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def document(self) -> dict[str, Any]:
        """The plan as a JSON-ready dict (``sites`` as a GeoJSON FeatureCollection)."""
        sites = feature_collection(self.sites.to_crs(WGS84))
        return {
            "selected": self.sites["id"].tolist(),
            "covered_weight": self.covered_weight,
            "total_weight": self.total_weight,
            "coverage_share": self.covered_weight / self.total_weight
            if self.total_weight
            else None,
            "upper_bound": self.solver.get("upper_bound"),
            "method": self.solver.get("method"),
            "status": self.solver.get("status"),
            "sites": sites,
            "curve": self.curve,
            "before": self.before,
            "after": self.after,
            "solver": {k: v for k, v in self.solver.items() if k not in {"selected", "gains"}},
            "notes": self.notes,
            **self.extra,
        }


def result_from_model(
    model: MaximalCoverage, candidates: gpd.GeoDataFrame, *, notes: Sequence[str] = ()
) -> PlanResult:
    """Ranked sites (with marginal gain and running totals) and the curve of a solved model."""
    order = model.selected
    sites = candidates.iloc[order].copy().to_crs(WGS84)
    total = model.total_weight
    cumulative = np.asarray(model.curve[1:], dtype=float)
    sites.insert(0, "rank", np.arange(1, len(order) + 1))
    sites["lon"] = sites.geometry.x.round(7)
    sites["lat"] = sites.geometry.y.round(7)
    sites["marginal_gain"] = np.asarray(model.gains, dtype=float)
    sites["cumulative_weight"] = cumulative
    sites["cumulative_share"] = cumulative / total if total else np.nan
    sites = sites.drop(columns=[c for c in ("row",) if c in sites])
    curve = [
        {
            "cameras": k,
            "covered_weight": float(v),
            "coverage_share": float(v / total) if total else float("nan"),
        }
        for k, v in enumerate(model.curve)
    ]
    return PlanResult(
        sites=sites.reset_index(drop=True),
        curve=curve,
        solver=model.summary(),
        covered_weight=float(model.covered_weight),
        total_weight=float(total),
        notes=[*notes, *model.notes],
    )


def plan_points(
    demand: gpd.GeoDataFrame,
    candidates: gpd.GeoDataFrame,
    *,
    budget: int | None,
    radius_m: float,
    cost_budget: float | None = None,
    method: Method = "auto",
    time_limit_s: float = 2.0,
) -> PlanResult:
    """Choose up to ``budget`` candidate sites covering the most demand weight within ``radius_m``.

    Parameters
    ----------
    demand
        Points with ``weight`` (:func:`sharpeyes.planning.io.demand_from_file`), any CRS.
    candidates
        Points with ``id`` (:func:`sharpeyes.planning.io.candidates_from_file`), any CRS.
    budget
        Number of sites (≥ 1). A budget above the number of candidates is capped (with a note).
    cost_budget
        Total cost the sites may not exceed (candidates need a ``cost``); with or without
        ``budget``.
    radius_m
        Coverage radius in metres (> 0): a demand point at distance ≤ ``radius_m`` is covered.
    method
        Solver method (:meth:`MaximalCoverage.solve`): ``auto`` or ``exact`` (prove optimality).

    Returns
    -------
    PlanResult
        ``document()`` gives ``selected`` (ids in the order chosen), ``covered_weight``,
        ``total_weight`` and the rest.
    """
    if not np.isfinite(radius_m) or radius_m <= 0:
        raise InputError(
            "radius must be a number of metres > 0", field="--radius-m", value=radius_m
        )
    if len(candidates) == 0:
        raise InputError("there are no candidate sites", field="candidates")
    if len(demand) == 0:
        raise InputError("there are no demand points", field="demand")
    dups = candidates.attrs.get("duplicates") or []
    notes = _plain_notes(demand, dups)
    crs = metric_crs(pd.concat([demand.geometry.to_crs(WGS84), candidates.geometry.to_crs(WGS84)]))
    d = demand.geometry.to_crs(crs)
    c = candidates.geometry.to_crs(crs)
    matrix = coverage_matrix_from_radius(
        np.column_stack([c.x, c.y]), np.column_stack([d.x, d.y]), radius_m
    )
    model = MaximalCoverage.from_coverage_matrix(
        matrix,
        demand["weight"].to_numpy(float),
        budget=budget,
        costs=candidates["cost"].to_numpy(float) if "cost" in candidates else None,
        cost_budget=cost_budget,
        candidate_ids=candidates["id"].tolist(),
        name="plain",
    ).solve(method, time_limit_s=time_limit_s)
    result = result_from_model(model, candidates, notes=notes)
    result.extra.update(
        {
            "radius_m": float(radius_m),
            "metric_crs": crs.to_string(),
            "duplicate_candidates": dups,
            "demand_points": len(demand),
            "candidate_sites": len(candidates),
        }
    )
    return result


def _plain_notes(demand: gpd.GeoDataFrame, dups: Sequence[Mapping[str, Any]]) -> list[str]:
    """Notes of a plain plan: duplicate candidate sites dropped, demand points of weight 0."""
    notes: list[str] = []
    if dups:
        notes.append(
            f"{len(dups)} duplicate candidate site(s) dropped: "
            + ", ".join(f"{d['id']} (= {d['same_as']})" for d in dups[:5])
            + (" …" if len(dups) > 5 else "")
        )
    zero = int((demand["weight"].to_numpy(float) == 0).sum())
    if zero:
        notes.append(f"{zero} demand point(s) have weight 0 and count for nothing")
    return notes


# -- the city plan ---------------------------------------------------------------------------------


def plan_city(
    *,
    cameras: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame,
    budget: int | None,
    unit: str | None = None,
    cost_budget: float | None = None,
    candidates: gpd.GeoDataFrame | None = None,
    per_unit: str | None = None,
    weights: Mapping[str, Any] | None = None,
    method: Method = "auto",
    time_limit_s: float = 2.0,
) -> PlanResult:
    """Expansion plan on the inventory: the sites where ``budget`` new cameras close the most gaps.

    Parameters
    ----------
    cameras, units, places, roads
        Canonical frames (EPSG:4326). Networked cameras count as already placed.
    budget
        New cameras in total, or per unit of level ``per_unit`` when that is given.
    cost_budget
        Total cost (CNY unless the candidate file says otherwise) the new sites may not exceed.
    unit
        Plan inside this unit (code) and its sub-units only.
    candidates
        Candidate sites (:func:`sharpeyes.planning.io.candidates_from_file`); generated
        (:func:`sharpeyes.planning.candidates.generate_candidates`) when ``None``.
    per_unit
        ``county``, ``township`` or ``village``: ``budget`` applies to each unit of that level.
    weights
        Overrides of :data:`sharpeyes.planning.demand.DEMAND_WEIGHTS`.

    Returns
    -------
    PlanResult
        Sites ranked with marginal gains, the curve, and ``before``/``after`` coverage figures
        (:func:`sharpeyes.planning.demand.coverage_figures`).
    """
    notes: list[str] = []
    units = _units_in_scope(units, unit)
    crs = metric_crs(units)
    area_units = units.to_crs(crs)
    places, roads = _layers_in_scope(places, roads, unit=unit, area_units=area_units)
    demand = demand_items(units=units, places=places, roads=roads, crs=crs, weights=weights)
    if len(demand) == 0 or demand["weight"].sum() <= 0:
        raise InputError(
            "nothing to cover: no villages, key places, roads or population in the units"
        )
    already = _already_covered(cameras, demand, crs)
    sites, source = _sites(candidates, area_units, places, roads, crs=crs, unit=unit, notes=notes)
    matrix = site_coverage_matrix(sites, fov_sectors(sites, crs=crs), demand)
    labels, unit_budgets, count_budget = _budget_per_unit(per_unit, budget, area_units, sites)
    model = MaximalCoverage.from_coverage_matrix(
        matrix,
        demand["weight"].to_numpy(float),
        budget=count_budget,
        costs=sites["cost"].to_numpy(float) if "cost" in sites else None,
        cost_budget=cost_budget,
        candidate_units=labels,
        unit_budgets=unit_budgets,
        already_covered=already,
        candidate_ids=sites["id"].astype(str).tolist(),
        name="city",
    ).solve(method, time_limit_s=time_limit_s)
    result = result_from_model(model, sites, notes=notes)
    _before_and_after(result, model, demand, already, cameras=cameras)
    result.extra.update(
        unit=unit,
        per_unit=per_unit,
        metric_crs=crs.to_string(),
        candidates_source=source,
        **_sites_and_demand(sites, demand, model, weights),
    )
    return result


def _sites_and_demand(
    sites: gpd.GeoDataFrame,
    demand: gpd.GeoDataFrame,
    model: MaximalCoverage,
    weights: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """What a city plan was made of: candidates and demand items by kind, weights, cost."""
    return {
        "candidate_sites": len(sites),
        "candidates_by_kind": {str(k): int(v) for k, v in sites["kind"].value_counts().items()},
        "demand_items": {str(k): int(v) for k, v in demand["kind"].value_counts().items()},
        "weights": merged_weights(weights),
        "cost": float(sites["cost"].to_numpy(float)[model.selected].sum())
        if "cost" in sites
        else None,
    }


def _before_and_after(
    result: PlanResult,
    model: MaximalCoverage,
    demand: gpd.GeoDataFrame,
    already: NDArray[np.bool_],
    *,
    cameras: gpd.GeoDataFrame,
) -> None:
    """Coverage figures today (``already``) and after the plan, into ``result.before``/``after``."""
    matrix = model.coverage
    after = already.copy()
    for j in model.selected:
        after[matrix.indices[matrix.indptr[j] : matrix.indptr[j + 1]]] = True
    result.before = coverage_figures(demand, already)
    result.after = coverage_figures(demand, after)
    result.before["cameras_networked"] = _networked_count(cameras)
    result.after["cameras_networked"] = result.before["cameras_networked"] + len(model.selected)


def _units_in_scope(units: gpd.GeoDataFrame, unit: str | None) -> gpd.GeoDataFrame:
    """The units (EPSG:4326) of the plan: all, or ``unit`` and its sub-units (codes it prefixes)."""
    if len(units) == 0:
        raise InputError(
            "no administrative units in the store: import them first (sharpeyes units import)"
        )
    units = units.to_crs(WGS84) if units.crs is not None else units.set_crs(WGS84)
    if unit is None:
        return units
    codes = units["code"].astype(str)
    if not (codes == unit).any():
        raise InputError("no such unit", field="--unit", value=unit)
    return units[codes.str.startswith(unit).to_numpy()]


def _layers_in_scope(
    places: gpd.GeoDataFrame | None,
    roads: gpd.GeoDataFrame | None,
    *,
    unit: str | None,
    area_units: gpd.GeoDataFrame,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Key places and roads (EPSG:4326; empty when ``None``), inside ``unit`` when it is given:
    places that intersect its outline, roads cut to it (in the metric CRS of ``area_units``)."""
    places = places if places is not None else gpd.GeoDataFrame(geometry=[], crs=WGS84)
    roads = roads if roads is not None else gpd.GeoDataFrame(geometry=[], crs=WGS84)
    if unit is None:
        return places, roads
    crs = area_units.crs
    outline = area_units[area_units["code"].astype(str) == unit].geometry.iloc[0]
    if len(places):
        places = places[places.to_crs(crs).geometry.intersects(outline).to_numpy()]
    if len(roads):
        clipped = roads.to_crs(crs).geometry.intersection(outline)
        keep = ~clipped.is_empty.to_numpy()
        roads = gpd.GeoDataFrame(
            roads[keep].drop(columns=roads.geometry.name),
            geometry=clipped[keep].to_numpy(),
            crs=crs,
        ).to_crs(WGS84)
    return places, roads


def _networked_mask(cameras: gpd.GeoDataFrame) -> NDArray[np.bool_]:
    if not len(cameras) or "networked" not in cameras:
        return np.zeros(len(cameras), dtype=bool)
    mask: NDArray[np.bool_] = cameras["networked"].fillna(False).astype(bool).to_numpy()
    return mask


def _networked(cameras: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Networked cameras with a position: what already covers demand."""
    net = cameras[_networked_mask(cameras)]
    if not len(net):
        return net
    return net[net.geometry.notna().to_numpy() & ~net.geometry.is_empty.to_numpy()]


def _already_covered(
    cameras: gpd.GeoDataFrame, demand: gpd.GeoDataFrame, crs: pyproj.CRS
) -> NDArray[np.bool_]:
    """Demand items that today's networked cameras already cover (their fields of view in ``crs``)."""
    networked = _networked(cameras)
    if not len(networked):
        return np.zeros(len(demand), dtype=bool)
    seen = site_coverage_matrix(networked.to_crs(crs), fov_sectors(networked, crs=crs), demand)
    return np.asarray(seen.sum(axis=0)).ravel() > 0


def _networked_count(cameras: gpd.GeoDataFrame) -> int:
    return int(_networked_mask(cameras).sum())


def _sites(
    candidates: gpd.GeoDataFrame | None,
    area_units: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame,
    *,
    crs: pyproj.CRS,
    unit: str | None,
    notes: list[str],
) -> tuple[gpd.GeoDataFrame, str]:
    """Candidate sites in ``crs`` inside the units (those outside noted), and their source."""
    if candidates is None:
        sites = generate_candidates(
            units=area_units, places=places.to_crs(crs), roads=roads.to_crs(crs)
        )
        source = "generated"
    else:
        sites = with_site_defaults(candidates.to_crs(crs))
        source = "file"
    if len(sites):
        inside = np.zeros(len(sites), dtype=bool)
        hit = area_units.sindex.query(sites.geometry.to_numpy(), predicate="intersects")
        inside[hit[0]] = True
        if (~inside).any():
            outside_ids = sites["id"].astype(str).to_numpy()[~inside]
            notes.append(
                f"{len(outside_ids)} candidate site(s) outside every unit{'' if unit is None else ' of ' + unit} "
                "left out: " + ", ".join(outside_ids[:5]) + (" …" if len(outside_ids) > 5 else "")
            )
            sites = sites[inside]
    if len(sites) == 0:
        raise InputError("no candidate site lies inside the units", field="candidates")
    return sites.reset_index(drop=True), source


def _budget_per_unit(
    per_unit: str | None,
    budget: int | None,
    area_units: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
) -> tuple[NDArray[Any] | None, int | None, int | None]:
    """(unit label of each site, budget per unit, total count budget) for ``per_unit``."""
    if per_unit is None:
        return None, None, budget
    if per_unit not in ("county", "township", "village"):
        raise InputError(
            "--per-unit must be county, township or village", field="--per-unit", value=per_unit
        )
    level_units = area_units[area_units["level"].astype(str) == per_unit]
    if len(level_units) == 0:
        raise InputError(
            f"no {per_unit} units to budget per unit", field="--per-unit", value=per_unit
        )
    hit = level_units.sindex.query(sites.geometry.to_numpy(), predicate="intersects")
    labels = np.full(len(sites), None, dtype=object)
    labels[hit[0]] = level_units["code"].astype(str).to_numpy()[hit[1]]
    if budget is None or budget < 1:
        raise InputError("budget must be at least 1 site", field="budget", value=budget)
    return labels, int(budget), None
