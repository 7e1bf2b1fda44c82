"""Alembic migrations of the store, run by :meth:`sharpeyes.store.Store.open` (upgrade to head)."""
