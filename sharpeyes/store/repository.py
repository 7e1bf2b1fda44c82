"""The store: one object over a SQLite file or a PostgreSQL/PostGIS database.

:class:`Store` is a façade over small repositories, one per concern, all sharing one
:class:`~sharpeyes.store.engine.Database`:

======================  ==================================================================
:mod:`.engine`          open, migrate, transactions, bulk execute (``executemany``, ``COPY``)
:mod:`.cameras`         camera queries (filters by unit, class, box, ids)
:mod:`.imports`         the transactional import (applying :mod:`sharpeyes.ingest.merge`), the change log
:mod:`.layers`          units, places, roads, network topology
:mod:`.health`          health runs, results, snapshots, reference views
:mod:`.results`         results of analyses as JSON documents
:mod:`.auth`            users, token hashes, the audit log
======================  ==================================================================

The contract is written in :mod:`sharpeyes.store`; the methods here only delegate.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from sqlalchemy.engine import Engine

from sharpeyes.model.jsonable import dumps
from sharpeyes.store.auth import ROLES, Accounts
from sharpeyes.store.cameras import CameraQueries
from sharpeyes.store.engine import Database
from sharpeyes.store.health import HealthRecords
from sharpeyes.store.imports import BULK_THRESHOLD, CameraImports, ImportLog, ImportResult
from sharpeyes.store.layers import Layers
from sharpeyes.store.results import Results

__all__ = ["BULK_THRESHOLD", "ROLES", "ImportResult", "Store", "dumps", "file_sha256"]


class Store:
    """The inventory and everything computed from it, in one database.

    Open with :meth:`open` (a SQLite path or a SQLAlchemy URL); the schema is migrated to the newest
    Alembic revision on open. Geometry is WGS-84 (EPSG:4326) in and out.
    """

    def __init__(self, engine: Engine) -> None:
        self.db = Database(engine)
        self.engine = engine
        self.dialect = self.db.dialect
        self.url = self.db.url
        self._cameras = CameraQueries(self.db)
        self._imports = CameraImports(self.db, self._cameras)
        self._log = ImportLog(self.db)
        self._layers = Layers(self.db)
        self._health = HealthRecords(self.db)
        self._results = Results(self.db)
        self._accounts = Accounts(self.db)

    # -- life cycle ------------------------------------------------------------------------------
    @classmethod
    def open(cls, url: str) -> Store:
        """Open (creating if needed) the store at ``url`` and migrate it to the newest schema.

        ``url`` is a SQLite path, ``sqlite:///path``, or ``postgresql+psycopg://user:pw@host/db``
        (PostGIS must be installed in that database or creatable by the user).
        """
        return cls(Database.open(url).engine)

    def close(self) -> None:
        """Release the connections."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    def revision(self) -> str | None:
        """The Alembic revision the database is at."""
        return self.db.revision()

    # -- cameras ---------------------------------------------------------------------------------
    def import_cameras(
        self,
        cameras: pd.DataFrame,
        rejects: pd.DataFrame | None,
        *,
        source: str | None,
        file: str | None,
        dry_run: bool = False,
        file_sha256: str | None = None,
    ) -> ImportResult:
        """Merge a canonical camera frame into the inventory, in ONE transaction.

        Cameras are matched on ``device_id`` (the GB/T 28181 ID, or the source's other stable key);
        the rules (nulls never blank a value, conflicts between sources, duplicate rows) are those of
        :mod:`sharpeyes.ingest.merge`. Every change is logged field by field (before/after) with the
        import's id; the rejects are stored with the import. ``dry_run`` does all of it and rolls
        back: the counts are exact, nothing stays. Credentials are kept apart.

        Raises
        ------
        StoreError
            the database refused the write; nothing of this import was kept.
        """
        return self._imports.import_cameras(
            cameras, rejects, source=source, file=file, dry_run=dry_run, file_sha256=file_sha256
        )

    def cameras(
        self,
        *,
        unit: str | None = None,
        point_class: int | Iterable[int] | None = None,
        bbox: Sequence[float] | None = None,
        device_ids: Iterable[str] | None = None,
        include_credentials: bool = False,
        limit: int | None = None,
        offset: int = 0,
    ) -> gpd.GeoDataFrame:
        """The inventory as a canonical GeoDataFrame (EPSG:4326), in the order cameras were added.

        Parameters
        ----------
        unit
            statistical division code prefix: up to 6 digits matches ``admin_code``, up to 9
            ``township_code``, up to 12 ``village_code``.
        point_class
            one class (1, 2, 3, 4, 9) or several.
        bbox
            (min lon, min lat, max lon, max lat) in degrees WGS-84; cameras without coordinates drop out.
        device_ids
            only these cameras.
        include_credentials
            fill ``stream_user``/``stream_password`` (otherwise those columns are empty).
        """
        return self._cameras.cameras(
            unit=unit,
            point_class=point_class,
            bbox=bbox,
            device_ids=device_ids,
            include_credentials=include_credentials,
            limit=limit,
            offset=offset,
        )

    def count_cameras(
        self,
        *,
        unit: str | None = None,
        point_class: int | Iterable[int] | None = None,
        bbox: Sequence[float] | None = None,
    ) -> int:
        """How many cameras match (same filters as :meth:`cameras`)."""
        return self._cameras.count(unit=unit, point_class=point_class, bbox=bbox)

    def camera(self, device_id: str, *, include_credentials: bool = False) -> dict[str, Any] | None:
        """One camera as a dict of plain values (no geometry), or ``None``."""
        return self._cameras.camera(device_id, include_credentials=include_credentials)

    # -- import history --------------------------------------------------------------------------
    def changes(
        self, *, device_id: str | None = None, import_id: int | None = None
    ) -> pd.DataFrame:
        """The change log, oldest first: one row per changed field of a camera (``action`` "update",
        ``before``/``after`` as Python values, credentials shown as ``***``) and one row per camera an
        import created (``action`` "create", ``field`` empty: the created values are the camera's
        values with the later updates taken back)."""
        return self._log.changes(device_id=device_id, import_id=import_id)

    def imports(self) -> pd.DataFrame:
        """One row per import, oldest first: source, file, times and counts."""
        return self._log.imports()

    def rejects(self, import_id: int) -> pd.DataFrame:
        """The rows an import refused: file, sheet, row, column, value, reason."""
        return self._log.rejects(import_id)

    def import_warnings(self, import_id: int) -> pd.DataFrame:
        """The warnings an import attached to cameras: device_id, message."""
        return self._log.import_warnings(import_id)

    # -- reference layers ------------------------------------------------------------------------
    def replace_units(self, units: gpd.GeoDataFrame) -> int:
        """Replace the administrative units (UNIT_COLUMNS; extra columns kept) in one transaction."""
        return self._layers.replace_units(units)

    def units(self, level: str | None = None) -> gpd.GeoDataFrame:
        """Administrative units (EPSG:4326), optionally one ``level`` (city/county/township/village)."""
        return self._layers.units(level)

    def replace_police_units(self, units: gpd.GeoDataFrame) -> int:
        """Replace the police units (bureau → sub-bureau → station) in one transaction."""
        return self._layers.replace_police_units(units)

    def police_units(self, level: str | None = None) -> gpd.GeoDataFrame:
        """Police units (EPSG:4326), optionally one ``level`` (bureau/sub_bureau/station)."""
        return self._layers.police_units(level)

    def replace_places(self, places: gpd.GeoDataFrame) -> int:
        """Replace the key places (PLACE_COLUMNS; extra columns kept) in one transaction."""
        return self._layers.replace_places(places)

    def places(self, category: str | None = None) -> gpd.GeoDataFrame:
        """Key places (EPSG:4326)."""
        return self._layers.places(category)

    def replace_roads(self, roads: gpd.GeoDataFrame) -> int:
        """Replace the key roads (ROAD_COLUMNS; extra columns kept) in one transaction."""
        return self._layers.replace_roads(roads)

    def roads(self, road_class: str | None = None) -> gpd.GeoDataFrame:
        """Key roads (EPSG:4326)."""
        return self._layers.roads(road_class)

    def replace_network(self, nodes: pd.DataFrame, links: pd.DataFrame) -> tuple[int, int]:
        """Replace the network topology (NODE_COLUMNS, LINK_COLUMNS; extra columns kept), atomically."""
        return self._layers.replace_network(nodes, links)

    def network(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(nodes, links) of the network topology, extra columns restored."""
        return self._layers.network()

    # -- health ----------------------------------------------------------------------------------
    def start_health_run(self, night: str | date | None = None) -> int:
        """Start a health run for ``night`` (ISO date; default: the night now, noon to noon local
        time) or resume that night's unfinished run; returns its ``run_id``."""
        return self._health.start_health_run(night)

    def add_health_results(
        self, run_id: int, results: pd.DataFrame | Iterable[dict[str, Any]]
    ) -> int:
        """Store results (HEALTH_RESULT_COLUMNS) of ``run_id``; a camera already done in that run is replaced."""
        return self._health.add_health_results(run_id, results)

    def finish_health_run(self, run_id: int, summary: dict[str, Any] | None = None) -> None:
        """Mark ``run_id`` finished with its summary document."""
        self._health.finish_health_run(run_id, summary)

    def health_runs(self) -> pd.DataFrame:
        """One row per run: run_id, night, started_at, finished_at, summary (dict), results (count)."""
        return self._health.health_runs()

    def health_results(
        self, run_id: int | None = None, *, include_snapshots: bool = True
    ) -> pd.DataFrame:
        """Results (HEALTH_RESULT_COLUMNS) of ``run_id``, default the latest run."""
        return self._health.health_results(run_id, include_snapshots=include_snapshots)

    def health_history(self, device_id: str, *, include_snapshots: bool = False) -> pd.DataFrame:
        """Every result of one camera, oldest run first (HEALTH_RESULT_COLUMNS + ``night``)."""
        return self._health.health_history(device_id, include_snapshots=include_snapshots)

    def done_in_run(self, run_id: int) -> set[str]:
        """Cameras that already have a result in ``run_id`` (a resumed job skips them)."""
        return self._health.done_in_run(run_id)

    def snapshot(self, run_id: int, device_id: str) -> bytes | None:
        """The JPEG snapshot of one camera in one run."""
        return self._health.snapshot(run_id, device_id)

    def set_reference_frame(self, device_id: str, jpeg: bytes) -> None:
        """Keep ``jpeg`` as the camera's reference view (scene-change detection)."""
        self._health.set_reference_frame(device_id, jpeg)

    def reference_frame(self, device_id: str) -> bytes | None:
        """The camera's reference JPEG, or ``None``."""
        return self._health.reference_frame(device_id)

    # -- results of analyses ---------------------------------------------------------------------
    def save_result(
        self, kind: str, document: dict[str, Any] | list[Any], *, period: str | None = None
    ) -> int:
        """Keep a JSON document (a report, the gaps, a plan, ...) under ``kind`` (a report with its
        ``period``, ``YYYY-MM``: see :mod:`sharpeyes.store.results`); returns its id."""
        return self._results.save_result(kind, document, period=period)

    def latest_result(self, kind: str) -> dict[str, Any] | None:
        """The newest document of ``kind``, or ``None``."""
        return self._results.latest_result(kind)

    def result(self, result_id: int) -> dict[str, Any] | None:
        """One document by id."""
        return self._results.result(result_id)

    def results(self, kind: str | None = None) -> pd.DataFrame:
        """Saved documents (result_id, kind, created_at), newest first."""
        return self._results.results(kind)

    # -- auth and audit --------------------------------------------------------------------------
    def add_user(self, name: str, role: str, password_hash: str | None = None) -> None:
        """Add an API user (role viewer, editor or admin); an existing name is refused."""
        self._accounts.add_user(name, role, password_hash)

    def set_user(
        self, name: str, *, role: str | None = None, password_hash: str | None = None
    ) -> None:
        """Change a user's role and/or password hash."""
        self._accounts.set_user(name, role=role, password_hash=password_hash)

    def delete_user(self, name: str) -> bool:
        """Remove a user and their tokens; False if there was none."""
        return self._accounts.delete_user(name)

    def user(self, name: str) -> dict[str, Any] | None:
        """name, role, password_hash, created_at of one user, or ``None``."""
        return self._accounts.user(name)

    def users(self) -> pd.DataFrame:
        """All users (name, role, created_at; no password hashes)."""
        return self._accounts.users()

    def add_token(self, name: str, token_hash: str) -> None:
        """Keep the hash of an API token of user ``name`` (never the token itself)."""
        self._accounts.add_token(name, token_hash)

    def revoke_token(self, token_hash: str) -> bool:
        """Forget a token; False if it was not known."""
        return self._accounts.revoke_token(token_hash)

    def user_for_token(self, token_hash: str) -> dict[str, Any] | None:
        """The user (as :meth:`user`) a token hash belongs to, or ``None``."""
        return self._accounts.user_for_token(token_hash)

    def audit(self, who: str | None, action: str, detail: Any = None) -> None:
        """Append to the audit log (who, when, action, detail: text or a JSON-able value)."""
        self._accounts.audit(who, action, detail)

    def audit_log(self, *, limit: int | None = None) -> pd.DataFrame:
        """The audit log, newest first: at, who, action, detail."""
        return self._accounts.audit_log(limit=limit)


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file, kept with its import."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
