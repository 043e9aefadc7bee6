"""`newsletter readership …`: what readers clicked, per issue, edition and story."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from ..config import Config
from .options import config_option, open_store, parse_date


@click.group()
def readership() -> None:
    """Clicks per story of the issues sent (README "Readership")."""


@readership.command(name="export")
@config_option
@click.option("--since", callback=parse_date, metavar="YYYY-MM-DD",
              help="Only issues of this date and later (default: every issue sent).")
@click.option("--format", "kind", type=click.Choice(["csv", "json"]), default="csv",
              show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: standard output).")
def readership_export(config: Config, since: date | None, kind: str, out: Path | None) -> None:
    """One row per issue, edition and story: rank, section, source, delivered messages,
    reader and robot clicks, click-through. Exact counts (the desk shows ranges)."""
    from ..desk.readership import export_rows, sent_editions, write_export

    editions = sent_editions(config, open_store(config), since=since)
    rows = export_rows(editions)
    text = write_export(rows, kind)
    if out:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}: {len(rows)} stories of {len(editions)} editions")
    else:
        click.echo(text, nl=False)
