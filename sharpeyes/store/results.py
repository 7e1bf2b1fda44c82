"""Results of analyses, kept as JSON documents by kind ("report", "gaps", "network", "plan", ...)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import sqlalchemy as sa

from sharpeyes.model.jsonable import dumps, loads
from sharpeyes.store import schema as s
from sharpeyes.store.engine import Database, insert_id, now


class Results:
    """The ``results`` table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def save_result(self, kind: str, document: dict[str, Any] | list[Any]) -> int:
        """Keep a JSON document (a report, the gaps, a plan, ...) under ``kind``; returns its id."""
        text = dumps(document)
        with self.db.write() as conn:
            return insert_id(
                conn, s.results.insert().values(kind=kind, created_at=now(), document=text)
            )

    def latest_result(self, kind: str) -> dict[str, Any] | None:
        """The newest document of ``kind``, or ``None``."""
        r = s.results
        with self.db.read() as conn:
            text = conn.execute(
                sa.select(r.c.document)
                .where(r.c.kind == kind)
                .order_by(r.c.result_id.desc())
                .limit(1)
            ).scalar()
        return None if text is None else loads(text)

    def result(self, result_id: int) -> dict[str, Any] | None:
        """One document by id."""
        with self.db.read() as conn:
            text = conn.execute(
                sa.select(s.results.c.document).where(s.results.c.result_id == result_id)
            ).scalar()
        return None if text is None else loads(text)

    def results(self, kind: str | None = None) -> pd.DataFrame:
        """Saved documents (result_id, kind, created_at), newest first."""
        r = s.results
        stmt = sa.select(r.c.result_id, r.c.kind, r.c.created_at).order_by(r.c.result_id.desc())
        if kind is not None:
            stmt = stmt.where(r.c.kind == kind)
        with self.db.read() as conn:
            rows = conn.execute(stmt).all()
        return pd.DataFrame.from_records(rows, columns=["result_id", "kind", "created_at"])
