"""Uplink load: each camera's stream bitrate summed over the links of its route to the platform.

Bitrate of one camera (Mbit/s) = ``H264_MBPS`` for its vertical resolution × ``CODEC_FACTOR`` of its
codec. The default table (one main stream, constant bitrate, typical encoder settings of
surveillance cameras):

=================  =====================  =========
vertical lines     example                H.264 Mbit/s
=================  =====================  =========
≤ 288              CIF                    0.5
≤ 576              D1 / SD                1.5
≤ 720              720p                   2
≤ 1080             1080p                  4
≤ 1536             3–4 MP                 6
≤ 1944             5 MP                   8
> 1944             4K / 8 MP              12
=================  =====================  =========

Codec factors: H.264 1.0, H.265 0.5, SVAC 0.6, MJPEG 3.0. A camera of unknown resolution counts as
1080p and of unknown codec as H.264 (the commonest, and the conservative choice); how many were
assumed is reported. Every figure is overridable (:class:`BitrateTable`, CLI ``--bitrates FILE``).

Load of a link = sum of the bitrates of the cameras whose route crosses it. Routes follow the BFS
tree of :func:`sharpeyes.network.graph.routes_from_platforms` (fewest hops to the nearest platform):
in a ring the traffic takes the shorter side and the ring's far link carries nothing until a failure.
A link whose capacity is unknown gets a load but no utilisation (unknown, never 0 %).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from sharpeyes._errors import ConfigError
from sharpeyes.network.collapsed import edge_lower_ends
from sharpeyes.network.graph import (
    CLASS_KEYS,
    Network,
    Routes,
    class_weights,
    subtree_sums,
)

#: Utilisation above which a link is flagged as overloaded.
OVERLOAD_THRESHOLD: Final = 0.8

_DEFAULT_H264: Final = ((288, 0.5), (576, 1.5), (720, 2.0), (1080, 4.0), (1536, 6.0), (1944, 8.0))
_DEFAULT_CODECS: Final = {"h264": 1.0, "h265": 0.5, "svac": 0.6, "mjpeg": 3.0}


@dataclass(frozen=True)
class BitrateTable:
    """Stream bitrate by resolution and codec (see the module docstring for the defaults).

    ``h264_mbps`` is a sequence of ``(max_lines, mbps)`` in increasing order; above the last,
    ``above_mbps``. ``codec_factor`` maps a lower-case codec name to a factor on the H.264 figure.
    """

    h264_mbps: tuple[tuple[int, float], ...] = _DEFAULT_H264
    above_mbps: float = 12.0
    codec_factor: dict[str, float] = field(default_factory=lambda: dict(_DEFAULT_CODECS))
    default_lines: int = 1080
    default_codec: str = "h264"

    @classmethod
    def from_file(cls, path: str | Path) -> BitrateTable:
        """Read overrides from JSON: ``{"h264_mbps": [[576, 1.5], ...], "above_mbps": 12,
        "codec_factor": {"h265": 0.5}, "default_lines": 1080, "default_codec": "h264"}``."""
        try:
            doc = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read the bitrate table: {exc}") from None
        base = cls()
        try:
            steps = tuple((int(a), float(b)) for a, b in doc.get("h264_mbps", base.h264_mbps))
            factors = dict(base.codec_factor)
            factors.update(
                {_codec_key(k): float(v) for k, v in doc.get("codec_factor", {}).items()}
            )
            return cls(
                h264_mbps=tuple(sorted(steps)),
                above_mbps=float(doc.get("above_mbps", base.above_mbps)),
                codec_factor=factors,
                default_lines=int(doc.get("default_lines", base.default_lines)),
                default_codec=_codec_key(doc.get("default_codec", base.default_codec)),
            )
        except (TypeError, ValueError, AttributeError) as exc:
            raise ConfigError(f"{path}: bitrate table is malformed: {exc}") from None

    def as_dict(self) -> dict[str, object]:
        """The table as plain values (for reports)."""
        return {
            "h264_mbps": [list(step) for step in self.h264_mbps],
            "above_mbps": self.above_mbps,
            "codec_factor": dict(self.codec_factor),
            "default_lines": self.default_lines,
            "default_codec": self.default_codec,
        }


def _codec_key(value: object) -> str:
    text = str(value).strip().lower().replace(".", "").replace("-", "").replace(" ", "")
    return {"hevc": "h265", "avc": "h264", "svac2": "svac", "mjpg": "mjpeg"}.get(text, text)


def camera_bitrates(
    resolution_lines: pd.Series, codec: pd.Series, table: BitrateTable | None = None
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Bitrate (Mbit/s) of each camera, whether its resolution was assumed, whether its codec was.

    Parameters
    ----------
    resolution_lines
        Vertical resolution in lines (nullable integers).
    codec
        Codec names (H.264, H.265/HEVC, SVAC, MJPEG …; nullable). Unknown names count as the default.
    """
    table = table or BitrateTable()
    lines = pd.to_numeric(resolution_lines, errors="coerce")
    assumed = lines.isna()
    values = lines.fillna(table.default_lines).to_numpy(dtype=float)
    bounds = np.array([b for b, _ in table.h264_mbps], dtype=float)
    rates = np.array([r for _, r in table.h264_mbps] + [table.above_mbps], dtype=float)
    h264 = rates[np.searchsorted(bounds, values, side="left")]
    factor = pd.Series(np.nan, index=codec.index, dtype="float64")
    known = codec.notna()
    if known.any():
        keys = codec[known].astype(str).map(_codec_key)
        factor[known] = keys.map(table.codec_factor).astype("float64")
    codec_assumed = factor.isna()
    factor = factor.fillna(table.codec_factor.get(table.default_codec, 1.0))
    return (
        pd.Series(h264 * factor.to_numpy(dtype=float), index=resolution_lines.index),
        pd.Series(assumed.to_numpy(dtype=bool), index=resolution_lines.index),
        pd.Series(codec_assumed.to_numpy(dtype=bool), index=resolution_lines.index),
    )


