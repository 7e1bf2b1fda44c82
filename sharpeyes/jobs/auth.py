"""Users, roles, passwords and API tokens: the service layer behind ``sharpeyes users``/``tokens`` and
the API's authentication.

Passwords are stored as salted ``scrypt`` hashes (``scrypt$n$r$p$salt$hash``, hex), API tokens as the
SHA-256 of a random 256-bit token: neither can be read back from the store. Roles are ordered
``viewer`` < ``editor`` < ``admin``: a role may do everything the roles below it may do.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any, Final

from sharpeyes._errors import ConfigError, InputError
from sharpeyes.store import Store

#: Roles, lowest first: viewer reads, editor imports and edits, admin manages users and tokens.
ROLES: Final = ("viewer", "editor", "admin")

_SCRYPT_N: Final = 2**14
_SCRYPT_R: Final = 8
_SCRYPT_P: Final = 1
_MIN_PASSWORD: Final = 8


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a user name and its role."""

    name: str
    role: str

    def may(self, role: str) -> bool:
        """Whether this principal's role is ``role`` or above."""
        return role_rank(self.role) >= role_rank(role)


def role_rank(role: str) -> int:
    """Position of ``role`` in :data:`ROLES` (raises :class:`InputError` for an unknown role)."""
    try:
        return ROLES.index(role)
    except ValueError:
        raise InputError(
            f"unknown role; use one of {', '.join(ROLES)}", field="role", value=role
        ) from None


def hash_password(password: str) -> str:
    """Salted scrypt hash of ``password`` (``scrypt$n$r$p$salt_hex$hash_hex``)."""
    if len(password) < _MIN_PASSWORD:
        raise InputError(
            f"password too short: at least {_MIN_PASSWORD} characters", field="password"
        )
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32
    )
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str | None) -> bool:
    """Whether ``password`` matches the ``stored`` hash (constant-time; ``False`` for no hash)."""
    if not stored or not password:
        return False
    try:
        scheme, n, r, p, salt_hex, hash_hex = stored.split("$")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(
            password.encode(),
            salt=bytes.fromhex(salt_hex),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(hash_hex) // 2,
        )
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(digest.hex(), hash_hex)


def hash_token(token: str) -> str:
    """SHA-256 (hex) of an API token: what the store keeps."""
    return hashlib.sha256(token.encode()).hexdigest()


def _field(record: Any, name: str) -> Any:
    if record is None:
        return None
    if isinstance(record, dict):
        return record.get(name)
    return getattr(record, name, None)


def add_user(
    store: Store, name: str, role: str, *, password: str | None = None, by: str = "cli"
) -> Principal:
    """Create user ``name`` with ``role`` (and a password for the login form, optional).

    Raises :class:`InputError` for an empty name, an unknown role, a short password or an existing user.
    """
    name = name.strip()
    if not name:
        raise InputError("user name is empty", field="name")
    role_rank(role)
    if store.user(name) is not None:
        raise InputError("user already exists", field="name", value=name)
    store.add_user(name, role, password_hash=hash_password(password) if password else None)
    store.audit(by, "users.add", {"name": name, "role": role, "password": password is not None})
    return Principal(name, role)


def create_token(store: Store, name: str, *, by: str = "cli") -> str:
    """A new API token for existing user ``name``; only its hash is stored, so show it once."""
    if store.user(name) is None:
        raise InputError(
            "no such user; add it first with `sharpeyes users add`", field="name", value=name
        )
    token = secrets.token_urlsafe(32)
    store.add_token(name, hash_token(token))
    store.audit(by, "tokens.create", {"name": name})
    return token


def principal_for_token(store: Store, token: str) -> Principal | None:
    """The user an API token belongs to, or ``None`` for an unknown token."""
    if not token:
        return None
    user = store.user_for_token(hash_token(token))
    if user is None:
        return None
    return Principal(str(_field(user, "name")), str(_field(user, "role")))


def principal_for_password(store: Store, name: str, password: str) -> Principal | None:
    """The user ``name`` if ``password`` is right, else ``None``."""
    user = store.user(name) if name else None
    if user is None:
        hash_password_check_dummy(password)
        return None
    if not verify_password(password, _field(user, "password_hash")):
        return None
    return Principal(str(_field(user, "name")), str(_field(user, "role")))


def principal_for_name(store: Store, name: str) -> Principal | None:
    """The user ``name`` as it is in the store now (``None`` once removed)."""
    user = store.user(name)
    if user is None:
        return None
    return Principal(str(_field(user, "name")), str(_field(user, "role")))


def hash_password_check_dummy(password: str) -> None:
    """Spend the time of one password check, so that unknown and known names answer alike."""
    verify_password(password or "x", f"scrypt${_SCRYPT_N}$8$1${'00' * 16}${'00' * 32}")


