"""Alembic migrations: head matches schema.py, old databases are adopted, PostgreSQL waits for
`newsletter db upgrade`."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
import tomli_w

from newsletter.errors import StoreError
from newsletter.store import Store, migrate
from newsletter.store.engine import open_engine
from tests.conftest import run_cli
from tests.pg import POSTGRES_ENV, database_url, in_ci, postgres_url, require_postgres

NOW = datetime(2026, 11, 27, 6, tzinfo=UTC)


def test_the_migrations_build_exactly_the_tables_of_schema_py(backend_url: str) -> None:
    """Fails when a table, column or index is added to schema.py without a migration."""
    engine = open_engine(backend_url)
    before, after = migrate.upgrade(engine)
    assert (before, after) == (None, migrate.head())
    differences = migrate.differences(engine)
    engine.dispose()
    assert differences == [], ("schema.py and the migrations differ: write a revision in "
                               f"newsletter/store/migrations/versions/ for {differences}")


def test_upgrade_twice_changes_nothing_and_downgrade_empties(backend_url: str) -> None:
    engine = open_engine(backend_url)
    migrate.upgrade(engine)
    assert migrate.upgrade(engine) == (migrate.head(), migrate.head())
    from alembic import command

    with engine.begin() as conn:
        command.downgrade(migrate._alembic(conn), "base")
    assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert migrate.differences(engine) == []
    engine.dispose()


def _baseline() -> sa.MetaData:
    path = Path(migrate.MIGRATIONS) / "versions" / "0001_baseline.py"
    spec = importlib.util.spec_from_file_location("baseline_copy", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    meta: sa.MetaData = module.baseline
    return meta


def test_a_database_made_before_migrations_is_adopted_with_its_rows(backend_url: str) -> None:
    """create_all of an older schema (a table and a nullable column fewer), with data."""
    old = sa.MetaData()
    for table in _baseline().sorted_tables:
        if table.name == "webhook_events":
            continue  # that version had no webhooks yet
        if table.name != "subscribers":
            table.to_metadata(old)
            continue
        sa.Table(table.name, old, *[  # and subscribers had no time zone
            sa.Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable,
                      unique=c.name == "email") for c in table.columns if c.name != "timezone"])
    engine = open_engine(backend_url)
    old.create_all(engine)
    with engine.begin() as conn:
        conn.execute(old.tables["subscribers"].insert().values(
            email="old@example.org", name="Old", sections="", status="active",
            created_at=NOW.replace(tzinfo=None), updated_at=NOW.replace(tzinfo=None)))
    assert migrate.current(engine) is None
    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.head()
    assert migrate.differences(engine) == []
    engine.dispose()
    store = Store.open(backend_url)
    found = store.find_subscriber("old@example.org")
    assert found is not None and found.name == "Old" and found.timezone is None
    store.close()


def test_sqlite_upgrades_itself_at_open(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    store = Store.open(url)
    assert migrate.current(store.engine) == migrate.head()
    store.close()


def test_postgresql_refuses_an_old_schema_until_db_upgrade(tmp_path: Path) -> None:
    with database_url("postgresql", tmp_path) as url:
        with pytest.raises(StoreError, match="not migrated yet") as refused:
            Store.open(url)
        assert refused.value.hint == "run: newsletter db upgrade"
        config = tmp_path / "newsletter.toml"
        config.write_text(tomli_w.dumps({"store": {"url": url}}), encoding="utf-8")
        check = run_cli("db", "check", "--config", str(config), cwd=tmp_path)
        # The hint carries the --config typed, so it works as shown.
        assert check.returncode == 1, check.stdout
        assert f"run newsletter --config {config} db upgrade" in check.stdout
        send = run_cli("send", "--worker", "--config", str(config), cwd=tmp_path)
        assert send.returncode != 0, send.stderr
        assert f"hint: run: newsletter --config {config} db upgrade" in send.stderr
        first = run_cli("db", "upgrade", "--config", str(config), cwd=tmp_path)
        assert first.returncode == 0, first.stderr
        assert f"to {migrate.head()}" in first.stdout and "postgres@" in first.stdout
        again = run_cli("db", "upgrade", "--config", str(config), cwd=tmp_path)
        assert "already at revision" in again.stdout
        assert run_cli("db", "check", "--config", str(config), cwd=tmp_path).returncode == 0
        current = run_cli("db", "current", "--json", "--config", str(config), cwd=tmp_path)
        assert f'"current": "{migrate.head()}"' in current.stdout
        Store.open(url).close()


def test_a_database_from_a_newer_version_is_refused(backend_url: str) -> None:
    engine = open_engine(backend_url)
    migrate.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StoreError, match="newer version"):
        Store.open(backend_url)


def test_the_store_runs_on_postgresql_in_ci() -> None:
    """CI must never skip the PostgreSQL half silently: .ci/run exports the server's URL."""
    if not in_ci():
        pytest.skip("only CI is bound to have a PostgreSQL server")
    assert postgres_url(), f"{POSTGRES_ENV} is not set: .ci/run must start PostgreSQL"
    require_postgres()

