"""The day's issue, stage by stage: collect, build, send, rank, preview, send-test, archive."""

from __future__ import annotations

import json
import sys
import webbrowser
from datetime import date
from pathlib import Path

import click

from ..config import Config
from .options import (
    config_option,
    date_option,
    issue_day,
    json_option,
    open_store,
    progress_bar,
    quiet_option,
    stop_on_sigterm,
)


@click.command()
@config_option
@date_option
@quiet_option
@json_option
def collect(config: Config, issue_date: date | None, quiet: bool, as_json: bool) -> None:
    """Fetch every feed into the store."""
    from .. import pipeline

    with progress_bar("collecting", len(pipeline.all_feeds(config)), quiet or as_json) as bar:
        result = pipeline.collect_stage(config, open_store(config),
                                        issue_date=issue_day(config, issue_date), progress=bar)
    if as_json:
        click.echo(json.dumps({"ok": result.ok, "not_modified": result.not_modified,
                               "failed": [{"url": u, "reason": r} for u, r in result.failed],
                               "disabled": [{"url": u, "reason": r} for u, r in result.disabled],
                               "warnings": [{"url": u, "warning": w} for u, w in result.warnings],
                               "stories": result.stories, "new_stories": result.new_stories,
                               "articles": result.articles},
                              indent=2))
    else:
        click.echo(f"feeds: {len(result.ok)} ok, {len(result.not_modified)} not modified, "
                   f"{len(result.failed)} failed; {result.new_stories} new stories")
        if result.articles:
            a = result.articles
            click.echo(f"article pages: {a['fetched']} fetched, {a['extracted']} extracted, "
                       f"{a['refused']} refused (robots.txt), {a['failed']} failed")
            if a.get("error"):
                click.echo(f"  ERROR {a['error']} (hint: {a['hint']})")
        for url, reason in result.failed:
            click.echo(f"  FAILED {url}: {reason}")
    sys.exit(1 if result.failed else 0)


@click.command()
@config_option
@date_option
@click.option("--discard-edits", is_flag=True,
              help="Rebuild even an issue editors changed or approved (their work is lost).")
def build(config: Config, issue_date: date | None, discard_edits: bool) -> None:
    """Build and store the issue from the stories already collected."""
    from .. import pipeline

    notes: list[str] = []
    briefing, issue = pipeline.build_stage(config, open_store(config), issue_day(config, issue_date),
                                           notes=notes, discard_edits=discard_edits)
    click.echo(f"built the {briefing.issue_date} issue: {len(briefing.items)} items + "
               f"{len(briefing.in_brief)} in brief, {briefing.reading_minutes} min, "
               f"{len(issue.html.encode()) // 1024} KB of HTML")
    click.echo(f"subject: {issue.subject}")
    for note in notes:
        click.echo(f"note: {note}")


@click.command()
@config_option
@date_option
@click.option("--force", is_flag=True, help="Send even if the issue's send window has closed.")
@click.option("--resend-failed", is_flag=True,
              help="Try the permanently failed deliveries of this issue again.")
@click.option("--resend-unknown", is_flag=True,
              help="Send again the deliveries in doubt (handed over, no answer: some may have "
                   "arrived), once you have decided a second copy beats none.")
@click.option("--worker", is_flag=True,
              help="Be one of many parallel send workers, on any machines (docs/scaling.md).")
@click.option("--prepare", is_flag=True,
              help="Only queue a pending delivery per active subscriber, for the workers.")
@quiet_option
@json_option
def send(config: Config, issue_date: date | None, force: bool, resend_failed: bool,
         resend_unknown: bool, worker: bool, prepare: bool, quiet: bool, as_json: bool) -> None:
    """Send the stored issue to every subscriber who has not had it.

    Exit code 1 when some deliveries failed, wait for a retry or are unknown (alerted).
    """
    from .. import pipeline

    if worker or prepare:
        from .db import send_workers

        send_workers(config, issue_day(config, issue_date), worker=worker, force=force,
                     resend_failed=resend_failed, resend_unknown=resend_unknown, quiet=quiet,
                     as_json=as_json)
    store = open_store(config)
    with progress_bar("sending", store.count_active_subscribers(), quiet or as_json) as bar:
        result = pipeline.send_stage(config, store, issue_day(config, issue_date), force=force,
                                     resend_failed=resend_failed, resend_unknown=resend_unknown,
                                     stop=stop_on_sigterm(), progress=bar)
    code = 1 if result.failed or result.deferred or result.unknown or result.interrupted else 0
    if as_json:
        click.echo(json.dumps(vars(result), indent=2))
        sys.exit(code)
    else:
        click.echo(f"sent {result.sent}, failed {result.failed} ({result.suppressed} addresses "
                   f"suppressed), deferred {result.deferred}, unknown {result.unknown}, "
                   f"already done {result.skipped}")
        if result.not_due or result.late:
            click.echo(f"local-time delivery: {result.not_due} not due yet (a later round sends "
                       f"them), {result.late} past their send window (--force sends them)")
        if result.requeued or result.replayed or result.stranded:
            click.echo(pipeline.stopped_note(result))
        if result.unknown:
            click.echo(f"{result.unknown} deliveries in doubt (unknown): check the relay's or "
                       "provider's log; send --resend-unknown sends them again")
        if result.interrupted:
            click.echo("stopped on request (SIGTERM): run send again to resume")
    sys.exit(code)


