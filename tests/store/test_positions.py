"""A story's place in each feed is kept, and follows a front page that reorders (issue 17)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from newsletter.feeds.parse import stories_from_body
from newsletter.models import FeedSource, SourceRef, Story
from newsletter.store import FeedResult, Store

NOW = datetime(2026, 1, 18, 5, 0, tzinfo=UTC)
UNE = "https://www.journal-a.example/rss/une.xml"
MONDE = "https://www.journal-a.example/rss/international.xml"


def story(n: int, position: int | None, feed: str = UNE) -> Story:
    return Story(id=f"id-{n}", url=f"https://www.journal-a.example/{n}.html", title=f"Titre {n}",
                 summary="Résumé", published=NOW - timedelta(hours=n), language="fr",
                 source=SourceRef("Journal A", f"https://www.journal-a.example/{n}.html", feed),
                 position=position)


def positions(store: Store) -> dict[tuple[str, str], int | None]:
    return {(s.id, s.source.feed_url): s.position
            for s in store.stories_between(NOW - timedelta(days=1), NOW)}


def test_positions_are_stored_per_feed_and_updated_when_the_page_reorders(store: Store) -> None:
    first = [story(1, 0), story(2, 1), story(3, 2)]
    store.save_feed_results([FeedResult(UNE, "Journal A", first)], NOW)
    assert positions(store) == {("id-1", UNE): 0, ("id-2", UNE): 1, ("id-3", UNE): 2}
    # Later that night the third story leads the front page; it is also in another feed.
    later = [story(3, 0), story(1, 1), story(2, 2)]
    store.save_feed_results([FeedResult(UNE, "Journal A", later),
                             FeedResult(MONDE, "Journal A", [story(3, 4, MONDE)])], NOW)
    assert positions(store) == {("id-1", UNE): 1, ("id-2", UNE): 2, ("id-3", UNE): 0,
                                ("id-3", MONDE): 4}
    # A story written without a position (an older collector) keeps the one it has.
    store.add_stories([replace(story(1, None))], NOW)
    assert positions(store)[("id-1", UNE)] == 1


def test_the_parser_numbers_entries_in_feed_order() -> None:
    items = "".join(f"<item><title>Titre {n}</title><link>https://www.journal-a.example/{n}</link>"
                    f"<pubDate>Sun, 18 Jan 2026 0{n}:00:00 GMT</pubDate></item>"
                    for n in (3, 1, 2))
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Une</title>{items}' \
           '</channel></rss>'
    parsed = stories_from_body(FeedSource(url=UNE, name="Journal A", language="fr"),
                               body.encode(), {}, NOW)
    assert [(s.title, s.position) for s in parsed.stories] == [("Titre 3", 0), ("Titre 1", 1),
                                                              ("Titre 2", 2)]
