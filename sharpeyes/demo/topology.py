"""The demo city's video private network: platform → 46 monitoring centres → townships → switches.

Tieling's seed article: "46 monitoring centres of city and county police bureaus as hubs of a
city–county–township video private network reaching 1,175 administrative villages". The generated
topology (synthetic, deterministic for a seed; positions WGS-84):

* the city's video image sharing platform (its GB/T 28181 ID, type 200, as in the demo catalog) and
  the city bureau's monitoring centre, joined twice (40 and 10 Gbit/s, through the 银州 centre);
* one centre per county-level bureau (7), in a ring with the city centre (10 Gbit/s) — a ring at the
  upper level;
* 38 police-station sub-centres, spread over the counties by their number of townships, each
  county's sub-centres in a ring through the county centre (10 Gbit/s);
* one aggregation node per township (106), the townships of a sub-centre in a ring through it
  (10 Gbit/s), so each has two uplinks;
* the access switches the registry names in the cameras' ``uplink`` field (24-port switches per
  township), each on its township's aggregation node (1 Gbit/s); NVRs named by the catalog's
  ``parent_id`` likewise; cameras registered networked with no uplink and no parent get a
  village access switch (``AS-<village code>``) and a camera link (100 Mbit/s).

Deliberate faults, so that ``sharpeyes demo`` reports them:

* an overloaded uplink: the access switch carrying the most video gets a 100 Mbit/s (FE) uplink
  (10 Mbit/s when the city is scaled down so far that it carries less than 90 Mbit/s);
* an aggregation node with one uplink: one township is left out of its sub-centre's ring;
* networked cameras with no path: one small access switch has no uplink (an island), and another
  switch the registry names is missing from the topology altogether;
* not-networked cameras with a path: five of them are patched into a switch of their township.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd

from sharpeyes.model.codes import NODE_KINDS
from sharpeyes.model.gb28181 import make_device_id
from sharpeyes.network.load import camera_bitrates

CENTRES: Final = 46
#: Nodes file and links file names written into the work folder.
NODES_FILE: Final = "network_nodes.csv"
LINKS_FILE: Final = "network_links.csv"

#: Placeholder capacity of the upper links, sized from their load once the topology is built.
SIZED: Final = -1.0
#: Ethernet steps (Mbit/s) the upper links are sized to, at most half full in normal operation.
ETHERNET_MBPS: Final = (1000, 10000, 40000, 100000, 400000)


def _distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def _shares(total: int, weights: list[int]) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainder), at least 1 each."""
    base = [1] * len(weights)
    rest = total - len(weights)
    raw = [rest * w / sum(weights) for w in weights]
    floors = [int(r) for r in raw]
    order = sorted(range(len(weights)), key=lambda i: (floors[i] - raw[i], i))
    for i in order[: rest - sum(floors)]:
        floors[i] += 1
    return [b + f for b, f in zip(base, floors, strict=True)]


def write_topology(
    cameras: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    workdir: Path,
    *,
    seed: int = 0,
) -> tuple[Path, Path]:
    """Write the demo city's nodes and links CSV files (Chinese headers) into ``workdir``.

    Parameters
    ----------
    cameras
        The inventory (canonical frame, EPSG:4326) — its ``uplink`` and ``parent_id`` name the
        access switches and NVRs the topology must contain.
    units
        Administrative units with ``code, name, level, parent_code, geometry`` (levels county,
        township, village; EPSG:4326).
    seed
        Chooses the not-networked cameras that are patched in; everything else follows the data.

    Returns
    -------
    nodes_path, links_path
    """
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    town = _Units.of(units)
    net = _Net()
    city_centre, county_centre, group_of = _centres(net, town)
    aggregation = _aggregation(net, town, group_of, county_centre, city_centre)
    cams = _camera_table(cameras)
    no_uplink = cams["networked"] & cams["uplink"].isna() & cams["parent_id"].isna()
    cams.loc[no_uplink, "uplink"] = [
        f"AS-{v}" if v else f"AS-{t}"
        for v, t in zip(
            cams.loc[no_uplink, "village"], cams.loc[no_uplink, "township"], strict=True
        )
    ]
    switches, overloaded, island, missing = _access(net, town, cams, aggregation)
    # camera links for the village access switches
    for device, switch in cams.loc[no_uplink, ["device_id", "uplink"]].itertuples(index=False):
        if switch in net.where:
            net.links.append((str(device), str(switch), 100, "网线", math.nan))
    _patch_not_networked(net, cams, switches, (island, missing), rng)
    links = _size_links(net.nodes, net.links, cameras)
    if overloaded is not None:
        # an old FE port (100 Mbit/s), or a 10 Mbit/s one when the city is scaled down
        busiest = float(switches["mbps"].max())
        slow = 100.0 if busiest > 90 else 10.0
        links = [
            (a, b, slow if a == overloaded else cap, medium, length)
            for a, b, cap, medium, length in links
        ]
    return _write_files(workdir, net.nodes, links)


