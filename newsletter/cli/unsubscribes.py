"""`newsletter unsubscribes …`: the requests sent to List-Unsubscribe's mailto."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..config import Config
from .options import config_option, json_option, open_store


@click.group()
def unsubscribes() -> None:
    """Unsubscribe requests that arrive by email (the mailto of List-Unsubscribe)."""


@unsubscribes.command(name="process")
@config_option
@click.option("--maildir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="The Maildir of [delivery] unsubscribe_mailbox (the folder holding cur/ and new/).")
@click.option("--dry-run", is_flag=True, help="Show what would change; change and move nothing.")
@json_option
def unsubscribes_process(config: Config, maildir: Path, dry_run: bool, as_json: bool) -> None:
    """Unsubscribe by the signed token in each request's subject; move them to 'done'."""
    from .. import pipeline
    from ..people.mailbox import DONE_FOLDER, process_maildir
    from ..tokens import Tokens

    if not config.delivery.unsubscribe_mailbox:
        click.echo("note: [delivery] unsubscribe_mailbox is not set, so the emails sent carry "
                   "no mailto (https one-click only)", err=True)
    report = process_maildir(open_store(config), Tokens(config.secret()), maildir,
                             now=pipeline.utc_now(), dry_run=dry_run)
    if as_json:
        click.echo(json.dumps({"unsubscribed": report.unsubscribed, "already": report.already,
                               "left": [{"message": k, "reason": r} for k, r in report.left],
                               "dry_run": dry_run}, indent=2))
        return
    verb = "would unsubscribe" if dry_run else "unsubscribed"
    moved = "" if dry_run else f" (moved to {DONE_FOLDER})"
    click.echo(f"{verb} {len(report.unsubscribed)}, already off the list "
               f"{len(report.already)}{moved}, left in the mailbox {len(report.left)}")
    for key, reason in report.left:
        click.echo(f"  left {key}: {reason}")
