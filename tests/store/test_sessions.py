"""Sessions and failed logins in the store (sharpeyes.store.sessions), on SQLite and PostGIS."""

from __future__ import annotations

from sharpeyes.jobs import auth, sessions
from sharpeyes.store import Store
from sharpeyes.store import sessions as db


def test_sessions_live_in_the_store_and_end(store_url: str) -> None:
    store = Store.open(store_url)
    auth.add_user(store, "ann", "editor", password="ann-password")
    first = sessions.start_session(store, "ann", address="10.0.0.1")
    second = sessions.start_session(store, "ann", address="10.0.0.2")
    assert sessions.principal_for_session(store, first) == auth.Principal("ann", "editor")
    assert sessions.open_sessions(store, "ann") == 2
    assert sessions.end_session(store, first) and not sessions.end_session(store, first)
    assert sessions.principal_for_session(store, first) is None
    assert sessions.principal_for_session(store, second) is not None
    # only a hash of the id is kept
    with store.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT session_hash FROM sessions").scalars().all()
    assert second not in stored and len(stored) == 1
    auth.remove_user(store, "ann")
    assert sessions.principal_for_session(store, second) is None
    assert sessions.open_sessions(store, "ann") == 0
    store.close()


def test_expired_sessions_do_not_open(store_url: str) -> None:
    store = Store.open(store_url)
    auth.add_user(store, "bob", "viewer")
    old = sessions.start_session(store, "bob", address="", now_s=0.0)
    assert sessions.principal_for_session(store, old) is None
    store.close()


def test_failed_logins_throttle_per_name_and_address(store_url: str) -> None:
    store = Store.open(store_url)
    now = 1_000_000.0
    for i in range(sessions.MAX_FAILURES):
        assert sessions.login_throttle(store, name="ann", address="a", now_s=now + i) is None
        sessions.login_failed(store, name="ann", address="a", now_s=now + i)
    wait = sessions.login_throttle(store, name="ann", address="b", now_s=now + 10)
    assert wait is not None and wait.reason == "user" and wait.retry_after_s == 50
    wait = sessions.login_throttle(store, name="other", address="a", now_s=now + 10)
    assert wait is not None and wait.reason == "address"
    # a minute after the oldest failure, one more attempt may go
    assert sessions.login_throttle(store, name="ann", address="a", now_s=now + 61) is None
    sessions.login_succeeded(store, name="ann")
    assert db.failure_times(store.engine, since_s=0, name="ann") == []
    assert len(db.failure_times(store.engine, since_s=0, address="a")) == sessions.MAX_FAILURES
    store.close()
