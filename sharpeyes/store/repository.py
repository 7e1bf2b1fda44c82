"""The store: one object over a SQLite file or a PostgreSQL/PostGIS database.

Everything that reads or writes the database goes through :class:`Store`; the contract is written in
:mod:`sharpeyes.store`. Bulk work uses SQLAlchemy Core and the driver's own fast paths (``executemany``
with plain tuples on SQLite, ``COPY`` on PostgreSQL), never ORM objects.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url

from sharpeyes._errors import InputError, StoreError
from sharpeyes.model.columns import (
    CAMERA_COLUMNS,
    CAMERA_DTYPES,
    CAMERA_SIDE_COLUMNS,
    HEALTH_RESULT_COLUMNS,
    LINK_COLUMNS,
    NODE_COLUMNS,
    PLACE_COLUMNS,
    REJECT_COLUMNS,
    ROAD_COLUMNS,
    UNIT_COLUMNS,
    WGS84,
)
from sharpeyes.model.urls import CREDENTIAL_HINT, split_credentials
from sharpeyes.store import schema as s

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")

#: Roles of API users, from least to most rights.
ROLES = ("viewer", "editor", "admin")

#: Camera fields kept in the ``cameras`` table (credentials live in ``camera_credentials``).
STORED_FIELDS: tuple[str, ...] = (
    *CAMERA_COLUMNS,
    "id_valid",
    "parent_id",
    "contact",
    "extra",
    "warnings",
)
#: Fields compared field by field when a known camera is imported again.
DIFF_FIELDS: tuple[str, ...] = tuple(
    c
    for c in (*CAMERA_COLUMNS, "id_valid", "parent_id", "contact")
    if c not in ("device_id", "source")
)
CREDENTIAL_FIELDS = ("stream_user", "stream_password")
_BOOKKEEPING = ("provenance", "created_import_id", "updated_import_id", "updated_at")
INSERT_COLUMNS: tuple[str, ...] = (*STORED_FIELDS, *_BOOKKEEPING)

#: Above this many rows, a load into an empty camera table drops the secondary indexes first and
#: rebuilds them afterwards.
BULK_THRESHOLD = 20_000
_CHUNK = 5_000


def _kind(column: str) -> str:
    dtype = CAMERA_DTYPES.get(column)
    if column == "id_valid" or dtype == "boolean":
        return "bool"
    if dtype and dtype.startswith("Int"):
        return "int"
    if dtype == "float64":
        return "float"
    return "text"


KINDS: dict[str, str] = {c: _kind(c) for c in (*STORED_FIELDS, *CREDENTIAL_FIELDS)}


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (datetime, date, pd.Timestamp)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, bytes):
        return value.hex()
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value)


def _clean_json(value: Any) -> Any:
    """NaN/inf become null so that the text is valid JSON on PostgreSQL too."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _clean_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean_json(v) for v in value]
    return value


def dumps(value: Any) -> str:
    """JSON text as the store keeps it (UTF-8, no NaN)."""
    return json.dumps(
        _clean_json(value), ensure_ascii=False, default=_json_default, allow_nan=False
    )


def _loads(text: Any) -> Any:
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None
    return json.loads(text)


def _values(series: pd.Series, kind: str) -> np.ndarray:
    """Column as an object array of plain Python values (``None`` for missing), as drivers bind them."""
    if kind == "text":
        if series.dtype != "string":
            series = series.astype("string")
        return np.asarray(series.to_numpy(dtype=object, na_value=None), dtype=object)  # type: ignore[call-overload]
    if kind == "float":
        numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        out = numbers.astype(object)
        out[~np.isfinite(numbers)] = None
        return out
    if kind == "int":
        ints = pd.to_numeric(series, errors="coerce").astype("Int64")
        missing = ints.isna().to_numpy()
        out = ints.to_numpy(dtype="int64", na_value=0).astype(object)
        out[missing] = None
        return out
    flags = series.astype("boolean")
    missing = flags.isna().to_numpy()
    out = flags.to_numpy(dtype=bool, na_value=False).astype(object)
    out[missing] = None
    return out


def _none_array(n: int) -> np.ndarray:
    return np.full(n, None, dtype=object)


def _is_missing(values: np.ndarray) -> np.ndarray:
    """Where a plain-value column (``None`` for missing, as :func:`_values` makes it) is empty."""
    if values.dtype == object:
        return np.asarray(np.equal(values, None), dtype=bool)  # type: ignore[call-overload]
    return np.asarray(pd.isna(values), dtype=bool)


def _is_na(values: np.ndarray) -> np.ndarray:
    """Missing in any pandas sense (None, NaN, NA, NaT)."""
    return np.asarray(pd.isna(values), dtype=bool)


def _sources(text: str | None) -> list[str]:
    return [p for p in (text or "").split("; ") if p]


