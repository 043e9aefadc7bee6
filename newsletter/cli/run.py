"""`newsletter demo` and `newsletter run`: the whole job, on samples or for real."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click

from ..config import LANGUAGES, Config
from .options import (
    config_option,
    date_option,
    issue_day,
    json_option,
    open_store,
    parse_date,
    print_report,
    progress_bar,
    quiet_option,
    stop_on_sigterm,
)


@click.command()
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              default=Path("newsletter-demo"), show_default=True,
              help="Folder for the demo's database, outbox and preview.")
@click.option("--date", "issue_date", callback=parse_date, metavar="YYYY-MM-DD",
              help="Issue date (default: today; the samples move with it).")
@click.option("--language", type=click.Choice(LANGUAGES), default="fr", show_default=True)
@json_option
def demo(out: Path, issue_date: date | None, language: str, as_json: bool) -> None:
    """Run the whole job on bundled sample feeds: no config, no internet. Leaves the next
    day's issue as a draft, and an editor account for the desk."""
    from ..demo.run import EDITOR, run_demo

    out = out.resolve()
    result = run_demo(out, issue_date or date.today(), language=language)
    report, config, draft = result.report, result.config, result.draft
    cfg = out / "newsletter.toml"
    desk_url = f"http://127.0.0.1:{config.web.port}/editor/"
    if as_json:
        click.echo(json.dumps({**report.to_dict(), "demo": {
            "config": str(cfg), "draft": draft.to_dict(),
            "desk": {"url": desk_url, "username": EDITOR, "password": result.password}}},
            ensure_ascii=False, indent=2))
        sys.exit(1 if report.failed else 0)
    print_report(report, config)
    click.echo(f"outbox:  {config.path(config.delivery.outbox_dir)}")
    click.echo(f"preview: {out / 'preview.html'}")
    click.echo(f"config:  {cfg}")
    click.echo("")
    day, sent = draft.issue_date, report.issue_date
    click.echo(f"draft:   the {day} issue ({draft.items_chosen} chosen + {draft.in_brief} in brief)"
               " waits for an editor's approval.")
    click.echo(f"         The config pins today to {day} ([demo] issue_date): commands without "
               f"--date act on this draft; --date {sent} shows the issue just sent.")
    click.echo("try:")
    for line in (f"export NEWSLETTER_CONFIG={_arg(cfg)}",
                 "newsletter preview", "newsletter rank --explain",
                 "newsletter send-test --to you@example.org",
                 f"newsletter approve --as {EDITOR}", "newsletter send"):
        click.echo(f"  {line}")
    click.echo(f"desk:    newsletter serve --config {_arg(cfg)}  then {desk_url}  "
               f"({EDITOR} / {result.password})")
    sys.exit(1 if report.failed else 0)


def _arg(path: Path) -> str:
    """A path as a shell argument (quoted when it holds spaces or quotes)."""
    import shlex

    return shlex.quote(str(path))


@click.command(name="run")
@config_option
@date_option
@click.option("--dry-run", is_flag=True, help="Collect and build, but send nothing.")
@click.option("--force", is_flag=True, help="Send even if the issue's send window has closed.")
@quiet_option
@json_option
def run_command(config: Config, issue_date: date | None, dry_run: bool, force: bool,
                quiet: bool, as_json: bool) -> None:
    """Collect, build and send the day's issue; safe to run twice."""
    from .. import pipeline

    store = open_store(config)
    with progress_bar("collecting", len(pipeline.all_feeds(config)), quiet or as_json) as bar:
        report = pipeline.run(config, store, issue_day(config, issue_date), dry_run=dry_run,
                              force=force, stop=stop_on_sigterm(), progress=bar)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print_report(report, config)
    sys.exit(1 if report.failed else 0)
