"""Ops commands: `send-due` (send rounds from cron) and `db backup` (registered on cli.main)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .cli import _store, config_option, db, json_option, main, stop_on_sigterm
from .config import Config


@main.command(name="send-due")
@config_option
@json_option
def send_due(config: Config, as_json: bool) -> None:
    """One send round: every open issue to the subscribers it is due for now."""
    from .jobs import send_due as round_

    store = _store(config)
    report = round_(config, store, stop=stop_on_sigterm())
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        from .jobs import summary

        click.echo(summary("send", report) if report.get("issue_dates") else "nothing due")
        for note in report.get("notes", []):
            if note != "nothing due":
                click.echo(f"note: {note}")
    sys.exit(1 if report.get("messages_failed") or report.get("late") else 0)




@db.command(name="backup")
@config_option
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def db_backup(config: Config, target: Path) -> None:
    """Copy the SQLite store to TARGET with SQLite's online backup (safe during a send)."""
    path = _store(config).backup(target)
    click.echo(f"backed up {config.database_url} to {path}")
