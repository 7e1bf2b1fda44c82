"""One validated settings object; values from the environment (``SHARPEYES_*``) or arguments."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from sharpeyes._errors import ConfigError

DEFAULT_DB = "sharpeyes.db"


class Settings(BaseSettings):
    """Settings shared by the CLI, the API and the jobs.

    ``db`` is a SQLite path or a SQLAlchemy URL; ``hd_min_lines`` the vertical resolution at and above
    which a camera is HD; ``tile_url`` the bureau's internal basemap tiles (none: unit boundaries are
    the base); ``secret_key`` signs session cookies (must be set outside development);
    ``public_origins`` the ``scheme://host[:port]`` the server is reached under behind a proxy (the
    origin a cookie-authenticated write must come from; the request's own is always allowed).
    """

    model_config = SettingsConfigDict(env_prefix="SHARPEYES_", extra="ignore")

    db: str = DEFAULT_DB
    hd_min_lines: int = 1080
    tile_url: str | None = None
    tile_attribution: str = ""
    secret_key: str | None = None
    environment: str = "development"
    max_upload_mb: int = 200
    cors_origins: list[str] = []
    public_origins: list[str] = []


def database_url(db: str | None = None) -> str:
    """SQLAlchemy URL for ``db`` (a path or URL), else ``$SHARPEYES_DB``, else ``./sharpeyes.db``."""
    value = db or os.environ.get("SHARPEYES_DB") or DEFAULT_DB
    if "://" in value:
        return value
    if not value.strip():
        raise ConfigError("--db is empty: give a SQLite path or a SQLAlchemy URL")
    return f"sqlite:///{Path(value).expanduser().resolve()}"
