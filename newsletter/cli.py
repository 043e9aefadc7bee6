"""The command line: parses options, builds dependencies, calls pipeline; maps errors once."""

from __future__ import annotations

import contextlib
import functools
import json
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

from . import pipeline
from .config import LANGUAGES, Config, find_config_path, load_config
from .errors import NewsletterError
from .logs import configure_logging
from .models import RunReport
from .store import Store

F = TypeVar("F", bound=Callable[..., Any])


class _Group(click.Group):
    """Turns every NewsletterError into one message on stderr and its exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NewsletterError as exc:
            click.echo(f"error: {exc.format()}", err=True)
            ctx.exit(exc.exit_code)


def _parse_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date like 2026-11-27") from exc


def config_option(func: F) -> F:
    """--config PATH (default $NEWSLETTER_CONFIG, then ./newsletter.toml)."""
    @click.option("--config", "config_path", type=click.Path(dir_okay=False),
                  help="Config file (default: $NEWSLETTER_CONFIG, then ./newsletter.toml).")
    @functools.wraps(func)
    def wrapper(*args: Any, config_path: str | None, **kwargs: Any) -> Any:
        config = load_config(find_config_path(config_path))
        configure_logging(config)
        return func(*args, config=config, **kwargs)
    return wrapper  # type: ignore[return-value]


date_option = click.option("--date", "issue_date", callback=_parse_date, metavar="YYYY-MM-DD",
                           help="Issue date (default: today in the newsletter's time zone).")
json_option = click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")


def _store(config: Config) -> Store:
    return pipeline.open_store(config)


def _date(config: Config, issue_date: date | None) -> date:
    return issue_date or pipeline.today(config)


@contextlib.contextmanager
def progress_bar(label: str, length: int, quiet: bool) -> Iterator[Callable[[object], None] | None]:
    """A progress bar on a terminal (stderr); nothing when piped, in cron, or with --quiet."""
    if quiet or length <= 0 or not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=length, label=label, file=sys.stderr) as bar:
        yield lambda done: bar.update(done if isinstance(done, int) else 1)


quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress bar.")


def stop_on_sigterm() -> threading.Event:
    """An event set by SIGTERM: sending stops after the chunk under way is recorded."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
    return stop


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newsletter")
def main() -> None:
    """newsletter: the essentials of the day's news in one short morning email."""


# -- the whole job ---------------------------------------------------------------------------


@main.command()
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              default=Path("newsletter-demo"), show_default=True,
              help="Folder for the demo's database, outbox and preview.")
@click.option("--date", "issue_date", callback=_parse_date, metavar="YYYY-MM-DD",
              help="Issue date (default: today; the samples move with it).")
@click.option("--language", type=click.Choice(LANGUAGES), default="fr", show_default=True)
@json_option
def demo(out: Path, issue_date: date | None, language: str, as_json: bool) -> None:
    """Run the whole job on bundled sample feeds: no config, no internet."""
    from .demo.run import run_demo

    out = out.resolve()
    report, config = run_demo(out, issue_date or date.today(), language=language)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_report(report, config)
        click.echo(f"outbox:  {config.path(config.delivery.outbox_dir)}")
        click.echo(f"preview: {out / 'preview.html'}")
        click.echo(f"config:  {out / 'newsletter.toml'}  (try: newsletter status --config "
                   f"{out / 'newsletter.toml'})")
    sys.exit(1 if report.failed else 0)


@main.command(name="run")
@config_option
@date_option
@click.option("--dry-run", is_flag=True, help="Collect and build, but send nothing.")
@click.option("--force", is_flag=True, help="Send even if the issue's send window has closed.")
@quiet_option
@json_option
def run_command(config: Config, issue_date: date | None, dry_run: bool, force: bool,
                quiet: bool, as_json: bool) -> None:
    """Collect, build and send the day's issue; safe to run twice."""
    store = _store(config)
    with progress_bar("collecting", len(pipeline.all_feeds(config)), quiet or as_json) as bar:
        report = pipeline.run(config, store, _date(config, issue_date), dry_run=dry_run,
                              force=force, stop=stop_on_sigterm(), progress=bar)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_report(report, config)
    sys.exit(1 if report.failed else 0)


def _print_report(report: RunReport, config: Config) -> None:
    echo = click.echo
    echo(f"{config.newsletter.name} — issue of {report.issue_date}")
    disabled = f", {len(report.feeds_disabled)} disabled" if report.feeds_disabled else ""
    echo(f"feeds:   {len(report.feeds_ok)} ok, {len(report.feeds_failed)} failed{disabled}")
    for url in report.feeds_ok:
        echo(f"  ok     {url}")
    for url, reason in report.feeds_failed:
        echo(f"  FAILED {url}: {reason}")
    for url, reason in report.feeds_disabled:
        echo(f"  DISABLED {url}: {reason} (newsletter feeds enable URL)")
    if report.entries_skipped:
        echo(f"  {report.entries_skipped} entries skipped (neither title nor link)")
    echo(f"stories: {report.stories_seen} seen in the issue window ({report.stories_new} new)")
    echo(f"items:   {report.items_chosen} chosen + {report.in_brief} in brief · reading time "
         f"{report.reading_minutes} min · HTML {report.html_bytes // 1024} KB")
    verb = "written" if config.delivery.sender == "outbox" else "sent"
    echo(f"messages: {report.messages_sent} {verb}, {report.messages_failed} failed, "
         f"{report.messages_skipped} already done")
    for note in report.notes:
        echo(f"note: {note}")



# Command groups that several modules add commands to live here, so that each module
# only imports this one (and any of them can be imported first).
@main.group()
def subscribers() -> None:
    """Manage the subscriber list."""


@main.group()
def db() -> None:
    """The store's database."""


from . import (  # noqa: E402,F401  (register the remaining commands)
    cli_commands,
    cli_db,  # db upgrade / current / check, send --worker
    cli_desk,  # editors, approve
    cli_ops,
    cli_signup,
)
