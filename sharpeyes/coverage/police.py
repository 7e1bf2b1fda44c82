"""The programme's figures per police unit (bureau → sub-bureau → station), with the same machinery
as per administrative unit (:func:`~sharpeyes.coverage.kpis.kpis_by_unit`,
:func:`~sharpeyes.coverage.units.assign_cameras`), not a copy of it.

The police tree runs through that machinery as a *view*: each police level takes one administrative
level's slot (:data:`~sharpeyes.model.police.POLICE_SLOTS`: bureau → city, sub-bureau → county,
station → township), each code gets a prefix (:data:`VIEW_PREFIX`) so that no police code can be
taken for an administrative one (both are 12 digits, and the GB/T 28181 ID's county is tried as a
county code), and the cameras carry their registry ``police_unit`` in place of their administrative
codes (a camera without a position is counted in the station, or sub-bureau, that it names). The
results are translated back: police codes, police levels.

Formulas are those of :mod:`sharpeyes.coverage.kpis`; ``village_coverage`` is null (administrative
villages are not police units), every other figure is as for an administrative unit. Geometry in
EPSG:4326 in and out; areas and lengths in the metric CRS of the jurisdictions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import geopandas as gpd
import pandas as pd

from sharpeyes.coverage.inputs import CoverageInputs, prepare_inputs
from sharpeyes.coverage.kpis import kpis_by_unit, platform_online_by_unit
from sharpeyes.coverage.units import unit_ancestors
from sharpeyes.model.codes import HD_MIN_LINES
from sharpeyes.model.frames import obj_array
from sharpeyes.model.police import POLICE_SLOTS, police_code

__all__ = [
    "MISMATCH_COLUMNS",
    "VIEW_PREFIX",
    "PoliceKpis",
    "police_kpis",
    "police_unit_mismatches",
]

#: Prefix of police codes inside the view (never in a result).
VIEW_PREFIX: Final = "police:"
#: Columns of :func:`police_unit_mismatches`.
MISMATCH_COLUMNS: Final = ("device_id", "police_unit", "station", "sub_bureau", "reason")
_LEVEL_OF_SLOT: Final = {slot: level for level, slot in POLICE_SLOTS.items()}
_ADMIN_CODE_COLUMNS: Final = ("admin_code", "township_code", "village_code")


@dataclass
class PoliceKpis:
    """KPI rows per police unit and class, where each camera was counted, and the findings.

    ``kpis``: the columns of :func:`~sharpeyes.coverage.kpis.kpis_by_unit` with police codes and
    levels. ``placement``: ``device_id, bureau, sub_bureau, station, placed`` per camera.
    ``mismatches``: :data:`MISMATCH_COLUMNS`. ``outside``/``unplaced``: cameras with a position in
    no jurisdiction, and without a position. ``metric_crs``: where areas were measured.
    """

    kpis: pd.DataFrame
    placement: pd.DataFrame
    mismatches: pd.DataFrame
    outside: pd.DataFrame
    unplaced: pd.DataFrame
    metric_crs: str

    def summary(self) -> dict[str, int]:
        return {
            "cameras": len(self.placement),
            "placed": int(self.placement["placed"].sum()),
            "outside_every_jurisdiction": len(self.outside),
            "unplaced_no_position": len(self.unplaced),
            "police_unit_mismatch": len(self.mismatches),
        }


def _to_view(code: object) -> str | None:
    text = police_code(code)
    return None if text is None else VIEW_PREFIX + text


def _from_view(values: Any) -> list[Any]:
    n = len(VIEW_PREFIX)
    return [v[n:] if isinstance(v, str) and v.startswith(VIEW_PREFIX) else v for v in values]


def _view_units(units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Police units in administrative slots, codes prefixed."""
    return units.assign(
        code=[_to_view(c) for c in units["code"]],
        parent_code=[_to_view(c) for c in units["parent_code"]],
        level=[POLICE_SLOTS.get(str(v)) for v in units["level"]],
    ).reset_index(drop=True)


def _view_cameras(cameras: pd.DataFrame) -> pd.DataFrame:
    """Cameras without their administrative codes (placed in the police tree by position only;
    :func:`_by_police_unit` adds what their ``police_unit`` says)."""
    out = cameras.copy()
    for column in _ADMIN_CODE_COLUMNS:
        out[column] = None
    return out