def link_loads(
    network: Network,
    routes: Routes,
    bitrate_mbps: pd.Series,
    *,
    threshold: float = OVERLOAD_THRESHOLD,
    overloaded_access_only: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Load on every infrastructure link and on every camera access link (only the overloaded
    ones with ``overloaded_access_only``).

    Parameters
    ----------
    bitrate_mbps
        Bitrate per row of ``network.cameras`` (Mbit/s).

    Returns
    -------
    infrastructure, access
        ``infrastructure``: one row per graph link, columns ``a, b`` (as written), ``upper`` (the
        platform side on the route, ``<NA>`` for links no route uses), ``capacity_mbps``,
        ``load_mbps``, ``utilisation`` (load / capacity, ``NaN`` when the capacity is unknown),
        ``cameras`` (whose route crosses it), ``on_route`` (the link is on the BFS tree),
        ``overloaded`` (utilisation > threshold). ``access``: the same for each camera's own link
        (only cameras that reach a platform), with ``device_id``.
    """
    cams = network.cameras
    n = len(network.node_list)
    idx = cams["attach_idx"].to_numpy(dtype=np.int64)
    reach = idx >= 0
    reach[reach] = routes.depth[idx[reach]] >= 0
    bitrate = bitrate_mbps.to_numpy(dtype=float)
    load = node_loads(idx[reach], bitrate[reach], np.ones(int(reach.sum()), np.int64), n)
    count = np.bincount(idx[reach], minlength=n).astype(np.int64)
    infra = infrastructure_loads(network, routes, load, count, threshold=threshold)
    return infra, access_loads(
        network, bitrate, reach, threshold=threshold, overloaded_only=overloaded_access_only
    )


def node_loads(node: np.ndarray, mbps: np.ndarray, cameras: np.ndarray, n: int) -> np.ndarray:
    """Mbit/s entering the network at each node (``n`` of them) from groups of ``cameras``
    cameras at ``mbps`` each on ``node``: the distinct bitrates' counts times their rate, added
    rate by rate in increasing order — the same float sums whatever order (or partition) the
    cameras come in."""
    rates, code = np.unique(np.asarray(mbps, dtype=float), return_inverse=True)
    k = len(rates)
    counts = np.bincount(
        np.asarray(node, np.int64) * k + code.reshape(-1), weights=cameras, minlength=n * k
    ).reshape(n, k)
    load = np.zeros(n, dtype=float)
    for j in range(k):
        load += counts[:, j] * rates[j]
    return load


def infrastructure_loads(
    network: Network,
    routes: Routes,
    node_mbps: np.ndarray,
    node_cameras: np.ndarray,
    *,
    threshold: float,
) -> pd.DataFrame:
    """Every infrastructure link's row of :func:`link_loads` from what enters at each node
    (Mbit/s and cameras of the cameras that reach a platform, ``node_list`` order)."""
    names = network.node_list
    load = subtree_sums(routes, np.asarray(node_mbps, dtype=float))
    count = subtree_sums(routes, np.asarray(node_cameras, dtype=np.int64))
    graph = network.switch_graph
    lower = edge_lower_ends(graph, routes.parent)
    on_route = lower >= 0
    upper = np.where(lower == graph.edge_b, graph.edge_a, graph.edge_b)
    node_names = np.array([*names, None], dtype=object)
    edges = list(network.graph.edges(data=True))
    infra = pd.DataFrame(
        {
            "a": pd.Series([d.get("a", u) for u, _, d in edges], dtype=object),
            "b": pd.Series([d.get("b", v) for _, v, d in edges], dtype=object),
            "upper": node_names[np.where(on_route, upper, -1)],
            "capacity_mbps": [d.get("capacity_mbps", np.nan) for _, _, d in edges],
            "load_mbps": np.where(on_route, load[np.maximum(lower, 0)], 0.0).astype(float),
            "cameras": np.where(on_route, count[np.maximum(lower, 0)], 0).astype(np.int64),
            "on_route": on_route,
        }
    )
    infra["capacity_mbps"] = pd.to_numeric(infra["capacity_mbps"], errors="coerce").astype(float)
    infra["utilisation"] = infra["load_mbps"] / infra["capacity_mbps"]
    infra["overloaded"] = (infra["utilisation"] > threshold).fillna(False).astype(bool)
    return infra


def access_loads(
    network: Network,
    bitrate: np.ndarray,
    reach: np.ndarray,
    *,
    threshold: float,
    overloaded_only: bool = False,
) -> pd.DataFrame:
    """Each camera's own access link (cameras that reach a platform, ``reach``; bitrate in
    Mbit/s per row of ``network.cameras``); with ``overloaded_only`` only the overloaded ones
    (a province's report needs no row per camera)."""
    cams = network.cameras
    direct = reach & ~cams["in_graph"].to_numpy(dtype=bool)
    if overloaded_only:
        capacity = cams["link_capacity_mbps"].to_numpy(dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            direct &= bitrate / capacity > threshold
    access = pd.DataFrame(
        {
            "device_id": cams.loc[direct, "device_id"].to_numpy(dtype=object),
            "a": cams.loc[direct, "link_a"].to_numpy(dtype=object),
            "b": cams.loc[direct, "link_b"].to_numpy(dtype=object),
            "upper": cams.loc[direct, "attach"].to_numpy(dtype=object),
            "capacity_mbps": cams.loc[direct, "link_capacity_mbps"].to_numpy(dtype=float),
            "load_mbps": bitrate[direct],
        }
    )
    return with_access_load(access, threshold)


def with_access_load(access: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """``access`` (one camera's access link a row, ``load_mbps`` and ``capacity_mbps`` in
    Mbit/s) with ``cameras`` 1, ``on_route``, ``utilisation`` and ``overloaded`` (above
    ``threshold``, a share of the capacity; unknown capacity is never overloaded)."""
    access["cameras"] = 1
    access["on_route"] = True
    access["utilisation"] = access["load_mbps"] / access["capacity_mbps"]
    access["overloaded"] = (access["utilisation"] > threshold).fillna(False).astype(bool)
    return access


def cameras_per_centre(
    network: Network, routes: Routes, *, weights: np.ndarray | None = None
) -> pd.DataFrame:
    """Cameras per monitoring centre.

    ``cameras_home``: cameras whose nearest centre on the route is this one; ``cameras_through``:
    cameras whose route passes through it at any level. Columns ``centre, name, cameras_home,
    cameras_through`` and ``home_class_<c>`` per point class. ``weights``: the cameras on each
    node by class (:func:`~sharpeyes.network.graph.class_weights`, computed when not given).
    """
    names = network.node_list
    centres = [i for i, n in enumerate(names) if network.kinds.get(n) == "centre"]
    weights = class_weights(network) if weights is None else weights
    width = len(CLASS_KEYS)
    home = np.asarray(routes.centre, dtype=np.int64)
    table = np.zeros((len(names), width), dtype=np.int64)
    homed = np.flatnonzero(home >= 0)
    np.add.at(table, home[homed], weights[homed])
    through = subtree_sums(routes, weights.sum(axis=1).astype(np.int64))
    frame = pd.DataFrame(
        {
            "centre": [names[c] for c in centres],
            "name": [network.names.get(names[c]) for c in centres],
            "cameras_home": table[centres].sum(axis=1).astype(np.int64),
            "cameras_through": [int(through[c]) if routes.depth[c] >= 0 else 0 for c in centres],
        }
    )
    for i, c in enumerate(CLASS_KEYS):
        frame[f"home_class_{c}" if c else "home_class_unknown"] = table[centres, i].astype(np.int64)
    return frame.sort_values(["cameras_through", "centre"], ascending=[False, True]).reset_index(
        drop=True
    )
