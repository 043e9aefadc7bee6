"""Collecting every configured feed into the store: threads fetch, processes parse.

Parsing (feedparser, pure Python) costs far more CPU than fetching, so bodies go to a
pool of processes, one per core; the network waits overlap in threads. Results are
written to the store from the calling thread as they arrive. A failing feed is a
line in the report, never the end of the collection; a global deadline bounds it all.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime

from ..errors import FeedError, FeedGone
from ..models import FeedSource
from ..store import FeedState, Store
from .fetch import FetchSettings, HostLimiter, fetch_feed, make_session
from .parse import FeedStories, stories_from_body


@dataclass(frozen=True)
class CollectSettings:
    user_agent: str = "newsletter"
    fetch: FetchSettings = field(default_factory=FetchSettings)
    workers: int = 8
    per_host: int = 2
    deadline: float = 600.0
    parse_processes: int = 0  # 0: one per core; 1: parse in the fetching threads


@dataclass
class CollectResult:
    """What one collection did, feed by feed."""

    ok: list[str] = field(default_factory=list)
    not_modified: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    disabled: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    skipped_entries: int = 0
    stories: int = 0
    new_stories: int = 0


@dataclass(frozen=True)
class _Outcome:
    feed: FeedSource
    parsed: FeedStories = FeedStories()
    etag: str | None = None
    last_modified: str | None = None
    moved_to: str | None = None
    not_modified: bool = False
    gone: bool = False


def _parse_pool(processes: int, feeds: int) -> Executor | None:
    count = processes or os.cpu_count() or 1
    if count <= 1 or feeds < 2:
        return None
    # forkserver: safe to start while fetching threads run (fork is not).
    return ProcessPoolExecutor(max_workers=min(count, feeds),
                               mp_context=multiprocessing.get_context("forkserver"))


def collect(store: Store, feeds: Sequence[FeedSource], *, now: datetime,
            settings: CollectSettings, progress: Callable[[str], None] | None = None
            ) -> CollectResult:
    """Fetch, parse and store every enabled feed before the deadline."""
    result = CollectResult()
    states = {s.url: s for s in store.feed_states()}
    active = []
    for feed in feeds:
        state = states.get(feed.url)
        if state and state.disabled_at:
            result.disabled.append((feed.url, state.note or "disabled"))
        else:
            active.append(feed)
    if not active:
        return result
    deadline = time.monotonic() + settings.deadline
    session = make_session(settings.user_agent, settings.workers)
    limiter = HostLimiter(settings.per_host)
    parsers = _parse_pool(settings.parse_processes, len(active))
    threads = ThreadPoolExecutor(max_workers=min(settings.workers, len(active)),
                                 thread_name_prefix="fetch")

    def one(feed: FeedSource) -> _Outcome:
        return _collect_one(feed, states.get(feed.url), session, limiter, parsers,
                            settings.fetch, deadline, now)

    futures: dict[Future[_Outcome], FeedSource] = {threads.submit(one, f): f for f in active}
    try:
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=max(0.0, deadline - time.monotonic()),
                                 return_when="FIRST_COMPLETED")
            if not done:
                break
            for future in done:
                _record(store, future.result(), result, now)
                if progress:
                    progress(futures[future].url)
        for future in pending:
            feed = futures[future]
            reason = f"not finished before the collection deadline ({settings.deadline:.0f} s)"
            store.record_feed_failure(feed.url, feed.name, error=reason, now=now)
            result.failed.append((feed.url, reason))
    finally:
        threads.shutdown(wait=False, cancel_futures=True)
        if parsers is not None:
            parsers.shutdown(wait=False, cancel_futures=True)
        session.close()
    return result


def _collect_one(feed: FeedSource, state: FeedState | None, session: object,
                 limiter: HostLimiter, parsers: Executor | None, settings: FetchSettings,
                 deadline: float, now: datetime) -> _Outcome:
    url = (state.moved_to if state else None) or feed.url
    try:
        fetched = fetch_feed(
            session, url, etag=state.etag if state else None,  # type: ignore[arg-type]
            last_modified=state.last_modified if state else None,
            settings=settings, limiter=limiter, deadline=deadline)
    except FeedGone as exc:
        return _Outcome(feed, FeedStories(error=exc.reason), gone=True)
    except FeedError as exc:
        return _Outcome(feed, FeedStories(error=exc.reason))
    if fetched.body is None:
        return _Outcome(feed, etag=fetched.etag, last_modified=fetched.last_modified,
                        moved_to=fetched.moved_to, not_modified=True)
    if parsers is None:
        parsed = stories_from_body(feed, fetched.body, fetched.headers, now)
    else:
        job = parsers.submit(stories_from_body, feed, fetched.body, fetched.headers, now)
        try:
            parsed = job.result(timeout=max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            parsed = FeedStories(error="parsing not finished before the collection deadline")
        except Exception as exc:  # a crashed worker process must not end the collection
            parsed = FeedStories(error=f"parser failed ({type(exc).__name__}: {exc})")
    return _Outcome(feed, parsed, fetched.etag, fetched.last_modified, fetched.moved_to)


def _record(store: Store, outcome: _Outcome, result: CollectResult, now: datetime) -> None:
    feed, parsed = outcome.feed, outcome.parsed
    if outcome.gone:
        store.disable_feed(feed.url, feed.name, note=parsed.error or "gone", now=now)
        result.failed.append((feed.url, parsed.error or "gone"))
        return
    if parsed.error is not None:
        store.record_feed_failure(feed.url, feed.name, error=parsed.error, now=now)
        result.failed.append((feed.url, parsed.error))
        return
    result.new_stories += store.add_stories(parsed.stories, now)
    store.record_feed_success(feed.url, feed.name, etag=outcome.etag,
                              last_modified=outcome.last_modified, items=len(parsed.stories),
                              now=now, moved_to=outcome.moved_to)
    (result.not_modified if outcome.not_modified else result.ok).append(feed.url)
    result.stories += len(parsed.stories)
    result.skipped_entries += parsed.skipped
    if parsed.warning:
        result.warnings.append((feed.url, parsed.warning))
    if outcome.moved_to:
        result.warnings.append((feed.url, f"moved permanently to {outcome.moved_to}; "
                                          "update the configuration"))
