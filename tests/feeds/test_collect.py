from __future__ import annotations

from datetime import UTC, datetime

from newsletter.demo import SampleFeedServer, sample_feeds
from newsletter.feeds import CollectResult, CollectSettings, FetchSettings, collect
from newsletter.models import FeedSource
from newsletter.store import Store

NOW = datetime(2026, 11, 27, 5, 0, tzinfo=UTC)


def _collect(store: Store, feeds: tuple[FeedSource, ...]) -> CollectResult:
    return collect(store, feeds, now=NOW, settings=CollectSettings(
        user_agent="test", workers=4, fetch=FetchSettings(connect_timeout=2, read_timeout=5)))


def test_sample_feeds_land_and_the_broken_ones_are_named(
        feed_server: SampleFeedServer, store: Store) -> None:
    feeds = sample_feeds(feed_server.base_url) + (
        FeedSource(url=f"{feed_server.base_url}/feeds/missing.xml", name="Missing"),
        FeedSource(url="http://127.0.0.1:9/feeds/refused.xml", name="Refused"),
    )
    result = _collect(store, feeds)
    failed = dict(result.failed)
    assert set(failed) == {f"{feed_server.base_url}/feeds/broken.xml",
                           f"{feed_server.base_url}/feeds/missing.xml",
                           "http://127.0.0.1:9/feeds/refused.xml"}
    assert "404" in failed[f"{feed_server.base_url}/feeds/missing.xml"]
    assert "not a valid feed" in failed[f"{feed_server.base_url}/feeds/broken.xml"]
    assert "connection" in failed["http://127.0.0.1:9/feeds/refused.xml"]
    assert len(result.ok) == 10
    assert result.stories >= 80
    assert store.count_stories() == result.new_stories
    health = {s.url: s for s in store.feed_states()}
    assert health[f"{feed_server.base_url}/feeds/broken.xml"].consecutive_failures == 1
    assert health[feeds[0].url].last_success == NOW


def test_second_run_is_conditional_and_stores_nothing_twice(
        feed_server: SampleFeedServer, store: Store) -> None:
    feeds = sample_feeds(feed_server.base_url)[:8]
    first = _collect(store, feeds)
    count = store.count_stories()
    second = _collect(store, feeds)
    assert first.new_stories == count > 0
    assert len(second.not_modified) == 8 and second.new_stories == 0
    assert store.count_stories() == count


def test_a_story_in_two_feeds_is_stored_once_with_both_sources(store: Store) -> None:
    with SampleFeedServer(0) as server:
        feeds = sample_feeds(server.base_url)[:8]
        _collect(store, feeds)
    start, end = datetime(2026, 11, 20, tzinfo=UTC), datetime(2026, 11, 28, tzinfo=UTC)
    rows = store.stories_between(start, end)
    by_id: dict[str, set[str]] = {}
    for story in rows:
        by_id.setdefault(story.id, set()).add(story.source.name)
    assert any(len(names) > 1 for names in by_id.values())
    assert len(by_id) == store.count_stories()


def test_lazy_pool_starts_on_the_first_body_and_parses(feed_server: SampleFeedServer) -> None:
    import threading

    import requests

    from newsletter.feeds.collect import _LazyPool
    from newsletter.feeds.parse import stories_from_body

    feed = sample_feeds(feed_server.base_url)[0]
    body = requests.get(feed.url, timeout=5).content
    pool = _LazyPool(2, 10, start_now=False)
    assert pool._pool is None  # an all-304 run never pays for worker processes
    results: list[int] = []

    def fetch_thread() -> None:  # bodies arrive from fetching threads: forkserver then
        results.append(len(pool.submit(stories_from_body, feed, body, {}, NOW).result().stories))

    worker = threading.Thread(target=fetch_thread)
    worker.start()
    worker.join(timeout=60)
    assert results and results[0] > 0
    assert pool._pool is not None
    assert pool._pool._mp_context.get_start_method() == "forkserver"  # type: ignore[attr-defined]
    pool.shutdown()


def test_a_single_threaded_collection_forks_its_parsers_and_stores_everything(
        feed_server: SampleFeedServer, tmp_path: object) -> None:
    import json
    import subprocess
    import sys

    script = f"""
import json, threading
from datetime import datetime, UTC
import newsletter.feeds.collect as c
from newsletter.demo import sample_feeds
from newsletter.feeds import CollectSettings, collect
from newsletter.store import Store
methods = []
make = c._parse_pool
def spy(processes, feeds):
    pool = make(processes, feeds)
    methods.append(pool._mp_context.get_start_method() if pool else None)
    return pool
c._parse_pool = spy
store = Store.open("sqlite:///{tmp_path}/fork.sqlite3")
alone = threading.active_count() == 1
result = collect(store, sample_feeds("{feed_server.base_url}")[:8],
                 now=datetime(2026, 11, 27, 5, tzinfo=UTC),
                 settings=CollectSettings(user_agent="t", workers=4, parse_processes=2))
print(json.dumps({{"alone": alone, "methods": methods, "ok": len(result.ok),
                   "stored": store.count_stories(), "new": result.new_stories}}))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    got = json.loads(out.strip().splitlines()[-1])
    assert got["alone"] and got["methods"] == ["fork"]
    assert got["ok"] == 8 and got["stored"] == got["new"] > 0