def _by_police_unit(inputs: CoverageInputs, cameras: pd.DataFrame, view: pd.DataFrame) -> None:
    """Where position says nothing, the unit the registry's ``police_unit`` names.

    A camera without a position is counted in the unit it names (and that unit's ancestors); a
    camera inside a sub-bureau's polygon, in a tree whose stations have none, is counted in the
    station it names when that station belongs to the sub-bureau. A position outside every
    polygon is not overruled.
    """
    if "police_unit" not in cameras or not len(cameras):
        return
    anc = unit_ancestors(view).set_index("code")
    chain = {str(c): (r.city, r.county, r.township) for c, r in anc.iterrows()}
    cam = inputs.cameras
    cols = ("city", "county", "township")
    codes = {c: obj_array(cam[c]).copy() for c in cols}
    no_position = inputs.placement.placement.index.isin(inputs.placement.unplaced.index)
    placed = inputs.placement.placement["placed"].to_numpy(dtype=bool)
    for i, named in enumerate(_to_view(v) for v in cameras["police_unit"]):
        target = chain.get(named or "")
        if target is None:
            continue
        if no_position[i] and codes["county"][i] is None and codes["township"][i] is None:
            for c, value in zip(cols, target, strict=True):
                codes[c][i] = value
        elif (
            placed[i]
            and codes["township"][i] is None
            and target[2] == named
            and target[1] in (None, codes["county"][i])
        ):
            codes["township"][i] = named
    for c in cols:
        cam[c] = codes[c]


def police_kpis(
    cameras: pd.DataFrame,
    units: gpd.GeoDataFrame,
    *,
    health: pd.DataFrame | None = None,
    places: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None,
    platform_status: pd.DataFrame | None = None,
    hd_min_lines: int = HD_MIN_LINES,
    area: str = "exact",
    cell_m: float = 10.0,
    workers: int = 1,
    dask_client: Any = None,
) -> PoliceKpis:
    """KPIs per police unit and point class (formulas: :mod:`sharpeyes.coverage.kpis`).

    ``units``: police units (levels ``bureau``, ``sub_bureau``, ``station``; EPSG:4326 polygons or
    none). ``cameras``: canonical cameras with ``police_unit``. ``platform_status``: the video
    platform's ``device_id, status`` (adds the platform's online rate, as in the admin report).
    """
    view = _view_units(units)
    inputs = prepare_inputs(
        _view_cameras(cameras),
        view,
        health=health,
        places=places,
        roads=roads,
        hd_min_lines=hd_min_lines,
    )
    _by_police_unit(inputs, cameras, view)
    df = kpis_by_unit(
        None,  # type: ignore[arg-type]
        view,
        inputs=inputs,
        area=area,  # type: ignore[arg-type]
        cell_m=cell_m,
        workers=workers,
        dask_client=dask_client,
    )
    if platform_status is not None and len(platform_status):
        df = platform_online_by_unit(df, inputs, platform_status, health)
    df = df.assign(
        unit_code=_from_view(df["unit_code"]),
        parent_code=_from_view(df["parent_code"]),
        level=[_LEVEL_OF_SLOT.get(str(v), v) for v in df["level"]],
    )
    placement = _police_placement(inputs)
    found = inputs.placement
    return PoliceKpis(
        kpis=df,
        placement=placement,
        mismatches=police_unit_mismatches(cameras, placement, units),
        outside=placement[found.placement.index.isin(found.outside.index)],
        unplaced=placement[found.placement.index.isin(found.unplaced.index)],
        metric_crs=inputs.crs.to_string(),
    )


def _police_placement(inputs: CoverageInputs) -> pd.DataFrame:
    cam = inputs.cameras
    return pd.DataFrame(
        {
            "device_id": cam["device_id"].to_numpy(),
            "bureau": pd.array(_from_view(obj_array(cam["city"])), dtype="string"),
            "sub_bureau": pd.array(_from_view(obj_array(cam["county"])), dtype="string"),
            "station": pd.array(_from_view(obj_array(cam["township"])), dtype="string"),
            "placed": inputs.placement.placement["placed"].to_numpy(dtype=bool),
        },
        index=inputs.placement.placement.index,
    )


def police_unit_mismatches(
    cameras: pd.DataFrame, placement: pd.DataFrame, units: pd.DataFrame
) -> pd.DataFrame:
    """Cameras whose registry ``police_unit`` is not the jurisdiction their position lies in.

    Only cameras placed by position are judged. The registry may name the station or any unit above
    it (its sub-bureau, the bureau): that agrees. A code that is no police unit at all, or another
    unit, is a mismatch (:data:`MISMATCH_COLUMNS`; ``reason`` says which).
    """
    if "police_unit" not in cameras or not len(cameras):
        return pd.DataFrame(columns=list(MISMATCH_COLUMNS))
    named = [police_code(v) for v in cameras["police_unit"]]
    known = {str(c) for c in units["code"]}
    rows = []
    chains = zip(
        placement["station"].astype(object),
        placement["sub_bureau"].astype(object),
        placement["bureau"].astype(object),
        strict=True,
    )
    for device, code, placed, chain in zip(
        placement["device_id"], named, placement["placed"], chains, strict=True
    ):
        found = {c for c in chain if isinstance(c, str)}
        if not placed or code is None or not found or code in found:
            continue
        where = " / ".join(c for c in (chain[1], chain[0]) if isinstance(c, str))
        reason = (
            f"registry names {code}, no police unit: position lies in {where}"
            if code not in known
            else f"registry names {code}, position lies in {where}"
        )
        rows.append((device, code, _text(chain[0]), _text(chain[1]), reason))
    return pd.DataFrame(rows, columns=list(MISMATCH_COLUMNS))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
