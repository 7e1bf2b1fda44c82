"""The programme's figures per administrative unit and point class (DESIGN.md §2).

:func:`kpis_by_unit` returns one row per unit (city, county, township, village present in the
units frame) and per point class (``"all"``, 1, 2, 3). Formulas, with every count taken over the
cameras of the unit and of the row's class:

- ``networking_rate`` = networked / cameras;
- ``hd_ratio`` = hd / (cameras − hd_unknown), HD meaning ``is_hd`` or a vertical resolution
  ≥ ``hd_min_lines`` (1080); ``hd_unknown`` counts cameras of unknown resolution (not guessed);
- ``online_rate`` = networked cameras online at the last finished health run (verdict ``ok`` or
  ``degraded``) / networked cameras ``probed`` in it; ``intact_rate`` = networked cameras with
  verdict ``ok`` (online, no picture fault) / probed — both null before any health run;
  ``not_probed`` (未巡检) counts the networked cameras the run did not probe (no stream URL, not
  reached): counted apart, never as offline;
- ``village_coverage`` = administrative villages (村民委员会) with at least one networked camera of
  ``village_classes`` (for a class row: of that class) / administrative villages in the unit;
  ``community_coverage`` the same over communities (居民委员会). A village-level unit's kind is its
  ``village_kind``, else its 12-digit statistical code (digits 10–12: 001–199 community, 200–399
  village, 400–599 virtual), else its name (…村/村委会 vs …社区/居委会); virtual units count in
  neither, units of unknown kind as villages;
- ``area_coverage`` = area inside any camera's field of view / unit area (leaf areas, see
  :mod:`sharpeyes.coverage.area`);
- ``place_coverage`` = key places inside a networked camera's field of view / key places, also per
  category (``place_coverage_school`` …);
- ``road_coverage`` = length of key roads inside the union of networked cameras' fields of view /
  total length, also per road class (``road_coverage_trunk`` …);
- ``density_km2`` = cameras / unit area in km²; ``density_per_1000`` = cameras / population × 1000.

Rates are fractions in [0, 1], ``None`` (NaN) where the denominator is zero or unknown (no cameras
for networking/HD, no networked camera for online/intact, no village/place/road/geometry). A unit
with no cameras has ``cameras`` 0, ``density_km2`` 0 and coverage 0 where its denominator exists.

Every count and covered area is additive, so a unit's figure is the sum of its children's (plus
whatever of the unit lies outside all its children). Inputs are prepared once
(:func:`~sharpeyes.coverage.inputs.prepare_inputs`), the computation is partitioned by county
(:mod:`sharpeyes.coverage.counts`); each partition is independent, and :func:`kpis_by_unit` runs them in
this process, on a process pool (``workers``), or on a Dask cluster (``dask_client``).

National targets (《关于加强公共安全视频监控建设联网应用工作的若干意见》, 2015, nine ministries),
flagged per row (``None`` where the figure is unknown or the target does not apply):

- ``target_coverage_met``: key public areas 100 % covered — key places all covered;
- ``target_networking_met``: key public areas 100 % networked — networking rate 1 for rows
  ``all`` and class 1;
- ``target_hd_met``: new and rebuilt cameras 100 % HD — HD ratio 1 (the registry does not say
  which cameras are new, so every camera of known resolution counts);
- ``target_intact_met``: intact rate ≥ 98 % in key public areas (rows ``all`` and class 1) and
  ≥ 95 % in key industries and sectors (class 2);
- ``targets_met``: every applicable flag true.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from sharpeyes.coverage.counts import (
    Partition,
    county_partitions,
    partial_counts,
)
from sharpeyes.coverage.inputs import (
    CLASSES,
    CODE_COLUMNS,
    AreaMethod,
    CoverageInputs,
    prepare_inputs,
)
from sharpeyes.coverage.pool import counts_on_pool
from sharpeyes.model.codes import HD_MIN_LINES

__all__ = [
    "CLASSES",
    "KPI_KEYS",
    "TARGETS",
    "CoverageInputs",
    "county_partitions",
    "kpis_by_unit",
    "partial_counts",
    "platform_online_by_unit",
    "platform_probe_disagreements",
    "prepare_inputs",
    "rates_from_counts",
]

#: Keys every report row carries (more follow them).
KPI_KEYS: Final = (
    "unit_code",
    "unit_name",
    "level",
    "point_class",
    "cameras",
    "networked",
    "networking_rate",
    "hd",
    "hd_unknown",
    "hd_ratio",
    "online_rate",
    "intact_rate",
    "village_coverage",
    "community_coverage",
    "area_coverage",
    "place_coverage",
    "road_coverage",
    "density_km2",
)

#: Targets of the 2015 nine-ministry opinion, as thresholds on the rates.
TARGETS: Final = {
    "coverage": 1.0,
    "networking": 1.0,
    "hd": 1.0,
    "intact_key_public_areas": 0.98,
    "intact_key_industries": 0.95,
}

LEVEL_ORDER: Final = ("city", "county", "township", "village")


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    num = num.astype(float)
    den = den.astype(float)
    return (num / den).where(den > 0)


#: Columns after :data:`KPI_KEYS` in every row, before the per-category coverage columns.
_EXTRA_COLUMNS: Final = (
    "parent_code",
    "area_km2",
    "population",
    "density_per_1000",
    "online",
    "intact",
    "probed",
    "not_probed",
    "villages",
    "villages_covered",
    "communities",
    "communities_covered",
    "places",
    "places_covered",
    "road_km",
    "road_covered_km",
    "target_coverage_met",
    "target_networking_met",
    "target_hd_met",
    "target_intact_met",
    "targets_met",
)


def _count_grid(counts: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """One row per unit and class (0 = all, 1, 2, 3) with every count (0 or NaN where none)."""
    base = units[["code", "name", "level", "parent_code", "population"]].rename(
        columns={"code": "unit_code", "name": "unit_name"}
    )
    grid = base.merge(pd.DataFrame({"point_class": [0, *CLASSES]}), how="cross")
    counts = counts.groupby(["unit_code", "point_class"]).sum(min_count=1).reset_index()
    df = grid.merge(counts, on=["unit_code", "point_class"], how="left")
    for c in ("cameras", "networked", "hd", "hd_unknown", "online", "intact", "probed"):
        if c not in df:
            df[c] = 0
        df[c] = df[c].fillna(0).astype(np.int64)
    for c in (
        *("villages", "villages_covered", "communities", "communities_covered"),
        *("places", "places_covered"),
        *("area_m2", "covered_m2", "road_m", "road_covered_m"),
    ):
        if c not in df:
            df[c] = np.nan
    return df


def _add_rates(
    df: pd.DataFrame, *, has_health: bool, place_categories: list[str], road_classes: list[str]
) -> None:
    """The rates of the module docstring, from the counts of ``df``."""
    df["networking_rate"] = _ratio(df["networked"], df["cameras"])
    df["hd_ratio"] = _ratio(df["hd"], df["cameras"] - df["hd_unknown"])
    if has_health:
        df["online_rate"] = _ratio(df["online"], df["probed"])
        df["intact_rate"] = _ratio(df["intact"], df["probed"])
        df["not_probed"] = (df["networked"] - df["probed"]).astype(np.int64)
    else:
        df["online_rate"] = np.nan
        df["intact_rate"] = np.nan
        for c in ("online", "intact", "probed", "not_probed"):
            df[c] = pd.array([pd.NA] * len(df), dtype="Int64")
    df["village_coverage"] = _ratio(df["villages_covered"].fillna(0), df["villages"].fillna(0))
    df["community_coverage"] = _ratio(
        df["communities_covered"].fillna(0), df["communities"].fillna(0)
    )
    df["area_coverage"] = _ratio(df["covered_m2"], df["area_m2"])
    df["place_coverage"] = _ratio(df["places_covered"].fillna(0), df["places"].fillna(0))
    df["road_coverage"] = _ratio(df["road_covered_m"].fillna(0), df["road_m"].fillna(0))
    df["area_km2"] = df["area_m2"] / 1e6
    df["density_km2"] = _ratio(df["cameras"], df["area_km2"])
    pop = pd.to_numeric(df["population"], errors="coerce")
    df["density_per_1000"] = _ratio(df["cameras"] * 1000.0, pop)
    df["road_km"] = df["road_m"] / 1000.0
    df["road_covered_km"] = df["road_covered_m"] / 1000.0
    for c in place_categories:
        if f"places_{c}" in df:
            df[f"place_coverage_{c}"] = _ratio(
                df[f"places_covered_{c}"].fillna(0), df[f"places_{c}"].fillna(0)
            )
    for c in road_classes:
        if f"road_m_{c}" in df:
            df[f"road_coverage_{c}"] = _ratio(
                df[f"road_covered_m_{c}"].fillna(0), df[f"road_m_{c}"].fillna(0)
            )


def _flag(rate: pd.Series, threshold: np.ndarray | float, applies: np.ndarray) -> pd.Series:
    """Whether ``rate`` meets ``threshold``; ``<NA>`` where the rate is unknown or does not apply."""
    met = rate.to_numpy(dtype=float) >= np.asarray(threshold) - 1e-12
    out = pd.array(met, dtype="boolean")
    out[~applies | rate.isna().to_numpy()] = pd.NA
    return pd.Series(out, index=rate.index)


def _add_targets(df: pd.DataFrame) -> None:
    """The target flags of the module docstring, and ``targets_met``."""
    cls = df["point_class"].to_numpy()
    key_public = (cls == 0) | (cls == 1)
    df["target_coverage_met"] = _flag(df["place_coverage"], TARGETS["coverage"], key_public)
    df["target_networking_met"] = _flag(df["networking_rate"], TARGETS["networking"], key_public)
    df["target_hd_met"] = _flag(df["hd_ratio"], TARGETS["hd"], np.ones(len(df), bool))
    intact_threshold = np.where(
        cls == 2, TARGETS["intact_key_industries"], TARGETS["intact_key_public_areas"]
    )
    df["target_intact_met"] = _flag(df["intact_rate"], intact_threshold, cls != 3)
    flags = df[
        ["target_coverage_met", "target_networking_met", "target_hd_met", "target_intact_met"]
    ]
    any_false = (flags == False).any(axis=1)  # noqa: E712
    any_known = flags.notna().any(axis=1)
    all_met = pd.array(~any_false.to_numpy(), dtype="boolean")
    all_met[~any_known.to_numpy()] = pd.NA
    df["targets_met"] = all_met


def rates_from_counts(
    counts: pd.DataFrame,
    units: pd.DataFrame,
    *,
    has_health: bool,
    place_categories: list[str],
    road_classes: list[str],
) -> pd.DataFrame:
    """Rates, targets and labels from additive counts; one row per unit and class (all, 1, 2, 3)."""
    df = _count_grid(counts, units)
    _add_rates(
        df, has_health=has_health, place_categories=place_categories, road_classes=road_classes
    )
    _add_targets(df)
    df["point_class"] = pd.Series(
        ["all" if c == 0 else int(c) for c in df["point_class"]], dtype=object
    )
    level_rank = {lvl: i for i, lvl in enumerate(LEVEL_ORDER)}
    df["_rank"] = df["level"].map(level_rank).fillna(9)
    df["_cls"] = [0 if c == "all" else c for c in df["point_class"]]
    df = df.sort_values(["_rank", "unit_code", "_cls"]).drop(columns=["_rank", "_cls"])
    per_cat = [c for c in df.columns if c.startswith(("place_coverage_", "road_coverage_"))]
    return df[[*KPI_KEYS, *_EXTRA_COLUMNS, *per_cat]].reset_index(drop=True)


def kpis_by_unit(
    cameras: pd.DataFrame,
    units: gpd.GeoDataFrame,
    *,
    health: pd.DataFrame | None = None,
    places: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None,
    hd_min_lines: int = HD_MIN_LINES,
    village_classes: Iterable[int] = CLASSES,
    area: AreaMethod = "exact",
    cell_m: float = 10.0,
    area_by_class: bool = True,
    crs: pyproj.CRS | str | None = None,
    workers: int = 1,
    dask_client: Any = None,
    inputs: CoverageInputs | None = None,
) -> pd.DataFrame:
    """KPIs per administrative unit and point class (formulas in the module docstring).

    Parameters
    ----------
    cameras
        Canonical cameras (EPSG:4326 point geometry or ``lon``/``lat``).
    units
        Units (:data:`~sharpeyes.model.columns.UNIT_COLUMNS`, any CRS; reprojected).
    health
        Latest health results (``device_id, verdict, faults``); ``None`` before any run, which
        leaves online and intact rates null.
    places, roads
        Key places (points or polygons, ``category``) and key roads (lines, ``road_class``).
    hd_min_lines
        HD threshold in lines.
    village_classes
        Point classes whose networked cameras make a village covered.
    area
        ``"exact"`` (vector union), ``"fast"`` (raster of ``cell_m`` metres) or ``"none"``.
    area_by_class
        Also compute area coverage of each class's cameras alone (rows 1/2/3).
    crs
        Metric CRS; default :func:`~sharpeyes.model.crs.metric_crs` of the units.
    workers
        Partitions (counties) run on this many processes (1: in this process).
    dask_client
        A ``dask.distributed.Client``: the partitions run on its cluster instead.
    inputs
        Already prepared inputs (:func:`prepare_inputs`), to reuse across calls.

    Returns
    -------
    DataFrame
        :data:`KPI_KEYS` first, then ``parent_code, area_km2, population, density_per_1000, online,
        intact, probed, not_probed, villages, villages_covered, communities, communities_covered,
        places, places_covered, road_km, road_covered_km``,
        target flags and per-category/per-class coverage columns. ``df.attrs["metric_crs"]`` names
        the CRS areas and lengths were measured in.
    """
    if inputs is None:
        inputs = prepare_inputs(
            cameras,
            units,
            health=health,
            places=places,
            roads=roads,
            hd_min_lines=hd_min_lines,
            crs=crs,
        )
    kwargs: dict[str, Any] = {
        "area": area,
        "cell_m": cell_m,
        "area_by_class": area_by_class,
        "village_classes": tuple(village_classes),
    }
    counts = _counts_of_partitions(inputs, kwargs, workers=workers, dask_client=dask_client)
    return _rates(counts, inputs)


def _rates(counts: pd.DataFrame, inputs: CoverageInputs) -> pd.DataFrame:
    """The KPI table from the partitions' counts, naming its metric CRS in ``attrs``."""
    df = rates_from_counts(
        counts,
        inputs.units,
        has_health=inputs.has_health,
        place_categories=inputs.place_categories,
        road_classes=inputs.road_classes,
    )
    df.attrs["metric_crs"] = inputs.crs.to_string()
    return df