@dataclass
class _Units:
    """Where each unit is (WGS-84, county seats where known) and how they nest."""

    pos: dict[str, tuple[float, float]]
    names: dict[str, str]
    counties: list[str]
    townships: pd.DataFrame
    towns_of: dict[str, list[str]]
    city_code: str
    city_pos: tuple[float, ...]
    known: frozenset[str] = frozenset()

    @classmethod
    def of(cls, units: gpd.GeoDataFrame) -> _Units:
        levels = units["level"].astype(str)
        reps = units.geometry.representative_point()
        unit_frame = pd.DataFrame(
            {
                "code": units["code"].astype(str),
                "name": units["name"].astype(str),
                "level": levels,
                "parent": units["parent_code"].astype("string"),
                "lon": reps.x.to_numpy(),
                "lat": reps.y.to_numpy(),
            }
        )
        try:
            from sharpeyes.demo.city import unit_centres

            seats = unit_centres(units).set_index("code")[["lon", "lat"]]
            for code, (lon, lat) in seats.iterrows():
                unit_frame.loc[unit_frame["code"] == code, ["lon", "lat"]] = (lon, lat)
        except (ImportError, KeyError, ValueError):  # pragma: no cover - representative points do
            pass
        pos = {
            c: (round(float(x), 6), round(float(y), 6))
            for c, x, y in unit_frame[["code", "lon", "lat"]].itertuples(index=False)
        }
        names = dict(zip(unit_frame["code"], unit_frame["name"], strict=True))
        counties = sorted(unit_frame.loc[unit_frame["level"] == "county", "code"])
        townships = unit_frame[unit_frame["level"] == "township"].sort_values("code")
        towns_of = {c: townships.loc[townships["parent"] == c, "code"].tolist() for c in counties}
        counties = [c for c in counties if towns_of[c]]
        city_code = (counties[0][:4] + "00") if counties else "211200"
        city_pos = (
            tuple(np.mean([pos[c] for c in counties], axis=0).round(6)) if counties else (0.0, 0.0)
        )
        known = frozenset(townships["code"])
        return cls(pos, names, counties, townships, towns_of, city_code, city_pos, known)

    def town_of(self, row_town: object, row_village: object, row_county: object) -> str | None:
        """The known township of a camera row: its own, its village's, else its county's first."""
        for candidate in (row_town, str(row_village)[:9] if row_village else None):
            if candidate and candidate in self.known:
                return str(candidate)
        county = str(row_county or "")[:6]
        return self.towns_of[county][0] if self.towns_of.get(county) else None


@dataclass
class _Net:
    """The nodes and links written so far, and where each node is (WGS-84)."""

    nodes: list[tuple[str, str, str, float, float]] = field(default_factory=list)
    links: list[tuple[str, str, float, str, float]] = field(default_factory=list)
    where: dict[str, tuple[float, float]] = field(default_factory=dict)

    def node(self, node_id: str, kind: str, name: str, at: tuple[float, ...]) -> None:
        self.nodes.append((node_id, kind, name, at[0], at[1]))
        self.where[node_id] = (at[0], at[1])

    def link(self, a: str, b: str, capacity: float, medium: str = "光纤") -> None:
        where = self.where
        length = _distance_m(where[a], where[b]) * 1.3 if a in where and b in where else math.nan
        self.links.append((a, b, capacity, medium, round(length)))


