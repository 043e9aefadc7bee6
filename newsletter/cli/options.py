"""Options and helpers shared by every command: --config, --date, --json, progress, SIGTERM."""

from __future__ import annotations

import contextlib
import functools
import re
import shlex
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from ..config import Config
    from ..models import RunReport
    from ..store import Store

F = TypeVar("F", bound=Callable[..., Any])


# Issue dates the program can compute with: the collection window, local send times and
# time zones reach a few days around the date; 0001-01-01 or 9999-12-31 would overflow.
FIRST_DATE, LAST_DATE = date(1970, 1, 1), date(9998, 12, 31)


def parse_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date like 2026-11-27") from exc
    if not FIRST_DATE <= day <= LAST_DATE:
        raise click.BadParameter(f"{value} is outside the dates an issue can have "
                                 f"({FIRST_DATE} to {LAST_DATE})")
    return day


CONFIG_META = "newsletter.config_path"  # the group's --config (before the command), in ctx.meta
CONFIG_HELP = "Config file (default: $NEWSLETTER_CONFIG, then ./newsletter.toml)."
GIVEN_META = "newsletter.given_config"  # the --config the user typed, for hints (ctx.meta)


def with_config(text: str, config_path: str | None, commands: Iterable[str]) -> str:
    """``text`` with ``--config PATH`` after ``newsletter`` wherever a command follows it
    (``newsletter db upgrade``, not "the newsletter is late"), so a hint printed to someone
    who typed ``--config`` works when typed as shown."""
    # init and demo write a config rather than read one: they take none.
    names = sorted(set(commands) - {"init", "demo"}, key=len, reverse=True)
    if not config_path or not names:
        return text
    alternatives = "|".join(map(re.escape, names))
    pattern = rf"\bnewsletter (?=(?:{alternatives})\b(?!-))"
    return re.sub(pattern, f"newsletter --config {shlex.quote(config_path)} ", text)


def as_typed(text: str) -> str:
    """``with_config`` for the command running now (outside a command: ``text`` as is)."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return text
    root = ctx.find_root()
    commands = root.command.list_commands(root) if isinstance(root.command, click.Group) else ()
    return with_config(text, ctx.meta.get(GIVEN_META), commands)


def given_config_path(config_path: str | None) -> str | None:
    """The --config given after the command, or before it (on the group); both: must agree."""
    before = click.get_current_context().meta.get(CONFIG_META)
    if before and config_path and before != config_path:
        raise click.UsageError(f"--config given twice ({before} before the command, "
                               f"{config_path} after it): give it once")
    return config_path or before


def config_option(func: F) -> F:
    """--config PATH, before or after the command (default $NEWSLETTER_CONFIG, then
    ./newsletter.toml)."""
    @click.option("--config", "config_path", type=click.Path(dir_okay=False), metavar="PATH",
                  help=CONFIG_HELP)
    @functools.wraps(func)
    def wrapper(*args: Any, config_path: str | None, **kwargs: Any) -> Any:
        from ..config import load_config, required_config_path
        from ..ops.logs import configure_logging

        given = given_config_path(config_path)
        click.get_current_context().meta[GIVEN_META] = given
        config = load_config(required_config_path(given))
        configure_logging(config)
        return func(*args, config=config, **kwargs)
    return wrapper  # type: ignore[return-value]


date_option = click.option("--date", "issue_date", callback=parse_date, metavar="YYYY-MM-DD",
                           help="Issue date (default: today in the newsletter's time zone).")
json_option = click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")


def open_store(config: Config) -> Store:
    """The store named by the config, its schema checked; a SQLite file that is not there is
    an error, not a new empty store (a mistyped path): `init`, `demo` and `db upgrade`
    create stores."""
    from ..store import Store

    return Store.open(config.database_url, create=False)


def issue_day(config: Config, issue_date: date | None) -> date:
    """The --date given, else today in the newsletter's time zone."""
    from .. import pipeline

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


def print_report(report: RunReport, config: Config, *, stopped: bool = False) -> None:
    """The run's report; ``stopped``: an error ended it, and the stages it never reached
    (no issue built, no message tried) are left out rather than shown as zeros."""
    echo = click.echo
    echo(f"{config.newsletter.name} — issue of {report.issue_date}")
    disabled = f", {len(report.feeds_disabled)} disabled" if report.feeds_disabled else ""
    echo(f"feeds:   {len(report.feeds_ok)} ok, {len(report.feeds_failed)} failed{disabled}")
    for url in report.feeds_ok:
        echo(f"  ok     {url}")
    for url, reason in report.feeds_failed:
        echo(f"  FAILED {url}: {reason}")
    for url, reason in report.feeds_disabled:
        echo(as_typed(f"  DISABLED {url}: {reason} (newsletter feeds enable URL)"))
    if report.entries_skipped:
        echo(f"  {report.entries_skipped} entries skipped (neither title nor link)")
    echo(f"stories: {report.stories_seen} seen in the issue window ({report.stories_new} new)")
    if report.articles:
        a = report.articles
        echo(f"articles: {a['fetched']} pages fetched, {a['extracted']} full texts used, "
             f"{a['refused']} refused by robots.txt, {a['failed']} failed")
        if a.get("error"):
            echo(f"  ERROR {a['error']} (hint: {a['hint']})")
    if not stopped or report.html_bytes:
        echo(f"items:   {report.items_chosen} chosen + {report.in_brief} in brief · reading "
             f"time {report.reading_minutes} min · HTML {report.html_bytes // 1024} KB")
    tried = report.messages_sent + report.messages_failed + report.messages_skipped
    if not stopped or tried:
        verb = "written" if config.delivery.sender == "outbox" else "sent"
        echo(f"messages: {report.messages_sent} {verb}, {report.messages_failed} failed, "
             f"{report.messages_skipped} already done")
    for note in report.notes:
        echo(f"note: {note}")
