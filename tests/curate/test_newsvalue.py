"""News value by default: each signal on stories shaped like a real morning's (issue 17).

No configuration beyond the feeds: hard news (a deadly strike abroad, a parliament vote)
leads; a fresher tennis result follows; a consumer guide comes last. Fixtures are written
for these tests; each signal is checked on its own too.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from newsletter.config import load_config
from newsletter.curate import EditorialRules, build_briefing
from newsletter.curate.cluster import cluster_stories
from newsletter.curate.newsvalue import (
    default_news_value,
    extend,
    magnitude,
    news_value_from_dict,
    section_labels,
    section_prior,
    service_piece,
)
from newsletter.curate.rank import placements, score_clusters, site_of
from newsletter.errors import ConfigError
from newsletter.models import ScoredCluster, SourceRef, Story
from tests.curate.test_briefing import settings

CUTOFF = datetime(2026, 1, 18, 5, 0, tzinfo=UTC)
DAY = date(2026, 1, 18)
NV = default_news_value()


def story(key: str, title: str, summary: str, *, site: str = "journal-a.example",
          path: str = "", hours_ago: float = 3, language: str = "fr", section: str | None = None,
          categories: tuple[str, ...] = (), position: int | None = None,
          feed: str | None = None, name: str | None = None) -> Story:
    url = f"https://www.{site}/{path}{key}.html"
    feed_url = feed or f"https://www.{site}/rss/une.xml"
    return Story(
        id=f"{site}:{key}", url=url, title=title, summary=summary,
        published=CUTOFF - timedelta(hours=hours_ago),
        source=SourceRef(name=name or site.split(".")[0].title(), url=url, feed_url=feed_url),
        language=language, section=section, categories=categories, position=position)


# One French publisher's morning, shaped like a real front page (no categories: the URL
# path says the section, as on most French national sites).
MORNING_FR = [
    story("open-australie-monfils", "Open d'Australie : Gaël Monfils passe le deuxième tour "
          "en quatre sets", "Le Français a battu l'Argentin Cerúndolo en 3 h 12 et affrontera "
          "un tête de série au prochain tour.", path="sport/article/", hours_ago=0.5),
    story("pakistan-frappes-iran", "Le Pakistan mène des frappes en Iran, au moins neuf morts",
          "Islamabad dit avoir visé des « caches de terroristes » dans la province iranienne du "
          "Sistan-Baloutchistan, deux jours après des frappes iraniennes sur son sol.",
          path="international/article/", hours_ago=7),
    story("rwanda-communes", "Royaume-Uni : les députés adoptent le projet de loi sur "
          "l'expulsion de migrants vers le Rwanda", "Le texte voulu par le premier ministre "
          "Rishi Sunak a été voté par 320 voix contre 276 à la Chambre des communes.",
          path="international/article/", hours_ago=9),
    story("comment-choisir-aspirateur", "Comment choisir son aspirateur balai : nos conseils",
          "Autonomie, puissance, filtres : les critères qui comptent avant d'acheter.",
          path="guide-d-achat/article/", hours_ago=1),
    story("enseigne-fermetures", "L'enseigne Maisonnette va fermer douze magasins en France",
          "Le distributeur de décoration, en difficulté, prévoit aussi de réduire ses effectifs "
          "au siège.", path="economie/article/", hours_ago=2),
]

MORNING_EN = [
    story("nadal-second-round", "Australian Open: Nadal eases into third round with "
          "straight-sets win", "The former champion needed just under two hours on Rod Laver "
          "Arena.", site="daily-b.example", path="sport/2026/jan/18/", hours_ago=0.5,
          language="en"),
    story("pakistan-strikes-iran", "Pakistan launches strikes inside Iran, killing at least "
          "nine people", "Islamabad says it targeted militant hideouts in Iran's south-east, two "
          "days after Iranian strikes on its territory.", site="daily-b.example",
          path="world/2026/jan/18/", hours_ago=7, language="en"),
    story("rwanda-bill-vote", "MPs back Rwanda bill as prime minister sees off rebellion",
          "The legislation passed its third reading in the Commons by 320 votes to 276.",
          site="daily-b.example", path="politics/2026/jan/18/", hours_ago=9, language="en"),
    story("best-vacuum-deals", "The best cordless vacuum deals this week",
          "Our pick of the discounts on stick vacuums, from budget to premium.",
          site="daily-b.example", path="thefilter/2026/jan/18/", hours_ago=1, language="en"),
]


def order(stories: list[Story], language: str = "fr", **overrides: object) -> list[str]:
    s = settings(language=language, half_life_hours=24.0, **overrides)
    briefing = build_briefing(stories, s, issue_date=DAY, now=CUTOFF)
    return [i.headline for i in (*briefing.items, *briefing.in_brief)]


@pytest.mark.parametrize("stories,language", [(MORNING_FR, "fr"), (MORNING_EN, "en")])
def test_the_strike_and_the_vote_lead_the_tennis_follows_the_guide_is_last(
        stories: list[Story], language: str) -> None:
    headlines = order(stories, language)
    strike = next(h for h in headlines if "Pakistan" in h)
    vote = next(h for h in headlines if "Rwanda" in h)
    tennis = next(h for h in headlines if "Open" in h)
    assert set(headlines[:2]) == {strike, vote}
    assert headlines.index(tennis) > 1
    assert "choisir" in headlines[-1] or "deals" in headlines[-1]


def test_the_same_morning_without_url_sections_still_puts_hard_news_first() -> None:
    """No section anywhere: headline topic words, magnitude and service cues decide."""
    bare = [replace(s, url=s.url.replace("/sport/article/", "/").replace(
        "/international/article/", "/").replace("/guide-d-achat/article/", "/"))
        for s in MORNING_FR]
    headlines = order(bare)
    assert "Pakistan" in headlines[0]
    assert headlines.index(next(h for h in headlines if "Rwanda" in h)) < \
        headlines.index(next(h for h in headlines if "Monfils" in h))
    assert "choisir" in headlines[-1]


def scored(stories: list[Story], **kwargs: object) -> dict[str, ScoredCluster]:
    clusters = cluster_stories(stories, threshold=0.99, language=stories[0].language)
    ranked = score_clusters(clusters, now=CUTOFF, half_life_hours=24, language=stories[0].language,
                            **kwargs)  # type: ignore[arg-type]
    return {s.cluster.lead.title: s for s in ranked}


def component(item: ScoredCluster, name: str) -> float:
    return dict(item.components)[name]


def test_coverage_counts_sites_not_feeds() -> None:
    base = "Grève à la SNCF : trafic très perturbé jeudi"
    same_site = [story("greve", base, "Un train sur deux.", site="journal-a.example"),
                 replace(story("greve", base, "Un train sur deux.", site="journal-a.example"),
                         url="https://edition.journal-a.example/greve.html",
                         source=SourceRef("Journal A, économie", "https://edition.journal-a."
                                          "example/greve.html", "https://journal-a.example/eco"))]
    two_sites = [same_site[0], story("greve-2", base, "Un train sur deux.", site="quotidien-b.example")]
    other = story("meteo", "Neige sur les Alpes", "Des routes fermées.")  # for the word weights
    one = scored([*same_site, other])[base]
    two = scored([*two_sites, other])[base]
    assert component(one, "coverage") == 1.0
    assert component(two, "coverage") == 2.0
    assert "journal-a.example, quotidien-b.example" in dict(two.reasons)["coverage"]
    assert site_of("https://www.bbc.co.uk/news/x") == "bbc.co.uk"
    assert site_of("https://edition.lemonde.fr/a") == site_of("https://www.lemonde.fr/b")


def front_page(dates_in_order: bool) -> list[Story]:
    """Six stories of one feed; the top one is older than the fifth when the order is editorial."""
    hours = [1, 2, 3, 4, 5, 6] if dates_in_order else [6, 2, 5, 1, 3, 4]
    titles = ["Budget : le gouvernement engage sa responsabilité", "Tempête sur la Bretagne",
              "Réforme des retraites : nouvelle journée de grève", "Procès des assistants",
              "Cinéma : le film de la semaine", "Météo du week-end"]
    return [story(f"s{i}", t, "Un résumé court de la nouvelle.", hours_ago=h, position=i)
            for i, (t, h) in enumerate(zip(titles, hours, strict=True))]


def test_placement_on_a_front_page_and_in_an_editorial_feed() -> None:
    editorial = front_page(dates_in_order=False)
    placed = placements(editorial, frozenset(), NV)  # detected: not in date order
    top = placed[(editorial[0].id, editorial[0].source.feed_url)]
    assert top[0] == pytest.approx(NV.weight("front_page_top"))
    assert "1st of 6" in top[1] and "editorial order" in top[1]
    assert placed[(editorial[1].id, editorial[1].source.feed_url)][0] < top[0]
    chronological = front_page(dates_in_order=True)
    assert placements(chronological, frozenset(), NV) == {}
    flagged = placements(chronological, frozenset({chronological[0].source.feed_url}), NV)
    assert "front page" in flagged[(chronological[0].id, chronological[0].source.feed_url)][1]
    ranked = scored(editorial)
    # the publisher's lead, six hours old, beats the fresher second and fourth stories
    assert ranked[editorial[0].title].score > ranked[editorial[3].title].score


def test_section_priors_from_section_categories_and_url_and_the_editors_word() -> None:
    labels = section_labels(None, ("World news", "Iran"), "https://www.daily-b.example/world/2026/x")
    assert section_prior(NV, labels, "", "en")[0] == pytest.approx(1.3)
    sport = section_labels("Sport", (), "https://www.journal-a.example/sport/article/x.html")
    value, why = section_prior(NV, sport, "", "fr")
    assert value < 1 and "sport" in why
    tennis = MORNING_FR[0]
    assert component(scored([tennis])[tennis.title], "section") < 1
    boosted = scored([tennis], rules=EditorialRules(section_weights=(("Sport", 2.0),)))
    assert component(boosted[tennis.title], "section") == 2.0
    assert "[sections] Sport = 2" in dict(boosted[tennis.title].reasons)["section"]


@pytest.mark.parametrize("language,text,expected,why", [
    ("fr", "Séisme en Turquie : au moins 120 morts", "casualties_many", "120 morts"),
    ("fr", "Incendie à Lyon : deux blessés", "casualties_counted", "deux blesses"),
    ("fr", "Attentat déjoué à Paris", "casualties", "attentat"),
    ("en", "Gunman kills 3 in shopping centre", "casualties_counted", "kills 3"),
    ("ar", "مقتل 12 شخصا في قصف على مدينة", "casualties_many", "مقتل 12"),
    ("fr", "Le premier ministre présente son gouvernement", "leaders", "premier ministre"),
    ("en", "Chancellor unveils £20bn of tax cuts", "large_figures", "20bn"),
])
def test_magnitude_cues(language: str, text: str, expected: str, why: str) -> None:
    factor, reasons = magnitude(NV, text, language)
    assert factor >= NV.weight(expected) and why in reasons


def test_magnitude_counts_countries_and_is_capped() -> None:
    one, why_one = magnitude(NV, "Tempête de neige en Allemagne", "fr")
    two, why_two = magnitude(NV, "La Russie et l'Ukraine échangent des prisonniers", "fr")
    assert one == pytest.approx(NV.weight("countries_one")) and "Allemagne" in why_one
    assert two == pytest.approx(NV.weight("countries_many")) and "Russie, Ukraine" in why_two
    big, why = magnitude(NV, "Guerre : le président russe frappe l'Ukraine, 300 morts et 2 "
                             "milliards de dégâts selon l'ONU", "fr")
    assert big == NV.weight("magnitude_cap") and "capped" in why
    assert magnitude(NV, "La France bat l'Italie au rugby en 2024", "fr")[1].count("casualt") == 0


def test_service_pieces_and_live_blogs_are_demoted() -> None:
    assert service_piece(NV, "Comment choisir son aspirateur : nos conseils", "", "fr")
    assert service_piece(NV, "The 10 best cordless vacuums", "", "en")
    assert service_piece(NV, "Soupe de potiron", "https://x.example/recettes/soupe.html", "fr")
    assert service_piece(NV, "Le guide suprême iranien s'exprime", "", "fr") is None
    live = story("direct", "DIRECT. Grève à la SNCF : suivez la journée", "Le point.",
                 path="societe/live/")
    plain = story("greve", "Grève à la SNCF : le trafic très perturbé", "Le point.",
                  path="societe/article/")
    both = scored([live, plain])
    assert component(both[live.title], "live") == NV.weight("live_blog")
    assert both[plain.title].score > both[live.title].score


def test_freshness_halves_over_the_half_life() -> None:
    old = story("vieux", "Séisme au Japon : des dégâts", "Un résumé.", hours_ago=24)
    new = story("neuf", "Séisme au Chili : des dégâts", "Un résumé.", hours_ago=0)
    both = scored([old, new])
    assert component(both[old.title], "freshness") == pytest.approx(0.5)
    assert component(both[new.title], "freshness") == pytest.approx(1.0)


def test_an_editors_file_extends_the_lexicon_and_bad_keys_are_named(tmp_path: Path) -> None:
    extra = news_value_from_dict({"fr": {"service": ["mots fléchés"]},
                                  "weights": {"service": 0.1}}, "mine.toml")
    merged = extend(NV, extra)
    assert service_piece(merged, "Les mots fléchés du jour", "", "fr") == "mots fleches"
    assert service_piece(merged, "Comment choisir son vélo", "", "fr")  # the built-in ones stay
    assert merged.weight("service") == 0.1
    with pytest.raises(ConfigError, match="mine.toml.*unknown weight 'servce'"):
        news_value_from_dict({"weights": {"servce": 0.1}}, "mine.toml")
    with pytest.raises(ConfigError, match=r"\[fr\] leaders must be a list of strings"):
        news_value_from_dict({"fr": {"leaders": "président"}}, "mine.toml")
    config = tmp_path / "newsletter.toml"
    (tmp_path / "mots.toml").write_text('[fr]\nservice = ["mots fléchés"]\n', encoding="utf-8")
    config.write_text('[curate]\nnews_value_file = "mots.toml"\n[[feeds]]\n'
                      'url = "https://www.journal-a.example/rss/une.xml"\nfront_page = true\n')
    from newsletter.pipeline import curate_settings

    loaded = load_config(config)
    s = curate_settings(loaded)
    assert service_piece(s.news_value, "Les mots fléchés du jour", "", "fr")
    assert s.front_pages == frozenset({"https://www.journal-a.example/rss/une.xml"})
    config.write_text('[curate]\nnews_value_file = "absent.toml"\n')
    with pytest.raises(ConfigError, match="absent.toml not found"):
        curate_settings(load_config(config))
    config.write_text('[[feeds]]\nurl = "https://a.example/rss"\nfront_page = "yes"\n')
    with pytest.raises(ConfigError, match="front_page must be true or false"):
        load_config(config)


def test_formats_opinions_and_ages_are_read_for_what_they_are() -> None:
    from newsletter.curate.newsvalue import piece_kind

    assert piece_kind(NV, "Protesters at the State of the Union address – video", "", "en") == \
        ("format", "video")
    assert piece_kind(NV, "EN IMAGES - La tempête sur la côte", "", "fr") == ("format", "en images")
    assert piece_kind(NV, "Vidéo-surveillance : la Cnil alerte les mairies", "", "fr") is None
    assert piece_kind(NV, "« La Syrie, un piège pour Moscou », par Jeanne Martin", "", "fr")[0] \
        == "opinion"  # type: ignore[index]
    assert piece_kind(NV, "The budget was a missed chance | Sam Lee", "", "en")[0] == "opinion"  # type: ignore[index]
    # an age is not a count of the dead
    for text, language in (("Folk singer dies aged 88", "en"), ("Scholar dies at 90", "en"),
                           ("Le chanteur meurt à 88 ans", "fr")):
        assert magnitude(NV, text, language)[0] == NV.weight("casualties"), text
    assert magnitude(NV, "Fire kills 88 in market", "en")[0] == NV.weight("casualties_many")
