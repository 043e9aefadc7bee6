"""Ops commands: the daemon (schedule), the web app (serve), status, check-config, send-due."""

from __future__ import annotations

import json
import sys

import click

from ..config import Config
from .options import (
    config_option,
    json_option,
    open_store,
    stop_on_sigterm,
)


@click.command()
@config_option
def schedule(config: Config) -> None:
    """The daemon: collect, build at the cut-off, send at send_at; until SIGTERM or Ctrl-C."""
    from ..ops.scheduler import run_scheduler

    open_store(config).close()  # a mistyped store path stops here, not in the first job
    run_scheduler(config, echo=click.echo)


@click.command()
@config_option
@click.option("--host", default=None, help="Address to listen on (default [web] host).")
@click.option("--port", type=int, default=None, help="Port (default [web] port).")
def serve(config: Config, host: str | None, port: int | None) -> None:
    """Serve the public site (home, archive, issues, sign-up), the editor's desk, story-link
    redirects, webhooks and metrics, under waitress."""
    from ..web import create_app, serve_app

    serve_app(create_app(config, open_store(config)), host or config.web.host,
              port or config.web.port, echo=click.echo)


@click.command()
@config_option
@json_option
def status(config: Config, as_json: bool) -> None:
    """Last runs, next runs, failing feeds, the current issue's deliveries, the send lock."""
    from .. import pipeline
    from ..ops.status import gather, render

    data = gather(config, open_store(config), pipeline.utc_now())
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for line in render(data):
        click.echo(line)


@click.command(name="check-config")
@config_option
def check_config(config: Config) -> None:
    """Check the configuration (every problem at once) and print a summary."""
    from ..feeds.opml import opml_feeds

    config.secret()
    # The feeds collection reads: [[feeds]] and the OPML file (pipeline.all_feeds; that
    # module is not imported here, to start fast).
    feeds = config.feeds + opml_feeds(config)
    _check_editorial_files(config)
    click.echo(f"{config.source}: ok — {len(feeds)} feeds, sender "
               f"{config.delivery.sender}, store {config.database_url}")


def _check_editorial_files(config: Config) -> None:
    """The files a build reads besides the config — [curate] news_value_file and the
    editors' [overrides] file — read as the build reads them (ops/editorial.py, light:
    check-config stays fast), every problem at once."""
    from ..config.checks import Problems
    from ..errors import ConfigError
    from ..ops.editorial import editorial_rules, news_value

    problems = Problems(config.source)
    for read in (news_value, editorial_rules):
        try:
            read(config)
        except ConfigError as exc:
            problems.add(exc)
    problems.raise_any()


@click.command(name="send-due")
@config_option
@json_option
def send_due(config: Config, as_json: bool) -> None:
    """One send round: every open issue to the subscribers it is due for now."""
    from ..ops.jobs import send_due as round_

    store = open_store(config)
    report = round_(config, store, stop=stop_on_sigterm())
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        from ..ops.jobs import summary

        click.echo(summary("send", report) if report.get("issue_dates") else "nothing due")
        for note in report.get("notes", []):
            if note != "nothing due":
                click.echo(f"note: {note}")
    sys.exit(1 if report.get("messages_failed") or report.get("late") else 0)
