"""The stage, inspection and administration commands (registered on cli.main)."""

from __future__ import annotations

import json
import sys
import webbrowser
from datetime import date
from pathlib import Path

import click

from . import pipeline
from .cli import (
    _date,
    _store,
    config_option,
    date_option,
    json_option,
    main,
    progress_bar,
    quiet_option,
    stop_on_sigterm,
    subscribers,
)
from .config import LANGUAGES, Config
from .feeds.opml import import_opml, opml_path, write_opml
from .subscribers import export_rows, forget, import_csv, normalise_email, write_export


@main.command()
@config_option
@date_option
@quiet_option
@json_option
def collect(config: Config, issue_date: date | None, quiet: bool, as_json: bool) -> None:
    """Fetch every feed into the store."""
    with progress_bar("collecting", len(pipeline.all_feeds(config)), quiet or as_json) as bar:
        result = pipeline.collect_stage(config, _store(config),
                                        issue_date=_date(config, issue_date), progress=bar)
    if as_json:
        click.echo(json.dumps({"ok": result.ok, "not_modified": result.not_modified,
                               "failed": [{"url": u, "reason": r} for u, r in result.failed],
                               "disabled": [{"url": u, "reason": r} for u, r in result.disabled],
                               "warnings": [{"url": u, "warning": w} for u, w in result.warnings],
                               "stories": result.stories, "new_stories": result.new_stories},
                              indent=2))
    else:
        click.echo(f"feeds: {len(result.ok)} ok, {len(result.not_modified)} not modified, "
                   f"{len(result.failed)} failed; {result.new_stories} new stories")
        for url, reason in result.failed:
            click.echo(f"  FAILED {url}: {reason}")
    sys.exit(1 if result.failed else 0)


@main.command()
@config_option
@date_option
@click.option("--discard-edits", is_flag=True,
              help="Rebuild even an issue editors changed or approved (their work is lost).")
def build(config: Config, issue_date: date | None, discard_edits: bool) -> None:
    """Build and store the issue from the stories already collected."""
    briefing, issue = pipeline.build_stage(config, _store(config), _date(config, issue_date),
                                           discard_edits=discard_edits)
    click.echo(f"built the {briefing.issue_date} issue: {len(briefing.items)} items + "
               f"{len(briefing.in_brief)} in brief, {briefing.reading_minutes} min, "
               f"{len(issue.html.encode()) // 1024} KB of HTML")
    click.echo(f"subject: {issue.subject}")


@main.command()
@config_option
@date_option
@click.option("--force", is_flag=True, help="Send even if the issue's send window has closed.")
@click.option("--resend-failed", is_flag=True,
              help="Try the permanently failed deliveries of this issue again.")
@click.option("--worker", is_flag=True,
              help="Be one of many parallel send workers, on any machines (docs/scaling.md).")
@click.option("--prepare", is_flag=True,
              help="Only queue a pending delivery per active subscriber, for the workers.")
@quiet_option
@json_option
def send(config: Config, issue_date: date | None, force: bool, resend_failed: bool,
         worker: bool, prepare: bool, quiet: bool, as_json: bool) -> None:
    """Send the stored issue to every subscriber who has not had it."""
    if worker or prepare:
        from .cli_db import send_workers

        send_workers(config, _date(config, issue_date), worker=worker, force=force,
                     resend_failed=resend_failed, quiet=quiet, as_json=as_json)
    store = _store(config)
    with progress_bar("sending", store.count_active_subscribers(), quiet or as_json) as bar:
        result = pipeline.send_stage(config, store, _date(config, issue_date), force=force,
                                     resend_failed=resend_failed, stop=stop_on_sigterm(),
                                     progress=bar)
    if as_json:
        click.echo(json.dumps(vars(result), indent=2))
        sys.exit(1 if result.failed or result.deferred or result.interrupted else 0)
    else:
        click.echo(f"sent {result.sent}, failed {result.failed} ({result.suppressed} addresses "
                   f"suppressed), deferred {result.deferred}, unknown {result.unknown}, "
                   f"already done {result.skipped}")
        if result.not_due or result.late:
            click.echo(f"local-time delivery: {result.not_due} not due yet (a later round sends "
                       f"them), {result.late} past their send window (--force sends them)")
        if result.interrupted:
            click.echo("stopped on request (SIGTERM): run send again to resume")
    sys.exit(1 if result.failed or result.deferred or result.interrupted else 0)


