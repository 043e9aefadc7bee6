"""Five minutes, filled: the reading time limits an issue, and the minutes shown are true."""

from __future__ import annotations

import math
from datetime import date

import pytest

from newsletter.curate import build_briefing
from newsletter.curate.briefing import essentials_words
from newsletter.curate.budget import item_words
from newsletter.text import word_count
from tests.curate.test_briefing import CUTOFF, settings, story

DAY = date(2026, 11, 27)
PLACES = ["Fès", "Oujda", "Tanger", "Nador", "Safi", "Meknès", "Ifrane", "Tiznit", "Larache",
          "Berkane", "Taza", "Settat", "Agadir", "Rabat", "Salé", "Kénitra", "Tétouan", "Essaouira",
          "Dakhla", "Laâyoune", "Guelmim", "Errachidia", "Ouarzazate", "Khouribga", "Béni Mellal",
          "Khémisset", "Taroudant", "Azrou", "Chefchaouen", "Al Hoceïma", "Midelt", "Tinghir",
          "Zagora", "Figuig", "Jerada", "Sefrou", "Ouezzane", "Asilah", "Martil", "Mohammédia"]


def body(place: str) -> str:
    """An article of a few paragraphs, different for each place."""
    return " ".join(
        f"À {place}, la séance numéro {n} du conseil municipal a examiné le dossier des "
        f"marchés couverts, dont la rénovation doit commencer au printemps selon l'adjoint "
        f"chargé des travaux, qui a détaillé le calendrier devant les élus de {place}."
        for n in range(1, 9))


MANY = [story(100 + i, f"{place} : le conseil vote la rénovation des marchés couverts",
              f"Src{i % 7}", 1 + i / 4, body=body(place)) for i, place in enumerate(PLACES)]


@pytest.mark.parametrize("minutes", [3, 5, 8])
def test_the_reading_time_not_a_count_of_items_fills_the_issue(minutes: int) -> None:
    s = settings(reading_minutes=minutes, max_items=0, in_brief_items=6, max_per_source=9)
    briefing = build_briefing(MANY, s, issue_date=DAY, now=CUTOFF)
    budget = minutes * 230
    assert 0.9 * budget <= briefing.word_count <= budget
    words = (sum(item_words(i) for i in briefing.items) + sum(word_count(i.headline)
             for i in briefing.in_brief) + essentials_words(briefing.items))
    assert briefing.word_count == words  # what the reader reads, L'essentiel included
    every_story = len(briefing.items) + len(briefing.in_brief) == len(MANY)
    assert briefing.items and (len(briefing.in_brief) >= 6 or every_story)


def test_max_items_is_an_optional_cap() -> None:
    capped = build_briefing(MANY, settings(max_items=4, in_brief_items=3, max_per_source=9),
                            issue_date=DAY, now=CUTOFF)
    assert len(capped.items) == 4
    free = build_briefing(MANY, settings(max_items=0, max_per_source=9), issue_date=DAY, now=CUTOFF)
    assert len(free.items) > 10  # the old default of 10 no longer binds before five minutes


def test_few_candidates_all_go_in() -> None:
    few = MANY[:3]
    briefing = build_briefing(few, settings(max_items=0), issue_date=DAY, now=CUTOFF)
    assert len(briefing.items) + len(briefing.in_brief) == 3


@pytest.mark.parametrize("minutes", [2, 3, 5, 8, 12])
def test_the_minutes_shown_are_within_ten_percent_of_the_words_read(minutes: int) -> None:
    s = settings(reading_minutes=minutes, max_items=0, max_per_source=9)
    briefing = build_briefing(MANY, s, issue_date=DAY, now=CUTOFF)
    true_minutes = briefing.word_count / 230
    assert abs(briefing.reading_minutes - true_minutes) <= 0.1 * true_minutes


def test_an_articles_reading_time_comes_from_the_article_never_a_teaser_or_caption() -> None:
    article = story(1, "Rabat : le tramway prolongé", "Atlas", 1, body=body("Rabat"))
    words = len(body("Rabat").split())
    caption = story(2, "Le port de Safi sous la tempête", "Atlas", 1,
                    body="Le port de Safi, le 26 novembre 2026.")
    teaser = story(3, "Nador : la corniche rouverte", "Atlas", 1,
                   body="La corniche de Nador rouvre ce matin après trois mois de travaux.")
    briefing = build_briefing([article, caption, teaser], settings(), issue_date=DAY, now=CUTOFF)
    minutes = {i.headline: i.reading_minutes for i in briefing.items}
    assert minutes["Rabat : le tramway prolongé"] == max(1, math.floor(words / 230 + 0.5))
    assert minutes["Le port de Safi sous la tempête"] is None
    assert minutes["Nador : la corniche rouverte"] is None