def _centres(net: _Net, town: _Units) -> tuple[str, dict[str, str], dict[str, str]]:
    """Platform, city centre, county centres (a ring) and police-station sub-centres; returns the
    city centre, the county centres and each township's sub-centre."""
    counties, pos, names = town.counties, town.pos, town.names
    platform = make_device_id(town.city_code, type_code=200, network_id=0, serial=1)
    city_centre = f"CTR-{town.city_code}"
    seat = counties[0] if counties else town.city_code
    net.node(platform, "platform", "铁岭市公安视频图像信息共享平台", pos.get(seat, town.city_pos))
    net.node(city_centre, "centre", "铁岭市公安局视频监控中心", pos.get(seat, town.city_pos))
    net.link(city_centre, platform, SIZED)

    # county centres in a ring with the city centre
    county_centre = {c: f"CTR-{c}" for c in counties}
    for c in counties:
        net.node(county_centre[c], "centre", f"{names[c]}公安(分)局视频监控中心", pos[c])
    for c in counties:
        net.link(county_centre[c], city_centre, SIZED)
    for before, after in itertools.pairwise(counties):
        net.link(county_centre[after], county_centre[before], SIZED)
    if counties:
        net.link(county_centre[counties[0]], platform, SIZED)

    # police-station sub-centres, townships grouped under them
    sub_count = max(0, CENTRES - 1 - len(counties))
    shares = _shares(sub_count, [len(town.towns_of[c]) for c in counties]) if counties else []
    group_of: dict[str, str] = {}
    for c, k in zip(counties, shares, strict=True):
        towns = town.towns_of[c]
        k = min(k, len(towns))
        chunks = np.array_split(np.arange(len(towns)), k)
        subs: list[str] = []
        for n, chunk in enumerate(chunks, start=1):
            first = towns[int(chunk[0])]
            sub = f"CTR-{c}-{n:02d}"
            net.node(sub, "centre", f"{names[first]}派出所视频监控分中心", pos[first])
            subs.append(sub)
            for t in chunk:
                group_of[towns[int(t)]] = sub
        members = [county_centre[c], *subs]
        for i in range(1, len(members)):
            net.link(members[i], members[i - 1], SIZED)
        if len(members) > 1:  # the chain closes on the city centre: a ring with two heads
            net.link(members[-1], city_centre, SIZED)
    return city_centre, county_centre, group_of


