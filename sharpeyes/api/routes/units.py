"""``/api/units``: the administrative unit tree (city → county → township → village) with KPIs;
with ``hierarchy=police``, the police tree (bureau → sub-bureau 分局 → station 派出所)."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any, Final

from fastapi import APIRouter, HTTPException, Query, Response

from sharpeyes.api.convert import clean, records
from sharpeyes.api.deps import (
    AppState,
    StateDep,
    Viewer,
    cached,
    latest,
    police_units_frame,
    units_frame,
)
from sharpeyes.api.schemas import Unit, UnitHistory, UnitList
from sharpeyes.model.codes import ADMIN_LEVELS
from sharpeyes.model.police import HIERARCHIES, POLICE_LEVELS

#: Each hierarchy's levels, its latest report's result kind, and the cache key of its units.
_HIERARCHY: Final = {
    "admin": (tuple(ADMIN_LEVELS), "report", ""),
    "police": (tuple(POLICE_LEVELS), "police_report", "police:"),
}

router = APIRouter(prefix="/api/units", tags=["units"])

#: Page size of ``/api/units`` without filters, and the largest page asked for.
UNFILTERED_PAGE = 100
MAX_PAGE = 5000


def kpi_rows_by_unit(state: AppState, hierarchy: str = "admin") -> dict[str, list[dict[str, Any]]]:
    """KPI rows of the latest report of ``hierarchy`` (admin or police), by ``unit_code``."""
    _, kind, prefix = _HIERARCHY[hierarchy]

    def load() -> dict[str, list[dict[str, Any]]]:
        report = latest(state, kind) or {}
        by_unit: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in report.get("rows") or []:
            if isinstance(row, dict) and row.get("unit_code") is not None:
                by_unit[str(row["unit_code"])].append(clean(row))
        return dict(by_unit)

    return cached(state, f"{prefix}kpis_by_unit", load)  # type: ignore[no-any-return]


def unit_table(state: AppState, hierarchy: str = "admin") -> list[dict[str, Any]]:
    """Every unit of ``hierarchy`` as a plain record (no geometry), with its KPI rows."""
    prefix = _HIERARCHY[hierarchy][2]

    def load() -> list[dict[str, Any]]:
        kpis = kpi_rows_by_unit(state, hierarchy)
        frame = units_frame(state) if hierarchy == "admin" else police_units_frame(state)
        out = []
        for row in records(frame):
            code = str(row.get("code"))
            out.append(
                {
                    "code": code,
                    "name": row.get("name"),
                    "level": row.get("level"),
                    "parent_code": None
                    if row.get("parent_code") is None
                    else str(row["parent_code"]),
                    "population": row.get("population"),
                    "kpis": kpis.get(code, []),
                }
            )
        return out

    return cached(state, f"{prefix}unit_table", load)  # type: ignore[no-any-return]


def _tree(table: list[dict[str, Any]], root: str | None, depth: int | None) -> list[dict[str, Any]]:
    children: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    codes = {u["code"] for u in table}
    for unit in table:
        parent = unit["parent_code"] if unit["parent_code"] in codes else None
        children[parent].append(unit)

    def build(unit: dict[str, Any], level: int) -> dict[str, Any]:
        node = dict(unit)
        node["children"] = (
            [build(c, level + 1) for c in children.get(unit["code"], [])]
            if depth is None or level < depth
            else []
        )
        return node

    if root is None:
        return [build(u, 1) for u in children.get(None, [])]
    return [build(u, 1) for u in table if u["code"] == root]


@router.get("", response_model=UnitList, summary="Units with their KPIs, as a list or a tree")
def list_units(
    state: StateDep,
    user: Viewer,
    level: Annotated[str | None, Query(description="city, county, township or village")] = None,
    parent: Annotated[str | None, Query(description="only the children of this unit code")] = None,
    tree: Annotated[bool, Query(description="nest children under their parents")] = False,
    depth: Annotated[int | None, Query(ge=1, le=5, description="tree depth")] = None,
    hierarchy: Annotated[
        str, Query(description="admin (default) or police (bureau, sub_bureau, station)")
    ] = "admin",
    limit: Annotated[
        int | None,
        Query(
            ge=1, le=MAX_PAGE, description=f"page size (default {UNFILTERED_PAGE} without filters)"
        ),
    ] = None,
    offset: Annotated[int, Query(ge=0, le=100_000_000)] = 0,
) -> UnitList:
    """KPI rows per unit from the latest report (``networking_rate``, ``hd_ratio``, ``intact_rate``,
    ``village_coverage`` … as fractions 0–1, one row per point class and one for all classes);
    ``hierarchy=police``: per police unit, from the latest police report.

    Without ``level``, ``parent`` or ``tree`` the list is paged like the camera list (``limit``
    100 by default, ``total``, ``offset``); with a filter it is whole unless ``limit`` is given."""
    if hierarchy not in HIERARCHIES:
        raise HTTPException(400, f"hierarchy: {hierarchy!r} is not one of {list(HIERARCHIES)}")
    levels, kind, prefix = _HIERARCHY[hierarchy]
    if level is not None and level not in levels:
        raise HTTPException(400, f"level: {level!r} is not one of {list(levels)}")
    if parent is not None and len(parent) > 20:
        raise HTTPException(400, "parent: not a division code")
    if limit is None and level is None and parent is None and not tree:
        limit = UNFILTERED_PAGE
    if limit is not None and not tree:
        return _page(state, hierarchy, level, parent, limit=limit, offset=offset)  # type: ignore[return-value]

    def render() -> bytes:
        table = unit_table(state, hierarchy)
        available = latest(state, kind) is not None
        if tree:
            units = _tree(table, parent, depth)
        else:
            units = [
                u
                for u in table
                if (level is None or u["level"] == level)
                and (parent is None or u["parent_code"] == parent)
            ]
        body = UnitList(report_available=available, units=[Unit.model_validate(u) for u in units])
        return body.model_dump_json().encode()

    if parent is not None:  # few units each: not worth a cache entry per code asked for
        return Response(render(), media_type="application/json")  # type: ignore[return-value]
    key = f"{prefix}units_json:{level}:{tree}:{depth}"
    return Response(cached(state, key, render), media_type="application/json")  # type: ignore[return-value]


def _page(
    state: AppState,
    hierarchy: str,
    level: str | None,
    parent: str | None,
    *,
    limit: int,
    offset: int,
) -> Response:
    """One page of the unit list of ``hierarchy`` (in the unit table's order), with ``total``."""
    table = [
        u
        for u in unit_table(state, hierarchy)
        if (level is None or u["level"] == level) and (parent is None or u["parent_code"] == parent)
    ]
    body = UnitList(
        report_available=latest(state, _HIERARCHY[hierarchy][1]) is not None,
        units=[Unit.model_validate(u) for u in table[offset : offset + limit]],
        total=len(table),
        limit=limit,
        offset=offset,
    )
    return Response(body.model_dump_json().encode(), media_type="application/json")


@router.get("/{code}", response_model=Unit, summary="One unit with its KPIs and children")
def get_unit(
    code: str,
    state: StateDep,
    user: Viewer,
    hierarchy: Annotated[str, Query(description="admin (default) or police")] = "admin",
) -> Unit:
    """The unit, its KPI rows and its direct children (with theirs)."""
    if hierarchy not in HIERARCHIES:
        raise HTTPException(400, f"hierarchy: {hierarchy!r} is not one of {list(HIERARCHIES)}")
    table = unit_table(state, hierarchy)
    found = _tree(table, code, 2)
    if not found:
        raise HTTPException(404, f"no unit with code {code!r}")
    return Unit.model_validate(found[0])


@router.get(
    "/{code}/history",
    response_model=UnitHistory,
    summary="One unit's KPIs in every stored report period (month on month)",
)
def get_unit_history(
    code: str,
    state: StateDep,
    user: Viewer,
    point_class: Annotated[
        str | None, Query(description="all, 1, 2 or 3: only that class's rows")
    ] = None,
) -> UnitHistory:
    """The unit's KPI rows (``networking_rate``, ``hd_ratio`` … as fractions 0–1) in the newest
    report of each stored period, oldest first; 404 for a unit neither in the store nor in any
    stored report."""
    from sharpeyes.jobs.trend import history_of_unit, reported_codes

    if point_class is not None and point_class not in ("all", "1", "2", "3"):
        raise HTTPException(400, f"point_class: {point_class!r} is not one of all, 1, 2, 3")
    unit = next((u for u in unit_table(state) if u["code"] == code), None)
    # units gone from the store keep their history; any other code is answered without a scan
    if unit is None and code not in cached(
        state, "reported_codes", lambda: reported_codes(state.store)
    ):
        raise HTTPException(404, f"no unit with code {code!r}")
    found = cached(
        state,
        f"history:{code}:{point_class}",
        lambda: history_of_unit(state.store, code, point_class=point_class),
    )
    if found is None:
        if unit is None:  # the reports that had it were superseded since the codes were read
            raise HTTPException(404, f"no unit with code {code!r}")
        found = {
            "code": code,
            "name": unit["name"],
            "level": unit["level"],
            "periods": [],
            "series": [],
        }
    return UnitHistory.model_validate(clean(found))