def _counts_of_partitions(
    inputs: CoverageInputs, kwargs: dict[str, Any], *, workers: int, dask_client: Any
) -> pd.DataFrame:
    """Counts of every county partition, on a dask cluster, a process pool or here; concatenated."""
    parts = county_partitions(inputs)
    # biggest partitions first, so that workers finish together
    parts.sort(key=lambda p: -(len(p.covering) + len(p.cameras)))
    if dask_client is not None:
        futures = dask_client.map(_run_partition, parts, **kwargs, pure=False)
        results = dask_client.gather(futures)
    elif workers > 1 and (len(parts) > 1 or kwargs.get("area") == "exact"):
        results = counts_on_pool(parts, kwargs, workers)
    else:
        results = [partial_counts(p, **kwargs) for p in parts]
    frames = [r for r in results if len(r)]
    if not frames:
        return pd.DataFrame(columns=["unit_code", "point_class"])
    counts: pd.DataFrame = pd.concat(frames, ignore_index=True)
    return counts


def _run_partition(part: Partition, **kwargs: Any) -> pd.DataFrame:
    return partial_counts(part, **kwargs)


# -- the platform's own online rate beside the probe's ------------------------------------------
_PLATFORM_COUNTS: Final = (
    "platform_channels",
    "platform_online",
    "platform_online_probe_offline",
    "platform_offline_probe_online",
)


