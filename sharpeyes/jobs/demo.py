"""``sharpeyes demo``: build the demo city of Tieling and run every job on it, through the same
readers, store, analyses and exports a bureau uses."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sharpeyes.store import Store


@dataclass
class DemoStep:
    """What one step of the demo did."""

    name: str
    seconds: float
    summary: dict[str, Any]


@dataclass
class DemoRun:
    """The whole demo: where it wrote, what each step reported."""

    workdir: Path
    db_url: str
    steps: list[DemoStep] = field(default_factory=list)
    token: str | None = None
    token_file: Path | None = None

    def step(
        self, name: str, fn: Callable[[], dict[str, Any] | None], say: Callable[[str], None]
    ) -> dict[str, Any]:
        say(f"[demo] {name} …")
        start = time.perf_counter()
        summary = fn() or {}
        seconds = time.perf_counter() - start
        self.steps.append(DemoStep(name, round(seconds, 2), summary))
        say(f"[demo] {name}: done in {seconds:.1f} s")
        return summary


def run_demo(
    store: Store,
    workdir: Path,
    *,
    db_url: str,
    seed: int = 0,
    scale: float = 1.0,
    health: bool = True,
    say: Callable[[str], None] = print,
) -> DemoRun:
    """Build Tieling in ``workdir`` and run import → units (administrative and the synthetic police
    tree)/places/roads → network → health → report (per unit and per police unit), gaps → plan
    against ``store``; returns what each step reported."""
    from sharpeyes.demo import build_demo_city
    from sharpeyes.demo.grids import build_grids, write_grids
    from sharpeyes.demo.places import write_places_and_roads
    from sharpeyes.demo.police import build_police_units, write_police_units
    from sharpeyes.demo.streams import make_demo_streams
    from sharpeyes.demo.topology import write_topology
    from sharpeyes.jobs import coverage as coverage
    from sharpeyes.jobs import health as health_job
    from sharpeyes.jobs import ingest as ingest
    from sharpeyes.jobs import network as network
    from sharpeyes.jobs import planning as planning
    from sharpeyes.jobs import police as police
    from sharpeyes.jobs.auth import ensure_admin_token

    workdir.mkdir(parents=True, exist_ok=True)
    run = DemoRun(workdir=workdir, db_url=db_url)
    say("[demo] build city …")
    started = time.perf_counter()
    city = build_demo_city(workdir, seed=seed, scale=scale)
    summary = {"cameras": len(city.cameras), "units": len(city.units)}
    run.steps.append(DemoStep("build city", round(time.perf_counter() - started, 2), summary))

    def _import() -> dict[str, Any]:
        totals: dict[str, Any] = {"files": []}
        for reg in city.registries:
            result = ingest.import_files(
                store, [reg.path], fmt=reg.fmt, crs=reg.crs, source=reg.source, progress=False
            )
            totals["files"].append(
                {
                    "file": reg.path.name,
                    **{
                        k: result.get(k)
                        for k in ("accepted", "warned", "refused", "not_cameras", "rejects")
                    },
                }
            )
        for key in ("accepted", "warned", "refused", "not_cameras"):
            totals[key] = sum(int(f[key] or 0) for f in totals["files"])
        return totals

    run.step("import registries", _import, say)
    run.step("import units", lambda: coverage.import_units(store, city.units_path), say)
    grids_path = write_grids(build_grids(city.units, seed=seed), workdir)  # synthetic, see module
    run.step(
        "import grids",
        lambda: coverage.import_units(store, grids_path, level="grid", parent_field="parent_code"),
        say,
    )
    police_path = write_police_units(build_police_units(city.units, city.cameras), workdir)
    run.step("import police units", lambda: police.import_police_units(store, police_path), say)
    places_path, roads_path = write_places_and_roads(city.units, workdir, seed=seed)
    run.step("import key places", lambda: coverage.import_places(store, places_path), say)
    run.step("import key roads", lambda: coverage.import_roads(store, roads_path), say)
    nodes_path, links_path = write_topology(store.cameras(), city.units, workdir, seed=seed)
    run.step("import network", lambda: network.import_topology(store, nodes_path, links_path), say)
    run.step(
        "network check", lambda: network.check(store, out=workdir / "network.xlsx", fmt="xlsx"), say
    )
    if health and city.stream_paths:
        make_demo_streams(city.stream_paths, seed=seed)
        run.step(
            "nightly health run",
            lambda: health_job.run_nightly(
                store, concurrency=2, snapshot_dir=workdir / "snapshots", progress=False
            ),
            say,
        )
    run.step(
        "coverage report",
        lambda: coverage.write_report(store, workdir / "report.xlsx", fmt="xlsx"),
        say,
    )
    run.step(
        "police report",
        lambda: police.write_police_report(store, workdir / "report_police.xlsx", fmt="xlsx"),
        say,
    )
    run.step(
        "coverage gaps",
        lambda: coverage.write_gaps(store, workdir / "gaps.geojson", fmt="geojson"),
        say,
    )
    run.step("expansion plan", lambda: planning.plan(store, workdir / "plan.xlsx", budget=200), say)
    run.token = ensure_admin_token(store, name="demo-admin")
    run.token_file = _keep_token(workdir, run.token)
    store.save_result(
        "demo", {"workdir": str(workdir), "user": "demo-admin", "token_file": str(run.token_file)}
    )
    return run


def _keep_token(workdir: Path, token: str) -> Path:
    """Write the demo admin's token to ``workdir/admin-token.txt`` (owner-only), so that
    ``sharpeyes serve`` can say how to log in; the store keeps only its SHA-256."""
    import os

    path = workdir / "admin-token.txt"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(token + "\n")
    path.chmod(0o600)
    return path
