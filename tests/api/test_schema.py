"""Schemathesis against the live server's OpenAPI schema: no request may cause a server error.

Schemathesis' pytest plugin is not used (it does not work with this pytest); each operation's
Hypothesis strategy is driven directly, a few examples per operation, against a real server.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from sharpeyes.api import create_app
from sharpeyes.settings import Settings
from tests.api.conftest import Server, city_store, serve

pytestmark = pytest.mark.slow

SCHEMA = schemathesis.openapi.from_dict(create_app(Settings(), None).openapi())  # type: ignore[arg-type]
OPERATIONS = {op.label: op for op in (r.ok() for r in SCHEMA.get_all_operations())}
MAX_EXAMPLES = int(os.environ.get("SHARPEYES_FUZZ_EXAMPLES", "15"))


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of its own: the fuzzer creates users and uploads files."""
    store, tokens = city_store(Path(tmp_path_factory.mktemp("fuzz")) / "city.db")
    for url in serve(create_app(Settings(max_upload_mb=1), store)):
        yield Server(url, store, tokens)


def test_schema_lists_the_api() -> None:
    assert len(OPERATIONS) >= 25
    assert "GET /api/cameras" in OPERATIONS and "POST /api/imports" in OPERATIONS


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_no_server_errors(label: str, fuzz_server: Server) -> None:
    operation = OPERATIONS[label]
    headers = {"Authorization": f"Bearer {fuzz_server.tokens['admin']}"}

    @given(case=operation.as_strategy())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def run(case: Any) -> None:
        case.call_and_validate(
            base_url=fuzz_server.url, headers=headers, checks=[not_a_server_error], timeout=30
        )

    run()
