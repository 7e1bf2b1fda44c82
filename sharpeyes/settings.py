"""One validated settings object; values from the environment (``SHARPEYES_*``) or arguments."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError

from sharpeyes._errors import ConfigError

DEFAULT_DB = "sharpeyes.db"
_ORIGIN = re.compile(r"^https?://[^/\s?#]+$")


class Settings(BaseSettings):
    """Settings shared by the CLI, the API and the jobs.

    ``db`` is a SQLite path or a SQLAlchemy URL; ``hd_min_lines`` the vertical resolution at and above
    which a camera is HD; ``tile_url`` the bureau's internal basemap tiles; ``basemap`` a local tile
    archive (``.pmtiles`` or ``.mbtiles``) the app serves at ``/tiles/base/{z}/{x}/{y}`` (with neither,
    the map draws a reference basemap from the store's units, roads and places); ``secret_key`` signs session cookies (must be set outside development);
    ``max_upload_mb`` the largest upload the API takes, MB (above 0); ``cors_origins`` the origins
    other web pages may call the API from (``SHARPEYES_CORS_ORIGINS``: comma-separated
    ``https://host[:port]``, or ``*`` for any; a JSON list works too); ``public_origins`` the ``scheme://host[:port]``
    the server is reached under behind a proxy (the origin a cookie-authenticated write must come from;
    the request's own is always allowed), written the same way but without ``*``; ``cache_dir`` where
    the API keeps its camera index and map tiles (``SHARPEYES_CACHE_DIR``; default: beside a SQLite
    store, else ``~/.cache/sharpeyes``).
    """

    model_config = SettingsConfigDict(env_prefix="SHARPEYES_", extra="ignore")

    db: str = DEFAULT_DB
    hd_min_lines: int = Field(default=1080, gt=0)
    tile_url: str | None = None
    tile_attribution: str = ""
    basemap: str | None = None
    secret_key: str | None = None
    environment: str = "development"
    max_upload_mb: int = Field(default=200, gt=0)
    cors_origins: Annotated[list[str], NoDecode] = []
    public_origins: Annotated[list[str], NoDecode] = []
    cache_dir: str | None = None

    @field_validator("cors_origins", "public_origins", mode="before")
    @classmethod
    def _origins(cls, value: Any, info: ValidationInfo) -> Any:
        any_origin = info.field_name == "cors_origins"
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                import json

                try:
                    value = json.loads(text)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"not a JSON list ({exc.msg})") from None
            else:
                value = [part.strip() for part in text.split(",") if part.strip()]
        if isinstance(value, list):
            for origin in value:
                if not (any_origin and origin == "*") and not _ORIGIN.match(str(origin)):
                    raise ValueError(
                        f"{origin!r} is not an origin: write scheme://host[:port], no path "
                        "(e.g. https://map.example.gov.cn)"
                        + (", or * for any" if any_origin else "")
                    )
        return value


def load_settings(**values: Any) -> Settings:
    """:class:`Settings` from the environment and ``values``; a wrong value is a one-line
    :class:`~sharpeyes.ConfigError` naming the ``SHARPEYES_*`` variable, not a traceback."""
    try:
        return Settings(**values)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "?"
            given = os.environ.get(f"SHARPEYES_{name.upper()}")
            shown = f" (given {given!r})" if given is not None else ""
            problems.append(f"SHARPEYES_{name.upper()}{shown}: {error['msg']}")
        raise ConfigError("; ".join(problems)) from None
    except SettingsError as exc:
        raise ConfigError(f"a SHARPEYES_* setting cannot be read: {exc}") from None


def database_url(db: str | None = None) -> str:
    """SQLAlchemy URL for ``db`` (a path or URL), else ``$SHARPEYES_DB``, else ``./sharpeyes.db``."""
    value = db or os.environ.get("SHARPEYES_DB") or DEFAULT_DB
    if "://" in value:
        return value
    if not value.strip():
        raise ConfigError("--db is empty: give a SQLite path or a SQLAlchemy URL")
    return f"sqlite:///{Path(value).expanduser().resolve()}"
