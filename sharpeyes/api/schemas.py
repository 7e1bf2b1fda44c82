"""Request and response models of the API (what the OpenAPI schema documents)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["viewer", "editor", "admin"]


class Liveness(BaseModel):
    """``GET /healthz``."""

    status: Literal["ok"] = "ok"


class Me(BaseModel):
    """The caller."""

    name: str
    role: Role


class CameraPage(BaseModel):
    """One page of cameras (canonical columns; ``stream_url`` with credentials masked) and the total."""

    total: int = Field(description="cameras matching the filters")
    limit: int
    offset: int
    items: list[dict[str, Any]]


class CameraDetail(BaseModel):
    """One camera: its record, its field-by-field change log, its health history."""

    camera: dict[str, Any]
    changes: list[dict[str, Any]]
    health: list[dict[str, Any]]
    snapshot_url: str | None = Field(description="last health-run snapshot (JPEG), if any")


class ImportReport(BaseModel):
    """What an upload did (or would do, with ``dry_run``)."""

    file: str
    files: list[str] = []
    dry_run: bool
    report: dict[str, Any]


class Rows(BaseModel):
    """A list of plain records (imports, rejects, health runs, results)."""

    total: int
    items: list[dict[str, Any]]


class Unit(BaseModel):
    """An administrative unit with its KPI rows (one per point class and one for all classes)."""

    code: str
    name: str | None = None
    level: str | None = None
    parent_code: str | None = None
    population: float | None = None
    kpis: list[dict[str, Any]] = Field(default_factory=list)
    children: list[Unit] = Field(default_factory=list)


class UnitList(BaseModel):
    """Units with KPIs; ``report_at`` tells whether a report has been computed."""

    report_available: bool
    units: list[Unit]
    total: int | None = Field(default=None, description="units matching, when the list is paged")
    limit: int | None = None
    offset: int | None = None


class Document(BaseModel):
    """A result document of an analysis (report, gaps, network, plan, health summary)."""

    model_config = ConfigDict(extra="allow")

    available: bool


class FeatureCollection(BaseModel):
    """A GeoJSON FeatureCollection in WGS-84 (EPSG:4326) degrees."""

    model_config = ConfigDict(extra="allow")

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[dict[str, Any]]


class UserCreate(BaseModel):
    """A new user; the password (8+ characters) is for the login form and is stored hashed."""

    name: str = Field(min_length=1, max_length=100)
    role: Role
    password: str | None = Field(default=None, min_length=8, max_length=1000)


class UserOut(BaseModel):
    """A user (never its password hash)."""

    name: str
    role: str


class TokenCreate(BaseModel):
    """Create an API token for an existing user."""

    name: str = Field(min_length=1, max_length=100)


class TokenOut(BaseModel):
    """A new API token: shown once, stored only as its SHA-256."""

    name: str
    token: str
    token_id: str = ""


class PasswordSet(BaseModel):
    """A user's new password for the login form (8+ characters, stored hashed)."""

    password: str = Field(min_length=8, max_length=1000)


class TokenInfo(BaseModel):
    """A token as listed: its id (first hex digits of its SHA-256), user and creation time."""

    token_id: str
    name: str
    created_at: str


class Ended(BaseModel):
    """What a removal or revocation ended."""

    name: str | None = None
    tokens: int = 0
    sessions: int = 0


class UnitHistory(BaseModel):
    """A unit's KPI rows in every stored report period (``YYYY-MM``, oldest first)."""

    code: str
    name: str | None = None
    level: str | None = None
    periods: list[str] = Field(description="periods with a stored report that has this unit")
    series: list[dict[str, Any]] = Field(
        description="one row per period and point class: period, result_id, generated_at, KPIs"
    )
