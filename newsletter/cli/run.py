"""`newsletter demo` and `newsletter run`: the whole job, on samples or for real."""

from __future__ import annotations

import dataclasses
import json
import sys
from datetime import date
from pathlib import Path

import click

from ..config import LANGUAGES, Config
from ..errors import NewsletterError
from ..models import RunReport
from .options import (
    as_typed,
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
    serve = f"newsletter serve --config {_arg(cfg)}"
    tries = [f"export NEWSLETTER_CONFIG={_arg(cfg)}", "newsletter preview",
             "newsletter rank --explain", "newsletter send-test --to you@example.org",
             f"newsletter approve --as {EDITOR}", "newsletter send"]
    if as_json:
        click.echo(json.dumps({**report.to_dict(), "demo": {
            "config": str(cfg), "draft": draft.to_dict(), "try": tries,
            "desk": {"command": serve, "url": desk_url, "username": EDITOR,
                     "password": result.password}}},
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
    for line in tries:
        click.echo(f"  {line}")
    click.echo(f"desk:    {serve}  then {desk_url}  ({EDITOR} / {result.password})")
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
    day = issue_day(config, issue_date)
    report = RunReport(issue_date=day)
    try:
        with progress_bar("collecting", len(pipeline.all_feeds(config)), quiet or as_json) as bar:
            pipeline.run(config, store, day, dry_run=dry_run, force=force,
                         stop=stop_on_sigterm(), progress=bar, report=report)
    except NewsletterError as exc:
        # What the run did before it stopped (which feeds failed, and why) is what
        # explains the error: print it, then the error and its exit code as for any command.
        _print_run(report, config, as_json, exc)
        raise
    _print_run(report, config, as_json, None)
    sys.exit(1 if report.failed else 0)


def _print_run(report: RunReport, config: Config, as_json: bool,
               error: NewsletterError | None) -> None:
    """The run's report on stdout; with ``error``, the one that stopped it (JSON: "error")."""
    if as_json:
        data = report.to_dict()
        if error is not None:
            data["error"] = {"message": error.message,
                             "hint": as_typed(error.hint) if error.hint else None}
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    if error is not None:  # stderr says it once, with its hint
        report = dataclasses.replace(
            report, notes=[n for n in report.notes if n != f"error: {error.message}"])
    print_report(report, config, stopped=error is not None)