def ensure_admin_token(store: Store, name: str = "demo-admin") -> str:
    """Create admin user ``name`` if needed and return a fresh API token for it.

    Raises :class:`ConfigError` if ``name`` exists with a lower role.
    """
    user = store.user(name)
    if user is None:
        add_user(store, name, "admin", by="demo")
    elif _field(user, "role") != "admin":
        raise ConfigError(f"user {name!r} exists with role {_field(user, 'role')!r}, not admin")
    return create_token(store, name, by="demo")


#: Hex digits of a token's SHA-256 shown as its id (``tokens list``, ``tokens revoke ID``).
TOKEN_ID_CHARS: Final = 12


def token_id(token: str) -> str:
    """The id under which ``tokens list`` shows a token: the first hex digits of its SHA-256."""
    return hash_token(token)[:TOKEN_ID_CHARS]


def users(store: Store) -> list[dict[str, Any]]:
    """Every user: ``name``, ``role``, ``created_at`` (never a password hash)."""
    frame = store.users()
    return [
        {"name": str(r.name), "role": str(r.role), "created_at": str(r.created_at)}
        for r in frame.itertuples(index=False)
    ]


def remove_user(store: Store, name: str, *, by: str = "cli") -> dict[str, int]:
    """Remove user ``name`` with its tokens and sessions (they stop working at once).

    Raises :class:`InputError` when there is no such user.
    """
    from sharpeyes.jobs.sessions import end_sessions
    from sharpeyes.store import sessions as db

    if store.user(name) is None:
        raise InputError("no such user", field="name", value=name)
    token_hashes = db.tokens(store.engine, name=name)["token_hash"].tolist()
    ended = end_sessions(store, name)
    db.revoke_tokens(store.engine, token_hashes)
    store.delete_user(name)
    store.audit(by, "users.remove", {"name": name, "tokens": len(token_hashes), "sessions": ended})
    return {"tokens": len(token_hashes), "sessions": ended}


def set_password(store: Store, name: str, password: str, *, by: str = "cli") -> int:
    """Give ``name`` a new password and end its sessions; how many sessions were ended.

    Raises :class:`InputError` for an unknown user or a short password.
    """
    from sharpeyes.jobs.sessions import end_sessions

    if store.user(name) is None:
        raise InputError("no such user", field="name", value=name)
    store.set_user(name, password_hash=hash_password(password))
    ended = end_sessions(store, name)
    store.audit(by, "users.passwd", {"name": name, "sessions": ended})
    return ended


def list_tokens(store: Store, name: str | None = None) -> list[dict[str, str]]:
    """Tokens as ``token_id`` (see :func:`token_id`), ``name``, ``created_at``; never the tokens."""
    from sharpeyes.store import sessions as db

    frame = db.tokens(store.engine, name=name)
    return [
        {
            "token_id": str(r.token_hash)[:TOKEN_ID_CHARS],
            "name": str(r.name),
            "created_at": str(r.created_at),
        }
        for r in frame.itertuples(index=False)
    ]


def revoke_tokens(
    store: Store, *, token_id: str | None = None, name: str | None = None, by: str = "cli"
) -> int:
    """Revoke one token by its id (at least 8 hex digits of it), or every token of user ``name``.

    Returns how many were revoked. Raises :class:`InputError` when nothing or more than one token
    matches the id, or when neither or both of ``token_id`` and ``name`` are given.
    """
    from sharpeyes.store import sessions as db

    if (token_id is None) == (name is None):
        raise InputError("give a token id or a user name (not both)", field="token_id")
    frame = db.tokens(store.engine, name=name)
    if token_id is not None:
        wanted = token_id.strip().lower()
        if len(wanted) < 8 or any(c not in "0123456789abcdef" for c in wanted):
            raise InputError(
                "a token id is 8-64 hex digits, as `sharpeyes tokens list` shows it",
                field="token_id",
                value=token_id,
            )
        frame = frame[frame["token_hash"].str.startswith(wanted)]
        if len(frame) != 1:
            raise InputError(
                "no such token"
                if frame.empty
                else "more than one token has that id: give more digits",
                field="token_id",
                value=token_id,
            )
    elif store.user(str(name)) is None:
        raise InputError("no such user", field="name", value=name)
    hashes = frame["token_hash"].tolist()
    revoked = db.revoke_tokens(store.engine, hashes)
    store.audit(
        by,
        "tokens.revoke",
        {"token_ids": [h[:TOKEN_ID_CHARS] for h in hashes], "name": name},
    )
    return revoked


def audit_log(store: Store, *, limit: int = 200) -> list[dict[str, Any]]:
    """The newest ``limit`` audit entries (``at``, ``who``, ``action``, ``detail``), newest first."""
    frame = store.audit_log(limit=limit)
    return [
        {"at": r.at, "who": r.who, "action": r.action, "detail": r.detail}
        for r in frame.itertuples(index=False)
    ]


def audit(store: Store, who: str | None, action: str, detail: Any = None) -> None:
    """Append one entry to the audit log."""
    store.audit(who, action, detail)
