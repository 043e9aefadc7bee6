"""The readership nudge on hand-made figures: shrinkage, decay, bounds, thin data, major news."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from newsletter.curate.cluster import cluster_stories
from newsletter.curate.rank import score_clusters
from newsletter.curate.readership import (
    PRIOR_CLICKS,
    IssueReadership,
    LearnSettings,
    ShownStory,
    learn,
    major_news,
)
from tests.curate.test_briefing import CUTOFF, story

DAY = date(2026, 11, 27)
SETTINGS = LearnSettings(days=14, half_life_days=5.0, max_factor=1.25, min_delivered=200)


def issue(days_ago: int, delivered: int, *stories: ShownStory) -> IssueReadership:
    return IssueReadership(DAY - timedelta(days=days_ago), delivered, tuple(stories))


def shown(section: str, rank: int, clicks: int, source: str = "Atlas", brief: bool = False
          ) -> ShownStory:
    return ShownStory(section=section, source=source, rank=rank, clicks=clicks, brief=brief)


def day_of(days_ago: int, sport: int, economy: int, delivered: int = 1000) -> IssueReadership:
    """An issue with Sport at rank 1 and Economy at rank 2, swapped on odd days (so each
    section is seen at both places and the place rates cannot explain the difference)."""
    first, second = ("Sport", "Économie") if days_ago % 2 else ("Économie", "Sport")
    clicks = {"Sport": sport, "Économie": economy}
    return issue(days_ago, delivered, shown(first, 1, clicks[first], "Atlas"),
                 shown(second, 2, clicks[second], "Gazette"))


def test_shrinkage_is_the_gamma_poisson_ratio_and_more_data_moves_it_further() -> None:
    # One issue, both places clicked alike on average: expected clicks are known by hand.
    one = learn([issue(1, 1000, shown("Sport", 1, 30), shown("Économie", 1, 10))],
                issue_date=DAY, settings=SETTINGS)
    sport = one.section("sport")  # matched case-insensitively
    assert sport is not None and not sport.thin
    # place 1 rate = 40 / 2000 per message; Sport expected 20 (weight 0.5^(1/5) on both)
    w = 0.5 ** (1 / 5)
    assert sport.observed == pytest.approx(30 * w)
    assert sport.expected == pytest.approx(20 * w)
    assert sport.ratio == pytest.approx((30 * w + PRIOR_CLICKS) / (20 * w + PRIOR_CLICKS))
    assert 1 < sport.factor < 1.5  # the raw ratio 1.5, pulled toward 1
    economy = one.section("Économie")
    assert economy is not None and economy.factor < 1
    # Ten times the data, the same proportions: the factor moves toward the raw 1.5 (bounded)
    many = learn([issue(1, 10_000, shown("Sport", 1, 300), shown("Économie", 1, 100))],
                 issue_date=DAY, settings=LearnSettings(max_factor=2.0))
    big = many.section("Sport")
    assert big is not None and big.ratio > sport.ratio
    assert big.ratio == pytest.approx((300 * w + PRIOR_CLICKS) / (200 * w + PRIOR_CLICKS))


def test_factors_stay_within_the_bound() -> None:
    days = [day_of(d, sport=400, economy=2) for d in range(1, 15)]
    nudge = learn(days, issue_date=DAY, settings=SETTINGS)
    sport, economy = nudge.section("Sport"), nudge.section("Économie")
    assert sport is not None and economy is not None
    assert sport.ratio > 1.25 and sport.factor == 1.25
    assert economy.ratio < 0.8 and economy.factor == pytest.approx(1 / 1.25)
    # a story's factor is section × source, bounded again
    factor, why = nudge.story_factor("Sport", "Atlas")
    assert factor == 1.25 and "bounded from" in why


def test_thin_data_gives_no_nudge_at_all() -> None:
    # 150 messages in the window (< 200): however lopsided the clicks, every factor is 1
    thin = learn([issue(1, 100, shown("Sport", 1, 60), shown("Économie", 2, 0)),
                  issue(2, 50, shown("Sport", 1, 30), shown("Économie", 2, 0))],
                 issue_date=DAY, settings=SETTINGS)
    sport = thin.section("Sport")
    assert sport is not None and sport.thin and sport.factor == 1.0 and sport.delivered == 150
    factor, why = thin.story_factor("Sport", "Atlas")
    assert factor == 1.0 and "too little to go by: 150 delivered < 200" in why
    # the same figures with enough messages move it
    enough = learn([issue(1, 100, shown("Sport", 1, 60), shown("Économie", 2, 0)),
                    issue(2, 50, shown("Économie", 1, 0), shown("Sport", 2, 30))],
                   issue_date=DAY, settings=LearnSettings(min_delivered=100))
    assert enough.story_factor("Sport", "Atlas")[0] > 1.0
    # a window with no reader click at all, or no delivered issue: 1 everywhere
    silent = learn([day_of(d, 0, 0) for d in range(1, 10)], issue_date=DAY, settings=SETTINGS)
    assert silent.story_factor("Sport", "Atlas")[0] == 1.0
    assert "no reader click" in silent.summary()
    empty = learn([], issue_date=DAY, settings=SETTINGS)
    assert empty.story_factor("Sport", "Atlas")[0] == 1.0 and "no delivered issue" in empty.summary()


def test_recent_days_weigh_more_and_the_window_ends_the_day_before() -> None:
    quiet = [day_of(d, sport=20, economy=20) for d in range(1, 15)]
    recent = learn([day_of(1, sport=200, economy=20), *quiet[1:]], issue_date=DAY,
                   settings=SETTINGS)
    old = learn([*quiet[:-1], day_of(14, sport=200, economy=20)], issue_date=DAY,
                settings=SETTINGS)
    r, o = recent.section("Sport"), old.section("Sport")
    assert r is not None and o is not None
    assert r.factor > o.factor > 1.0
    # the half-life: an issue 5 days older counts half as much
    assert r.observed - o.observed == pytest.approx(
        (200 - 20) * (0.5 ** (1 / 5) - 0.5 ** (14 / 5)), rel=1e-9)
    # issues outside the window (15 days ago, the issue's own day, later ones) are ignored
    outside = [day_of(15, 900, 0), issue(0, 1000, shown("Sport", 1, 900)),
               issue(-1, 1000, shown("Sport", 1, 900))]
    assert learn([*quiet, *outside], issue_date=DAY, settings=SETTINGS) == \
        learn(quiet, issue_date=DAY, settings=SETTINGS)


def test_place_in_the_issue_is_accounted_for() -> None:
    # Sport always leads and draws what a lead draws; Culture, always an « En bref » line,
    # draws what those lines draw: neither is better than its place, both stay near 1.
    days = [issue(d, 1000, shown("Sport", 1, 50), shown("Économie", 1, 50),
                  shown("Culture", 9, 5, brief=True), shown("Société", 9, 5, brief=True))
            for d in range(1, 15)]
    nudge = learn(days, issue_date=DAY, settings=SETTINGS)
    for name in ("Sport", "Culture"):
        group = nudge.section(name)
        assert group is not None and group.factor == pytest.approx(1.0)


def test_major_news_is_never_lowered() -> None:
    assert major_news(1.8, 1, 1.6) == "magnitude ×1.80 ≥ 1.6"
    assert major_news(1.1, 3, 1.6) == "told by 3 sites"
    assert major_news(1.5, 2, 1.6) is None
    # World news clicked far less than the rest over two weeks
    days = [issue(d, 2000, shown("Monde", 1, 4, "Dépêches"), shown("Sport", 2, 120, "Atlas"),
                  shown("Monde", 2, 3, "Dépêches"), shown("Sport", 1, 150, "Atlas"))
            for d in range(1, 15)]
    nudge = learn(days, issue_date=DAY, settings=SETTINGS)
    assert nudge.story_factor("Monde", "Dépêches")[0] == pytest.approx(1 / 1.25)
    factor, why = nudge.story_factor("Monde", "Dépêches", major="magnitude ×1.98 ≥ 1.6")
    assert factor == 1.0 and why.startswith("×1, not lowered from 0.800: major news")
    # a boost is not held back
    assert nudge.story_factor("Sport", "Atlas", major="told by 3 sites")[0] == 1.25


def test_a_deadly_event_in_a_low_click_section_keeps_its_place() -> None:
    days = [issue(d, 2000, shown("Monde", 1, 2, "Dépêches"), shown("Sport", 2, 160, "Dépêches"),
                  shown("Sport", 1, 170, "Dépêches"), shown("Monde", 2, 1, "Dépêches"))
            for d in range(1, 15)]
    nudge = learn(days, issue_date=DAY, settings=SETTINGS)
    quake = story(1, "Séisme dans l'Atlas : au moins 40 morts au Maroc", "Dépêches", 1,
                  section="Monde")
    vote = story(2, "Le conseil municipal adopte le budget des parcs", "Dépêches", 1,
                 section="Monde")
    derby = story(3, "Le Raja gagne le derby face au Wydad", "Dépêches", 1, section="Sport")
    clusters = cluster_stories([quake, vote, derby], threshold=1.01, language="fr")
    plain = score_clusters(clusters, now=CUTOFF, half_life_hours=12, language="fr")
    nudged = score_clusters(clusters, now=CUTOFF, half_life_hours=12, language="fr",
                            readership=nudge)
    by_title = {s.cluster.lead.title: s for s in nudged}
    before = {s.cluster.lead.title: s.score for s in plain}
    q = by_title[quake.title]
    assert dict(q.components)["readership"] == 1.0
    assert "not lowered from 0.800: major news (magnitude" in dict(q.reasons)["readership"]
    assert q.score == before[quake.title]
    assert nudged[0].cluster.lead.title == quake.title  # still leads
    v, d = by_title[vote.title], by_title[derby.title]
    assert dict(v.components)["readership"] == pytest.approx(0.8)
    assert dict(d.components)["readership"] == pytest.approx(1.25)
    for title in (vote.title, derby.title):  # within the bound, never further
        ratio = by_title[title].score / before[title]
        assert 1 / 1.25 * (1 - 1e-5) <= ratio <= 1.25 * (1 + 1e-5)  # scores keep 6 decimals
    # without the nudge, no readership component at all
    assert all("readership" not in dict(s.components) for s in plain)


def test_bound_limits_who_can_overtake_whom() -> None:
    # With factors in [1/m, m], a story overtakes another only if it scored within m² of it.
    m = SETTINGS.max_factor
    assert math.isclose(m * m, 1.5625)
    days = [day_of(d, sport=400, economy=2) for d in range(1, 15)]
    nudge = learn(days, issue_date=DAY, settings=SETTINGS)
    low, _ = nudge.story_factor("Économie", "Gazette")
    high, _ = nudge.story_factor("Sport", "Atlas")
    assert high / low == pytest.approx(m * m)
