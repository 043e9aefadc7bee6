"""`newsletter subscribers …`: the list (import, export, add, remove, forget, list, purge-pending)."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path

import click

from ..config import LANGUAGES, Config
from ..models import normalise_email
from .options import (
    config_option,
    json_option,
    open_store,
)

# The statuses a subscriber can have (store/schema.py; people/bounces.py says who sets which).
# Spelled out here so that `--help` does not load the store.
STATUSES = ("pending", "active", "unsubscribed", "bounced", "complained", "forgotten")


@click.group()
def subscribers() -> None:
    """Manage the subscriber list."""


@subscribers.command(name="import")
@config_option
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
@click.option("--map", "maps", multiple=True, metavar="COLUMN=FIELD",
              help="Read COLUMN as FIELD (email, name, first_name, last_name, language, "
                   "sections, timezone, status, consent_date, …); COLUMN= ignores it. "
                   "Repeatable.")
def subscribers_import(config: Config, file: Path, dry_run: bool, maps: tuple[str, ...]) -> None:
    """Import a CSV file: ours, or a Mailchimp, Substack, Buttondown, listmonk, Ghost or
    Brevo export (format: subscribers/README.md); or our JSON export."""
    from .. import pipeline
    from ..errors import SubscriberError
    from ..people.lists import import_csv, parse_maps

    try:
        columns = parse_maps(maps)
    except SubscriberError as exc:
        raise click.BadParameter(exc.message, param_hint="--map") from exc
    report = import_csv(open_store(config), file, now=pipeline.utc_now(), dry_run=dry_run,
                        secret=config.secret(), maps=columns)
    if report.shape != "newsletter":
        click.echo(f"read as a {report.shape} export")
    if report.ignored:
        click.echo(f"  columns ignored: {', '.join(report.ignored)}")
    prefix = "would add" if dry_run else "added"
    warned = f", warnings {len(report.warnings)}" if report.warnings else ""
    left = f", added as not active {len(report.left)}" if report.left else ""
    skipped = f", skipped {len(report.skipped)}" if report.skipped else ""
    click.echo(f"{prefix} {len(report.added)}{left}, already subscribed {len(report.already)}, "
               f"refused {len(report.refused)}{skipped}, bad rows {len(report.errors)}{warned}")
    for email, status in report.left:
        click.echo(f"  {email}: {status} (left before the import: will not be sent to)")
    for email, reason in report.refused:
        click.echo(f"  refused {email}: {reason}")
    def where(n: int) -> str:  # file:line of a CSV, "file: item n" of a JSON export
        return f"{file}:{n}" if report.unit == "line" else f"{file}: item {n}"

    for line, reason in report.skipped:
        click.echo(f"  {where(line)}: skipped: {reason}")
    for line, reason in report.errors:
        click.echo(f"  {where(line)}: {reason}", err=True)
    for line, note in report.warnings:
        click.echo(f"  {where(line)}: warning: {note}", err=True)
    sys.exit(1 if report.errors else 0)


@subscribers.command(name="list")
@config_option
@click.option("--status", type=click.Choice(STATUSES), help="Only subscribers with this status.")
@json_option
def subscribers_list(config: Config, status: str | None, as_json: bool) -> None:
    """List subscribers."""
    rows = open_store(config).list_subscribers(status)
    if as_json:
        click.echo(json.dumps(rows, default=str, ensure_ascii=False, indent=2))
        return
    for r in rows:
        click.echo(f"{r['id']:>6}  {r['status']:<12} {r['language'] or '-':<3} {r['email']}"
                   f"{'  (' + r['name'] + ')' if r['name'] else ''}")
    click.echo(f"{len(rows)} subscriber(s)")


@subscribers.command(name="add")
@config_option
@click.argument("address")
@click.option("--name", default="")
@click.option("--language", type=click.Choice(LANGUAGES), default=None)
def subscribers_add(config: Config, address: str, name: str, language: str | None) -> None:
    """Add one subscriber (consent source: cli)."""
    from .. import pipeline

    store = open_store(config)
    email = normalise_email(address)
    status = store.subscriber_status(email)
    if status not in (None, "active"):
        click.echo(f"{email} is {status}: not re-subscribed", err=True)
        sys.exit(1)
    now = pipeline.utc_now()
    sid, created = store.add_subscriber(email, name=name, language=language,
                                        consent_source="cli", consent_at=now, now=now)
    click.echo(f"{'added' if created else 'already subscribed'}: {email} (id {sid})")


@subscribers.command(name="export")
@config_option
@click.option("--format", "kind", type=click.Choice(["csv", "json"]), default="csv",
              show_default=True)
@click.option("--status", type=click.Choice(STATUSES), help="Only subscribers with this status.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: standard output).")
def subscribers_export(config: Config, kind: str, status: str | None, out: Path | None) -> None:
    """Export subscribers with their preferences and consent records."""
    from ..people.lists import export_rows, write_export

    text = write_export(export_rows(open_store(config), status), kind)
    if out:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}")
    else:
        click.echo(text, nl=False)


@subscribers.command(name="forget")
@config_option
@click.argument("address")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (for scripts).")
def subscribers_forget(config: Config, address: str, yes: bool) -> None:
    """Erase a subscriber's personal data; a keyed hash keeps the address from coming back."""
    from .. import pipeline
    from ..people.lists import forget

    store = open_store(config)
    if store.find_subscriber(normalise_email(address)) is None:
        click.echo(f"{address} is not on the list", err=True)
        sys.exit(1)
    if not yes:
        if not sys.stdin.isatty():
            raise click.UsageError(f"forgetting {address} erases their data for good: confirm "
                                   "at a terminal, or pass --yes")
        click.confirm(f"Erase {address}'s personal data for good (it cannot be undone)?",
                      abort=True)
    if not forget(store, config.secret(), address, pipeline.utc_now()):
        click.echo(f"{address} is not on the list", err=True)
        sys.exit(1)
    click.echo(f"forgotten: {address} (personal data erased; it cannot be imported again)")


@subscribers.command(name="remove")
@config_option
@click.argument("address")
def subscribers_remove(config: Config, address: str) -> None:
    """Unsubscribe one address (it will not be re-imported)."""
    from .. import pipeline

    store = open_store(config)
    email = normalise_email(address)
    subscriber = store.find_subscriber(email)
    if subscriber is None:
        click.echo(f"{email} is not on the list", err=True)
        sys.exit(1)
    store.set_subscriber_status(subscriber.id, "unsubscribed", pipeline.utc_now())
    click.echo(f"unsubscribed: {email}")


@subscribers.command(name="purge-pending")
@config_option
@click.option("--older-than", "days", type=int, default=None, metavar="DAYS",
              help="Age in days of the unconfirmed sign-ups to delete "
                   "(default: [signup] pending_days).")
@json_option
def subscribers_purge_pending(config: Config, days: int | None, as_json: bool) -> None:
    """Delete sign-ups never confirmed (the form also does it at each sign-up)."""
    from .. import pipeline
    from ..people.signup import purge_pending

    days = config.signup.pending_days if days is None else days
    if days * 24 < config.signup.confirm_hours:
        raise click.BadParameter(
            f"{days} day(s) is less than the {config.signup.confirm_hours} hours a confirmation "
            "link works ([signup] confirm_hours)", param_hint="--older-than")
    deleted = purge_pending(open_store(config), timedelta(days=days), pipeline.utc_now())
    if as_json:
        click.echo(json.dumps({"deleted": deleted, "older_than_days": days}))
    else:
        click.echo(f"deleted {deleted} sign-up(s) not confirmed within {days} day(s)")
