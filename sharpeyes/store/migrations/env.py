"""Alembic environment: runs on the connection that :meth:`Store.open` passes in ``attributes``."""

from __future__ import annotations

from alembic import context

from sharpeyes.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when someone runs the alembic CLI by hand
    raise RuntimeError("run migrations through sharpeyes.store.Store.open(url)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    transaction_per_migration=False,
)
with context.begin_transaction():
    context.run_migrations()
