"""`newsletter subscribers purge-pending`: forget sign-ups that were never confirmed."""

from __future__ import annotations

import json
from datetime import timedelta

import click

from . import pipeline
from .cli import _store, config_option, json_option, subscribers
from .config import Config
from .signup import purge_pending


@subscribers.command(name="purge-pending")
@config_option
@click.option("--older-than", "days", type=int, default=None, metavar="DAYS",
              help="Age in days of the unconfirmed sign-ups to delete "
                   "(default: [signup] pending_days).")
@json_option
def subscribers_purge_pending(config: Config, days: int | None, as_json: bool) -> None:
    """Delete sign-ups never confirmed (the form also does it at each sign-up)."""
    days = config.signup.pending_days if days is None else days
    if days * 24 < config.signup.confirm_hours:
        raise click.BadParameter(
            f"{days} day(s) is less than the {config.signup.confirm_hours} hours a confirmation "
            "link works ([signup] confirm_hours)", param_hint="--older-than")
    deleted = purge_pending(_store(config), timedelta(days=days), pipeline.utc_now())
    if as_json:
        click.echo(json.dumps({"deleted": deleted, "older_than_days": days}))
    else:
        click.echo(f"deleted {deleted} sign-up(s) not confirmed within {days} day(s)")
