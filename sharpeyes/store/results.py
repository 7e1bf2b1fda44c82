"""Results of analyses, kept as JSON documents by kind ("report", "gaps", "network", "plan", ...).

A report carries its period (``YYYY-MM``); every run is kept, and the newest run of a period
supersedes the earlier ones of that period (:meth:`Results.periods`, :meth:`Results.period_result`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa

from sharpeyes._errors import StoreError
from sharpeyes.model.jsonable import dumps_compact, loads
from sharpeyes.store import schema as s
from sharpeyes.store.engine import Database, insert_id, now

if TYPE_CHECKING:
    from sharpeyes.store.repository import Store


__all__ = ["Results", "period_result", "periods", "save_result_text"]


def periods(store: Store, kind: str = "report") -> pd.DataFrame:
    """The stored periods of ``kind``: see :meth:`Results.periods`."""
    return Results(store.db).periods(kind)


def save_result_text(store: Store, kind: str, text: str, *, period: str | None = None) -> int:
    """``store.save_result`` of a document already JSON text: see :meth:`Results.save_result_text`."""
    return Results(store.db).save_result_text(kind, text, period=period)


def period_result(
    store: Store, period: str, kind: str = "report"
) -> tuple[int, dict[str, Any]] | None:
    """The newest run of ``kind`` in ``period``: see :meth:`Results.period_result`."""
    return Results(store.db).period_result(kind, period)


class Results:
    """The ``results`` table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def save_result(
        self, kind: str, document: dict[str, Any] | list[Any], *, period: str | None = None
    ) -> int:
        """Keep a JSON document (a report, the gaps, a plan, ...) under ``kind``, of ``period``
        (``YYYY-MM``, or ``None``); returns its id."""
        return self.save_result_text(kind, dumps_compact(document), period=period)

    def save_result_text(self, kind: str, text: str, *, period: str | None = None) -> int:
        """:meth:`save_result` of a document already written as JSON text by the package's rule
        (:func:`~sharpeyes.model.jsonable.dumps`: ``null`` for NaN): a large one (the gaps of a
        province, :mod:`sharpeyes.jobs.gaps_document`) is never held as Python values."""
        if not text.lstrip().startswith(("{", "[")):
            raise StoreError(f"a result document is a JSON object or array, got {text[:40]!r}")
        values = {"kind": kind, "created_at": now(), "document": text, "period": period}
        with self.db.write() as conn:
            return insert_id(conn, s.results.insert().values(**values))

    def latest_result(self, kind: str) -> dict[str, Any] | None:
        """The document of ``kind`` of the latest period (the newest run of that period; a
        report re-run for last month does not replace this month's on the map), else the newest
        document without a period, or ``None``."""
        r = s.results
        with self.db.read() as conn:
            text = conn.execute(
                sa.select(r.c.document)
                .where(r.c.kind == kind)
                .order_by(r.c.period.desc().nulls_last(), r.c.result_id.desc())
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

    def periods(self, kind: str) -> pd.DataFrame:
        """The periods of ``kind`` (oldest first): ``period``, ``result_id`` and ``created_at`` of the
        period's newest run (the one that counts), ``runs`` (how many runs the period had)."""
        r = s.results
        stmt = (
            sa.select(
                r.c.period,
                sa.func.max(r.c.result_id).label("result_id"),
                sa.func.count().label("runs"),
            )
            .where(r.c.kind == kind, r.c.period.is_not(None))
            .group_by(r.c.period)
            .order_by(r.c.period)
        )
        with self.db.read() as conn:
            rows = conn.execute(stmt).all()
            ids = [row.result_id for row in rows]
            created = dict(
                conn.execute(
                    sa.select(r.c.result_id, r.c.created_at).where(r.c.result_id.in_(ids))
                ).all()
            )
        return pd.DataFrame.from_records(
            [(row.period, row.result_id, created.get(row.result_id), row.runs) for row in rows],
            columns=["period", "result_id", "created_at", "runs"],
        )

    def period_result(self, kind: str, period: str) -> tuple[int, dict[str, Any]] | None:
        """The id and document of the newest run of ``kind`` in ``period``, or ``None``."""
        r = s.results
        with self.db.read() as conn:
            row = conn.execute(
                sa.select(r.c.result_id, r.c.document)
                .where(r.c.kind == kind, r.c.period == period)
                .order_by(r.c.result_id.desc())
                .limit(1)
            ).first()
        return None if row is None else (int(row.result_id), loads(row.document))