@main.command()
@config_option
@date_option
@click.option("--explain", is_flag=True, help="Show every component of every score.")
@click.option("--limit", default=30, show_default=True)
def rank(config: Config, issue_date: date | None, explain: bool, limit: int) -> None:
    """The ranked candidates of an issue, in the order the briefing takes them."""
    ranked, blocked = pipeline.rank_stage(config, _store(config), _date(config, issue_date))
    for position, scored in enumerate(ranked[:limit], 1):
        lead = scored.cluster.lead
        sources = ", ".join(sorted(scored.cluster.source_names))
        click.echo(f"{position:>3}. {scored.score:8.4f}  {lead.title}  [{sources}]")
        if explain:
            parts = " × ".join(f"{name} {value:.3f}" for name, value in scored.components
                               if name not in ("redundancy", "pinned"))
            extra = "".join(f"; {name} {value:g}" for name, value in scored.components
                            if name in ("redundancy", "pinned"))
            click.echo(f"       = {parts}{extra}")
    if explain and blocked:
        click.echo("blocked:")
        for story, reason in blocked:
            click.echo(f"  {story.title} ({story.url}): {reason}")


@main.command()
@config_option
@date_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write into (default: var/preview next to the config).")
@click.option("--open", "open_browser", is_flag=True, help="Open the HTML in a browser.")
def preview(config: Config, issue_date: date | None, out: Path | None, open_browser: bool) -> None:
    """Write the stored issue's HTML and text and print their paths."""
    paths = pipeline.write_preview(config, _store(config), _date(config, issue_date),
                                   out or config.path("var/preview"))
    for path in paths:
        click.echo(str(path))
    if open_browser:
        webbrowser.open(paths[0].resolve().as_uri())


@main.command()
@config_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder of the static archive.")
def archive(config: Config, out: Path) -> None:
    """A static web archive: one page per issue, an index and an Atom feed."""
    from .archive import write_archive

    paths = write_archive(config, _store(config), out)
    click.echo(f"wrote {len(paths) - 2} issue page(s), index.html and atom.xml in {out}")


@main.command(name="send-test")
@config_option
@date_option
@click.option("--to", "address", required=True, help="Address to send the test to.")
def send_test(config: Config, issue_date: date | None, address: str) -> None:
    """Send the stored issue to one address, [TEST] in the subject, outside the ledger."""
    click.echo(pipeline.send_test(config, _store(config), _date(config, issue_date), address))


@main.command()
@config_option
def schedule(config: Config) -> None:
    """The daemon: collect, build at the cut-off, send at send_at; until SIGTERM or Ctrl-C."""
    from .scheduler import run_scheduler

    run_scheduler(config, echo=click.echo)


@main.command()
@config_option
@click.option("--host", default=None, help="Address to listen on (default [web] host).")
@click.option("--port", type=int, default=None, help="Port (default [web] port).")
def serve(config: Config, host: str | None, port: int | None) -> None:
    """Serve the web version of issues and the unsubscribe pages (waitress if installed)."""
    from .web import create_app, serve_app

    serve_app(create_app(config, _store(config)), host or config.web.host,
              port or config.web.port, echo=click.echo)


@main.command()
@config_option
@json_option
def status(config: Config, as_json: bool) -> None:
    """Last runs, next runs, failing feeds, the current issue's deliveries, the send lock."""
    from .status import gather, render

    data = gather(config, _store(config), pipeline.utc_now())
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for line in render(data):
        click.echo(line)


@main.command(name="check-config")
@config_option
def check_config(config: Config) -> None:
    """Check the configuration and print a summary."""
    config.secret()
    click.echo(f"{config.source}: ok — {len(config.feeds)} feeds, sender "
               f"{config.delivery.sender}, store {config.database_url}")


# -- feeds ----------------------------------------------------------------------------------


@main.group()
def feeds() -> None:
    """Feed health."""


