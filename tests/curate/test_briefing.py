from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from newsletter.curate import CurateSettings, build_briefing
from newsletter.models import SourceRef, Story

CUTOFF = datetime(2026, 11, 27, 5, 0, tzinfo=UTC)


def story(n: int, title: str, source: str, hours_ago: float, *, body: str = "",
          language: str = "fr", section: str = "Société") -> Story:
    url = f"https://{source.lower()}.example/{n}"
    return Story(
        id=f"id{n}", url=url, title=title, summary=f"{title}. Un résumé de la nouvelle numéro {n}.",
        body=body, published=CUTOFF - timedelta(hours=hours_ago),
        source=SourceRef(name=source, url=url, feed_url=f"https://{source.lower()}.example/rss"),
        language=language, section=section,
    )


def settings(**overrides: object) -> CurateSettings:
    values: dict[str, object] = dict(
        language="fr", title="Le Brief", reading_minutes=5, words_per_minute=230, max_items=10,
        in_brief_items=5, half_life_hours=12.0, cluster_threshold=0.3, max_per_source=3,
        summary_words=60)
    values.update(overrides)
    return CurateSettings(**values)  # type: ignore[arg-type]


STORIES = [
    story(1, "Tempête Mirna : Casablanca en alerte orange", "Atlas", 3),
    story(2, "Tempête Mirna sur Casablanca : alerte orange déclenchée", "Dépêches", 2),
    story(3, "Bank Al-Maghrib maintient son taux directeur", "Gazette", 8),
    story(4, "Le Raja gagne le derby", "Sport", 1, section="Sport"),
    *[story(10 + i, f"Nouvelle locale {i} sur le marché de {w}", "Atlas", 5 + i)
      for i, w in enumerate(["Fès", "Oujda", "Tanger", "Nador", "Safi", "Meknès", "Ifrane",
                             "Tiznit", "Larache", "Berkane", "Taza", "Settat"])],
]


def test_same_event_is_one_item_with_also_in() -> None:
    briefing = build_briefing(STORIES, settings(), issue_date=date(2026, 11, 27), now=CUTOFF)
    storm = [i for i in briefing.items if "Tempête" in i.headline]
    assert len(storm) == 1
    assert [ref.name for ref in storm[0].also_in] in (["Dépêches"], ["Atlas"])
    assert storm[0].rank == 1  # two sources and fresh: the top story


def test_reading_time_fits_the_budget_and_in_brief_follows() -> None:
    for minutes in (1, 2, 5):
        s = settings(reading_minutes=minutes, summary_words=50)
        briefing = build_briefing(STORIES, s, issue_date=date(2026, 11, 27), now=CUTOFF)
        assert briefing.word_count <= minutes * 230
        # the nearest minute: 276 words at 230 wpm (1.2 minutes) read as 1 minute, not 2
        assert briefing.reading_minutes == max(1, math.floor(briefing.word_count / 230 + 0.5))
        assert briefing.reading_minutes <= minutes
    briefing = build_briefing(STORIES, settings(max_items=4), issue_date=date(2026, 11, 27),
                              now=CUTOFF)
    assert len(briefing.items) == 4 and len(briefing.in_brief) == 5
    assert {i.story_id for i in briefing.items}.isdisjoint({i.story_id for i in briefing.in_brief})


def test_source_cap_and_subject() -> None:
    briefing = build_briefing(STORIES, settings(max_per_source=2), issue_date=date(2026, 11, 27),
                              now=CUTOFF)
    leads = [i.source for i in briefing.items]
    assert leads[:4].count("Atlas") <= 2
    assert briefing.subject == briefing.items[0].headline
    assert briefing.items[1].headline in briefing.preheader


def test_same_input_same_briefing() -> None:
    a = build_briefing(STORIES, settings(), issue_date=date(2026, 11, 27), now=CUTOFF)
    b = build_briefing(list(reversed(STORIES)), settings(), issue_date=date(2026, 11, 27),
                       now=CUTOFF)
    assert a == b


def test_article_reading_time_from_body() -> None:
    body = " ".join(["mot"] * 460)
    s = [story(1, "Long article", "Atlas", 1, body=body + ".")]
    briefing = build_briefing(s, settings(), issue_date=date(2026, 11, 27), now=CUTOFF)
    assert briefing.items[0].reading_minutes == 2


def test_other_languages_only_as_also_in() -> None:
    stories = [*STORIES, story(50, "Storm Mirna hits Casablanca", "Tribune", 1, language="en"),
               story(51, "Tempête Mirna : Casablanca en alerte orange", "Tribune", 1, language="en")]
    briefing = build_briefing(stories, settings(), issue_date=date(2026, 11, 27), now=CUTOFF)
    headlines = [i.headline for i in briefing.items + briefing.in_brief]
    assert "Storm Mirna hits Casablanca" not in headlines
    storm = next(i for i in briefing.items if "Tempête" in i.headline)
    assert storm.source in ("Atlas", "Dépêches")  # the French story leads its cluster


def test_the_standfirst_leads_and_relative_days_are_written_out() -> None:
    body = ("La mairie de Rabat a présenté aujourd'hui un plan pour ses bus électriques, "
            "avec quarante véhicules livrés d'ici l'été prochain.\n\n"
            "Le réseau doit couvrir les quartiers périphériques, où les lignes sont rares. "
            "Les syndicats de chauffeurs demandent une formation avant la mise en service. "
            "Le coût total est estimé à 300 millions de dirhams sur cinq ans.")
    standfirst = ("Quarante bus électriques rouleront à Rabat avant l'été, selon le plan présenté "
                  "par la mairie.")
    # Published at 21:00 UTC on the 26th: the issue of the 27th must not say "aujourd'hui".
    late = replace(story(30, "Rabat commande des bus électriques", "Atlas", 8, body=body),
                   summary=standfirst)
    briefing = build_briefing([late], settings(timezone="Africa/Casablanca"),
                              issue_date=date(2026, 11, 27), now=CUTOFF)
    summary = briefing.items[0].summary
    assert summary.startswith(standfirst)
    assert "aujourd'hui" not in summary.lower()
    assert "présenté aujourd'hui" not in summary


def test_yesterdays_today_is_written_out() -> None:
    teaser = replace(story(31, "Le port de Tanger agrandi", "Atlas", 8),
                     summary="Le gouvernement a annoncé aujourd'hui l'agrandissement du port de Tanger, "
                             "un chantier de quatre ans.")
    briefing = build_briefing([teaser], settings(timezone="Africa/Casablanca"),
                              issue_date=date(2026, 11, 27), now=CUTOFF)
    summary = briefing.items[0].summary
    assert "aujourd'hui" not in summary and "26 novembre" in summary, summary
