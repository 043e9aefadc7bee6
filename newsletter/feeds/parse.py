"""Parsing fetched bytes with feedparser (never letting it touch the network)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import feedparser

from ..errors import FeedError
from ..models import FeedSource, Story
from .normalise import normalise_entry
from .roles import media_captions

_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)[\s>]", re.I | re.S)


@dataclass(frozen=True)
class ParsedFeed:
    """feedparser's result, with the warning it raised if the feed was malformed."""

    title: str
    language: str | None
    entries: list[Any]
    warning: str | None
    version: str = ""  # feedparser's: "rss20", "atom10", ...
    captions: frozenset[str] = frozenset()  # the feed's Media RSS captions (roles.media_captions)


def parse_feed(url: str, body: bytes, headers: dict[str, str]) -> ParsedFeed:
    """Parse a feed body; a feed with nothing recoverable raises FeedError."""
    if not body.strip():
        raise FeedError(url, "empty body")
    response_headers = {k.lower(): v for k, v in headers.items()}
    response_headers.setdefault("content-location", url)
    try:
        # No sanitising or URI resolution: every text is reduced to plain text by
        # normalise.clean_text (scripts and styles dropped), and that is a third of the cost.
        parsed = feedparser.parse(body, response_headers=response_headers,
                                  sanitize_html=False, resolve_relative_uris=False)
    except Exception as exc:  # feedparser should not raise, but bad bytes must not stop a run
        raise FeedError(url, f"could not be parsed ({exc})") from exc
    warning = None
    if parsed.get("bozo"):
        warning = f"malformed feed, kept what could be read: {parsed.get('bozo_exception')}"
    if not parsed.entries:
        if _HTML_START.match(body[:2048]) or "html" in response_headers.get("content-type", ""):
            raise FeedError(url, "an HTML page, not a feed")
        if parsed.get("bozo"):
            raise FeedError(url, f"not a valid feed ({parsed.get('bozo_exception')})")
        if not parsed.get("version"):
            raise FeedError(url, "not an RSS or Atom feed")
    feed = parsed.get("feed", {})
    return ParsedFeed(title=str(feed.get("title", "")), language=feed.get("language") or None,
                      entries=list(parsed.entries), warning=warning,
                      version=str(parsed.get("version") or ""), captions=media_captions(body))


@dataclass(frozen=True)
class FeedStories:
    """What one feed body gave: its stories, the entries skipped, a warning or an error."""

    stories: tuple[Story, ...] = ()
    skipped: int = 0
    warning: str | None = None
    error: str | None = None


def stories_from_body(feed: FeedSource, body: bytes, headers: dict[str, str],
                      now: datetime) -> FeedStories:
    """Parse and normalise one feed (runs in a worker process: returns, never raises)."""
    try:
        parsed = parse_feed(feed.url, body, headers)
    except FeedError as exc:
        return FeedStories(error=exc.reason)
    stories, skipped = [], 0
    for position, entry in enumerate(parsed.entries):
        story = normalise_entry(entry, feed, parsed.language, now, version=parsed.version,
                                captions=parsed.captions)
        if story is None:
            skipped += 1
        else:  # the feed's order: on a front page, the publisher's own ranking
            stories.append(replace(story, position=position))
    return FeedStories(tuple(stories), skipped, parsed.warning)
