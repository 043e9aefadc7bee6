"""The reading-time budget: one story too long for any issue never stops the others."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from newsletter.curate import CurateSettings, build_briefing
from newsletter.curate.budget import MAX_ITEM_CHARS, fit_budget
from newsletter.models import BriefingItem, SourceRef, Story

NOW = datetime(2026, 11, 27, 5, 0, tzinfo=UTC)


def item(rank: int, headline: str = "", summary: str = "Le port rouvre ce matin.") -> BriefingItem:
    return BriefingItem(rank=rank, headline=headline or f"Titre {rank}", url=f"https://n.example/{rank}",
                        summary=summary, source="S", also_in=(), section="", reading_minutes=None,
                        summary_words=len(summary.split()), score=1.0, story_id=f"s{rank}")


def test_an_item_longer_than_the_whole_budget_is_skipped_not_a_stop() -> None:
    long_one = item(1, headline="Alerte " * 2_000)  # 2,000 words: more than 5 minutes
    items, brief, used = fit_budget([long_one, item(2), item(3)], minutes=5, words_per_minute=230,
                                    max_items=5, in_brief_items=2)
    assert [i.rank for i in items] == [2, 3] and brief == [] and used <= 5 * 230


def test_an_item_of_enormous_words_is_skipped_too() -> None:
    blob = item(1, summary="x" * (MAX_ITEM_CHARS + 1))  # one "word"
    items, _, _ = fit_budget([blob, item(2)], minutes=5, words_per_minute=230, max_items=5,
                             in_brief_items=0)
    assert [i.rank for i in items] == [2]


def story(n: int, title: str, summary: str = "Le trafic reprend au port de Casablanca.") -> Story:
    return Story(id=f"id{n}", url=f"https://n.example/{n}", title=title, summary=summary,
                 published=NOW - timedelta(hours=n), source=SourceRef(f"Source {n}", "u", "f"),
                 language="fr")


def test_build_briefing_names_what_it_skipped() -> None:
    settings = CurateSettings(language="fr", title="Le Brief", reading_minutes=5,
                              words_per_minute=230, max_items=5, in_brief_items=2,
                              half_life_hours=12, cluster_threshold=0.5, max_per_source=2,
                              summary_words=60)
    stories = [story(0, "Tempête " * 20_000), story(1, "Grève au port"), story(2, "Élections")]
    skipped: list[BriefingItem] = []
    b = build_briefing(stories, settings, issue_date=date(2026, 11, 27), now=NOW, skipped=skipped)
    assert [i.url for i in skipped] == ["https://n.example/0"]
    assert b.items and "https://n.example/0" not in {i.url for i in b.items + b.in_brief}
    assert not b.subject.startswith("Tempête")
