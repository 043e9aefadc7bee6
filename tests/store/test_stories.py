"""Stories written in bulk read back exactly, and the issue window selects them by time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from newsletter.models import SourceRef, Story
from newsletter.store import FeedResult, Store

NOW = datetime(2026, 11, 27, 5, 0, tzinfo=UTC)


def story(n: int, published: datetime, feed: str = "https://a.example/rss") -> Story:
    return Story(id=f"id-{n}", url=f"https://a.example/{n}", title=f"Titre {n} — « été »",
                 summary="Résumé", body="", published=published, language="fr",
                 section="Monde", categories=("Monde", "Été"), image=None, weight=1.0,
                 source=SourceRef(name="Le Fil", url=f"https://a.example/{n}", feed_url=feed))


def test_bulk_written_stories_read_back_exactly_and_the_window_is_half_open(store: Store) -> None:
    start = datetime(2026, 11, 26, 5, 0, tzinfo=UTC)
    times = [start - timedelta(microseconds=1), start, start + timedelta(hours=3, microseconds=7),
             NOW - timedelta(microseconds=1), NOW]
    stories = [story(i, at) for i, at in enumerate(times)]
    assert store.save_feed_results([FeedResult("https://a.example/rss", "Le Fil", stories)],
                                   NOW) == 5
    inside = store.stories_between(start, NOW)
    assert [s.id for s in sorted(inside, key=lambda s: s.published)] == ["id-1", "id-2", "id-3"]
    got = {s.id: s for s in inside}
    assert got["id-2"].published == times[2] and got["id-2"].published.tzinfo is not None
    assert got["id-2"].title == "Titre 2 — « été »" and got["id-2"].categories == ("Monde", "Été")


def test_a_story_seen_again_in_another_feed_gains_a_source_once(store: Store) -> None:
    first = story(1, NOW - timedelta(hours=1))
    again = story(1, NOW - timedelta(hours=1), feed="https://b.example/rss")
    assert store.save_feed_results([FeedResult("https://a.example/rss", "A", [first])], NOW) == 1
    for _ in range(2):
        assert store.save_feed_results([FeedResult("https://b.example/rss", "B", [again])],
                                       NOW) == 0
    rows = store.stories_between(NOW - timedelta(days=1), NOW)
    assert sorted(s.source.feed_url for s in rows) == ["https://a.example/rss",
                                                      "https://b.example/rss"]


def test_one_article_in_two_feeds_is_kept_the_same_whichever_feed_answered_first(
        store: Store) -> None:
    """A collection's feeds finish in any order: the copy kept of an article carried by two
    feeds under two ids is the earliest published (then the feed's URL), not the first
    answer, so collecting the same feeds twice gives the same stories (and the same issue)."""
    wire = story(1, NOW - timedelta(hours=9), feed="https://wire.example/rss")
    repost = Story(**{**wire.__dict__, "id": "id-repost", "published": NOW - timedelta(hours=4),
                      "source": SourceRef(name="Repost", url=wire.url,
                                          feed_url="https://repost.example/rss")})
    results = [FeedResult("https://repost.example/rss", "Repost", [repost]),
               FeedResult("https://wire.example/rss", "Wire", [wire])]
    assert store.save_feed_results(results, NOW) == 1
    kept = store.stories_between(NOW - timedelta(days=1), NOW)
    assert {s.id for s in kept} == {"id-1"}  # the wire's, though the repost answered first
    assert sorted(s.source.feed_url for s in kept) == ["https://repost.example/rss",
                                                      "https://wire.example/rss"]
