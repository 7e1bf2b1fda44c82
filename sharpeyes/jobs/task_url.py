"""The store URL a Dask task carries: never its password (a task's pickle crosses the network and a
worker may log it). On PostgreSQL the password is written to a libpq *passfile* (mode 0600, removed
when the run ends) whose path the URL names (``?passfile=``): workers on this machine (``local:N``)
read it there; workers elsewhere take ``PGPASSWORD`` or their own ``~/.pgpass`` (libpq prefers
``PGPASSWORD`` to a passfile). A SQLite URL holds no secret and is carried as it is.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator

import sqlalchemy as sa

__all__ = ["task_store_url"]


def _pgpass_field(value: object) -> str:
    text = "*" if value is None or value == "" else str(value)
    return text if text == "*" else text.replace("\\", "\\\\").replace(":", "\\:")


@contextlib.contextmanager
def task_store_url(store_url: str) -> Iterator[str]:
    """``store_url`` without its password, for the tasks of one run (module docstring)."""
    url = sa.engine.make_url(store_url)
    if url.password is None or not url.drivername.startswith("postgresql"):
        yield store_url
        return
    fd, path = tempfile.mkstemp(prefix="sharpeyes-pgpass-")  # 0600, this user's only
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            fields = (url.host, url.port, url.database, url.username)
            f.write(":".join([*map(_pgpass_field, fields), _pgpass_field(url.password)]) + "\n")
        # URL.set(password=None) keeps the password: None there means "unchanged"
        bare = sa.engine.URL.create(
            url.drivername,
            username=url.username,
            host=url.host,
            port=url.port,
            database=url.database,
            query=url.query,
        )
        carried = bare.update_query_dict({"passfile": path})
        yield carried.render_as_string(hide_password=False)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
