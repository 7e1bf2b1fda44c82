"""Benchmark: every network check at province size on scipy's csgraph, beside today's path.

Sizes (rings at the upper levels: centres in a ring joined to the platform, every aggregation node
dual-homed to two centres, one aggregation ring; access switches = cameras / 50, aggregation =
access / 40, 50 centres, 1 platform):

1. **Province** (``--cameras``, default 10,000,000 cameras on 200,000 access switches, 205,051
   switches in all): the checks on the collapsed graph in arrays
   (:func:`sharpeyes.network.collapsed.check_arrays`: routes, reachability and hops of every
   camera, cameras cut off by every node and bridge by class, load of every link, cameras per
   centre), inputs generated as arrays (deterministic, seed 0) in a child process; wall time, CPU
   and the child's peak RSS beside the goal (≤ 4 GiB).
2. **Today's path at a size it can do** (``--frame-cameras``, default 1,000,000 / 20,000 access):
   :func:`sharpeyes.network.check_network` from frames to the report document with its layers, once
   with ``engine="networkx"`` (the plain-Python graph code the package had) and once on csgraph,
   each in its own child process, plus the array checks at that size; the ratios.
3. **The user's path on a store** (``--store-cameras``, default 1,000,000; 0 skips): the synthetic
   province of :mod:`sharpeyes.demo.province` at that many cameras (``--store-cities`` cities,
   default 2; a switch per 50 cameras) generated into a SQLite file (``--workdir``, kept for the
   next run), then ``sharpeyes network check``'s job (:func:`sharpeyes.jobs.network.check`: the
   cameras streamed block by block and reduced per switch, the checks, the report saved) in a
   child process, peak RSS beside the goal (≤ 4 GiB at 10M); beside it, in the same run, the
   paths before: the column reader's whole inventory into :func:`~sharpeyes.network.check_network`
   (up to ``--store-lean-max`` cameras, default 10M) and the canonical frame (``store.cameras()``,
   up to ``--store-baseline-max``, default 2M); with ``--store-dask N`` also ``--dask local:N``
   (a task per county; the client's peak).
4. The single-point-of-failure check beside the plain networkx approach (remove each candidate node
   from the full graph with cameras as nodes, recount) on ``--baseline-cameras`` (default 20,000),
   asserted to give the same counts.

    python benchmarks/network.py [--cameras 10000000] [--frame-cameras 1000000]
                                 [--baseline-cameras 20000] [--repeat 3]
                                 [--store-cameras 1000000] [--store-cities 2] [--workdir DIR]
                                 [--store-lean-max 10000000] [--store-dask 0] [--skip-frames]

    # the store path at 10M (generates the SQLite file once, kept in DIR for the next run)
    python benchmarks/network.py --skip-frames --store-cameras 10000000 --workdir DIR
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from _util import peak_rss_bytes

from sharpeyes.demo.province import ProvinceSpec
from sharpeyes.jobs import network as network_jobs
from sharpeyes.jobs.partitioned_network import check_store
from sharpeyes.jobs.province import generate_province
from sharpeyes.model.jsonable import dumps_compact
from sharpeyes.network import (
    build_network,
    check_network,
    cut_off_weights,
    routes_from_platforms,
)
from sharpeyes.network.collapsed import SwitchGraph, check_arrays
from sharpeyes.network.document import document_parts, joined_text
from sharpeyes.network.document_reference import document_reference
from sharpeyes.network.graph import CLASS_KEYS
from sharpeyes.network.reference import cut_off_weights_networkx, routes_networkx
from sharpeyes.store import Store, bulk
from sharpeyes.store.network_reads import network_cameras

GOAL_PEAK_GIB = 4.0


def make_city(
    cameras: int, *, access: int, aggregation: int, centres: int, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Nodes, links and camera inventory of a synthetic city of the given size."""
    rng = np.random.default_rng(seed)
    platform = ["P0"]
    centre_ids = [f"C{i}" for i in range(centres)]
    agg_ids = [f"G{i}" for i in range(aggregation)]
    access_ids = [f"A{i}" for i in range(access)]
    nodes = pd.DataFrame(
        {
            "node_id": platform + centre_ids + agg_ids + access_ids,
            "kind": ["platform"]
            + ["centre"] * centres
            + ["aggregation"] * aggregation
            + ["access"] * access,
        }
    )
    nodes["name"] = nodes["node_id"]
    n = len(nodes)
    nodes["lon"] = 123.0 + rng.random(n)
    nodes["lat"] = 42.0 + rng.random(n)
    a: list[str] = []
    b: list[str] = []
    cap: list[float] = []
    for i, c in enumerate(centre_ids):  # ring of centres, each also joined to the platform
        a += [c, c]
        b += ["P0", centre_ids[(i + 1) % centres]]
        cap += [40000.0, 10000.0]
    for i, g in enumerate(agg_ids):  # dual-homed aggregation
        first = i % centres
        a += [g, g]
        b += [centre_ids[first], centre_ids[(first + 1) % centres]]
        cap += [10000.0, 10000.0]
    for i in range(0, min(aggregation, 20) - 1):  # one aggregation ring
        a.append(agg_ids[i])
        b.append(agg_ids[i + 1])
        cap.append(10000.0)
    owner = rng.integers(0, aggregation, size=access)
    a += access_ids
    b += [agg_ids[o] for o in owner]
    cap += [1000.0] * access
    device_ids = np.char.add("2112000000132", np.char.zfill(np.arange(cameras).astype(str), 7))
    uplink_idx = rng.integers(0, access, size=cameras)
    uplink = np.array(access_ids, dtype=object)[uplink_idx]
    by_link = rng.random(cameras) < 0.1
    a += device_ids[by_link].tolist()
    b += uplink[by_link].tolist()
    cap += [100.0] * int(by_link.sum())
    links = pd.DataFrame({"a": a, "b": b, "capacity_mbps": cap, "medium": "fibre"})
    links["length_m"] = np.nan
    inventory = pd.DataFrame(
        {
            "device_id": pd.array(device_ids, dtype="string"),
            "point_class": rng.choice([1, 2, 3], size=cameras, p=[0.15, 0.25, 0.6]),
            "networked": rng.random(cameras) < 0.97,
            "admin_code": rng.choice(["211202", "211204", "211221", "211223"], size=cameras),
            "resolution": rng.choice([576, 720, 1080, 1440, 2160], size=cameras),
            "uplink": pd.Series(uplink, dtype="string").mask(by_link).array,
            "parent_id": pd.array([None] * cameras, dtype="string"),
        }
    )
    return nodes, links, inventory


