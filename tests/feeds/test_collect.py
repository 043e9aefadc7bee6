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