@feeds.command(name="check")
@config_option
@json_option
def feeds_check(config: Config, as_json: bool) -> None:
    """Each feed's last success, last error, failures in a row and items seen."""
    states = {s.url: s for s in _store(config).feed_states()}
    rows = []
    for feed in pipeline.all_feeds(config):
        s = states.get(feed.url)
        rows.append({
            "url": feed.url, "name": feed.name,
            "last_success": s.last_success.isoformat() if s and s.last_success else None,
            "last_error": s.last_error if s and s.consecutive_failures else None,
            "consecutive_failures": s.consecutive_failures if s else 0,
            "items_seen": s.items_seen if s else 0,
            "moved_to": s.moved_to if s else None,
            "disabled": bool(s and s.disabled_at),
            "note": s.note if s else None,
        })
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    click.echo(f"{'feed':<28} {'items':>6}  {'last success':<17} {'fails':>5}  state")
    for r in rows:
        when = str(r["last_success"] or "never")[:16].replace("T", " ")
        if r["disabled"]:
            state = f"DISABLED: {r['note']}"
        elif r["consecutive_failures"]:
            state = f"FAILING: {r['last_error']}"
        elif r["last_success"]:
            state = "ok" + (f" (moved to {r['moved_to']})" if r["moved_to"] else "")
        else:
            state = "never fetched"
        click.echo(f"{str(r['name'])[:28]:<28} {r['items_seen']:>6}  {when:<17} "
                   f"{r['consecutive_failures']:>5}  {state}")
        click.echo(f"    {r['url']}")


@feeds.command(name="enable")
@config_option
@click.argument("url")
def feeds_enable(config: Config, url: str) -> None:
    """Fetch a feed again after a 410 Gone disabled it (and forget a 301/308 address)."""
    if not _store(config).enable_feed(url):
        click.echo(f"{url} is not known to the store", err=True)
        sys.exit(1)
    click.echo(f"enabled: {url}")


@feeds.command(name="import-opml")
@config_option
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def feeds_import_opml(config: Config, file: Path) -> None:
    """Add the feeds of an OPML file to [collect] feeds_opml."""
    added, problems = import_opml(config, file)
    click.echo(f"added {len(added)} feed(s) to {opml_path(config)}")
    for problem in problems:
        click.echo(f"  skipped {problem}", err=True)


@feeds.command(name="export-opml")
@config_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: standard output).")
def feeds_export_opml(config: Config, out: Path | None) -> None:
    """Every feed (config and OPML file) as OPML."""
    text = write_opml(pipeline.all_feeds(config), config.newsletter.name)
    if out:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}")
    else:
        click.echo(text, nl=False)


# -- subscribers ------------------------------------------------------------------------------




@subscribers.command(name="import")
@config_option
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
def subscribers_import(config: Config, file: Path, dry_run: bool) -> None:
    """Import a CSV file (format: subscribers/README.md)."""
    report = import_csv(_store(config), file, now=pipeline.utc_now(), dry_run=dry_run,
                        secret=config.secret())
    prefix = "would add" if dry_run else "added"
    click.echo(f"{prefix} {len(report.added)}, already subscribed {len(report.already)}, "
               f"refused {len(report.refused)}, bad rows {len(report.errors)}")
    for email, reason in report.refused:
        click.echo(f"  refused {email}: {reason}")
    for line, reason in report.errors:
        click.echo(f"  {file}:{line}: {reason}", err=True)
    sys.exit(1 if report.errors else 0)


@subscribers.command(name="list")
@config_option
@click.option("--status", help="Only subscribers with this status (active, unsubscribed, …).")
@json_option
def subscribers_list(config: Config, status: str | None, as_json: bool) -> None:
    """List subscribers."""
    rows = _store(config).list_subscribers(status)
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
    store = _store(config)
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
@click.option("--status", help="Only subscribers with this status.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: standard output).")
def subscribers_export(config: Config, kind: str, status: str | None, out: Path | None) -> None:
    """Export subscribers with their preferences and consent records."""
    text = write_export(export_rows(_store(config), status), kind)
    if out:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}")
    else:
        click.echo(text, nl=False)


@subscribers.command(name="forget")
@config_option
@click.argument("address")
def subscribers_forget(config: Config, address: str) -> None:
    """Erase a subscriber's personal data; a keyed hash keeps the address from coming back."""
    if not forget(_store(config), config.secret(), address, pipeline.utc_now()):
        click.echo(f"{address} is not on the list", err=True)
        sys.exit(1)
    click.echo(f"forgotten: {address} (personal data erased; it cannot be imported again)")


@subscribers.command(name="remove")
@config_option
@click.argument("address")
def subscribers_remove(config: Config, address: str) -> None:
    """Unsubscribe one address (it will not be re-imported)."""
    store = _store(config)
    email = normalise_email(address)
    subscriber = store.find_subscriber(email)
    if subscriber is None:
        click.echo(f"{email} is not on the list", err=True)
        sys.exit(1)
    store.set_subscriber_status(subscriber.id, "unsubscribed", pipeline.utc_now())
    click.echo(f"unsubscribed: {email}")
