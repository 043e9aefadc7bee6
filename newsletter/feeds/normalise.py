"""Turning feedparser entries into clean, comparable Story values."""

from __future__ import annotations

import calendar
import hashlib
import html
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

from ..models import FeedSource, SourceRef, Story
from ..text import bound, detect_language, limits
from ..urls import canonical_url


class _TextExtractor(HTMLParser):
    """Collects text, dropping script/style content and breaking at block elements."""

    BLOCKS = frozenset({"p", "div", "br", "li", "h1", "h2", "h3", "h4", "blockquote", "tr"})
    SKIP = frozenset({"script", "style", "noscript", "iframe", "svg"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def clean_text(fragment: str, *, paragraphs: bool = False) -> str:
    """Plain text from an HTML fragment: entities decoded, tags and scripts gone.

    With ``paragraphs`` the block breaks are kept as blank lines; otherwise all
    whitespace collapses to single spaces.
    """
    if not fragment:
        return ""
    plain = "<" not in fragment and "&" not in fragment  # nothing to parse
    text = fragment if plain else _strip_tags(fragment)
    if "<" in text and _MARKUP.search(text):  # markup that the feed escaped once more (&amp;lt;b&amp;gt;)
        text = _strip_tags(text)
    # str.split() splits on every Unicode space (no-break spaces included) and is several
    # times faster than a regular expression: this runs for every title and summary.
    if not paragraphs:
        return " ".join(text.split())
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n\n".join(line for line in lines if line)


_MARKUP = re.compile(r"<\s*/?\s*(?:[a-zA-Z][a-zA-Z0-9]*)(?:\s[^<>]*)?/?\s*>")


def _strip_tags(fragment: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(fragment)
    extractor.close()
    return "".join(extractor.parts)


def story_id(feed_url: str, guid: str | None, link: str | None, title: str, when: str) -> str:
    """A stable id: the feed's guid, else the canonical link, else title and date."""
    if guid:
        key = f"guid:{feed_url}:{guid.strip()}"
    elif link:
        key = f"url:{canonical_url(link)}"
    else:
        key = f"hash:{title}:{when}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _published(entry: Any, first_seen: datetime) -> datetime:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    return first_seen


def _image(entry: Any, body_html: str) -> str | None:
    candidates: list[str] = []
    for media in entry.get("media_content", []) or []:
        if media.get("medium", "image") == "image" or str(media.get("type", "")).startswith("image"):
            candidates.append(media.get("url", ""))
    for link in entry.get("links", []) or []:
        if link.get("rel") == "enclosure" and str(link.get("type", "")).startswith("image"):
            candidates.append(link.get("href", ""))
    match = re.search(r"<img[^>]+src=[\"']([^\"']+)", body_html or "")
    if match:
        candidates.append(html.unescape(match.group(1)))
    return next((c for c in candidates if c.startswith("https://") and len(c) <= limits.MAX_URL), None)


def _body_html(entry: Any) -> str:
    contents = entry.get("content") or []
    return max((c.get("value", "") for c in contents), key=len, default="")


def normalise_entry(entry: Any, feed: FeedSource, feed_language: str | None,
                    first_seen: datetime) -> Story | None:
    """One feed entry as a Story; None when it has neither a title nor a link."""
    title = bound(clean_text(entry.get("title", "")), limits.MAX_TITLE)
    link = entry.get("link") or ""
    link = link if len(link) <= limits.MAX_URL else ""
    if not title and not link:
        return None
    url = canonical_url(link) if link.startswith(("http://", "https://")) else ""
    body_html = _body_html(entry)
    summary = bound(clean_text(entry.get("summary", "")), limits.MAX_SUMMARY)
    body = bound(clean_text(body_html, paragraphs=True), limits.MAX_BODY)
    published = _published(entry, first_seen)
    language = bound((feed.language or feed_language or "").split("-")[0].lower(), limits.MAX_LANGUAGE) \
        or detect_language(f"{title} {summary} {body[:2000]}")
    categories = tuple(dict.fromkeys(
        bound(clean_text(tag.get("term", "")), limits.MAX_CATEGORY)
        for tag in entry.get("tags", []) or [] if tag.get("term")
    ))
    return Story(
        id=story_id(feed.url, entry.get("id"), url, title, published.isoformat()),
        url=url or feed.url,
        title=title or bound(summary, 80),
        summary=summary or bound(body, 400),
        body=body,
        published=published,
        source=SourceRef(name=bound(feed.name, limits.MAX_NAME), url=url or feed.url, feed_url=feed.url),
        language=language,
        section=feed.section or (categories[0] if categories else None),
        categories=categories,
        image=_image(entry, body_html),
        weight=feed.weight,
    )
