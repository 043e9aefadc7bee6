"""Collecting every configured feed into the store, concurrently, one failure at a time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from ..errors import FeedError
from ..models import FeedSource, Story
from ..store import Store
from .fetch import fetch_feed, make_session
from .normalise import normalise_entry
from .parse import parse_feed


@dataclass
class CollectResult:
    """What one collection did, feed by feed."""

    ok: list[str] = field(default_factory=list)
    not_modified: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    skipped_entries: int = 0
    stories: int = 0
    new_stories: int = 0


@dataclass(frozen=True)
class _FeedOutcome:
    feed: FeedSource
    stories: list[Story]
    skipped: int
    etag: str | None
    last_modified: str | None
    not_modified: bool = False
    warning: str | None = None
    error: str | None = None


def collect(
    store: Store,
    feeds: Sequence[FeedSource],
    *,
    now: datetime,
    user_agent: str,
    timeout: tuple[float, float],
    max_bytes: int,
    workers: int,
    progress: Callable[[str], None] | None = None,
) -> CollectResult:
    """Fetch, parse and store every feed; a failing feed is recorded, never fatal."""
    session = make_session(user_agent, workers)
    result = CollectResult()

    def one(feed: FeedSource) -> _FeedOutcome:
        state = store.feed_state(feed.url)
        try:
            fetched = fetch_feed(
                session, feed.url, timeout=timeout, max_bytes=max_bytes,
                etag=state.etag if state else None,
                last_modified=state.last_modified if state else None,
            )
            if fetched.body is None:
                return _FeedOutcome(feed, [], 0, fetched.etag, fetched.last_modified, True)
            parsed = parse_feed(feed.url, fetched.body, fetched.headers)
        except FeedError as exc:
            return _FeedOutcome(feed, [], 0, None, None, error=exc.reason)
        stories, skipped = [], 0
        for entry in parsed.entries:
            story = normalise_entry(entry, feed, parsed.language, now)
            if story is None:
                skipped += 1
            else:
                stories.append(story)
        return _FeedOutcome(feed, stories, skipped, fetched.etag, fetched.last_modified,
                            warning=parsed.warning)

    try:
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(feeds) or 1))) as pool:
            for outcome in pool.map(one, feeds):
                _record(store, outcome, result, now)
                if progress:
                    progress(outcome.feed.url)
    finally:
        session.close()
    return result


def _record(store: Store, outcome: _FeedOutcome, result: CollectResult, now: datetime) -> None:
    feed = outcome.feed
    if outcome.error is not None:
        store.record_feed_failure(feed.url, feed.name, error=outcome.error, now=now)
        result.failed.append((feed.url, outcome.error))
        return
    result.new_stories += store.add_stories(outcome.stories, now)
    store.record_feed_success(feed.url, feed.name, etag=outcome.etag,
                              last_modified=outcome.last_modified,
                              items=len(outcome.stories), now=now)
    (result.not_modified if outcome.not_modified else result.ok).append(feed.url)
    result.stories += len(outcome.stories)
    result.skipped_entries += outcome.skipped
    if outcome.warning:
        result.warnings.append((feed.url, outcome.warning))
