"""Report runs kept by period on both back ends: the newest run of a period supersedes the earlier
ones; reports saved before revision 0005 get the month they were computed in."""

from __future__ import annotations

import sqlalchemy as sa

from sharpeyes.store import Store
from sharpeyes.store.engine import Database
from sharpeyes.store.results import period_result, periods


def test_the_newest_run_of_a_period_counts(store_url: str) -> None:
    store = Store.open(store_url)
    first = store.save_result("report", {"rows": [1]}, period="2026-10")
    second = store.save_result("report", {"rows": [2]}, period="2026-10")
    november = store.save_result("report", {"rows": [3]}, period="2026-11")
    store.save_result("gaps", {"rows": []})  # other kinds have no period
    table = periods(store)
    assert list(table["period"]) == ["2026-10", "2026-11"]
    assert list(table["result_id"]) == [second, november]
    assert list(table["runs"]) == [2, 1]
    assert period_result(store, "2026-10") == (second, {"rows": [2]})
    assert period_result(store, "2026-09") is None
    assert store.result(first) == {"rows": [1]}  # superseded, not deleted
    assert periods(store, "gaps").empty


def test_reports_before_the_migration_get_their_month(sqlite_url: str) -> None:
    from alembic import command

    db = Database(sa.create_engine(sqlite_url))
    config = db._alembic_config()
    with db.write() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0004")
    with db.write() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO results (kind, created_at, document) VALUES "
                "('report', '2026-09-30T23:00:00+00:00', '{\"rows\": []}'), "
                "('gaps', '2026-09-30T23:00:00+00:00', '{}')"
            )
        )
    db.engine.dispose()
    store = Store.open(sqlite_url)
    table = periods(store)
    assert list(table["period"]) == ["2026-09"] and list(table["runs"]) == [1]
    assert periods(store, "gaps").empty


def test_the_map_reads_the_latest_period_not_the_latest_run(store_url: str) -> None:
    # last month's report re-run today (a late correction) must not replace this month's on the map
    store = Store.open(store_url)
    store.save_result("report", {"rows": ["november"]}, period="2026-11")
    store.save_result("report", {"rows": ["october, corrected"]}, period="2026-10")
    assert store.latest_result("report") == {"rows": ["november"]}
    store.save_result("report", {"rows": ["november, re-run"]}, period="2026-11")
    assert store.latest_result("report") == {"rows": ["november, re-run"]}
    store.save_result("gaps", {"n": 1})
    store.save_result("gaps", {"n": 2})
    assert store.latest_result("gaps") == {"n": 2}  # kinds without a period: the newest
