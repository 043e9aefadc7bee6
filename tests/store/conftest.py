"""The store's tests run against both backends: SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from newsletter.store import Store, migrate
from newsletter.store.engine import open_engine
from tests.pg import database_url

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database URL of each backend (PostgreSQL: a fresh database per test)."""
    with database_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def store(backend_url: str) -> Iterator[Store]:
    """A store at the newest schema, on each backend."""
    engine = open_engine(backend_url)
    migrate.upgrade(engine)
    engine.dispose()
    s = Store.open(backend_url)
    yield s
    s.close()
