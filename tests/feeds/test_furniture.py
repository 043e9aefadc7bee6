"""Live blogs, rubric labels and captions, recognised in headlines and texts we wrote."""

from __future__ import annotations

import pytest

from newsletter.text.furniture import is_live_blog


@pytest.mark.parametrize(("title", "url"), [
    ("Suivez en direct le débat sur le budget avec la ministre", ""),
    ("Grève des contrôleurs aériens : les vols annulés EN DIRECT", ""),
    ("DIRECT. Tempête sur la côte atlantique", ""),
    ("Live: markets fall after the rate decision", ""),
    ("Lyon v Marseille: Ligue 1 – live!", ""),
    ("Ministers face questions on the budget – UK politics live", ""),
    ("Flood warnings across the north – as it happened", ""),
    ("Ukraine war live: talks resume in Geneva", ""),
    ("Election night live updates", ""),
    ("Tennis : la finale se joue au cinquième set", "https://news.example.fr/sport/live/2024/03/12/finale_1.html"),
    ("مباشر: جلسة البرلمان حول الميزانية", ""),
    ("بث مباشر لمؤتمر وزراء الخارجية", ""),
])
def test_live_blogs_are_recognised(title: str, url: str) -> None:
    assert is_live_blog(title, url)


@pytest.mark.parametrize(("title", "url"), [
    ("One in four graduates choose to live abroad", ""),
    ("Live music returns to the city's small venues", ""),
    ("Le directeur du musée quitte ses fonctions", ""),
    ("La vente directe gagne les campagnes", ""),
    ("دعم غير مباشر للمزارعين في الميزانية الجديدة", ""),
    ("Budget vote delayed", "https://news.example.com/politics/2024/03/12/budget-vote.html"),
    ("Olivia Lively wins the prize", "https://news.example.com/arts/lively-wins"),
])
def test_ordinary_stories_are_not_live_blogs(title: str, url: str) -> None:
    assert not is_live_blog(title, url)
