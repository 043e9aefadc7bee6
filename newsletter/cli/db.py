"""`newsletter db upgrade | current | check`, and `send --worker | --prepare` (docs/scaling.md)."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..config import Config
from ..errors import StoreError
from .options import as_typed, config_option, json_option, open_store, progress_bar, stop_on_sigterm

if TYPE_CHECKING:
    from ..store import Store


@click.group()
def db() -> None:
    """The store's database."""


@contextlib.contextmanager
def _unchecked_store(config: Config, *, create: bool = False) -> Iterator[Store]:
    """The store without the schema check (these commands are the ones that migrate);
    only `db upgrade` creates a SQLite file that is not there."""
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    from ..store import Store
    from ..store.engine import safe_url

    store = Store.open(config.database_url, migrate=False, create=create)
    try:
        yield store
    except (SQLAlchemyError, CommandError) as exc:
        raise StoreError(f"{safe_url(config.database_url)}: {getattr(exc, 'orig', None) or exc}"
                         ) from exc
    finally:
        store.close()


@db.command(name="upgrade")
@config_option
@json_option
def db_upgrade(config: Config, as_json: bool) -> None:
    """Apply the schema migrations the database lacks (run once per release, before workers)."""
    from ..store import migrate
    from ..store.engine import safe_url

    with _unchecked_store(config, create=True) as store:
        before, after = migrate.upgrade(store.engine)
    if as_json:
        click.echo(json.dumps({"database": safe_url(config.database_url), "before": before,
                               "after": after, "head": migrate.head()}, indent=2))
    elif before == after:
        click.echo(f"{safe_url(config.database_url)}: already at revision {after} (the newest)")
    else:
        click.echo(f"{safe_url(config.database_url)}: upgraded from "
                   f"{before or 'no revision'} to {after}")


@db.command(name="current")
@config_option
@json_option
def db_current(config: Config, as_json: bool) -> None:
    """The database's schema revision, and the newest this program knows."""
    from ..store import migrate
    from ..store.engine import safe_url

    with _unchecked_store(config) as store:
        at = migrate.current(store.engine)
    if as_json:
        click.echo(json.dumps({"current": at, "head": migrate.head()}, indent=2))
    else:
        state = "up to date" if at == migrate.head() else f"behind: newest is {migrate.head()}"
        click.echo(f"{safe_url(config.database_url)}: revision {at or 'none'} ({state})")


@db.command(name="check")
@config_option
def db_check(config: Config) -> None:
    """Exit 1 unless the database is at the newest revision and matches the code's tables."""
    from ..store import migrate

    with _unchecked_store(config) as store:
        at = migrate.current(store.engine)
        diffs = migrate.differences(store.engine) if at == migrate.head() else []
    if at != migrate.head():
        click.echo(as_typed(f"revision {at or 'none'}, newest {migrate.head()}: "
                            "run newsletter db upgrade"))
        sys.exit(1)
    for diff in diffs:
        click.echo(f"differs: {diff}")
    if diffs:
        click.echo("the tables in schema.py and the migrations differ: a migration is missing")
        sys.exit(1)
    click.echo(f"revision {at}: up to date")


def send_workers(config: Config, issue_date: date, *, worker: bool, force: bool,
                 resend_failed: bool, quiet: bool, as_json: bool,
                 resend_unknown: bool = False) -> None:
    """`send --prepare` and/or `send --worker`; exits with the send command's codes."""
    from .. import pipeline
    from ..ops import workers

    store = open_store(config)
    if not worker:
        added = workers.prepare_stage(config, store, issue_date)
        counts = store.delivery_counts(issue_date)
        if as_json:
            click.echo(json.dumps({"prepared": added, "ledger": counts}, indent=2))
        else:
            click.echo(f"queued {added} deliveries of the {issue_date} issue "
                       f"({counts.get('pending', 0)} pending in all)")
        sys.exit(0)
    with progress_bar("sending", store.count_active_subscribers(), quiet or as_json) as bar:
        result = workers.worker_stage(config, store, issue_date, force=force,
                                      resend_failed=resend_failed, resend_unknown=resend_unknown,
                                      stop=stop_on_sigterm(), progress=bar)
    counts = store.delivery_counts(issue_date)
    waiting = counts.get("deferred", 0) + counts.get("handed", 0)
    report: dict[str, Any] = vars(result)
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        click.echo(f"worker {result.worker}: sent {result.sent}, failed {result.failed} "
                   f"({result.suppressed} addresses suppressed), deferred {result.deferred}, "
                   f"unknown {result.unknown}, in {result.batches} leases")
        if result.requeued or result.replayed or result.stranded:
            click.echo(pipeline.stopped_note(result))
        if result.interrupted:
            click.echo("stopped on request (SIGTERM): its leases were given back to the others")
    sys.exit(1 if result.failed or waiting or result.unknown or result.interrupted else 0)


@db.command(name="backup")
@config_option
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def db_backup(config: Config, target: Path) -> None:
    """Copy the SQLite store to TARGET with SQLite's online backup (safe during a send)."""
    if not config.database_url.startswith("sqlite"):
        # The wrong command for this store (usage, exit 2): PostgreSQL has its own tool.
        raise click.UsageError(f"db backup copies SQLite stores only; {config.source} keeps a "
                               "PostgreSQL store: back it up with PostgreSQL's pg_dump")
    path = open_store(config).backup(target)
    click.echo(f"backed up {config.database_url} to {path}")