@dataclass
class ImportResult:
    """What one import did.

    Row counts (``rows``, ``accepted``, ``warned``, ``refused``) count input rows: ``accepted`` rows
    landed (warned ones included), ``warned`` is the part of them kept with doubts, ``refused`` the rows
    in the rejects (one per refused input row, however many problems it had; ``not_cameras`` counts
    apart the catalog items that are recorders, platforms or groups, not cameras). Camera counts
    (``inserted``, ``updated``, ``unchanged``) count distinct ``device_id`` after rows of the same
    camera in one file were merged. ``conflicts`` counts cameras whose attributes another source had
    set differently.
    """

    import_id: int | None
    accepted: int
    warned: int
    refused: int
    inserted: int
    updated: int
    unchanged: int
    rows: int = 0
    conflicts: int = 0
    not_cameras: int = 0
    source: str | None = None
    file: str | None = None
    dry_run: bool = False
    by_class: dict[str, dict[str, int]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON output."""
        return asdict(self)


# -- engine --------------------------------------------------------------------------------------
def _normalise_url(url: str) -> str:
    if "://" not in url:
        from sharpeyes.settings import database_url

        return database_url(url)
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_engine(url: sa.URL) -> Engine:
    database = url.database
    if database and database != ":memory:":
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 60})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # the driver does not open transactions itself; we emit BEGIN (so DDL is transactional)
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        if database and database != ":memory:":
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA busy_timeout = 60000")
        cursor.execute("PRAGMA cache_size = -262144")  # 256 MiB
        cursor.execute("PRAGMA temp_store = MEMORY")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


class Store:
    """The inventory and everything computed from it, in one database.

    Open with :meth:`open` (a SQLite path or a SQLAlchemy URL); the schema is migrated to the newest
    Alembic revision on open. Geometry is WGS-84 (EPSG:4326) in and out.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self.url = engine.url.render_as_string(hide_password=True)

    # -- life cycle ------------------------------------------------------------------------------
    @classmethod
    def open(cls, url: str) -> Store:
        """Open (creating if needed) the store at ``url`` and migrate it to the newest schema.

        ``url`` is a SQLite path, ``sqlite:///path``, or ``postgresql+psycopg://user:pw@host/db``
        (PostGIS must be installed in that database or creatable by the user).
        """
        try:
            parsed = make_url(_normalise_url(str(url)))
        except sa.exc.ArgumentError as exc:
            raise StoreError(f"cannot read the database URL {url!r}: {exc}") from None
        backend = parsed.get_backend_name()
        if backend == "sqlite":
            engine = _sqlite_engine(parsed)
        elif backend == "postgresql":
            engine = sa.create_engine(parsed, pool_pre_ping=True)
        else:
            raise StoreError(
                f"unsupported database {backend!r} in {parsed.render_as_string(hide_password=True)}: "
                "use a SQLite path or a postgresql+psycopg:// URL"
            )
        store = cls(engine)
        try:
            store._migrate()
        except sa.exc.SQLAlchemyError as exc:
            engine.dispose()
            raise StoreError(
                f"cannot open the store at {store.url}: {exc.__class__.__name__}: "
                f"{str(exc).splitlines()[0]}"
            ) from None
        return store

    def close(self) -> None:
        """Release the connections."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    def _alembic_config(self) -> Any:
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        return config

    def _migrate(self) -> None:
        from alembic import command
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        config = self._alembic_config()
        heads = set(ScriptDirectory.from_config(config).get_heads())
        with self.engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
        if current == heads:
            return
        with self._write() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    def revision(self) -> str | None:
        """The Alembic revision the database is at."""
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One write transaction (``BEGIN IMMEDIATE`` on SQLite: no lock upgrade deadlocks)."""
        with self.engine.connect() as conn:
            if self.dialect == "sqlite":
                conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    def _ph(self) -> str:
        return "?" if self.dialect == "sqlite" else "%s"

    def _executemany(self, conn: Connection, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Driver-level executemany with plain tuples (``?`` placeholders rewritten for psycopg)."""
        if self.dialect != "sqlite":
            sql = sql.replace("?", "%s")
        cursor = conn.connection.cursor()
        try:
            # sqlite3 takes any iterator: rows are made one at a time, never all held at once
            cursor.executemany(sql, rows if self.dialect == "sqlite" else list(rows))  # type: ignore[arg-type]
        finally:
            cursor.close()

    # -- cameras: import -------------------------------------------------------------------------
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

        Cameras are matched on ``device_id`` (the GB/T 28181 ID, or the source's other stable key).
        Incoming non-null values overwrite stored ones; nulls never blank them. A stored value that
        a different source wrote and that the import changes is a conflict: the camera gets a warning.
        Every change is logged field by field (before/after) with the import's id. Rows of the same
        camera in one file are merged first (later non-null values win). The rejects are stored with
        the import. ``dry_run`` does all of it and rolls back: the counts are exact, nothing stays.
        Credentials (``stream_user``/``stream_password``, or in ``stream_url``) are kept apart.

        Raises
        ------
        StoreError
            the database refused the write; nothing of this import was kept.
        """
        source = source or (Path(file).name if file else None)
        try:
            with self.engine.connect() as conn:
                if self.dialect == "sqlite":
                    conn.execution_options(sqlite_begin="IMMEDIATE")
                trans = conn.begin()
                try:
                    result = self._import(conn, cameras, rejects, source, file, file_sha256)
                    result.dry_run = dry_run
                    if dry_run:
                        trans.rollback()
                        result.import_id = None
                    else:
                        trans.commit()
                except BaseException:
                    if trans.is_active:
                        trans.rollback()
                    raise
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(
                f"import of {file or 'cameras'} failed and was rolled back: "
                f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}"
            ) from None
        return result

    def _prepare(
        self, cameras: pd.DataFrame, source: str | None
    ) -> tuple[dict[str, np.ndarray], np.ndarray, pd.DataFrame]:
        """Plain-value columns of the frame, the rows without a key, and those rows as rejects."""
        n = len(cameras)
        columns: dict[str, np.ndarray] = {}
        for name in (*STORED_FIELDS, *CREDENTIAL_FIELDS):
            if name in cameras.columns:
                columns[name] = _values(cameras[name], KINDS[name])
            else:
                columns[name] = _none_array(n)
        keys = pd.Series(columns["device_id"], dtype="string").str.strip()
        keys = keys.mask(keys == "")
        ids = np.asarray(keys.to_numpy(dtype=object, na_value=None), dtype=object)  # type: ignore[call-overload,type-var]
        columns["device_id"] = ids
        no_key = _is_missing(ids)
        src = columns["source"]
        src[_is_missing(src)] = source
        # credentials never stay in stream_url
        urls = columns["stream_url"]
        has_url = ~_is_missing(urls)
        if has_url.any():
            at = pd.Series(urls, dtype="string").str.contains(CREDENTIAL_HINT, case=False)
            with_at = np.flatnonzero(has_url & at.fillna(False).to_numpy(dtype=bool))
            for i in with_at:
                bare, user, password = split_credentials(urls[i])
                urls[i] = bare
                if user and columns["stream_user"][i] is None:
                    columns["stream_user"][i] = user
                if password and columns["stream_password"][i] is None:
                    columns["stream_password"][i] = password
        # division codes nest (6-digit county ⊂ 9-digit township ⊂ 12-digit village): fill the
        # shorter one from the longer where it is missing, so unit queries find every camera
        for shorter, longer, digits in (
            ("township_code", "village_code", 9),
            ("admin_code", "township_code", 6),
        ):
            gap = np.flatnonzero(_is_missing(columns[shorter]) & ~_is_missing(columns[longer]))
            if len(gap):
                head = pd.Series(columns[longer][gap], dtype="string").str.slice(0, digits)
                usable = head.str.fullmatch(r"\d+").fillna(False).to_numpy(dtype=bool)
                usable &= (head.str.len() == digits).fillna(False).to_numpy(dtype=bool)
                columns[shorter][gap[usable]] = head[usable].to_numpy(dtype=object)
        # columns with no canonical place go into ``extra``
        known = {*CAMERA_COLUMNS, *CAMERA_SIDE_COLUMNS, "geometry", "row"}
        if isinstance(cameras, gpd.GeoDataFrame):
            known.add(cameras.geometry.name)
        others = [c for c in cameras.columns if c not in known]
        if others:
            extra = columns["extra"]
            for row in range(n):
                bag = _loads(extra[row]) or {}
                for c in others:
                    value = cameras[c].iat[row]
                    if (
                        value is not None
                        and not (isinstance(value, float) and math.isnan(value))
                        and value is not pd.NA
                    ):
                        bag.setdefault(str(c), value)
                extra[row] = dumps(bag) if bag else None
        rejected = pd.DataFrame(
            {
                "file": None,
                "sheet": None,
                "row": [None] * int(no_key.sum()),
                "column": "device_id",
                "value": None,
                "reason": "no device_id and no other stable key: the camera cannot be identified",
            }
        )
        if "row" in cameras.columns and no_key.any():
            rejected["row"] = cameras["row"].to_numpy()[no_key]
        return columns, no_key, rejected

    def _import(
        self,
        conn: Connection,
        cameras: pd.DataFrame,
        rejects: pd.DataFrame | None,
        source: str | None,
        file: str | None,
        file_sha256: str | None,
    ) -> ImportResult:
        now = _now()
        rows = len(cameras)
        columns, no_key, extra_rejects = self._prepare(cameras, source)
        if no_key.any():
            extra_rejects["file"] = file
            columns = {k: v[~no_key] for k, v in columns.items()}
        reject_frame = _reject_frame(rejects, extra_rejects)
        refused, not_cameras = _count_refused(reject_frame)
        accepted = len(columns["device_id"])
        row_warned = ~_is_missing(columns["warnings"])
        row_ids = columns["device_id"]
        row_class = columns["point_class"]

        merged = _merge_duplicate_rows(columns)
        del columns  # the merged copy is all that is written from here on
        ids = merged["device_id"]
        n = len(ids)

        import_id = _insert_id(
            conn,
            s.imports.insert().values(
                source=source, file=file, file_sha256=file_sha256, started_at=now, rows=rows
            ),
        )

        empty = conn.execute(sa.select(s.cameras.c.camera_id).limit(1)).first() is None
        existing = None if empty else self._existing(conn, ids)
        matched = (
            np.zeros(n, dtype=bool)
            if existing is None
            else np.asarray(pd.Index(ids).isin(existing.index))
        )

        conflict_rows: dict[int, list[str]] = {}
        updated = unchanged = 0
        change_rows: list[tuple[Any, ...]] = []
        if matched.any():
            assert existing is not None
            updated, unchanged = self._merge_existing(
                conn, merged, matched, existing, import_id, now, change_rows, conflict_rows
            )
        new = ~matched
        inserted = int(new.sum())
        if inserted:
            self._insert_new(
                conn, merged, new, import_id, now, bulk=empty and inserted >= BULK_THRESHOLD
            )

        if change_rows:
            self._executemany(
                conn,
                "INSERT INTO changes (import_id, device_id, action, field, before, after, changed_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                change_rows,
            )
        # warnings of this import, per camera
        warning_rows: list[tuple[Any, ...]] = []
        warnings_col = merged["warnings"]
        for i in np.flatnonzero(~_is_missing(warnings_col)):
            warning_rows.append((import_id, ids[i], warnings_col[i]))
        if warning_rows:
            self._executemany(
                conn,
                "INSERT INTO import_warnings (import_id, device_id, message) VALUES (?, ?, ?)",
                warning_rows,
            )
        if len(reject_frame):
            self._executemany(
                conn,
                'INSERT INTO import_rejects (import_id, file, sheet, "row", "column", value, reason) '
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(import_id, *r) for r in _reject_tuples(reject_frame)],
            )
        conflicted_ids = {ids[i] for i in conflict_rows}
        if conflicted_ids:
            row_warned = row_warned | np.asarray(pd.Index(row_ids).isin(list(conflicted_ids)))
        warned = int(row_warned.sum())
        conn.execute(
            s.imports.update()
            .where(s.imports.c.import_id == import_id)
            .values(
                finished_at=_now(),
                accepted=accepted,
                warned=warned,
                refused=refused,
                inserted=inserted,
                updated=updated,
                unchanged=unchanged,
                conflicts=len(conflict_rows),
            )
        )
        by_class = _by_class(row_class, row_warned)
        messages = [f"{ids[i]}: {'; '.join(m)}" for i, m in list(conflict_rows.items())[:50]]
        return ImportResult(
            import_id=int(import_id),
            accepted=accepted,
            warned=warned,
            refused=refused,
            inserted=inserted,
            updated=updated,
            unchanged=unchanged,
            rows=rows,
            not_cameras=not_cameras,
            conflicts=len(conflict_rows),
            source=source,
            file=file,
            by_class=by_class,
            warnings=messages,
        )

    def _existing(self, conn: Connection, ids: np.ndarray) -> pd.DataFrame:
        """Stored values (plain Python) of the cameras among ``ids``, indexed by device_id."""
        cam = s.cameras
        cred = s.camera_credentials
        cols = (
            [cam.c[c] for c in STORED_FIELDS]
            + [cam.c.provenance]
            + [cred.c[c] for c in CREDENTIAL_FIELDS]
        )
        names = [*STORED_FIELDS, "provenance", *CREDENTIAL_FIELDS]
        base = sa.select(*cols).select_from(
            cam.outerjoin(cred, cam.c.device_id == cred.c.device_id)
        )
        records: list[Any] = []
        id_list = [str(i) for i in ids]
        for start in range(0, len(id_list), _CHUNK):
            chunk = id_list[start : start + _CHUNK]
            records.extend(conn.execute(base.where(cam.c.device_id.in_(chunk))).all())
        frame = pd.DataFrame.from_records(records, columns=names, coerce_float=False)
        frame = frame.astype(object).where(frame.notna(), None)
        for c in names:
            if KINDS.get(c) == "bool":
                frame[c] = [None if v is None else bool(v) for v in frame[c]]
        return frame.set_index("device_id", drop=False)

    def _merge_existing(
        self,
        conn: Connection,
        merged: dict[str, np.ndarray],
        matched: np.ndarray,
        existing: pd.DataFrame,
        import_id: int,
        now: str,
        change_rows: list[tuple[Any, ...]],
        conflict_rows: dict[int, list[str]],
    ) -> tuple[int, int]:
        positions = np.flatnonzero(matched)
        ids = merged["device_id"][positions]
        old = existing.loc[list(ids)]
        m = len(positions)
        changed = np.zeros(m, dtype=bool)
        row_source = merged["source"][positions]
        first_source = np.array(
            [next(iter(_sources(t)), None) for t in old["source"]], dtype=object
        )
        # provenance: field -> source that last wrote it (when not the camera's first source), and
        # under "_seen": field -> {source: value it gave} for fields two sources disagree on, so
        # that a source repeating what it said before does not take a field back (no ping-pong
        # when several registries are imported again in turn)
        provenance: list[dict[str, Any]] = [_loads(p) or {} for p in old["provenance"]]
        out: dict[str, np.ndarray] = {}
        for f in DIFF_FIELDS:
            new_values = merged[f][positions]
            old_values = old[f].to_numpy(dtype=object)
            has_new = ~_is_missing(new_values)
            old_missing = _is_missing(old_values)
            diff = has_new & (old_missing | (new_values != old_values))
            result = old_values.copy()
            for j in np.flatnonzero(diff):
                before, after, writer = old_values[j], new_values[j], row_source[j]
                seen = provenance[j].get("_seen", {}).get(f, {})
                if before is not None and writer in seen and seen[writer] == after:
                    diff[j] = False  # said before and overruled by another source since
                    continue
                change_rows.append(
                    (import_id, ids[j], "update", f, _dump_value(before), _dump_value(after), now)
                )
                owner = provenance[j].get(f, first_source[j])
                if before is not None and owner is not None and writer != owner:
                    conflict_rows.setdefault(int(positions[j]), []).append(
                        f"{f} was {before!r} from {owner}, now {after!r} from {writer}"
                    )
                    said = provenance[j].setdefault("_seen", {}).setdefault(f, {})
                    said[str(owner)] = before
                    said[str(writer)] = after
                if writer == first_source[j]:
                    provenance[j].pop(f, None)
                else:
                    provenance[j][f] = writer
            result[diff] = new_values[diff]
            changed |= diff
            out[f] = result
        # extra: dict merge, new keys win
        new_extra = merged["extra"][positions]
        old_extra = old["extra"].to_numpy(dtype=object)
        extra_out = old_extra.copy()
        for j in np.flatnonzero(~_is_missing(new_extra)):
            before_bag = _loads(old_extra[j]) or {}
            after_bag = {**before_bag, **json.loads(new_extra[j])}
            if after_bag != before_bag:
                extra_out[j] = dumps(after_bag)
                changed[j] = True
                change_rows.append(
                    (
                        import_id,
                        ids[j],
                        "update",
                        "extra",
                        old_extra[j] and dumps(before_bag),
                        dumps(after_bag),
                        now,
                    )
                )
        out["extra"] = extra_out
        # source: the list of sources that gave this camera, first one first
        source_out = old["source"].to_numpy(dtype=object).copy()
        for j in np.arange(m):
            listed = _sources(source_out[j])
            if row_source[j] and row_source[j] not in listed:
                after = "; ".join([*listed, row_source[j]])
                change_rows.append(
                    (
                        import_id,
                        ids[j],
                        "update",
                        "source",
                        _dump_value(source_out[j]),
                        _dump_value(after),
                        now,
                    )
                )
                source_out[j] = after
                changed[j] = True
        out["source"] = source_out
        # credentials: compared, never logged in clear
        cred_out: dict[str, np.ndarray] = {}
        cred_changed = np.zeros(m, dtype=bool)
        for f in CREDENTIAL_FIELDS:
            new_values = merged[f][positions]
            old_values = old[f].to_numpy(dtype=object)
            diff = ~_is_missing(new_values) & (_is_missing(old_values) | (new_values != old_values))
            result = old_values.copy()
            result[diff] = new_values[diff]
            for j in np.flatnonzero(diff):
                change_rows.append(
                    (
                        import_id,
                        ids[j],
                        "update",
                        f,
                        None if old_values[j] is None else '"***"',
                        '"***"',
                        now,
                    )
                )
            cred_changed |= diff
            cred_out[f] = result
        changed |= cred_changed
        # warnings: those of this import, plus conflicts
        warnings_out = merged["warnings"][positions].copy()
        for j in np.arange(m):
            notes = conflict_rows.get(int(positions[j]))
            if notes:
                text = "conflict with another source: " + "; ".join(notes)
                warnings_out[j] = f"{warnings_out[j]}; {text}" if warnings_out[j] else text
                merged["warnings"][positions[j]] = warnings_out[j]
        # a camera this import leaves unchanged keeps its doubts (so importing the same file again
        # changes nothing); new doubts are added to them. A changed camera gets this import's.
        old_warnings = old["warnings"].to_numpy(dtype=object)
        for j in np.flatnonzero(~changed):
            kept = old_warnings[j]
            parts = [p for p in str(warnings_out[j] or "").split("; ") if p]
            known = set(str(kept or "").split("; "))
            extra = [p for p in parts if p not in known]
            warnings_out[j] = (
                "; ".join([kept, *extra]) if kept and extra else (kept or warnings_out[j])
            )
        warnings_differ = warnings_out != old_warnings
        write = changed | warnings_differ
        rows = []
        for j in np.flatnonzero(write):
            values = [out[f][j] for f in DIFF_FIELDS]
            prov = dumps(provenance[j]) if provenance[j] else None
            # a warnings-only rewrite keeps updated_import_id (COALESCE with NULL)
            stamp = import_id if changed[j] else None
            rows.append(
                (
                    *values,
                    out["extra"][j],
                    out["source"][j],
                    warnings_out[j],
                    prov,
                    stamp,
                    now,
                    ids[j],
                )
            )
        if rows:
            assignments = ", ".join(
                f"{f} = ?" for f in (*DIFF_FIELDS, "extra", "source", "warnings", "provenance")
            )
            self._executemany(
                conn,
                f"UPDATE cameras SET {assignments}, updated_import_id = COALESCE(?, updated_import_id), "
                "updated_at = ? WHERE device_id = ?",
                rows,
            )
        cred_rows = [
            (ids[j], cred_out["stream_user"][j], cred_out["stream_password"][j])
            for j in np.flatnonzero(cred_changed)
        ]
        if cred_rows:
            self._executemany(
                conn,
                "INSERT INTO camera_credentials (device_id, stream_user, stream_password) VALUES (?, ?, ?) "
                "ON CONFLICT (device_id) DO UPDATE SET stream_user = excluded.stream_user, "
                "stream_password = excluded.stream_password",
                cred_rows,
            )
        n_changed = int(changed.sum())
        return n_changed, m - n_changed

    def _insert_new(
        self,
        conn: Connection,
        merged: dict[str, np.ndarray],
        new: np.ndarray,
        import_id: int,
        now: str,
        *,
        bulk: bool,
    ) -> None:
        every = bool(new.all())
        rows = np.flatnonzero(new)
        names: list[str] = []
        arrays: list[np.ndarray] = []
        for c in STORED_FIELDS:
            values = merged[c] if every else merged[c][rows]
            if c != "device_id" and values[0] is None and _is_missing(values).all():
                continue  # an all-empty column costs binding time and stays NULL anyway
            names.append(c)
            arrays.append(values)
        # constants of this import are written as SQL literals: no binding per row
        constants = {
            "created_import_id": str(int(import_id)),
            "updated_import_id": str(int(import_id)),
            "updated_at": "'" + now.replace("'", "") + "'",
        }
        dropped: list[str] = []
        if bulk:
            dropped = self._drop_camera_indexes(conn)
        if self.dialect == "postgresql":
            cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            try:
                columns = ", ".join([*names, *constants])
                tail = [int(import_id), int(import_id), now]
                with cursor.copy(f"COPY cameras ({columns}) FROM STDIN") as copy:
                    for row in _row_tuples(arrays):
                        copy.write_row((*row, *tail))
            finally:
                cursor.close()
        else:
            marks = ", ".join(["?"] * len(names) + list(constants.values()))
            self._executemany(
                conn,
                f"INSERT INTO cameras ({', '.join([*names, *constants])}) VALUES ({marks})",
                _row_tuples(arrays),
            )
        if dropped:
            self._create_camera_indexes(conn, dropped)
        users = merged["stream_user"] if every else merged["stream_user"][rows]
        passwords = merged["stream_password"] if every else merged["stream_password"][rows]
        ids = merged["device_id"] if every else merged["device_id"][rows]
        has = ~_is_missing(users) | ~_is_missing(passwords)
        if has.any():
            self._executemany(
                conn,
                "INSERT INTO camera_credentials (device_id, stream_user, stream_password) VALUES (?, ?, ?)",
                list(
                    zip(
                        ids[has].tolist(), users[has].tolist(), passwords[has].tolist(), strict=True
                    )
                ),
            )

    def _drop_camera_indexes(self, conn: Connection) -> list[str]:
        names = list(s.CAMERA_INDEXES)
        if self.dialect == "postgresql":
            names.append("ix_cameras_geom")
        for name in names:
            conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
        return names

    def _create_camera_indexes(self, conn: Connection, names: list[str]) -> None:
        for name in names:
            if name == "ix_cameras_geom":
                conn.exec_driver_sql("CREATE INDEX ix_cameras_geom ON cameras USING GIST (geom)")
            else:
                cols = ", ".join(s.CAMERA_INDEXES[name])
                conn.exec_driver_sql(f"CREATE INDEX {name} ON cameras ({cols})")
        if self.dialect == "postgresql":
            conn.exec_driver_sql("ANALYZE cameras")

    # -- cameras: read ---------------------------------------------------------------------------
    def _camera_filters(
        self,
        *,
        unit: str | None = None,
        point_class: int | Iterable[int] | None = None,
        bbox: Sequence[float] | None = None,
    ) -> list[Any]:
        cam = s.cameras
        where: list[Any] = []
        if unit:
            code = str(unit).strip()
            if not code.isdigit():
                raise InputError(
                    "a unit code is digits (6: county, 9: township, 12: village)",
                    field="unit",
                    value=unit,
                )
            # one composite index (admin_code, township_code, village_code): codes nest, so a
            # township or village prefix is found under its county (and township) code
            upper = code[:-1] + chr(ord(code[-1]) + 1)
            if len(code) <= 6:
                where.append(sa.and_(cam.c.admin_code >= code, cam.c.admin_code < upper))
            elif len(code) <= 9:
                where.append(cam.c.admin_code == code[:6])
                where.append(sa.and_(cam.c.township_code >= code, cam.c.township_code < upper))
            else:
                where.append(cam.c.admin_code == code[:6])
                where.append(cam.c.township_code == code[:9])
                where.append(sa.and_(cam.c.village_code >= code, cam.c.village_code < upper))
        if point_class is not None:
            if isinstance(point_class, (int, np.integer, str)):
                where.append(cam.c.point_class == int(point_class))
            else:
                where.append(cam.c.point_class.in_([int(p) for p in point_class]))
        if bbox is not None:
            try:
                minx, miny, maxx, maxy = (float(v) for v in bbox)
            except (TypeError, ValueError):
                raise InputError(
                    "bbox is minlon,minlat,maxlon,maxlat in degrees (WGS-84)",
                    field="bbox",
                    value=bbox,
                ) from None
            if self.dialect == "postgresql":
                where.append(
                    sa.text(
                        "cameras.geom && ST_MakeEnvelope(:bx0, :by0, :bx1, :by1, 4326)"
                    ).bindparams(bx0=minx, by0=miny, bx1=maxx, by1=maxy)
                )
            where.append(cam.c.lon.between(minx, maxx))
            where.append(cam.c.lat.between(miny, maxy))
        return where

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
        where = self._camera_filters(unit=unit, point_class=point_class, bbox=bbox)
        id_chunks: list[list[str] | None] = [None]
        if device_ids is not None:
            wanted = [str(d) for d in device_ids]
            id_chunks = [wanted[i : i + 20_000] for i in range(0, len(wanted), 20_000)] or [[]]
        cam = s.cameras
        cred = s.camera_credentials
        cols = [cam.c[c] for c in STORED_FIELDS]
        source: Any = cam
        if include_credentials:
            cols += [cred.c.stream_user, cred.c.stream_password]
            source = cam.outerjoin(cred, cam.c.device_id == cred.c.device_id)
        records: list[Any] = []
        with self._read() as conn:
            for chunk in id_chunks:
                stmt = sa.select(*cols).select_from(source).where(*where)
                if chunk is not None:
                    stmt = stmt.where(cam.c.device_id.in_(chunk))
                stmt = stmt.order_by(cam.c.camera_id)
                if limit is not None:
                    stmt = stmt.limit(int(limit))
                if offset:
                    stmt = stmt.offset(int(offset))
                records.extend(self._raw_rows(conn, stmt))
        names = list(STORED_FIELDS) + (list(CREDENTIAL_FIELDS) if include_credentials else [])
        return _camera_frame(records, names)

    def _raw_rows(self, conn: Connection, stmt: Any) -> list[tuple[Any, ...]]:
        """Rows of ``stmt`` straight from the driver's cursor (no per-value SQLAlchemy processing)."""
        compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
        params: Any = compiled.params
        if compiled.positional:
            params = tuple(compiled.params[name] for name in compiled.positiontup or ())
        cursor = conn.connection.cursor()
        try:
            cursor.execute(str(compiled), params)
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def count_cameras(
        self,
        *,
        unit: str | None = None,
        point_class: int | Iterable[int] | None = None,
        bbox: Sequence[float] | None = None,
    ) -> int:
        """How many cameras match (same filters as :meth:`cameras`)."""
        where = self._camera_filters(unit=unit, point_class=point_class, bbox=bbox)
        with self._read() as conn:
            return int(
                conn.execute(
                    sa.select(sa.func.count()).select_from(s.cameras).where(*where)
                ).scalar_one()
            )

    def camera(self, device_id: str, *, include_credentials: bool = False) -> dict[str, Any] | None:
        """One camera as a dict of plain values (no geometry), or ``None``."""
        frame = self.cameras(device_ids=[device_id], include_credentials=include_credentials)
        if frame.empty:
            return None
        row = frame.drop(columns="geometry").iloc[0]
        record = {k: (None if _na(v) else _plain(v)) for k, v in row.items()}
        with self._read() as conn:
            found = conn.execute(
                sa.select(
                    s.cameras.c.created_import_id,
                    s.cameras.c.updated_import_id,
                    s.cameras.c.updated_at,
                    s.cameras.c.provenance,
                ).where(s.cameras.c.device_id == device_id)
            ).first()
        if found is not None:
            record["created_import_id"], record["updated_import_id"], record["updated_at"] = found[
                :3
            ]
            record["provenance"] = _loads(found[3]) or {}
        return record

    # -- cameras: history ------------------------------------------------------------------------
    def changes(
        self, *, device_id: str | None = None, import_id: int | None = None
    ) -> pd.DataFrame:
        """The change log, oldest first: one row per changed field of a camera (``action`` "update",
        ``before``/``after`` as Python values, credentials shown as ``***``) and one row per camera an
        import created (``action`` "create", ``field`` empty: the created values are the camera's
        values with the later updates taken back)."""
        ch = s.changes
        stmt = sa.select(
            ch.c.change_id,
            ch.c.import_id,
            ch.c.device_id,
            ch.c.action,
            ch.c.field,
            ch.c.before,
            ch.c.after,
            ch.c.changed_at,
        )
        cam, imp = s.cameras, s.imports
        created = sa.select(
            sa.null().label("change_id"),
            cam.c.created_import_id,
            cam.c.device_id,
            sa.literal("create").label("action"),
            sa.null().label("field"),
            sa.null().label("before"),
            sa.null().label("after"),
            imp.c.started_at,
        ).select_from(cam.join(imp, imp.c.import_id == cam.c.created_import_id))
        if device_id is not None:
            stmt = stmt.where(ch.c.device_id == device_id)
            created = created.where(cam.c.device_id == device_id)
        if import_id is not None:
            stmt = stmt.where(ch.c.import_id == import_id)
            created = created.where(cam.c.created_import_id == import_id)
        names = [
            "change_id",
            "import_id",
            "device_id",
            "action",
            "field",
            "before",
            "after",
            "changed_at",
        ]
        with self._read() as conn:
            made = conn.execute(created.order_by(cam.c.camera_id)).all()
            updates = conn.execute(stmt.order_by(ch.c.change_id)).all()
        frame = pd.DataFrame.from_records([*made, *updates], columns=names, coerce_float=False)
        for c in ("before", "after"):
            frame[c] = [None if _na(v) else json.loads(v) for v in frame[c]]
        frame["change_id"] = frame["change_id"].astype("Int64")
        frame["import_id"] = frame["import_id"].astype("Int64")
        frame["_create"] = frame["action"] != "create"
        frame = frame.sort_values(["import_id", "_create", "change_id"], kind="stable").drop(
            columns="_create"
        )
        return frame.reset_index(drop=True)

    def imports(self) -> pd.DataFrame:
        """One row per import, oldest first: source, file, times and counts."""
        with self._read() as conn:
            frame = pd.read_sql_query(sa.select(s.imports).order_by(s.imports.c.import_id), conn)
        for c in (
            "rows",
            "accepted",
            "warned",
            "refused",
            "inserted",
            "updated",
            "unchanged",
            "conflicts",
        ):
            frame[c] = frame[c].astype("Int64")
        return frame

    def rejects(self, import_id: int) -> pd.DataFrame:
        """The rows an import refused: file, sheet, row, column, value, reason."""
        r = s.import_rejects
        with self._read() as conn:
            rows = conn.execute(
                sa.select(r.c.file, r.c.sheet, r.c.row, r.c.column, r.c.value, r.c.reason)
                .where(r.c.import_id == import_id)
                .order_by(r.c.reject_id)
            ).all()
        frame = pd.DataFrame.from_records(rows, columns=list(REJECT_COLUMNS), coerce_float=False)
        frame["row"] = frame["row"].astype("Int64")
        for c in REJECT_COLUMNS:
            if c != "row":
                frame[c] = frame[c].astype("string")
        return frame

    def import_warnings(self, import_id: int) -> pd.DataFrame:
        """The warnings an import attached to cameras: device_id, message."""
        w = s.import_warnings
        with self._read() as conn:
            rows = conn.execute(
                sa.select(w.c.device_id, w.c.message)
                .where(w.c.import_id == import_id)
                .order_by(w.c.warning_id)
            ).all()
        return pd.DataFrame.from_records(rows, columns=["device_id", "message"])

    # -- reference layers ------------------------------------------------------------------------
    def _replace_layer(
        self, table: sa.Table, key: str, columns: Sequence[str], frame: gpd.GeoDataFrame, what: str
    ) -> int:
        if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry is None:
            raise InputError(f"{what} must be a GeoDataFrame with a geometry column")
        if key not in frame.columns:
            raise InputError(f"{what} have no {key!r} column", field=key)
        if frame.crs is not None and not frame.crs.equals(WGS84):
            frame = frame.to_crs(WGS84)
        keys = frame[key]
        if keys.isna().any():
            row = int(np.flatnonzero(keys.isna().to_numpy())[0])
            raise InputError(f"{what}: {key} is empty", row=row, field=key)
        duplicated = keys.astype(str).duplicated()
        if duplicated.any():
            value = str(keys[duplicated].iloc[0])
            raise InputError(f"{what}: {key} is not unique", field=key, value=value)
        geometry = frame.geometry.to_numpy()
        wkb = shapely.to_wkb(geometry).tolist() if len(frame) else []
        bounds = shapely.bounds(geometry) if len(frame) else np.empty((0, 4))
        plain = [c for c in columns if c != "geometry"]
        attrs_cols = [c for c in frame.columns if c not in (*plain, frame.geometry.name)]
        lists: list[list[Any]] = []
        for c in plain:
            kind = (
                "float"
                if c in ("population", "lon", "lat", "capacity_mbps", "length_m")
                else "text"
            )
            lists.append(
                _values(frame[c], kind).tolist() if c in frame.columns else [None] * len(frame)
            )
        lists.append(_attrs(frame, attrs_cols))
        for k in range(4):
            b = bounds[:, k].astype(object)
            b[~np.isfinite(bounds[:, k])] = None
            lists.append(b.tolist())
        lists.append(wkb)
        names = [*plain, "attrs", "minx", "miny", "maxx", "maxy", "geom"]
        marks = ["?"] * (len(names) - 1) + [
            "?" if self.dialect == "sqlite" else "ST_GeomFromWKB(?, 4326)"
        ]
        with self._write() as conn:
            conn.execute(table.delete())
            if len(frame):
                self._executemany(
                    conn,
                    f"INSERT INTO {table.name} ({', '.join(_quote(n) for n in names)}) VALUES ({', '.join(marks)})",
                    list(zip(*lists, strict=True)),
                )
        return len(frame)

    def _read_layer(
        self, table: sa.Table, columns: Sequence[str], where: list[Any]
    ) -> gpd.GeoDataFrame:
        plain = [c for c in columns if c != "geometry"]
        geom = table.c.geom
        geom_expr = sa.func.ST_AsBinary(geom) if self.dialect == "postgresql" else geom
        with self._read() as conn:
            rows = conn.execute(
                sa.select(*(table.c[c] for c in plain), table.c.attrs, geom_expr)
                .where(*where)
                .order_by(table.c[plain[0]])
            ).all()
        frame = pd.DataFrame.from_records(
            rows, columns=[*plain, "attrs", "geom"], coerce_float=False
        )
        geometry = shapely.from_wkb([None if g is None else bytes(g) for g in frame["geom"]])
        out = frame[plain].copy()
        for c in plain:
            if c in ("population", "lon", "lat", "capacity_mbps", "length_m"):
                out[c] = pd.to_numeric(out[c], errors="coerce").astype("float64")
        _expand_attrs(out, frame["attrs"])
        return gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(geometry, crs=WGS84), crs=WGS84)

    def replace_units(self, units: gpd.GeoDataFrame) -> int:
        """Replace the administrative units (UNIT_COLUMNS; extra columns kept) in one transaction."""
        return self._replace_layer(s.units, "code", UNIT_COLUMNS, units, "units")

    def units(self, level: str | None = None) -> gpd.GeoDataFrame:
        """Administrative units (EPSG:4326), optionally one ``level`` (city/county/township/village)."""
        where = [] if level is None else [s.units.c.level == level]
        return self._read_layer(s.units, UNIT_COLUMNS, where)

    def replace_places(self, places: gpd.GeoDataFrame) -> int:
        """Replace the key places (PLACE_COLUMNS; extra columns kept) in one transaction."""
        return self._replace_layer(s.places, "place_id", PLACE_COLUMNS, places, "places")

    def places(self, category: str | None = None) -> gpd.GeoDataFrame:
        """Key places (EPSG:4326)."""
        where = [] if category is None else [s.places.c.category == category]
        return self._read_layer(s.places, PLACE_COLUMNS, where)

    def replace_roads(self, roads: gpd.GeoDataFrame) -> int:
        """Replace the key roads (ROAD_COLUMNS; extra columns kept) in one transaction."""
        return self._replace_layer(s.roads, "road_id", ROAD_COLUMNS, roads, "roads")

    def roads(self, road_class: str | None = None) -> gpd.GeoDataFrame:
        """Key roads (EPSG:4326)."""
        where = [] if road_class is None else [s.roads.c.road_class == road_class]
        return self._read_layer(s.roads, ROAD_COLUMNS, where)

    def replace_network(self, nodes: pd.DataFrame, links: pd.DataFrame) -> tuple[int, int]:
        """Replace the network topology (NODE_COLUMNS, LINK_COLUMNS; extra columns kept), atomically."""
        for frame, key, what in ((nodes, "node_id", "nodes"), (links, "a", "links")):
            if key not in frame.columns:
                raise InputError(f"network {what} have no {key!r} column", field=key)
        if "b" not in links.columns:
            raise InputError("network links have no 'b' column", field="b")
        if nodes["node_id"].isna().any():
            raise InputError("network nodes: node_id is empty", field="node_id")
        if nodes["node_id"].astype(str).duplicated().any():
            dup = nodes["node_id"].astype(str)[nodes["node_id"].astype(str).duplicated()].iloc[0]
            raise InputError("network nodes: node_id is not unique", field="node_id", value=dup)
        floats = {"lon", "lat", "capacity_mbps", "length_m"}

        def lists(frame: pd.DataFrame, columns: Sequence[str]) -> list[tuple[Any, ...]]:
            out = [
                (
                    _values(frame[c], "float" if c in floats else "text").tolist()
                    if c in frame.columns
                    else [None] * len(frame)
                )
                for c in columns
            ]
            geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
            out.append(
                _attrs(frame, [c for c in frame.columns if c not in columns and c != geometry])
            )
            return list(zip(*out, strict=True))

        with self._write() as conn:
            conn.execute(s.network_links.delete())
            conn.execute(s.network_nodes.delete())
            if len(nodes):
                self._executemany(
                    conn,
                    "INSERT INTO network_nodes (node_id, kind, name, lon, lat, attrs) VALUES (?, ?, ?, ?, ?, ?)",
                    lists(nodes, NODE_COLUMNS),
                )
            if len(links):
                self._executemany(
                    conn,
                    "INSERT INTO network_links (a, b, capacity_mbps, medium, length_m, attrs) VALUES (?, ?, ?, ?, ?, ?)",
                    lists(links, LINK_COLUMNS),
                )
        return len(nodes), len(links)

    def network(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(nodes, links) of the network topology, extra columns restored."""
        n, lk = s.network_nodes, s.network_links
        with self._read() as conn:
            node_rows = conn.execute(
                sa.select(n.c.node_id, n.c.kind, n.c.name, n.c.lon, n.c.lat, n.c.attrs).order_by(
                    n.c.node_id
                )
            ).all()
            link_rows = conn.execute(
                sa.select(
                    lk.c.a, lk.c.b, lk.c.capacity_mbps, lk.c.medium, lk.c.length_m, lk.c.attrs
                ).order_by(lk.c.link_id)
            ).all()
        nodes = pd.DataFrame.from_records(
            node_rows, columns=[*NODE_COLUMNS, "attrs"], coerce_float=False
        )
        links = pd.DataFrame.from_records(
            link_rows, columns=[*LINK_COLUMNS, "attrs"], coerce_float=False
        )
        for frame, floats in ((nodes, ("lon", "lat")), (links, ("capacity_mbps", "length_m"))):
            for c in floats:
                frame[c] = pd.to_numeric(frame[c], errors="coerce").astype("float64")
        out = []
        for frame in (nodes, links):
            attrs = frame.pop("attrs")
            _expand_attrs(frame, attrs)
            out.append(frame)
        return out[0], out[1]

    # -- health ----------------------------------------------------------------------------------
    def start_health_run(self, night: str | date | None = None) -> int:
        """Start a health run for ``night`` (ISO date; default: the night now, noon to noon local
        time) or resume that night's unfinished run; returns its ``run_id``."""
        if night is None:
            night = (datetime.now().astimezone() - timedelta(hours=12)).date().isoformat()
        night = night.isoformat() if isinstance(night, date) else str(night)
        r = s.health_runs
        with self._write() as conn:
            found = conn.execute(
                sa.select(r.c.run_id)
                .where(r.c.night == night, r.c.finished_at.is_(None))
                .order_by(r.c.run_id.desc())
                .limit(1)
            ).scalar()
            if found is not None:
                return int(found)
            return _insert_id(conn, r.insert().values(night=night, started_at=_now()))

    def add_health_results(
        self, run_id: int, results: pd.DataFrame | Iterable[dict[str, Any]]
    ) -> int:
        """Store results (HEALTH_RESULT_COLUMNS) of ``run_id``; a camera already done in that run is replaced."""
        frame = results if isinstance(results, pd.DataFrame) else pd.DataFrame(list(results))
        if "device_id" not in frame.columns:
            raise InputError("health results have no 'device_id' column", field="device_id")
        rows = []
        for rec in frame.to_dict("records"):
            faults = rec.get("faults")
            measures = rec.get("measures")
            started: Any = rec.get("started_at")
            duration: Any = rec.get("duration_s")
            snap: Any = rec.get("snapshot_jpeg")
            rows.append(
                (
                    int(run_id),
                    str(rec["device_id"]),
                    None if _na(rec.get("verdict")) else str(rec.get("verdict")),
                    dumps(list(faults) if faults is not None and not _na_scalar(faults) else []),
                    None if _na(rec.get("reason")) else str(rec.get("reason")),
                    dumps(dict(measures) if isinstance(measures, dict) else {}),
                    None
                    if _na(started)
                    else (
                        started.isoformat()
                        if isinstance(started, (datetime, pd.Timestamp))
                        else str(started)
                    ),
                    None if _na(duration) else float(duration),
                    None if _na(snap) else bytes(snap),
                )
            )
        hr = s.health_results
        with self._write() as conn:
            if (
                conn.execute(
                    sa.select(s.health_runs.c.run_id).where(s.health_runs.c.run_id == run_id)
                ).first()
                is None
            ):
                raise InputError(f"there is no health run {run_id}", field="run_id", value=run_id)
            ids = [r[1] for r in rows]
            for start in range(0, len(ids), _CHUNK):
                conn.execute(
                    hr.delete().where(
                        hr.c.run_id == run_id, hr.c.device_id.in_(ids[start : start + _CHUNK])
                    )
                )
            if rows:
                self._executemany(
                    conn,
                    "INSERT INTO health_results (run_id, device_id, verdict, faults, reason, measures, started_at, duration_s, snapshot_jpeg) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
        return len(rows)

    def finish_health_run(self, run_id: int, summary: dict[str, Any] | None = None) -> None:
        """Mark ``run_id`` finished with its summary document."""
        r = s.health_runs
        with self._write() as conn:
            done = conn.execute(
                r.update()
                .where(r.c.run_id == run_id)
                .values(finished_at=_now(), summary=dumps(summary or {}))
            )
            if done.rowcount == 0:
                raise InputError(f"there is no health run {run_id}", field="run_id", value=run_id)

    def health_runs(self) -> pd.DataFrame:
        """One row per run: run_id, night, started_at, finished_at, summary (dict), results (count)."""
        r, hr = s.health_runs, s.health_results
        count = sa.select(sa.func.count()).where(hr.c.run_id == r.c.run_id).scalar_subquery()
        with self._read() as conn:
            rows = conn.execute(
                sa.select(
                    r.c.run_id, r.c.night, r.c.started_at, r.c.finished_at, r.c.summary, count
                ).order_by(r.c.run_id)
            ).all()
        frame = pd.DataFrame.from_records(
            rows,
            columns=["run_id", "night", "started_at", "finished_at", "summary", "results"],
            coerce_float=False,
        )
        frame["summary"] = [_loads(v) for v in frame["summary"]]
        return frame

    def _health_frame(
        self, where: list[Any], *, include_snapshots: bool, with_night: bool = False
    ) -> pd.DataFrame:
        hr, r = s.health_results, s.health_runs
        snap = hr.c.snapshot_jpeg if include_snapshots else sa.null().label("snapshot_jpeg")
        cols = [
            hr.c.run_id,
            hr.c.device_id,
            hr.c.verdict,
            hr.c.faults,
            hr.c.reason,
            hr.c.measures,
            hr.c.started_at,
            hr.c.duration_s,
            snap,
        ]
        names = list(HEALTH_RESULT_COLUMNS)
        if with_night:
            cols.append(r.c.night)
            names.append("night")
        stmt = (
            sa.select(*cols)
            .select_from(hr.join(r, r.c.run_id == hr.c.run_id))
            .where(*where)
            .order_by(hr.c.run_id, hr.c.result_id)
        )
        with self._read() as conn:
            rows = conn.execute(stmt).all()
        frame = pd.DataFrame.from_records(rows, columns=names, coerce_float=False)
        frame["faults"] = pd.Series([_loads(v) or [] for v in frame["faults"]], dtype=object)
        frame["measures"] = pd.Series([_loads(v) or {} for v in frame["measures"]], dtype=object)
        frame["duration_s"] = pd.to_numeric(frame["duration_s"], errors="coerce").astype("float64")
        frame["snapshot_jpeg"] = [None if _na(v) else bytes(v) for v in frame["snapshot_jpeg"]]
        return frame

    def health_results(
        self, run_id: int | None = None, *, include_snapshots: bool = True
    ) -> pd.DataFrame:
        """Results (HEALTH_RESULT_COLUMNS) of ``run_id``, default the latest run."""
        if run_id is None:
            with self._read() as conn:
                run_id = conn.execute(sa.select(sa.func.max(s.health_runs.c.run_id))).scalar()
            if run_id is None:
                return self._health_frame([sa.false()], include_snapshots=include_snapshots)
        return self._health_frame(
            [s.health_results.c.run_id == run_id], include_snapshots=include_snapshots
        )

    def health_history(self, device_id: str, *, include_snapshots: bool = False) -> pd.DataFrame:
        """Every result of one camera, oldest run first (HEALTH_RESULT_COLUMNS + ``night``)."""
        return self._health_frame(
            [s.health_results.c.device_id == device_id],
            include_snapshots=include_snapshots,
            with_night=True,
        )

    def done_in_run(self, run_id: int) -> set[str]:
        """Cameras that already have a result in ``run_id`` (a resumed job skips them)."""
        hr = s.health_results
        with self._read() as conn:
            return {
                str(v)
                for v in conn.execute(
                    sa.select(hr.c.device_id).where(hr.c.run_id == run_id)
                ).scalars()
            }

    def snapshot(self, run_id: int, device_id: str) -> bytes | None:
        """The JPEG snapshot of one camera in one run."""
        hr = s.health_results
        with self._read() as conn:
            value = conn.execute(
                sa.select(hr.c.snapshot_jpeg).where(
                    hr.c.run_id == run_id, hr.c.device_id == device_id
                )
            ).scalar()
        return None if value is None else bytes(value)

    def set_reference_frame(self, device_id: str, jpeg: bytes) -> None:
        """Keep ``jpeg`` as the camera's reference view (scene-change detection)."""
        rf = s.reference_frames
        with self._write() as conn:
            conn.execute(rf.delete().where(rf.c.device_id == device_id))
            conn.execute(
                rf.insert().values(device_id=device_id, jpeg=bytes(jpeg), updated_at=_now())
            )

    def reference_frame(self, device_id: str) -> bytes | None:
        """The camera's reference JPEG, or ``None``."""
        rf = s.reference_frames
        with self._read() as conn:
            value = conn.execute(sa.select(rf.c.jpeg).where(rf.c.device_id == device_id)).scalar()
        return None if value is None else bytes(value)

    # -- results of analyses ---------------------------------------------------------------------
    def save_result(self, kind: str, document: dict[str, Any] | list[Any]) -> int:
        """Keep a JSON document (a report, the gaps, a plan, ...) under ``kind``; returns its id."""
        text = dumps(document)
        with self._write() as conn:
            return _insert_id(
                conn, s.results.insert().values(kind=kind, created_at=_now(), document=text)
            )

    def latest_result(self, kind: str) -> dict[str, Any] | None:
        """The newest document of ``kind``, or ``None``."""
        r = s.results
        with self._read() as conn:
            text = conn.execute(
                sa.select(r.c.document)
                .where(r.c.kind == kind)
                .order_by(r.c.result_id.desc())
                .limit(1)
            ).scalar()
        return None if text is None else json.loads(text)

    def result(self, result_id: int) -> dict[str, Any] | None:
        """One document by id."""
        with self._read() as conn:
            text = conn.execute(
                sa.select(s.results.c.document).where(s.results.c.result_id == result_id)
            ).scalar()
        return None if text is None else json.loads(text)

    def results(self, kind: str | None = None) -> pd.DataFrame:
        """Saved documents (result_id, kind, created_at), newest first."""
        r = s.results
        stmt = sa.select(r.c.result_id, r.c.kind, r.c.created_at).order_by(r.c.result_id.desc())
        if kind is not None:
            stmt = stmt.where(r.c.kind == kind)
        with self._read() as conn:
            rows = conn.execute(stmt).all()
        return pd.DataFrame.from_records(rows, columns=["result_id", "kind", "created_at"])

    # -- auth and audit --------------------------------------------------------------------------
    def add_user(self, name: str, role: str, password_hash: str | None = None) -> None:
        """Add an API user (role viewer, editor or admin); an existing name is refused."""
        if role not in ROLES:
            raise InputError(f"role must be one of {', '.join(ROLES)}", field="role", value=role)
        if not name or not str(name).strip():
            raise InputError("a user needs a name", field="name")
        with self._write() as conn:
            if conn.execute(sa.select(s.users.c.name).where(s.users.c.name == name)).first():
                raise InputError(f"user {name!r} exists already", field="name", value=name)
            conn.execute(
                s.users.insert().values(
                    name=name, role=role, password_hash=password_hash, created_at=_now()
                )
            )

    def set_user(
        self, name: str, *, role: str | None = None, password_hash: str | None = None
    ) -> None:
        """Change a user's role and/or password hash."""
        values: dict[str, Any] = {}
        if role is not None:
            if role not in ROLES:
                raise InputError(
                    f"role must be one of {', '.join(ROLES)}", field="role", value=role
                )
            values["role"] = role
        if password_hash is not None:
            values["password_hash"] = password_hash
        if not values:
            return
        with self._write() as conn:
            if (
                conn.execute(
                    s.users.update().where(s.users.c.name == name).values(**values)
                ).rowcount
                == 0
            ):
                raise InputError(f"there is no user {name!r}", field="name", value=name)

    def delete_user(self, name: str) -> bool:
        """Remove a user and their tokens; False if there was none."""
        with self._write() as conn:
            conn.execute(s.tokens.delete().where(s.tokens.c.name == name))
            return bool(conn.execute(s.users.delete().where(s.users.c.name == name)).rowcount)

    def user(self, name: str) -> dict[str, Any] | None:
        """name, role, password_hash, created_at of one user, or ``None``."""
        with self._read() as conn:
            row = conn.execute(sa.select(s.users).where(s.users.c.name == name)).mappings().first()
        return None if row is None else dict(row)

    def users(self) -> pd.DataFrame:
        """All users (name, role, created_at; no password hashes)."""
        u = s.users
        with self._read() as conn:
            rows = conn.execute(
                sa.select(u.c.name, u.c.role, u.c.created_at).order_by(u.c.name)
            ).all()
        return pd.DataFrame.from_records(rows, columns=["name", "role", "created_at"])

    def add_token(self, name: str, token_hash: str) -> None:
        """Keep the hash of an API token of user ``name`` (never the token itself)."""
        with self._write() as conn:
            if (
                conn.execute(sa.select(s.users.c.name).where(s.users.c.name == name)).first()
                is None
            ):
                raise InputError(f"there is no user {name!r}", field="name", value=name)
            conn.execute(
                s.tokens.insert().values(token_hash=token_hash, name=name, created_at=_now())
            )

    def revoke_token(self, token_hash: str) -> bool:
        """Forget a token; False if it was not known."""
        with self._write() as conn:
            return bool(
                conn.execute(s.tokens.delete().where(s.tokens.c.token_hash == token_hash)).rowcount
            )

    def user_for_token(self, token_hash: str) -> dict[str, Any] | None:
        """The user (as :meth:`user`) a token hash belongs to, or ``None``."""
        t, u = s.tokens, s.users
        with self._read() as conn:
            row = (
                conn.execute(
                    sa.select(u)
                    .select_from(u.join(t, t.c.name == u.c.name))
                    .where(t.c.token_hash == token_hash)
                )
                .mappings()
                .first()
            )
        return None if row is None else dict(row)

    def audit(self, who: str | None, action: str, detail: Any = None) -> None:
        """Append to the audit log (who, when, action, detail: text or a JSON-able value)."""
        text = detail if detail is None or isinstance(detail, str) else dumps(detail)
        with self._write() as conn:
            conn.execute(
                s.audit_log.insert().values(at=_now(), who=who, action=action, detail=text)
            )

    def audit_log(self, *, limit: int | None = None) -> pd.DataFrame:
        """The audit log, newest first: at, who, action, detail."""
        a = s.audit_log
        stmt = sa.select(a.c.at, a.c.who, a.c.action, a.c.detail).order_by(a.c.audit_id.desc())
        if limit is not None:
            stmt = stmt.limit(int(limit))
        with self._read() as conn:
            rows = conn.execute(stmt).all()
        return pd.DataFrame.from_records(rows, columns=["at", "who", "action", "detail"])


# -- helpers -------------------------------------------------------------------------------------
def _quote(name: str) -> str:
    return f'"{name}"' if name in ("row", "column") else name


def _na(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _na_scalar(value: Any) -> bool:
    return not isinstance(value, (list, tuple, set, np.ndarray)) and _na(value)


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


def _dump_value(value: Any) -> str | None:
    return None if value is None else dumps(value)


def _attrs(frame: pd.DataFrame, columns: Sequence[str]) -> list[str | None]:
    if not columns:
        return [None] * len(frame)
    out: list[str | None] = []
    for rec in frame[list(columns)].to_dict("records"):
        bag = {str(k): _plain(v) for k, v in rec.items() if not _na_scalar(v)}
        out.append(dumps(bag) if bag else None)
    return out


def _expand_attrs(frame: pd.DataFrame, attrs: pd.Series) -> None:
    bags = [_loads(a) or {} for a in attrs]
    keys: dict[str, None] = {}
    for bag in bags:
        for k in bag:
            keys.setdefault(k, None)
    for k in keys:
        if k not in frame.columns:
            frame[k] = [bag.get(k) for bag in bags]


def _camera_frame(records: list[Any], names: list[str]) -> gpd.GeoDataFrame:
    """Canonical camera GeoDataFrame from stored rows (vectorised per column)."""
    import pyarrow as pa

    n = len(records)
    table = np.empty((n, len(names)), dtype=object)
    if n:
        table[:] = records
    position = {name: j for j, name in enumerate(names)}
    data: dict[str, Any] = {}
    for c in (*CAMERA_COLUMNS, *CAMERA_SIDE_COLUMNS):
        kind = KINDS.get(c, "text")
        dtype = CAMERA_DTYPES.get(c, "boolean" if c == "id_valid" else "string")
        j = position.get(c)
        if j is None:
            data[c] = pd.Series([None] * n, dtype=dtype)  # type: ignore[call-overload]
            continue
        raw = table[:, j]
        if kind == "text":
            strings = pa.array(raw, type=pa.large_string(), from_pandas=True)
            data[c] = pd.arrays.ArrowStringArray(strings)
            continue
        numbers = np.array(raw, dtype="float64")  # None → NaN; booleans → 1.0/0.0
        if kind == "float":
            data[c] = numbers
            continue
        missing = np.isnan(numbers)
        if kind == "int":
            ints = np.where(missing, 0, numbers).astype("int64")
            data[c] = pd.Series(pd.arrays.IntegerArray(ints, missing)).astype(dtype)  # type: ignore[call-overload]
        else:
            data[c] = pd.arrays.BooleanArray(np.where(missing, 0, numbers) != 0, missing)
    frame = pd.DataFrame(data)
    lon = frame["lon"].to_numpy()
    lat = frame["lat"].to_numpy()
    geometry = gpd.points_from_xy(lon, lat, crs=WGS84)
    missing_xy = np.isnan(lon) | np.isnan(lat)
    if missing_xy.any():
        geometry[missing_xy] = None
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=WGS84)


def _reject_frame(rejects: pd.DataFrame | None, extra: pd.DataFrame) -> pd.DataFrame:
    parts = [p for p in (rejects, extra) if p is not None and len(p)]
    if not parts:
        return pd.DataFrame(columns=list(REJECT_COLUMNS))
    frame = pd.concat([p.reindex(columns=list(REJECT_COLUMNS)) for p in parts], ignore_index=True)
    return frame


def _reject_tuples(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    cols = []
    for c in REJECT_COLUMNS:
        if c == "row":
            cols.append(_values(frame[c], "int").tolist())
        else:
            cols.append(_values(frame[c], "text").tolist())
    return list(zip(*cols, strict=True))


NOT_A_CAMERA = "not a camera"


def _count_refused(frame: pd.DataFrame) -> tuple[int, int]:
    """(refused input rows, non-camera items) of a rejects frame.

    One per (file, sheet, row); rejects without a row number count one each. Items a catalog lists
    that are not cameras (recorders, platforms, business groups: reason ``not a camera: …``) are
    counted apart: they were never candidate cameras, so they are not refused cameras.
    """
    if not len(frame):
        return 0, 0
    has_row = frame["row"].notna()
    not_camera = frame["reason"].astype(str).str.startswith(NOT_A_CAMERA)
    keys = frame[["file", "sheet", "row"]].astype(str)
    keyed = keys[has_row].drop_duplicates()
    camera_keys = set(map(tuple, keys[has_row & ~not_camera].to_numpy()))
    only_not_camera = sum(1 for k in map(tuple, keyed.to_numpy()) if k not in camera_keys)
    refused = len(keyed) - only_not_camera + int((~has_row & ~not_camera).sum())
    return int(refused), int(only_not_camera + (~has_row & not_camera).sum())


def _merge_duplicate_rows(columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Rows of the same camera in one file merged: later non-null values win, warnings joined."""
    dup = pd.Series(columns["device_id"]).duplicated(keep=False).to_numpy()
    if not dup.any():
        return columns
    part = pd.DataFrame({k: v[dup] for k, v in columns.items()})
    merged = part.groupby("device_id", sort=False).last()
    merged["warnings"] = part.groupby("device_id", sort=False)["warnings"].agg(_join_warnings)
    merged = merged.reset_index()
    result: dict[str, np.ndarray] = {}
    for k, values in columns.items():
        tail = np.array(merged[k].to_numpy(dtype=object), dtype=object)
        tail[_is_na(tail)] = None
        result[k] = np.concatenate([values[~dup], tail])
    return result


def _join_warnings(values: pd.Series) -> str | None:
    return "; ".join(dict.fromkeys(str(x) for x in values if x is not None)) or None


def _insert_id(conn: Connection, statement: Any) -> int:
    key = conn.execute(statement).inserted_primary_key
    if key is None:  # pragma: no cover - every table here has an integer key
        raise StoreError("the database returned no key for a new row")
    return int(key[0])


def _by_class(point_class: np.ndarray, warned: np.ndarray) -> dict[str, dict[str, int]]:
    # counted per distinct value (factorize: missing → code -1), named by str() of the value
    codes, uniques = pd.factorize(np.asarray(point_class, dtype=object), use_na_sentinel=True)
    accepted = np.bincount(codes + 1, minlength=len(uniques) + 1)
    doubtful = np.bincount(
        codes + 1, weights=np.asarray(warned, dtype=bool), minlength=len(uniques) + 1
    )
    counts: dict[str, list[int]] = {}
    for slot, label in enumerate(["unknown", *(str(v) for v in uniques)]):
        if accepted[slot]:
            tally = counts.setdefault(label, [0, 0])
            tally[0] += int(accepted[slot])
            tally[1] += int(doubtful[slot])
    return {k: {"accepted": a, "warned": w} for k, (a, w) in sorted(counts.items())}


def _row_tuples(arrays: Sequence[np.ndarray], chunk: int = 50_000) -> Iterator[tuple[Any, ...]]:
    """Rows of equal-length plain-value columns as tuples, made a chunk at a time.

    Only one chunk of each column is held as Python lists at once (not whole-column copies).
    """
    total = len(arrays[0]) if len(arrays) else 0
    for start in range(0, total, chunk):
        yield from zip(*(a[start : start + chunk].tolist() for a in arrays), strict=True)


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file, kept with its import."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
