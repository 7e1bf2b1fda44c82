"""The database under the store: open (SQLite file or PostgreSQL/PostGIS URL), migrate, transactions,
and the drivers' bulk paths (``executemany`` with plain tuples; ``COPY`` on PostgreSQL).

Every repository of :mod:`sharpeyes.store` holds one :class:`Database`.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url

from sharpeyes._errors import StoreError

MIGRATIONS = Path(__file__).with_name("migrations")


def now() -> str:
    """The time now, UTC, ISO 8601 (as every ``*_at`` column keeps it)."""
    return datetime.now(UTC).isoformat()


def _normalise_url(url: str) -> str:
    if "://" not in url:
        from sharpeyes.settings import database_url

        return database_url(url)
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


#: Page size of a new SQLite store (bytes; existing files keep theirs).
PAGE_SIZE = 16_384
#: The connection's page cache (``PRAGMA cache_size``, KiB), and the smaller one while indexes are
#: built: SQLite's sorter cuts its runs at the cache size, and only several runs can be sorted by
#: its helper threads.
CACHE_KIB = 262_144
SORT_CACHE_KIB = 16_384
#: How long a connection waits for another's lock (``PRAGMA busy_timeout``, ms).
BUSY_TIMEOUT_MS = 60_000


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
        # a new file gets 16 KiB pages (a no-op on an existing one): a big table's b-tree has a
        # quarter of the pages, so bulk loads, index builds and the WAL's commit do less per row
        cursor.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        if database and database != ":memory:":
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        cursor.execute("PRAGMA temp_store = MEMORY")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def create_engine(url: str) -> Engine:
    """An engine for a SQLite path, ``sqlite:///path`` or ``postgresql+psycopg://…`` URL.

    Raises :class:`sharpeyes.StoreError` for an unreadable URL or another database.
    """
    try:
        parsed = make_url(_normalise_url(str(url)))
    except sa.exc.ArgumentError as exc:
        raise StoreError(f"cannot read the database URL {url!r}: {exc}") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed)
    if backend == "postgresql":
        return sa.create_engine(parsed, pool_pre_ping=True)
    raise StoreError(
        f"unsupported database {backend!r} in {parsed.render_as_string(hide_password=True)}: "
        "use a SQLite path or a postgresql+psycopg:// URL"
    )


class Database:
    """One engine with the store's transactions and bulk paths."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self.url = engine.url.render_as_string(hide_password=True)

    @classmethod
    def open(cls, url: str) -> Database:
        """Open (creating if needed) the database at ``url`` and migrate it to the newest schema."""
        db = cls(create_engine(url))
        try:
            db.migrate()
        except sa.exc.SQLAlchemyError as exc:
            db.engine.dispose()
            raise StoreError(
                f"cannot open the store at {db.url}: {exc.__class__.__name__}: "
                f"{str(exc).splitlines()[0]}"
            ) from None
        return db

    def _alembic_config(self) -> Any:
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        return config

    def migrate(self) -> None:
        """Upgrade the schema to the newest Alembic revision (nothing to do when it is there)."""
        from alembic import command
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        config = self._alembic_config()
        heads = set(ScriptDirectory.from_config(config).get_heads())
        with self.engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
        if current == heads:
            return
        with self.write() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    def revision(self) -> str | None:
        """The Alembic revision the database is at."""
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction (``BEGIN IMMEDIATE`` on SQLite: no lock upgrade deadlocks)."""
        with self.engine.connect() as conn:
            if self.dialect == "sqlite":
                conn.execution_options(sqlite_begin="IMMEDIATE")
            try:
                with conn.begin():
                    yield conn
            finally:
                release_staging(conn)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reading."""
        with self.engine.connect() as conn:
            yield conn

    def executemany(self, conn: Connection, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Driver-level executemany with plain tuples (``?`` placeholders rewritten for psycopg)."""
        if self.dialect != "sqlite":
            sql = sql.replace("?", "%s")
        cursor = conn.connection.cursor()
        try:
            # sqlite3 takes any iterator: rows are made one at a time, never all held at once
            cursor.executemany(sql, rows if self.dialect == "sqlite" else list(rows))  # type: ignore[arg-type]
        finally:
            cursor.close()

    def copy_rows(
        self, conn: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> None:
        """PostgreSQL ``COPY table (columns) FROM STDIN`` of plain tuples."""
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        finally:
            cursor.close()

    def raw_rows(self, conn: Connection, stmt: Any) -> list[tuple[Any, ...]]:
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


_STAGING = "sharpeyes_staging"


def hold_staging(conn: Connection, alias: str, folder: Path) -> None:
    """Remember a scratch database ``folder`` attached as ``alias`` to ``conn`` in this transaction
    (SQLite cannot DETACH inside the transaction that read it): :func:`release_staging` removes it."""
    conn.info.setdefault(_STAGING, []).append((alias, folder))


def staging_room(conn: Connection) -> int:
    """How many more scratch databases this transaction may ATTACH to ``conn`` (SQLite's limit of
    attached databases, 10 in a default build, less those held until the transaction ends)."""
    raw = conn.connection.driver_connection
    try:
        limit = int(raw.getlimit(sqlite3.SQLITE_LIMIT_ATTACHED))  # type: ignore[union-attr]
    except (AttributeError, sqlite3.Error):
        limit = 10
    return max(0, limit - len(conn.info.get(_STAGING, [])))


def release_staging(conn: Connection) -> None:
    """Detach and remove the scratch databases of the transaction that just ended on ``conn``."""
    held: list[tuple[str, Path]] = conn.info.pop(_STAGING, [])
    if not held:
        return
    raw = conn.connection.driver_connection
    for alias, folder in held:
        with contextlib.suppress(Exception):  # never attached (the staging failed first)
            raw.execute(f"DETACH DATABASE {alias}")  # type: ignore[union-attr]
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def parallel_sorts(conn: Connection, threads: int = 2) -> Iterator[None]:
    """SQLite's sorts (``CREATE INDEX``) on ``threads`` helper threads while the block runs.

    The sorter uses helper threads only with its runs in temporary files (never with
    ``temp_store = MEMORY``, the store's setting) and only when the data exceeds one run (the
    page cache's size): both are set for the block and put back after. Inside a transaction that
    has a temporary table SQLite refuses to change ``temp_store``; then the sorts stay in memory.
    """
    raw = conn.connection.driver_connection
    moved = False
    try:
        raw.execute("PRAGMA temp_store = FILE")  # type: ignore[union-attr]
        moved = True
    except sqlite3.Error:
        pass
    raw.execute(f"PRAGMA threads = {threads if moved else 0}")  # type: ignore[union-attr]
    raw.execute(f"PRAGMA cache_size = -{SORT_CACHE_KIB if moved else CACHE_KIB}")  # type: ignore[union-attr]
    try:
        yield
    finally:
        raw.execute("PRAGMA threads = 0")  # type: ignore[union-attr]
        raw.execute(f"PRAGMA cache_size = -{CACHE_KIB}")  # type: ignore[union-attr]
        if moved:
            with contextlib.suppress(sqlite3.Error):
                raw.execute("PRAGMA temp_store = MEMORY")  # type: ignore[union-attr]


@contextmanager
def first_load_journal(conn: Connection) -> Iterator[bool]:
    """The first load of an empty SQLite camera table with a rollback journal instead of the WAL,
    while the block runs (yields whether it is): pages past the file's old end are written once,
    into the database file, never copied from the WAL by a checkpoint; the journal holds only the
    few pages the file had, and the commit is its deletion (``synchronous = FULL`` meanwhile, so
    a committed load is on disk: atomic and crash-safe as in WAL mode; a load killed half way
    leaves a hot journal that the next connection rolls back).

    Only when nothing else has the file open: switching out of WAL needs the file to itself, and
    is tried without waiting (a connection that has it open makes it fail at once, and the load
    then runs in WAL mode as always). Outside a transaction (call it before BEGIN); WAL mode is put
    back after, else by the next connection that opens the store. A connection that opens the
    store during the load waits for its commit (the busy timeout) instead of reading the empty
    store beside it.
    """
    raw: Any = conn.connection.driver_connection
    switched = False
    try:
        stored = raw.execute("SELECT EXISTS (SELECT 1 FROM cameras)").fetchall()[0][0]
        if str(raw.execute("PRAGMA journal_mode").fetchall()[0][0]).lower() == "wal" and not stored:
            raw.execute("PRAGMA busy_timeout = 0")
            mode = raw.execute("PRAGMA journal_mode = DELETE").fetchall()[0][0]
            switched = str(mode).lower() == "delete"
    except sqlite3.Error:
        switched = False  # in use by another connection: WAL as always
    finally:
        raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if switched:
        raw.execute("PRAGMA synchronous = FULL")
    try:
        yield switched
    finally:
        if switched:
            raw.execute("PRAGMA synchronous = NORMAL")
            with contextlib.suppress(sqlite3.Error):  # busy: the next connection puts it back
                raw.execute("PRAGMA journal_mode = WAL")


def insert_id(conn: Connection, statement: Any) -> int:
    """Execute an INSERT and return the new row's integer key."""
    key = conn.execute(statement).inserted_primary_key
    if key is None:  # pragma: no cover - every table here has an integer key
        raise StoreError("the database returned no key for a new row")
    return int(key[0])
