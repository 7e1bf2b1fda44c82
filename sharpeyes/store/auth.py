"""API users (roles viewer < editor < admin), hashes of their tokens, and the audit log."""

from __future__ import annotations

from typing import Any, Final

import pandas as pd
import sqlalchemy as sa

from sharpeyes._errors import InputError
from sharpeyes.model.jsonable import dumps
from sharpeyes.store import schema as s
from sharpeyes.store.engine import Database, now

#: Roles of API users, from least to most rights.
ROLES: Final = ("viewer", "editor", "admin")


class Accounts:
    """The ``users``, ``tokens`` and ``audit_log`` tables."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add_user(self, name: str, role: str, password_hash: str | None = None) -> None:
        """Add an API user (role viewer, editor or admin); an existing name is refused."""
        if role not in ROLES:
            raise InputError(f"role must be one of {', '.join(ROLES)}", field="role", value=role)
        if not name or not str(name).strip():
            raise InputError("a user needs a name", field="name")
        with self.db.write() as conn:
            if conn.execute(sa.select(s.users.c.name).where(s.users.c.name == name)).first():
                raise InputError(f"user {name!r} exists already", field="name", value=name)
            conn.execute(
                s.users.insert().values(
                    name=name, role=role, password_hash=password_hash, created_at=now()
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
        with self.db.write() as conn:
            if (
                conn.execute(
                    s.users.update().where(s.users.c.name == name).values(**values)
                ).rowcount
                == 0
            ):
                raise InputError(f"there is no user {name!r}", field="name", value=name)

    def delete_user(self, name: str) -> bool:
        """Remove a user and their tokens; False if there was none."""
        with self.db.write() as conn:
            conn.execute(s.tokens.delete().where(s.tokens.c.name == name))
            return bool(conn.execute(s.users.delete().where(s.users.c.name == name)).rowcount)

    def user(self, name: str) -> dict[str, Any] | None:
        """name, role, password_hash, created_at of one user, or ``None``."""
        with self.db.read() as conn:
            row = conn.execute(sa.select(s.users).where(s.users.c.name == name)).mappings().first()
        return None if row is None else dict(row)

    def users(self) -> pd.DataFrame:
        """All users (name, role, created_at; no password hashes)."""
        u = s.users
        with self.db.read() as conn:
            rows = conn.execute(
                sa.select(u.c.name, u.c.role, u.c.created_at).order_by(u.c.name)
            ).all()
        return pd.DataFrame.from_records(rows, columns=["name", "role", "created_at"])

    def add_token(self, name: str, token_hash: str) -> None:
        """Keep the hash of an API token of user ``name`` (never the token itself)."""
        with self.db.write() as conn:
            if (
                conn.execute(sa.select(s.users.c.name).where(s.users.c.name == name)).first()
                is None
            ):
                raise InputError(f"there is no user {name!r}", field="name", value=name)
            conn.execute(
                s.tokens.insert().values(token_hash=token_hash, name=name, created_at=now())
            )

    def revoke_token(self, token_hash: str) -> bool:
        """Forget a token; False if it was not known."""
        with self.db.write() as conn:
            return bool(
                conn.execute(s.tokens.delete().where(s.tokens.c.token_hash == token_hash)).rowcount
            )

    def user_for_token(self, token_hash: str) -> dict[str, Any] | None:
        """The user (as :meth:`user`) a token hash belongs to, or ``None``."""
        t, u = s.tokens, s.users
        with self.db.read() as conn:
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
        with self.db.write() as conn:
            conn.execute(s.audit_log.insert().values(at=now(), who=who, action=action, detail=text))

    def audit_log(self, *, limit: int | None = None) -> pd.DataFrame:
        """The audit log, newest first: at, who, action, detail."""
        a = s.audit_log
        stmt = sa.select(a.c.at, a.c.who, a.c.action, a.c.detail).order_by(a.c.audit_id.desc())
        if limit is not None:
            stmt = stmt.limit(int(limit))
        with self.db.read() as conn:
            rows = conn.execute(stmt).all()
        return pd.DataFrame.from_records(rows, columns=["at", "who", "action", "detail"])
