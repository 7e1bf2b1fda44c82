"""Job: the expansion plan on the store's data, written to files and saved as the ``plan`` result."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sharpeyes.ingest.files import check_input_file, reading
from sharpeyes.planning.io import candidates_from_file, write_plan
from sharpeyes.planning.model import Method
from sharpeyes.planning.plans import plan_city

log = logging.getLogger(__name__)

__all__ = ["plan"]


def plan(
    store: Any,
    out: str | Path,
    *,
    budget: int | None,
    unit: str | None = None,
    candidates: str | Path | None = None,
    fmt: str | None = None,
    crs: str = "wgs84",
    per_unit: str | None = None,
    cost_budget: float | None = None,
    method: Method = "auto",
    time_limit_s: float = 2.0,
) -> dict[str, Any]:
    """Plan ``budget`` new cameras on the store's inventory, units, places and roads.

    Writes ``out`` (CSV, GeoJSON or Excel by ``fmt`` or suffix) and ``<stem>_curve.png``, saves
    ``store.save_result("plan", document)`` and returns the document: ``sites`` (GeoJSON
    FeatureCollection, EPSG:4326, ranked, with ``marginal_gain``), ``selected``, ``curve``,
    ``before``/``after`` coverage figures, ``covered_weight``, ``total_weight``, ``upper_bound``,
    ``method``, ``status``, ``notes``, ``written`` and ``result_id``.
    """
    sites = None
    if candidates is not None:
        check_input_file(candidates, "candidate sites file")
        with reading(candidates, "candidate sites file"):
            sites = candidates_from_file(candidates, crs=crs)
    result = plan_city(
        cameras=store.cameras(),
        units=store.units(),
        places=store.places(),
        roads=store.roads(),
        budget=budget,
        unit=unit,
        candidates=sites,
        per_unit=per_unit,
        cost_budget=cost_budget,
        method=method,
        time_limit_s=time_limit_s,
    )
    if sites is not None and sites.attrs.get("duplicates"):
        result.notes.insert(
            0, f"{len(sites.attrs['duplicates'])} duplicate candidate site(s) dropped"
        )
        result.extra["duplicate_candidates"] = sites.attrs["duplicates"]
    written = write_plan(result, out, fmt=fmt)
    document = result.document()
    document["budget"] = budget
    document["cost_budget"] = cost_budget
    document["written"] = written
    document["result_id"] = store.save_result("plan", {k: v for k, v in document.items()})
    log.info("plan saved as result %s", document["result_id"])
    return document
