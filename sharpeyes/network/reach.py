"""Reachability: does each camera really reach a platform, and what networking rate follows.

Definitions:

* a camera **has a path** when its attachment node (:mod:`sharpeyes.network.graph`) is connected to
  at least one platform node; its **route** is the shortest-hop path (BFS tree) to the nearest one;
* **networked without path**: the registry says networked (``networked`` true) and there is no path;
* **path but not networked**: the registry says not networked (false) and there is a path. Cameras
  whose registry flag is unknown are in neither list (they are counted apart);
* **networking rate** (联网率) per unit and class = networked cameras / all cameras, once with the
  registry's flag (``rate_registry``) and once recomputed from the graph (``rate_graph`` = cameras with
  a path / all cameras). The unit is the county (first 6 digits of ``admin_code``, else of the GB/T
  28181 device ID).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sharpeyes.network.graph import Network, Routes


def camera_reachability(network: Network, routes: Routes) -> pd.DataFrame:
    """Per camera: ``device_id, point_class, unit, networked, attach, attach_via, has_path, hops,
    platform, centre``.

    ``hops`` counts links from the camera to its platform (the camera's own link included);
    ``platform`` and ``centre`` are the platform and nearest monitoring centre on the route.
    """
    cams = network.cameras
    idx = cams["attach_idx"].to_numpy(dtype=np.int64)
    has = idx >= 0
    depth = np.where(has, routes.depth[np.where(has, idx, 0)], -1)
    has_path = depth >= 0
    hops = depth + np.where(cams["in_graph"].to_numpy(dtype=bool), 0, 1)
    names = np.array([*network.node_list, None], dtype=object)
    platform = np.where(has_path, routes.platform[np.where(has, idx, 0)], -1)
    centre = np.where(has_path, routes.centre[np.where(has, idx, 0)], -1)
    return pd.DataFrame(
        {
            "device_id": cams["device_id"],
            "point_class": cams["point_class"],
            "unit": cams["unit"],
            "networked": cams["networked"],
            "in_inventory": cams["in_inventory"],
            "attach": cams["attach"],
            "attach_via": cams["attach_via"],
            "has_path": has_path,
            "hops": pd.Series(hops, index=cams.index, dtype="Int64").where(has_path),
            "platform": names[platform],
            "centre": names[centre],
        }
    )


def registry_mismatches(reach: pd.DataFrame) -> tuple[list[str], list[str]]:
    """``(networked_without_path, path_but_not_networked)``: device IDs, sorted."""
    inventory = reach["in_inventory"].to_numpy(dtype=bool)
    networked = reach["networked"].astype("boolean")
    said_yes = networked.fillna(False).to_numpy(dtype=bool) & inventory
    said_no = (~networked).fillna(False).to_numpy(dtype=bool) & inventory
    has = reach["has_path"].to_numpy(dtype=bool)
    without = sorted(reach.loc[said_yes & ~has, "device_id"].astype(str))
    with_path = sorted(reach.loc[said_no & has, "device_id"].astype(str))
    return without, with_path


def networking_rates(reach: pd.DataFrame) -> pd.DataFrame:
    """Networking rate per unit and point class, registry beside graph.

    Columns: ``unit`` (county code, ``"all"`` for the total), ``point_class`` (1/2/3/4/9, 0 unknown,
    ``"all"`` for every class), ``cameras``, ``networked_registry``, ``networked_unknown``,
    ``networked_graph``, ``rate_registry`` = networked_registry / cameras, ``rate_graph`` =
    networked_graph / cameras (fractions 0–1; ``NaN`` when there are no cameras).
    Only inventory cameras count.
    """
    return rates_from_sums(rate_sums(reach))


#: The counts of a networking-rate row.
RATE_SUMS = ["cameras", "networked_registry", "networked_unknown", "networked_graph"]


def rate_sums(reach: pd.DataFrame) -> pd.DataFrame:
    """The inventory cameras of ``reach`` counted per ``unit`` (county code, ``"unknown"``) and
    ``point_class``: :data:`RATE_SUMS` (additive over blocks and counties)."""
    inv = reach[reach["in_inventory"].to_numpy(dtype=bool)]
    frame = pd.DataFrame(
        {
            "unit": _units(inv["unit"]),
            "point_class": inv["point_class"],
            "cameras": 1,
            "networked_registry": inv["networked"].astype("boolean").fillna(False).astype(int),
            "networked_unknown": inv["networked"].isna().astype(int),
            "networked_graph": inv["has_path"].astype(int),
        }
    )
    out = frame.groupby(["unit", "point_class"], sort=True, observed=True)[RATE_SUMS].sum()
    out = out.reset_index()
    out["unit"] = out["unit"].astype(object)
    return out


def rates_from_sums(counts: pd.DataFrame) -> pd.DataFrame:
    """The networking-rate table (:func:`networking_rates`) from :func:`rate_sums` rows (of one
    inventory, or of its blocks or counties concatenated)."""
    sums = RATE_SUMS
    frame = counts.astype({c: "int64" for c in sums})
    parts = [
        frame.groupby(["unit", "point_class"], sort=True, observed=True)[sums].sum().reset_index(),
        frame.groupby("unit", sort=True, observed=True)[sums]
        .sum()
        .reset_index()
        .assign(point_class="all"),
        frame.groupby("point_class", sort=True)[sums].sum().reset_index().assign(unit="all"),
        frame[sums].sum().to_frame().T.assign(unit="all", point_class="all"),
    ]
    for part in parts[:2]:
        part["unit"] = part["unit"].astype(object)
    parts[0]["point_class"] = parts[0]["point_class"].astype(str)
    parts[2]["point_class"] = parts[2]["point_class"].astype(str)
    out = pd.concat(parts, ignore_index=True)[["unit", "point_class", *sums]]
    for column in sums:
        out[column] = out[column].astype("int64")
    cameras = out["cameras"].replace(0, np.nan)
    out["rate_registry"] = out["networked_registry"] / cameras
    out["rate_graph"] = out["networked_graph"] / cameras
    return out


def _units(unit: pd.Series) -> pd.Series:
    """County codes with ``"unknown"`` for none; a ``Categorical`` (the store's lean columns) gets
    its categories in text order, so grouping sorts as on plain text."""
    if not isinstance(unit.dtype, pd.CategoricalDtype):
        return unit.fillna("unknown")
    if "unknown" not in unit.cat.categories:
        unit = unit.cat.add_categories(["unknown"])
    unit = unit.fillna("unknown")
    return unit.cat.reorder_categories(sorted(unit.cat.categories))
