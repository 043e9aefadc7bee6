"""Turning feedparser entries into clean, comparable Story values."""

from __future__ import annotations

import calendar
import hashlib
import html
import re
from datetime import UTC, datetime
from typing import Any

from ..models import FeedSource, SourceRef, Story
from ..text import bound, limits
from ..urls import canonical_url
from .roles import clean_text, entry_text, lead_paragraph


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
                    first_seen: datetime, *, version: str = "rss20",
                    captions: frozenset[str] = frozenset()) -> Story | None:
    """One feed entry as a Story; None when it has neither a title nor a link.

    Its texts by role (roles.entry_text, given the feed's ``version`` and Media RSS
    ``captions``): a photo caption never becomes its summary, body or reading time.
    """
    declared = re.split(r"[-_]", feed.language or feed_language or "")[0].lower()
    text = entry_text(entry, version=version, captions=captions,
                      language=bound(declared, limits.MAX_LANGUAGE) or None)
    title = bound(text.headline, limits.MAX_TITLE)
    link = entry.get("link") or ""
    link = link if len(link) <= limits.MAX_URL else ""
    if not title and not link:
        return None
    url = canonical_url(link) if link.startswith(("http://", "https://")) else ""
    body_html = _body_html(entry)
    summary = bound(text.standfirst.replace("\n\n", " "), limits.MAX_SUMMARY)
    body = bound(text.body, limits.MAX_BODY)
    published = _published(entry, first_seen)
    language = text.language
    categories = tuple(dict.fromkeys(
        bound(clean_text(tag.get("term", "")), limits.MAX_CATEGORY)
        for tag in entry.get("tags", []) or [] if tag.get("term")
    ))
    return Story(
        id=story_id(feed.url, entry.get("id"), url, title, published.isoformat()),
        url=url or feed.url,
        title=title or bound(summary, 80),
        summary=summary or lead_paragraph(body),
        body=body,
        published=published,
        source=SourceRef(name=bound(feed.name, limits.MAX_NAME), url=url or feed.url, feed_url=feed.url),
        language=language,
        section=feed.section or (categories[0] if categories else None),
        categories=categories,
        image=_image(entry, body_html),
        weight=feed.weight,
    )
