"""Collecting every configured feed into the store: threads fetch, processes parse.

Parsing (feedparser, pure Python) costs far more CPU than fetching, so bodies go to a
pool of processes, one per core; the network waits overlap in threads. Results are
written to the store from the calling thread as they arrive. A failing feed is a
line in the report, never the end of the collection; a global deadline bounds it all.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import requests

from ..errors import FeedError, FeedGone
from ..models import FeedSource, Story
from ..store import FeedResult, FeedState, Store
from .articles import (
    ArticleFetcher,
    ArticleFetchSettings,
    ArticleRequest,
    ExtractorUnavailable,
    needs_fetch,
    wants_full_text,
)
from .fetch import FetchSettings, HostLimiter, fetch_feed, make_session
from .parse import FeedStories, stories_from_body

_BATCH_SECONDS = 0.25
_BATCH_FEEDS = 25


@dataclass(frozen=True)
class CollectSettings:
    user_agent: str = "newsletter"
    fetch: FetchSettings = field(default_factory=FetchSettings)
    workers: int = 8
    per_host: int = 2
    deadline: float = 600.0
    parse_processes: int = 0  # 0: one per core; 1: parse in the fetching threads
    articles: ArticleFetchSettings | None = None  # None: no article page is fetched
    article_workers: int = 4
    # (feed URL, item link) -> where to fetch the item's page (the demo serves its own)
    page_url: Callable[[str, str], str] | None = None


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
    # Article pages: fetched, extracted (text used), refused (robots.txt), failed, and
    # why fetched pages were not used ({"paywall": 2, "too_short": 1, ...}).
    articles: dict[str, Any] = field(default_factory=dict)
    _seen: list[tuple[FeedSource, Story]] = field(default_factory=list, repr=False)


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
    if threading.active_count() == 1:
        # No other thread (a cron run, the benchmark): fork is safe now, before the fetch
        # threads start, and the workers start in milliseconds with everything imported.
        # (With fork, the pool starts all its processes at the first submit, before its
        # own manager thread.)
        context: Any = multiprocessing.get_context("fork")
    else:
        # Threads around (the daemon, a web server): forkserver, safe with threads. The
        # server imports only the parser (newsletter.feeds imports lazily), once.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([stories_from_body.__module__])
    pool = ProcessPoolExecutor(max_workers=min(count, feeds), mp_context=context)
    pool.submit(int)  # start the workers now, while the first feeds are being fetched
    return pool


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
    # Feeds that can answer 304 probably will: then no parsing pool is started unless a
    # body actually arrives. Feeds never fetched (or without validators) will send one.
    expect_bodies = any(not (st := states.get(f.url)) or not (st.etag or st.last_modified)
                        for f in active)
    parsers = _LazyPool(settings.parse_processes, len(active), start_now=expect_bodies)
    threads = ThreadPoolExecutor(max_workers=min(settings.workers, len(active)),
                                 thread_name_prefix="fetch")
    # Fetch threads never wait for parsing: they hand bodies to the pool and move on;
    # every finished feed arrives here, and the store is written from this thread only.
    done: queue.Queue[_Outcome | _Unparsed] = queue.Queue()

    def one(feed: FeedSource) -> None:
        try:
            _fetch_one(feed, states.get(feed.url), session, limiter, parsers, settings.fetch,
                       deadline, now, done.put)
        except Exception as exc:  # a bug for one feed must not lose the others
            done.put(_Outcome(feed, FeedStories(error=f"internal error: {exc!r}")))

    for feed in active:
        threads.submit(one, feed)
    remaining = set(f.url for f in active)
    try:
        while remaining:
            try:
                items = [done.get(timeout=max(0.0, deadline - time.monotonic()))]
            except queue.Empty:
                break
            # Gather what finishes in the next moments too: one transaction (one fsync) for
            # the lot, instead of one per feed. A crash loses at most this batch.
            gather_until = min(time.monotonic() + _BATCH_SECONDS, deadline)
            while len(items) < _BATCH_FEEDS and len(items) < len(remaining):
                try:
                    items.append(done.get(timeout=max(0.0, gather_until - time.monotonic())))
                except queue.Empty:
                    break
            outcomes = [i.parse(now) if isinstance(i, _Unparsed) else i for i in items]
            _record(store, outcomes, result, now)
            for outcome in outcomes:
                remaining.discard(outcome.feed.url)
                if progress:
                    progress(outcome.feed.url)
        reason = f"not finished before the collection deadline ({settings.deadline:.0f} s)"
        late = [_Outcome(f, FeedStories(error=reason)) for f in active if f.url in remaining]
        if late:
            _record(store, late, result, now)
        if settings.articles is not None:
            result.articles = _full_texts(store, result._seen, session, limiter, settings,
                                          deadline, now)
    finally:
        threads.shutdown(wait=False, cancel_futures=True)
        # All parsed (the usual case): wait the few milliseconds the workers take to exit,
        # so that no pool thread outlives the collection (the next one may then fork its
        # workers again). After the deadline, do not wait for a stuck parse.
        parsers.shutdown(wait=not remaining, cancel_futures=True)
        session.close()
    return result


class _LazyPool(Executor):
    """The parsing pool, started at once or on the first body to parse.

    Falls back to parsing in the fetching thread when one process (or one core) is all
    there is, like ``_parse_pool`` returning None.
    """

    def __init__(self, processes: int, feeds: int, *, start_now: bool) -> None:
        self._processes, self._feeds = processes, feeds
        self._lock = threading.Lock()
        self._pool: Executor | None = _parse_pool(processes, feeds) if start_now else None
        self._started = start_now

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._lock:
            if not self._started:
                self._pool, self._started = _parse_pool(self._processes, self._feeds), True
            pool = self._pool
        if pool is None:  # no pool worth having: parse right here
            job: Future[Any] = Future()
            try:
                job.set_result(fn(*args, **kwargs))
            except Exception as exc:  # noqa: BLE001 - handed to the caller through the future
                job.set_exception(exc)
            return job
        return pool.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            pool, self._started = self._pool, True
        if pool is not None:
            pool.shutdown(wait=wait, cancel_futures=cancel_futures)


@dataclass(frozen=True)
class _Unparsed:
    """A fetched body whose worker process failed: parsed by the collecting thread."""

    outcome: _Outcome
    body: bytes
    headers: dict[str, str]

    def parse(self, now: datetime) -> _Outcome:
        parsed = stories_from_body(self.outcome.feed, self.body, self.headers, now)
        return replace(self.outcome, parsed=parsed)


def _fetch_one(feed: FeedSource, state: FeedState | None, session: requests.Session,
               limiter: HostLimiter, parsers: Executor | None, settings: FetchSettings,
               deadline: float, now: datetime, deliver: Callable[[_Outcome | _Unparsed], None]
               ) -> None:
    url = (state.moved_to if state else None) or feed.url
    try:
        fetched = fetch_feed(
            session, url, etag=state.etag if state else None,
            last_modified=state.last_modified if state else None,
            settings=settings, limiter=limiter, deadline=deadline)
    except FeedGone as exc:
        deliver(_Outcome(feed, FeedStories(error=exc.reason), gone=True))
        return
    except FeedError as exc:
        deliver(_Outcome(feed, FeedStories(error=exc.reason)))
        return
    base = _Outcome(feed, etag=fetched.etag, last_modified=fetched.last_modified,
                    moved_to=fetched.moved_to, not_modified=fetched.body is None)
    if fetched.body is None:
        deliver(base)
        return
    body, headers = fetched.body, fetched.headers
    if parsers is None:
        deliver(replace(base, parsed=stories_from_body(feed, body, headers, now)))
        return

    def parsed(job: Future[FeedStories]) -> None:
        try:
            deliver(replace(base, parsed=job.result()))
        except Exception:  # noqa: BLE001 - a crashed or broken worker: parse in-process
            deliver(_Unparsed(base, body, headers))

    try:
        parsers.submit(stories_from_body, feed, body, headers, now).add_done_callback(parsed)
    except Exception:  # noqa: BLE001 - the pool is broken or shut down
        deliver(_Unparsed(base, body, headers))


def _record(store: Store, outcomes: list[_Outcome], result: CollectResult,
            now: datetime) -> None:
    """Write a batch of finished feeds in one transaction, and count them in the report."""
    rows = [FeedResult(
        url=o.feed.url, name=o.feed.name, stories=o.parsed.stories, etag=o.etag,
        last_modified=o.last_modified, moved_to=o.moved_to, error=o.parsed.error, gone=o.gone,
    ) for o in outcomes]
    result.new_stories += store.save_feed_results(rows, now)
    for outcome in outcomes:
        feed, parsed = outcome.feed, outcome.parsed
        if parsed.error is not None:
            result.failed.append((feed.url, parsed.error))
            continue
        (result.not_modified if outcome.not_modified else result.ok).append(feed.url)
        result.stories += len(parsed.stories)
        result._seen.extend((feed, story) for story in parsed.stories)
        result.skipped_entries += parsed.skipped
        if parsed.warning:
            result.warnings.append((feed.url, parsed.warning))
        if outcome.moved_to:
            result.warnings.append((feed.url, f"moved permanently to {outcome.moved_to}; "
                                              "update the configuration"))


def _full_texts(store: Store, seen: list[tuple[FeedSource, Story]], session: requests.Session,
                limiter: HostLimiter, settings: CollectSettings, deadline: float,
                now: datetime) -> dict[str, Any]:
    """Fetch the article page of each item whose feed text is short (per its feed's
    ``full_text``), once per canonical URL; store what each gave. Never raises for a page."""
    assert settings.articles is not None
    wanted = {story.url: (feed, story) for feed, story in seen
              if story.url.startswith(("http://", "https://"))
              and wants_full_text(feed.full_text, story.body or story.summary)}
    if not wanted or time.monotonic() >= deadline:
        return {}
    known = store.article_records(wanted)
    where = settings.page_url or (lambda _feed, link: link)
    jobs = [(ArticleRequest(url=url, language=story.language, standfirst=story.summary,
                            feed_url=feed.url, fetch_from=where(feed.url, url)),
             known[url].attempts + 1 if url in known else 1)
            for url, (feed, story) in wanted.items() if needs_fetch(known.get(url))]
    fetcher = ArticleFetcher(session, settings.articles, limiter=limiter)
    try:
        records = fetcher.articles(jobs, workers=settings.article_workers, deadline=deadline)
    except ExtractorUnavailable as exc:  # a broken install: say so, record no page as empty
        return {**fetcher.counters.as_dict(), "error": f"{exc.reason}; the feeds' texts are used",
                "hint": "pip install --force-reinstall 'newsletter' (trafilatura and lxml_html_clean)"}
    store.save_article_records(records, now)
    return fetcher.counters.as_dict()