def plain_networkx_cut_off(
    nodes: pd.DataFrame, links: pd.DataFrame, inventory: pd.DataFrame
) -> dict[str, int]:
    """For each infrastructure node: remove it and recount cameras still connected to a platform."""
    graph = nx.Graph()
    graph.add_edges_from(links[["a", "b"]].itertuples(index=False, name=None))
    has_up = inventory["uplink"].notna()
    graph.add_edges_from(
        inventory.loc[has_up, ["device_id", "uplink"]].itertuples(index=False, name=None)
    )
    cameras = set(inventory["device_id"].astype(str))
    platforms = nodes.loc[nodes["kind"] == "platform", "node_id"].tolist()

    def reaching(g: nx.Graph) -> int:
        seen: set[str] = set()
        for p in platforms:
            if p in g and p not in seen:
                seen |= nx.node_connected_component(g, p)
        return len(seen & cameras)

    before = reaching(graph)
    out = {}
    for node in nodes.loc[nodes["kind"] != "platform", "node_id"]:
        edges = list(graph.edges(node))
        graph.remove_node(node)
        out[node] = before - reaching(graph)
        graph.add_node(node)
        graph.add_edges_from(edges)
    return out


_CPU: list[float] = []


def _timed(fn, repeat: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    """Median wall time of ``repeat`` runs (the median CPU time is left in ``_CPU[-1]``)."""
    times, cpu, result = [], [], None
    for _ in range(repeat):
        gc.collect()
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    _CPU.append(statistics.median(cpu))
    return statistics.median(times), result


def make_arrays(
    cameras: int, *, access: int, aggregation: int, centres: int, seed: int = 0
) -> tuple[SwitchGraph, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The city of :func:`make_city` as arrays (no string, no frame): the switch graph, per camera
    its switch (int32), class column (int8), bitrate (Mbit/s) and registry flag, per link its
    capacity. One access switch in 1,000 has no uplink (an island), so some cameras have no path."""
    if centres < 3:
        raise SystemExit("--centres: at least 3 (the centres form a ring)")
    rng = np.random.default_rng(seed)
    first_agg = 1 + centres
    first_access = first_agg + aggregation
    ring = np.arange(centres)
    up_a = [np.repeat(1 + ring, 2)]
    up_b = [np.column_stack([np.zeros(centres, dtype=np.int64), 1 + (ring + 1) % centres]).ravel()]
    caps = [np.tile([40000.0, 10000.0], centres)]
    agg = np.arange(aggregation)
    up_a.append(np.repeat(first_agg + agg, 2))
    up_b.append(np.column_stack([1 + agg % centres, 1 + (agg % centres + 1) % centres]).ravel())
    caps.append(np.full(2 * aggregation, 10000.0))
    chain = np.arange(min(aggregation, 20) - 1)
    up_a.append(first_agg + chain)
    up_b.append(first_agg + chain + 1)
    caps.append(np.full(len(chain), 10000.0))
    owner = rng.integers(0, aggregation, size=access)
    linked = np.arange(access) % 1000 != 999
    up_a.append(first_access + np.flatnonzero(linked))
    up_b.append(first_agg + owner[linked])
    caps.append(np.full(int(linked.sum()), 1000.0))
    is_centre = np.zeros(first_access + access, dtype=bool)
    is_centre[1 : 1 + centres] = True
    graph = SwitchGraph.from_edges(
        first_access + access,
        np.concatenate(up_a),
        np.concatenate(up_b),
        platforms=np.array([0], dtype=np.int32),
        is_centre=is_centre,
    )
    camera_node = (first_access + rng.integers(0, access, size=cameras)).astype(np.int32)
    class_pos = rng.choice(3, size=cameras, p=[0.15, 0.25, 0.6]).astype(np.int8)  # classes 1–3
    bitrate = np.array([1.5, 2.0, 4.0, 6.0, 12.0])[rng.integers(0, 5, size=cameras)]
    networked = rng.random(cameras, dtype=np.float32) < 0.97
    return graph, camera_node, class_pos, bitrate, networked, np.concatenate(caps)


def _sizes(cameras: int, centres: int) -> tuple[int, int, int]:
    access = max(2, cameras // 50)
    aggregation = max(3, access // 40)
    return access, aggregation, min(centres, aggregation)


def _child(kind: str, cameras: int, centres: int, repeat: int) -> dict[str, Any]:
    """One measurement in this (child) process; its peak RSS is this process's alone."""
    access, aggregation, centres = _sizes(cameras, centres)
    t0 = time.perf_counter()
    if kind == "arrays":
        graph, node, class_pos, bitrate, networked, capacity = make_arrays(
            cameras, access=access, aggregation=aggregation, centres=centres
        )

        def run() -> dict[str, int]:
            r = check_arrays(
                graph,
                node,
                class_pos,
                bitrate,
                capacity_mbps=capacity,
                classes=len(CLASS_KEYS),
                threshold=0.8,
            )
            return {
                "cameras_with_path": int(r.has_path.sum()),
                "networked_without_path": int((networked & ~r.has_path).sum()),
                "single_points_of_failure": int((r.cut_off.nodes[1:].sum(axis=1) > 0).sum()),
                "bridges": int((r.cut_off.bridges.sum(axis=1) > 0).sum()),
                "overloaded_links": int(r.overloaded.sum()),
            }

        links = len(graph.edge_a)
    else:
        nodes, links_frame, inventory = make_city(
            cameras, access=access, aggregation=aggregation, centres=centres
        )
        links = len(links_frame)
        engine = kind.removeprefix("frames-")

        def run() -> dict[str, int]:
            s = check_network(nodes, links_frame, inventory, engine=engine).document()["summary"]
            keys = ("cameras_with_path", "networked_without_path", "single_points_of_failure")
            return {k: int(s[k]) for k in (*keys, "bridges", "overloaded_links")}

    made_s = time.perf_counter() - t0
    inputs_peak = peak_rss_bytes()
    seconds, summary = _timed(run, repeat)
    cpu_s = _CPU[-1]
    graph_s = graph_cpu_s = 0.0
    if kind != "arrays":
        graph_s, _ = _timed(_graph_part(nodes, links_frame, inventory, engine), repeat)
        graph_cpu_s = _CPU[-1]
    return {
        "kind": kind,
        "cameras": cameras,
        "switches": access + aggregation + centres + 1,
        "links": links,
        "made_s": made_s,
        "inputs_peak_gib": inputs_peak / 1024**3,
        "wall_s": seconds,
        "cpu_s": cpu_s,
        "peak_gib": peak_rss_bytes() / 1024**3,
        "graph_wall_s": graph_s,
        "graph_cpu_s": graph_cpu_s,
        "summary": summary,
    }


def _graph_part(
    nodes: pd.DataFrame, links: pd.DataFrame, inventory: pd.DataFrame, engine: str
) -> Any:
    """The part of ``check_network`` that csgraph replaced (routes and cut-offs, the CSR built
    from the networkx graph included), on an already built network."""
    network = build_network(nodes, links, inventory)

    def run() -> object:
        if engine == "networkx":
            return routes_networkx(network), cut_off_weights_networkx(network)
        network.__dict__.pop("switch_graph", None)  # build the CSR again each time
        return routes_from_platforms(network), cut_off_weights(network)

    return run


def _store_spec(cameras: int, cities: int) -> ProvinceSpec:
    """The synthetic province at ``cameras`` cameras (a switch per 50) with ``cities`` cities."""
    spec = ProvinceSpec.scaled(min(1.0, cameras / ProvinceSpec().cameras))
    spec = replace(spec, cities=min(cities, spec.counties), cameras=cameras)
    return replace(spec, switches=max(spec.villages, cameras // 50))


def _store_url(workdir: Path, spec: ProvinceSpec) -> str:
    """A SQLite file holding the province of ``spec`` with its network (generated once)."""
    path = workdir / f"province-{spec.cameras}-{spec.cities}.db"
    url = f"sqlite:///{path}"
    if not path.exists():
        t0 = time.perf_counter()
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        # one transaction holds every staged part ATTACHed till its end, and SQLite allows 10:
        # a province of more than ~10 counties goes in by the plain insert (generation, untimed)
        bulk.STAGE_ROWS = 2**62  # type: ignore[misc]
        with Store.open(f"sqlite:///{partial}") as store:
            generate_province(store, spec)
        partial.rename(path)
        print(
            f"  generated {spec.cameras:,} cameras into {path} in {time.perf_counter() - t0:.0f} s"
        )
    return url


def _store_child(kind: str, url: str, dask: int = 0) -> dict[str, Any]:
    """``network check`` on the store at ``url`` in this (child) process: ``store`` the job (the
    cameras streamed block by block and reduced per switch; with ``dask`` a task per county on a
    LocalCluster of that many workers), ``store-lean`` the column reader's whole inventory into
    ``check_network`` (the path before this one), ``store-frames`` the canonical frame into
    ``check_network`` (the path before that)."""
    if kind == "store-document":
        return _document_child(url)
    with Store.open(url) as store:
        inputs_peak = peak_rss_bytes()
        t0, c0 = time.perf_counter(), time.process_time()
        if kind == "store":
            document = network_jobs.check(store, dask_address=f"local:{dask}" if dask else None)
        elif kind == "store-lean":
            nodes, links = store.network()
            document = check_network(nodes, links, network_cameras(store.db)).document()
        else:
            nodes, links = store.network()
            document = check_network(nodes, links, store.cameras()).document()
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    s = document["summary"]
    keys = ("cameras", "cameras_with_path", "networked_without_path", "single_points_of_failure")
    return {
        "kind": kind,
        "wall_s": seconds,
        "cpu_s": cpu,
        "peak_gib": peak_rss_bytes() / 1024**3,
        "inputs_peak_gib": inputs_peak / 1024**3,
        "made_s": 0.0,
        "switches": sum(v for k, v in s["nodes_by_kind"].items() if k != "camera"),
        "summary": {k: int(s[k]) for k in (*keys, "bridges", "overloaded_links")},
    }


def _document_child(url: str) -> dict[str, Any]:
    """The report document of the store's check, built both ways in this process: the column-wise
    text the job saves (``network.document``) and the record-by-record dicts it replaced
    (``network.document_reference``) with their ``dumps_compact``; best of 2 CPU-s each."""
    with Store.open(url) as store:
        result = check_store(store, *store.network())
    result.camera_totals  # noqa: B018 (the cameras' totals, before the clock)
    cpu: dict[str, list[float]] = {"now": [], "before": []}
    texts: dict[str, str] = {}
    for _ in range(2):
        c0 = time.process_time()
        texts["now"] = joined_text(*document_parts(result))
        cpu["now"].append(time.process_time() - c0)
        c0 = time.process_time()
        texts["before"] = dumps_compact(document_reference(result))
        cpu["before"].append(time.process_time() - c0)
    same = json.dumps(json.loads(texts["now"]), sort_keys=True) == json.dumps(
        json.loads(texts["before"]), sort_keys=True
    )
    return {
        "now_cpu_s": min(cpu["now"]),
        "before_cpu_s": min(cpu["before"]),
        "mb": len(texts["now"].encode()) / 1e6,
        "same": same,
        "load": os.getloadavg()[0],
    }


def _store_part(args: argparse.Namespace) -> None:
    spec = _store_spec(args.store_cameras, args.store_cities)
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="sharpeyes-network-"))
    workdir.mkdir(parents=True, exist_ok=True)
    url = _store_url(workdir, spec)
    print(
        f"the user's path, `network check` on a SQLite store: {spec.cameras:,} cameras "
        f"({spec.cities} cities, {spec.counties} counties, {spec.villages:,} villages)"
    )
    streamed = _in_child("store", args.store_cameras, args.centres, 1, url=url)
    verdict = "met" if streamed["peak_gib"] <= GOAL_PEAK_GIB else "NOT met"
    print(f"  {streamed['switches']:,} nodes")
    print(_line("jobs.network.check (streamed per block)", streamed))
    print(
        f"  goal: peak ≤ {GOAL_PEAK_GIB:.0f} GiB at 10M — {verdict} at this size "
        f"({streamed['peak_gib']:.2f} GiB); {streamed['summary']}"
    )
    before = [
        ("store-lean", "network_cameras → check_network (before)", args.store_lean_max),
        ("store-frames", "store.cameras() → check_network (before that)", args.store_baseline_max),
    ]
    for kind, label, most in before:
        if args.store_cameras > most:
            continue
        run = _in_child(kind, args.store_cameras, args.centres, 1, url=url)
        print(_line(label, run))
        print(
            f"  same figures: {run['summary'] == streamed['summary']}; "
            f"{run['peak_gib'] / streamed['peak_gib']:.1f}× the memory, "
            f"{run['cpu_s'] / max(streamed['cpu_s'], 1e-9):.1f}× the CPU of the streamed path"
        )
    doc = _in_child("store-document", args.store_cameras, args.centres, 1, url=url)
    print(
        f"  the report document (client): {doc['now_cpu_s']:.2f} CPU-s column-wise as text, "
        f"record-by-record dicts + dumps_compact (before, same run) {doc['before_cpu_s']:.2f} — "
        f"{doc['before_cpu_s'] / max(doc['now_cpu_s'], 1e-9):.1f}×, {doc['mb']:.0f} MB, "
        f"same values: {doc['same']} (load {doc['load']:.1f})"
    )
    if args.store_dask:
        run = _in_child("store", args.store_cameras, args.centres, 1, url=url, dask=args.store_dask)
        print(_line(f"--dask local:{args.store_dask} (client process only)", run))
        print(f"  same figures: {run['summary'] == streamed['summary']}")


def _in_child(
    kind: str, cameras: int, centres: int, repeat: int, *, url: str | None = None, dask: int = 0
) -> dict[str, Any]:
    """Run :func:`_child` in a fresh interpreter (its own peak RSS) and read its JSON line."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", kind]
    command += ["--cameras", str(cameras), "--centres", str(centres), "--repeat", str(repeat)]
    if url is not None:
        command += ["--child-url", url, "--store-dask", str(dask)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"child {kind} at {cameras:,} cameras failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _line(label: str, r: dict[str, Any]) -> str:
    return (
        f"  {label:<44} {r['wall_s']:7.2f} s wall, {r['cpu_s']:6.2f} s CPU, peak RSS "
        f"{r['peak_gib']:.2f} GiB (inputs {r['inputs_peak_gib']:.2f} GiB, made in {r['made_s']:.1f} s)"
    )


def _province(args: argparse.Namespace) -> dict[str, Any]:
    big = _in_child("arrays", args.cameras, args.centres, args.repeat)
    verdict = "met" if big["peak_gib"] <= GOAL_PEAK_GIB else "NOT met"
    print(
        f"province: {big['cameras']:,} cameras, {big['switches']:,} switches, {big['links']:,} "
        f"links — every check on csgraph, arrays in (median of {args.repeat}):"
    )
    print(_line("check_arrays", big))
    print(f"  goal: peak ≤ {GOAL_PEAK_GIB:.0f} GiB — {verdict}; figures: {big['summary']}")
    return big


def _same_size(args: argparse.Namespace, big: dict[str, Any]) -> None:
    size = args.frame_cameras
    today = _in_child("frames-networkx", size, args.centres, args.repeat)
    frames = _in_child("frames-csgraph", size, args.centres, args.repeat)
    arrays = _in_child("arrays", size, args.centres, args.repeat)
    print(
        f"today's path at a size it can do: {size:,} cameras, {today['switches']:,} switches "
        f"(frames in, report document with layers out; median of {args.repeat})"
    )
    print(_line('check_network(engine="networkx") (today)', today))
    print(_line("check_network() on csgraph", frames))
    print(_line("check_arrays (csgraph, arrays in)", arrays))
    same = today["summary"] == frames["summary"]
    print(
        f"  of which routes and cut-offs (the graph work csgraph replaced): today "
        f"{today['graph_wall_s']:.2f} s wall / {today['graph_cpu_s']:.2f} s CPU, csgraph "
        f"{frames['graph_wall_s']:.2f} s / {frames['graph_cpu_s']:.2f} s CPU — "
        f"{today['graph_cpu_s'] / max(frames['graph_cpu_s'], 1e-9):.1f}× less CPU"
    )
    print(
        f"  same figures both engines: {same}; by CPU time (wall follows the machine's load), the "
        f"csgraph report takes {today['cpu_s'] / frames['cpu_s']:.1f}× less than today's, the "
        f"array checks {today['cpu_s'] / max(arrays['cpu_s'], 1e-9):.0f}× less, with "
        f"{today['peak_gib'] / arrays['peak_gib']:.1f}× less memory; the province "
        f"({big['cameras'] / size:.0f}× the cameras) on arrays: {big['cpu_s']:.2f} s CPU, "
        f"{big['peak_gib']:.2f} GiB, against today's {today['cpu_s']:.2f} s CPU and "
        f"{today['peak_gib']:.2f} GiB at this size"
    )
    if not same:
        print(f"  MISMATCH: today {today['summary']} against csgraph {frames['summary']}")


def _plain_comparison(args: argparse.Namespace) -> int:
    """Single points of failure beside the plain networkx approach, on a small city."""
    small = args.baseline_cameras
    b_access, b_agg, b_centres = _sizes(small, args.centres)
    b_nodes, b_links, b_inv = make_city(
        small, access=b_access, aggregation=b_agg, centres=b_centres, seed=1
    )
    b_inv = b_inv.copy()
    linked = b_links[b_links["a"].str.len() == 20]
    b_inv.loc[b_inv["device_id"].isin(set(linked["a"])), "uplink"] = (
        b_inv["device_id"].map(dict(zip(linked["a"], linked["b"], strict=True))).dropna()
    )
    b_links = b_links[b_links["a"].str.len() != 20]

    def ours() -> dict[str, int]:
        weights, _ = cut_off_weights(build_network(b_nodes, b_links, b_inv))
        return {k: int(v.sum()) for k, v in weights.items()}

    t_ours, ours_counts = _timed(ours, args.repeat)
    t_plain, plain_counts = _timed(
        lambda: plain_networkx_cut_off(b_nodes, b_links, b_inv), max(1, min(args.repeat, 3))
    )
    assert isinstance(ours_counts, dict) and isinstance(plain_counts, dict)
    mismatched = [k for k, v in plain_counts.items() if ours_counts.get(k, 0) != v]
    if mismatched:
        print(f"MISMATCH with the plain approach on {len(mismatched)} nodes, e.g. {mismatched[:3]}")
        return 1
    print(
        f"single points of failure on {small:,} cameras / {b_access + b_agg + b_centres + 1:,} "
        f"switches: ours (graph built from frames, csgraph) {t_ours * 1000:.0f} ms, plain networkx "
        f"(remove each node, recount) {t_plain:.1f} s — {t_plain / t_ours:,.0f}× faster, same counts "
        f"on all {len(plain_counts):,} nodes"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cameras", type=int, default=10_000_000)
    parser.add_argument("--frame-cameras", type=int, default=1_000_000)
    parser.add_argument("--centres", type=int, default=50)
    parser.add_argument("--baseline-cameras", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--store-cameras", type=int, default=1_000_000)
    parser.add_argument("--store-cities", type=int, default=2)
    parser.add_argument("--store-baseline-max", type=int, default=2_000_000)
    parser.add_argument("--store-lean-max", type=int, default=10_000_000)
    parser.add_argument("--store-dask", type=int, default=0, help="also on local:N (0: no)")
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--skip-frames", action="store_true", help="only the store part")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--child-url", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child and args.child_url:
        print(json.dumps(_store_child(args.child, args.child_url, args.store_dask)))
        return 0
    if args.child:
        print(json.dumps(_child(args.child, args.cameras, args.centres, args.repeat)))
        return 0
    if args.skip_frames:
        _store_part(args)
        load = os.getloadavg()
        print(f"load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")
        return 0
    load = os.getloadavg()
    print(f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on {os.cpu_count()} cores")
    big = _province(args)
    _same_size(args, big)
    if args.store_cameras:
        _store_part(args)
    status = _plain_comparison(args)
    load = os.getloadavg()
    print(f"load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")
    return status


if __name__ == "__main__":
    sys.exit(main())
