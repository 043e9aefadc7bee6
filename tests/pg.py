"""A fresh PostgreSQL database per test, on the server .ci/run starts (127.0.0.1 only).

The server's URL comes from NEWSLETTER_TEST_POSTGRES_URL; without it the PostgreSQL
variants of the tests are skipped, except in CI (CI=true), where that is a failure.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

import pytest

POSTGRES_ENV = "NEWSLETTER_TEST_POSTGRES_URL"


def postgres_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_postgres() -> str:
    """The server URL, or skip (locally) — in CI a missing server fails the test."""
    url = postgres_url()
    if url is None:
        if in_ci():
            pytest.fail(f"{POSTGRES_ENV} is not set in CI: .ci/run must start PostgreSQL")
        pytest.skip(f"no PostgreSQL server: set {POSTGRES_ENV} (see .ci/postgres)")
    return url


@contextlib.contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """CREATE DATABASE for one test; its URL; DROP DATABASE afterwards."""
    import psycopg

    name = f"nl_test_{uuid.uuid4().hex[:12]}"
    base, _, _ = server_url.rpartition("/")
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def store_url(backend: str, tmp_path: os.PathLike[str]) -> Iterator[str]:
    """Like database_url, at the newest schema (PostgreSQL waits for `db upgrade`)."""
    with database_url(backend, tmp_path) as url:
        if backend == "postgresql":
            from newsletter.store import migrate
            from newsletter.store.engine import open_engine

            engine = open_engine(url)
            migrate.upgrade(engine)
            engine.dispose()
        yield url


@contextlib.contextmanager
def database_url(backend: str, tmp_path: os.PathLike[str]) -> Iterator[str]:
    """An empty database of this backend ("sqlite" or "postgresql"), as a store URL."""
    if backend == "sqlite":
        yield f"sqlite:///{os.fspath(tmp_path)}/store.sqlite3"
        return
    with fresh_database(require_postgres()) as url:
        yield url
