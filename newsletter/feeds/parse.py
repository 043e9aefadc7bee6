"""Parsing fetched bytes with feedparser (never letting it touch the network)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import feedparser

from ..errors import FeedError


@dataclass(frozen=True)
class ParsedFeed:
    """feedparser's result, with the warning it raised if the feed was malformed."""

    title: str
    language: str | None
    entries: list[Any]
    warning: str | None


def parse_feed(url: str, body: bytes, headers: dict[str, str]) -> ParsedFeed:
    """Parse a feed body; a feed with nothing recoverable raises FeedError."""
    response_headers = {k.lower(): v for k, v in headers.items()}
    response_headers.setdefault("content-location", url)
    try:
        parsed = feedparser.parse(body, response_headers=response_headers,
                                  sanitize_html=True, resolve_relative_uris=True)
    except Exception as exc:  # feedparser should not raise, but bad bytes must not stop a run
        raise FeedError(url, f"could not be parsed ({exc})") from exc
    warning = None
    if parsed.get("bozo"):
        warning = f"malformed feed: {parsed.get('bozo_exception')}"
    version = parsed.get("version") or ""
    if not parsed.entries:
        if warning:
            raise FeedError(url, f"not a valid feed ({warning.removeprefix('malformed feed: ')})")
        if not version:
            raise FeedError(url, "not an RSS or Atom feed")
    feed = parsed.get("feed", {})
    language = feed.get("language") or None
    return ParsedFeed(
        title=str(feed.get("title", "")), language=language, entries=list(parsed.entries),
        warning=warning,
    )
