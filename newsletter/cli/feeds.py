"""`newsletter feeds check | enable | import-opml | export-opml`."""

from __future__ import annotations

import difflib
import json
from collections import Counter
from pathlib import Path
from typing import Any, cast

import click

from ..config import Config
from ..feeds.opml import import_opml, opml_path, write_opml
from .options import (
    as_typed,
    config_option,
    json_option,
    open_store,
)


@click.group()
def feeds() -> None:
    """Feed health."""


@feeds.command(name="check")
@config_option
@json_option
def feeds_check(config: Config, as_json: bool) -> None:
    """Each feed's last success, last error, failures in a row, items seen, and how many of
    its article pages gave their full text (and why the others did not)."""
    from .. import pipeline

    store = open_store(config)
    states = {s.url: s for s in store.feed_states()}
    pages = store.article_stats()
    rows = []
    for feed in pipeline.all_feeds(config):
        s = states.get(feed.url)
        done = pages.get(feed.url, Counter())
        rows.append({
            "url": feed.url, "name": feed.name,
            "last_success": s.last_success.isoformat() if s and s.last_success else None,
            "last_error": s.last_error if s and s.consecutive_failures else None,
            "consecutive_failures": s.consecutive_failures if s else 0,
            "items_seen": s.items_seen if s else 0,
            "moved_to": s.moved_to if s else None,
            "disabled": bool(s and s.disabled_at),
            "note": s.note if s else None,
            "full_text": feed.full_text,
            "pages": {"total": sum(done.values()), "extracted": done.get("extracted", 0),
                      "not_used": {k: v for k, v in sorted(done.items()) if k != "extracted"}},
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
        click.echo(f"    {_pages_line(str(r['full_text']), cast(dict[str, Any], r['pages']))}")


def _pages_line(mode: str, pages: dict[str, Any]) -> str:
    """'full text: 12 of 19 pages (63 %); not used: paywall 5, too_short 2'."""
    if mode == "never":
        return "full text: never fetched (full_text = \"never\")"
    if not pages["total"]:
        return f"full text: no page fetched yet (full_text = \"{mode}\")"
    share = round(100 * pages["extracted"] / pages["total"])
    line = f"full text: {pages['extracted']} of {pages['total']} pages ({share} %)"
    why = ", ".join(f"{k} {v}" for k, v in pages["not_used"].items())
    return line + (f"; not used: {why}" if why else "")


@feeds.command(name="enable")
@config_option
@click.argument("url")
def feeds_enable(config: Config, url: str) -> None:
    """Fetch a feed again after a 410 Gone disabled it (and forget a 301/308 address)."""
    store = open_store(config)
    if not store.enable_feed(url):
        # A mistyped address: usage (exit 2), with the nearest one the store knows.
        known = [state.url for state in store.feed_states()]
        near = difflib.get_close_matches(url, known, n=1, cutoff=0.9)  # a typo, not a sibling
        hint = f"did you mean {near[0]}?" if near else \
            as_typed("it knows the feeds collected at least once: newsletter feeds check")
        raise click.BadParameter(f"{url} is not known to the store ({hint})", param_hint="URL")
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
    from .. import pipeline

    text = write_opml(pipeline.all_feeds(config), config.newsletter.name)
    if out:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}")
    else:
        click.echo(text, nl=False)