def _aggregation(
    net: _Net,
    town: _Units,
    group_of: dict[str, str],
    county_centre: dict[str, str],
    city_centre: str,
) -> dict[str, str]:
    """Township aggregation: a ring through each sub-centre; one township left as a spur (fault)."""
    codes = town.townships["code"]
    aggregation = {t: f"AGG-{t}" for t in codes}
    for t in codes:
        net.node(aggregation[t], "aggregation", f"{town.names[t]}汇聚节点", town.pos[t])
    by_sub: dict[str, list[str]] = {}
    for t in codes:
        by_sub.setdefault(group_of[t], []).append(t)
    spur_candidates = [s for s, ts in sorted(by_sub.items()) if len(ts) >= 3]
    spur_town = by_sub[spur_candidates[len(spur_candidates) // 2]][-1] if spur_candidates else None
    for sub, towns in sorted(by_sub.items()):
        chain = [t for t in towns if t != spur_town]
        if spur_town in towns:
            net.link(aggregation[spur_town], sub, SIZED)  # the fault: one uplink only
        previous = sub
        for t in chain:
            net.link(aggregation[t], previous, SIZED)
            previous = aggregation[t]
        if chain:  # the ring closes on the county centre, so the sub-centre is no single point
            net.link(previous, county_centre.get(sub[4:10], city_centre), SIZED)
    return aggregation


def _strings(cameras: gpd.GeoDataFrame, column: str) -> np.ndarray:
    values: np.ndarray = cameras[column].astype("string").to_numpy(dtype=object, na_value=None)
    return values


def _camera_table(cameras: gpd.GeoDataFrame) -> pd.DataFrame:
    """What the topology needs of each camera: its IDs, units, position (WGS-84) and bitrate."""
    cams = pd.DataFrame(
        {
            "device_id": cameras["device_id"].astype(str).to_numpy(),
            "networked": cameras["networked"].astype("boolean").fillna(False).to_numpy(dtype=bool),
            "uplink": _strings(cameras, "uplink") if "uplink" in cameras else None,
            "parent_id": _strings(cameras, "parent_id") if "parent_id" in cameras else None,
            "township": _strings(cameras, "township_code"),
            "village": _strings(cameras, "village_code"),
            "county": _strings(cameras, "admin_code"),
            "lon": pd.to_numeric(cameras["lon"], errors="coerce").to_numpy(dtype=float),
            "lat": pd.to_numeric(cameras["lat"], errors="coerce").to_numpy(dtype=float),
        }
    )
    cams["mbps"], _, _ = camera_bitrates(
        pd.to_numeric(cameras["resolution"], errors="coerce").reset_index(drop=True),
        pd.Series([None] * len(cameras), dtype="object"),
    )
    return cams


def _access(
    net: _Net, town: _Units, cams: pd.DataFrame, aggregation: dict[str, str]
) -> tuple[pd.DataFrame, str | None, str | None, str | None]:
    """Access switches named by the registry (uplink) and NVRs named by the catalog (parent_id);
    returns the switches and the overloaded, island and missing ones (the faults)."""
    switch_rows = cams[cams["uplink"].notna()]
    switches = (
        switch_rows.groupby("uplink", sort=True)
        .agg(
            lon=("lon", "mean"),
            lat=("lat", "mean"),
            cameras=("device_id", "size"),
            mbps=("mbps", "sum"),
            township=("township", "first"),
            village=("village", "first"),
            county=("county", "first"),
        )
        .reset_index()
    )
    nvrs = (
        cams[cams["parent_id"].notna()]
        .groupby("parent_id", sort=True)
        .agg(
            lon=("lon", "mean"),
            lat=("lat", "mean"),
            township=("township", "first"),
            village=("village", "first"),
            county=("county", "first"),
        )
        .reset_index()
    )
    # faults among the switches: the busiest gets an FE uplink; a small one is an island; another
    # small one is missing from the topology
    overloaded = (
        str(switches.sort_values(["mbps", "uplink"]).iloc[-1]["uplink"]) if len(switches) else None
    )
    small = switches[(switches["cameras"] >= 2) & (switches["uplink"] != overloaded)].sort_values(
        ["cameras", "uplink"]
    )
    island = str(small.iloc[0]["uplink"]) if len(small) else None
    missing = str(small.iloc[1]["uplink"]) if len(small) > 1 else None
    row: Any
    for row in switches.itertuples(index=False):
        switch = str(row.uplink)
        if switch == missing:
            continue
        township = town.town_of(row.township, row.village, row.county)
        label = "村级接入交换机" if switch.startswith("AS-") else "接入交换机"
        name = f"{town.names.get(township or '', '')}{label}{switch[-2:]}"
        net.node(switch, "access", name, _at(row, town, township))
        if switch == island or township is None:
            continue
        net.link(switch, aggregation[township], 1000)
    for row in nvrs.itertuples(index=False):
        nvr = str(row.parent_id)
        if nvr in net.where:
            continue
        township = town.town_of(row.township, row.village, row.county)
        net.node(
            nvr, "access", f"{town.names.get(township or '', '')}NVR", _at(row, town, township)
        )
        if township is not None:
            net.link(nvr, aggregation[township], 1000)
    return switches, overloaded, island, missing


def _at(row: Any, town: _Units, township: str | None) -> tuple[float, ...]:
    """A switch's or NVR's position: its cameras' mean, else its township's (WGS-84)."""
    if row.lon == row.lon:
        return (round(float(row.lon), 6), round(float(row.lat), 6))
    return town.pos.get(township or "", town.city_pos)


def _patch_not_networked(
    net: _Net,
    cams: pd.DataFrame,
    switches: pd.DataFrame,
    faulty: tuple[str | None, str | None],
    rng: np.random.Generator,
) -> None:
    """Not-networked cameras patched into a switch of their township (path but not networked)."""
    town_switch: dict[str, str] = {}
    for row in switches.itertuples(index=False):
        sw = str(row.uplink)
        if sw not in faulty and sw in net.where and row.township:
            town_switch.setdefault(str(row.township), sw)
    candidates = cams[~cams["networked"] & cams["township"].isin(list(town_switch))]
    if len(candidates):
        picked = rng.choice(len(candidates), size=min(5, len(candidates)), replace=False)
        for i in sorted(picked.tolist()):
            row = candidates.iloc[i]
            net.links.append(
                (row["device_id"], town_switch[row["township"]], 100, "网线", math.nan)
            )


def _write_files(
    workdir: Path,
    nodes: list[tuple[str, str, str, float, float]],
    links: list[tuple[str, str, float, str, float]],
) -> tuple[Path, Path]:
    """The nodes and links CSV files (Chinese headers, UTF-8) in ``workdir``."""
    kind_zh = {str(c.code): c.zh for c in NODE_KINDS.values()}
    nodes_path = workdir / NODES_FILE
    links_path = workdir / LINKS_FILE
    pd.DataFrame(
        [(n, kind_zh[k], name, x, y) for n, k, name, x, y in nodes],
        columns=["节点编号", "节点类型", "名称", "经度", "纬度"],
    ).to_csv(nodes_path, index=False, encoding="utf-8")
    frame = pd.DataFrame(links, columns=["起点", "终点", "带宽(Mbps)", "介质", "长度(米)"])
    frame["长度(米)"] = frame["长度(米)"].astype("Int64")
    frame.to_csv(links_path, index=False, encoding="utf-8")
    return nodes_path, links_path


def _size_links(
    nodes: list[tuple[str, str, str, float, float]],
    links: list[tuple[str, str, float, str, float]],
    cameras: gpd.GeoDataFrame,
) -> list[tuple[str, str, float, str, float]]:
    """Give every ``SIZED`` link the smallest Ethernet step at least twice its normal load; ring
    links that carry nothing in normal operation get the largest capacity met at either end."""
    from sharpeyes.network.check import check_network

    node_frame = pd.DataFrame(nodes, columns=["node_id", "kind", "name", "lon", "lat"])
    link_frame = pd.DataFrame(links, columns=["a", "b", "capacity_mbps", "medium", "length_m"])
    link_frame["capacity_mbps"] = link_frame["capacity_mbps"].where(
        link_frame["capacity_mbps"] != SIZED
    )
    loads = check_network(node_frame, link_frame, cameras).link_load
    load_of = {
        frozenset((a, b)): load
        for a, b, load in loads[["a", "b", "load_mbps"]].itertuples(index=False)
    }
    capacity: dict[frozenset[str], float] = {}
    for a, b, cap, _, _ in links:
        if cap == SIZED and load_of.get(frozenset((a, b)), 0.0) > 0:
            need = 2 * load_of[frozenset((a, b))]
            capacity[frozenset((a, b))] = float(
                next((step for step in ETHERNET_MBPS if step >= need), ETHERNET_MBPS[-1])
            )
    largest: dict[str, float] = {}
    for pair, cap in capacity.items():
        for end in pair:
            largest[end] = max(largest.get(end, 0.0), cap)
    out = []
    for a, b, cap, medium, length in links:
        if cap == SIZED:
            cap = capacity.get(
                frozenset((a, b)), max(largest.get(a, 0.0), largest.get(b, 0.0), ETHERNET_MBPS[1])
            )
        out.append((a, b, cap, medium, length))
    return out