@click.command()
@config_option
@date_option
@click.option("--explain", is_flag=True,
              help="Show every signal of every score, why each story stands where it does, "
                   "and the issue's final order.")
@click.option("--limit", default=30, show_default=True)
def rank(config: Config, issue_date: date | None, explain: bool, limit: int) -> None:
    """The ranked candidates of an issue, in the order the briefing takes them."""
    from .. import pipeline
    from ..curate.briefing import briefing_from_ranked
    from ..curate.explain import issue_order

    day = issue_day(config, issue_date)
    store = open_store(config)
    ranked, blocked = pipeline.rank_stage(config, store, day)
    if explain and config.readership.learn:
        nudge = pipeline.readership_nudge(config, store, day, config.newsletter.language,
                                          pipeline.issue_window(config, day)[1])
        click.echo(nudge.summary() if nudge else "")
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
            for name, why in scored.reasons:
                click.echo(f"         {name}: {why}")
    if not explain:
        return
    settings = pipeline.curate_settings(config)
    briefing = briefing_from_ranked(ranked, settings, issue_date=day, stories_seen=0)
    budget = settings.reading_minutes * settings.words_per_minute
    click.echo(f"\nthe issue as the email shows it: {len(briefing.items)} items + "
               f"{len(briefing.in_brief)} in brief, {briefing.word_count} of {budget} words "
               f"({briefing.word_count / budget:.0%} of {settings.reading_minutes} min; "
               "extractive summaries)")
    part = None
    for placed in issue_order(briefing, ranked, settings):
        heading = placed.section if placed.part == "item" else placed.part
        if (placed.part, heading) != part:
            part = (placed.part, heading)
            click.echo(f"  {(heading or 'other news').upper()}")
        click.echo(f"    #{placed.rank:<3} {placed.headline}")
        click.echo(f"         {placed.reason}")
    if blocked:
        click.echo("blocked:")
        for story, reason in blocked:
            click.echo(f"  {story.title} ({story.url}): {reason}")


@click.command()
@config_option
@date_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write into (default: var/preview next to the config).")
@click.option("--open", "open_browser", is_flag=True, help="Open the HTML in a browser.")
def preview(config: Config, issue_date: date | None, out: Path | None, open_browser: bool) -> None:
    """Write the stored issue's HTML and text and print their paths."""
    from .. import pipeline

    paths = pipeline.write_preview(config, open_store(config), issue_day(config, issue_date),
                                   out or config.path("var/preview"))
    for path in paths:
        click.echo(str(path))
    if open_browser:
        webbrowser.open(paths[0].resolve().as_uri())


@click.command()
@config_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder of the static copy.")
@click.option("--base-url", metavar="URL",
              help="Where the folder will be served, for the feed's links "
                   "(default: [newsletter] public_url).")
def archive(config: Config, out: Path, base_url: str | None) -> None:
    """The public site as static files: home page, archive, issue pages, Atom feed."""
    from urllib.parse import urlsplit

    from ..web.archive import write_archive

    parts = urlsplit(base_url or "https://x")
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise click.BadParameter(f"must be an http(s) URL such as https://www.example.org/"
                                 f"letter, got {base_url!r}", param_hint="--base-url")
    paths = write_archive(config, open_store(config), out, base_url)
    issues = sum(1 for p in paths if p.parent.name == "issues")
    click.echo(f"wrote {issues} issue page(s), index.html, archive/ and archive/atom.xml "
               f"in {out}")


@click.command(name="send-test")
@config_option
@date_option
@click.option("--to", "address", required=True, help="Address to send the test to.")
def send_test(config: Config, issue_date: date | None, address: str) -> None:
    """Send the stored issue to one address, [TEST] in the subject, outside the ledger."""
    from .. import pipeline

    click.echo(pipeline.send_test(config, open_store(config), issue_day(config, issue_date), address))
