"""Schema migrations (Alembic): the revisions in migrations/versions bring any store to head.

SQLite, the embedded default, upgrades itself when opened (the quick start stays two
commands). PostgreSQL is shared by many processes on many machines: they refuse to run on
an out-of-date schema, and one `newsletter db upgrade` migrates it, under an advisory lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from ..errors import StoreError
from . import schema

MIGRATIONS = Path(__file__).parent / "migrations"
# Tables in the database that the migrations do not own (APScheduler writes its own).
FOREIGN_TABLES = frozenset({schema.JOBS_TABLE, "alembic_version"})
_PG_LOCK = 0x6E6C5F6D6967  # pg_advisory_xact_lock key: "nl_mig"
UPGRADE_HINT = "run: newsletter db upgrade"


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Autogenerate's filter: leave the tables of others alone."""
    return not (type_ == "table" and name in FOREIGN_TABLES)


def _alembic(connection: Connection | None = None) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


@functools.cache
def head() -> str:
    """The newest revision this program knows."""
    revision = ScriptDirectory.from_config(_alembic()).get_current_head()
    assert revision is not None
    return revision


@functools.cache
def known_revisions() -> frozenset[str]:
    return frozenset(s.revision for s in ScriptDirectory.from_config(_alembic()).walk_revisions())


def current(engine: Engine) -> str | None:
    """The revision the database is at (None: never migrated, maybe made by create_all)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Apply the missing revisions; returns (before, after). Safe to run concurrently."""
    with _sqlite_file_lock(engine), engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Transactional DDL: all or nothing; the lock makes a second upgrader wait.
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
        before = MigrationContext.configure(conn).get_current_revision()
        _refuse_unknown(before)
        command.upgrade(_alembic(conn), revision)
        after = MigrationContext.configure(conn).get_current_revision()
    return before, after


def differences(engine: Engine) -> list[Any]:
    """What the tables in schema.py have that the database lacks, or the reverse."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                         "include_name": include_name})
        return list(compare_metadata(context, schema.metadata))


def ensure_current(engine: Engine) -> None:
    """SQLite: upgrade to head. Other databases: refuse an out-of-date schema."""
    at = current(engine)
    if at == head():
        return
    _refuse_unknown(at)
    if engine.dialect.name == "sqlite":
        upgrade(engine)
        return
    where = f"at revision {at}" if at else "not migrated yet"
    raise StoreError(f"the database schema is {where}; this program needs revision {head()}",
                     hint=UPGRADE_HINT)


def _refuse_unknown(revision: str | None) -> None:
    if revision is not None and revision not in known_revisions():
        raise StoreError(f"the database schema is at revision {revision}, which this program "
                         "does not know: it was migrated by a newer version",
                         hint="upgrade the program (every machine) before using this database")


@contextlib.contextmanager
def _sqlite_file_lock(engine: Engine) -> Iterator[None]:
    """Two processes opening a new SQLite file at once: one migrates, the other waits."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    # flock on a file beside the database, never on the database itself: closing any
    # descriptor of the database file drops every POSIX lock this process holds on it,
    # SQLite's included; another process could then checkpoint and reset the WAL under
    # this process's connections (stale reads, then "database disk image is malformed").
    with open(f"{database}-migrate.lock", "ab") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