def platform_probe_disagreements(
    platform_status: pd.DataFrame, health: pd.DataFrame | None
) -> pd.DataFrame:
    """Cameras the platform calls online that the last probe found offline, and the other way round.

    ``platform_status``: ``device_id, status`` (``online``/``offline``, the newest sync);
    ``health``: the last run's ``device_id, verdict``. Returns ``device_id, platform_status,
    probe_verdict``; cameras not probed are left out (neither side can be contradicted).
    """
    cols = ["device_id", "platform_status", "probe_verdict"]
    if health is None or len(health) == 0 or len(platform_status) == 0:
        return pd.DataFrame(columns=cols)
    probe = health.drop_duplicates("device_id", keep="last")[["device_id", "verdict"]]
    both = platform_status[["device_id", "status"]].merge(probe, on="device_id")
    probe_online = both["verdict"].isin(["ok", "degraded"])
    probe_offline = both["verdict"] == "offline"
    odd = ((both["status"] == "online") & probe_offline) | (
        (both["status"] == "offline") & probe_online
    )
    out = both.loc[odd].rename(columns={"status": "platform_status", "verdict": "probe_verdict"})
    return out[cols].sort_values("device_id").reset_index(drop=True)


def platform_online_by_unit(
    kpis: pd.DataFrame,
    inputs: CoverageInputs,
    platform_status: pd.DataFrame,
    health: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """``kpis`` with the platform's online rate beside the probe's, per unit and point class.

    The new columns follow the :data:`KPI_KEYS` block (``platform_online_rate`` first).

    ``platform_online_rate`` = cameras the platform calls online at its newest sync / cameras it
    reports a status for (``platform_channels``); null where the platform reports none. Also
    ``platform_online_probe_offline`` (the platform says online, the last probe found offline) and
    ``platform_offline_probe_online`` (the other way round). Cameras are placed in units as for
    every other figure (``inputs.cameras``).
    """
    out = kpis.copy()
    cams = inputs.cameras
    status = platform_status.drop_duplicates("device_id", keep="last").set_index("device_id")
    said = status["status"].reindex(cams["device_id"].astype(str)).to_numpy(dtype=object)
    verdict = np.full(len(cams), None, dtype=object)
    if health is not None and len(health):
        latest = health.drop_duplicates("device_id", keep="last").set_index("device_id")
        verdict = latest["verdict"].reindex(cams["device_id"].astype(str)).to_numpy(dtype=object)
    flags = pd.DataFrame(
        {
            "platform_channels": np.isin(said, ["online", "offline"]),
            "platform_online": said == "online",
            "platform_online_probe_offline": (said == "online") & (verdict == "offline"),
            "platform_offline_probe_online": (said == "offline")
            & np.isin(verdict, ["ok", "degraded"]),
        }
    ).astype(np.int64)
    parts = []
    for level in CODE_COLUMNS:
        codes = cams[level].astype(object)
        for cls, sel in (
            ("all", np.ones(len(cams), bool)),
            *((c, cams["point_class"].to_numpy() == c) for c in CLASSES),
        ):
            keep = sel & codes.notna().to_numpy()
            if not keep.any():
                continue
            sums = flags[keep].groupby(codes[keep].to_numpy()).sum()
            parts.append(sums.rename_axis("unit_code").reset_index().assign(point_class=cls))
    counts = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["unit_code", "point_class", *_PLATFORM_COUNTS])
    )
    out = out.merge(counts, on=["unit_code", "point_class"], how="left")
    for c in _PLATFORM_COUNTS:
        out[c] = out[c].fillna(0).astype(np.int64)
    # right after the KPI_KEYS block (which stays first, in its order, as the report promises)
    at = (
        max(list(out.columns).index(k) for k in KPI_KEYS if k in out) + 1 if len(out.columns) else 0
    )
    out.insert(at, "platform_online_rate", _ratio(out["platform_online"], out["platform_channels"]))
    return out
