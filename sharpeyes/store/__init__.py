"""Persistence: a SQLite file by default, PostgreSQL/PostGIS by URL (SQLAlchemy 2 + Alembic).

The store is the only part that talks to the database. Analyses never import it: the CLI, the API
and the jobs read frames from the store, call the analyses, and write their results back.

Contract used by every other part (implemented in :mod:`sharpeyes.store.repository`)::

    store = Store.open(url_or_path)              # creates / migrates to head
    # cameras (canonical frames, EPSG:4326; credentials only when asked)
    store.import_cameras(cameras, rejects, *, source, file, dry_run=False) -> ImportResult
    store.cameras(*, unit=None, point_class=None, bbox=None, device_ids=None,
                  include_credentials=False, limit=None, offset=0) -> GeoDataFrame
    store.count_cameras(...) -> int
    store.camera(device_id) -> dict | None
    store.changes(*, device_id=None, import_id=None) -> DataFrame     # field-by-field change log
    store.imports() -> DataFrame                                        # one row per import
    store.rejects(import_id) -> DataFrame
    # reference layers (replace the whole layer atomically)
    store.replace_units(units) / store.units(level=None) -> GeoDataFrame
    store.replace_places(places) / store.places() -> GeoDataFrame
    store.replace_roads(roads) / store.roads() -> GeoDataFrame
    # grids (sharpeyes.store.grids): replace_grids(store, grids, workers=None),
    # read_grids(store, parent=None) -> GeoDataFrame, read_grid_workers(store) -> DataFrame (phones)
    store.replace_grids(grids, workers=None) / store.grids(parent=None) -> GeoDataFrame
    store.grid_workers(grid_codes=None) -> DataFrame                   # phones: editors/admins only
    store.replace_network(nodes, links) / store.network() -> (DataFrame, DataFrame)
    # health
    store.start_health_run(night=None) -> run_id   (the same night's unfinished run is resumed)
    store.add_health_results(run_id, results)      # one row per camera per run
    store.finish_health_run(run_id, summary)
    store.health_runs() -> DataFrame; store.health_results(run_id=None) -> DataFrame (latest run)
    store.health_history(device_id) -> DataFrame; store.done_in_run(run_id) -> set[str]
    store.set_reference_frame(device_id, jpeg) / store.reference_frame(device_id) -> bytes | None
    # health beyond the core (sharpeyes.store.health_extra): reference views per mode, the last
    # *finished* run that reports read
    set_reference(store, device_id, jpeg, mode="day"|"ir"); references(store, device_id) -> dict
    last_finished_run(store, night=None) -> run_id | None; finished_results(store) -> (run_id, DataFrame)
    # results of analyses, kept as JSON documents by kind ("report", "gaps", "network", "plan", ...)
    store.save_result(kind, document) -> int / store.latest_result(kind) -> dict | None
    # auth and audit (API)
    store.add_user(name, role, password_hash=None); store.user(name); store.users()
    store.add_token(name, token_hash) ; store.user_for_token(token_hash); store.audit(who, action, detail)
"""

from sharpeyes.store.repository import ImportResult, Store

__all__ = ["ImportResult", "Store"]
