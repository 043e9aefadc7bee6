"""Live blogs, rubric labels and captions, recognised in headlines and texts we wrote."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from newsletter.config import config_from_dict
from newsletter.curate import CurateSettings, EditorialRules, build_briefing
from newsletter.errors import ConfigError
from newsletter.models import SourceRef, Story
from newsletter.pipeline import curate_settings
from newsletter.text.furniture import french_spacing, is_live_blog, looks_like_caption, strip_rubric


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


@pytest.mark.parametrize(("headline", "language", "expected"), [
    ("EN IMAGES. Les quais de la Garonne sous l’eau", "fr", "Les quais de la Garonne sous l’eau"),
    ("VIDÉO. Le maire répond aux riverains", "fr", "Le maire répond aux riverains"),
    ("Vidéo. Le maire répond aux riverains", "fr", "Le maire répond aux riverains"),
    ("REPORTAGE. Dans les vignes après la grêle", "fr", "Dans les vignes après la grêle"),
    ("INFO FRANCEINFO. Le budget des hôpitaux revu", "fr", "Le budget des hôpitaux revu"),
    ("ENQUÊTE. Les comptes d’une association", "fr", "Les comptes d’une association"),
    ("TRIBUNE. Pour une école ouverte l’été", "fr", "Pour une école ouverte l’été"),
    ("DIRECT. Tempête : les vols reprennent", "fr", "Tempête : les vols reprennent"),
    ("LE SCAN POLITIQUE - Le vote est reporté", "fr", "Le vote est reporté"),
    ("FIGAROVOX/GRAND ENTRETIEN - Ce que dit la réforme", "fr", "Ce que dit la réforme"),
    ("VIDÉO. EXCLUSIF. Les images du chantier", "fr", "Les images du chantier"),
    ("LIVE: Markets fall after the rate decision", "en", "Markets fall after the rate decision"),
    ("WATCH: The moment the bridge opened", "en", "The moment the bridge opened"),
    ("PHOTOS: A week of storms", "en", "A week of storms"),
    ("فيديو: لحظة افتتاح الجسر الجديد", "ar", "لحظة افتتاح الجسر الجديد"),
    ("بالصور: أسبوع من العواصف في الشمال", "ar", "أسبوع من العواصف في الشمال"),
    ("مباشر: جلسة البرلمان حول الميزانية", "ar", "جلسة البرلمان حول الميزانية"),
    # The general rule: an unknown lead-in of 1-5 words in capitals.
    ("NOS CONSEILS - Bien choisir son vélo", "fr", "Bien choisir son vélo"),
    ("SONDAGE EXCLUSIF - Les Français et la retraite", "fr", "Les Français et la retraite"),
    ("ANALYSE DU JOUR: Why rates stay high", "en", "Why rates stay high"),
])
def test_rubric_labels_are_removed(headline: str, language: str, expected: str) -> None:
    assert strip_rubric(headline, language) == expected


@pytest.mark.parametrize(("headline", "language"), [
    ("SNCF : la grève continue jusqu’à mardi", "fr"),  # the subject, not a rubric
    ("OTAN : sommet à Vilnius", "fr"),
    ("NHS: waiting lists grow again", "en"),
    ("COVID-19: new rules for schools", "en"),
    ("Municipales 2026 : un sondage place la maire en tête", "fr"),
    ("Affaire du port : un faisceau d’indices", "fr"),
    ("ALL OF THIS HEADLINE: IN CAPITALS", "en"),  # nothing else to keep
    ("VIDÉO. Seul", "fr"),  # too little would be left
    ("Direction des routes : les travaux reprennent", "fr"),
])
def test_headlines_without_a_rubric_are_left_alone(headline: str, language: str) -> None:
    assert strip_rubric(headline, language) == headline


def test_configured_labels_add_to_the_built_in_ones() -> None:
    assert strip_rubric("Le Brief éco. La Bourse recule", "fr") == "Le Brief éco. La Bourse recule"
    assert strip_rubric("Le Brief éco. La Bourse recule", "fr", ("LE BRIEF ÉCO",)) == "La Bourse recule"


@pytest.mark.parametrize(("text", "language"), [
    ("Le port de Sète, le 12 mars 2024.", "fr"),
    ("Le port Hercule, à Monaco, le 27 septembre 2023.", "fr"),
    ("Des élèves dans une cour d’école de Lille, en 2023.", "fr"),
    ("La ministre à Bruxelles, le 3 juin. PRÉNOM NOM / AGENCE", "fr"),
    ("A protester in Lyon on Tuesday.", "en"),
    ("Supporters of the mayor in Leeds, England, on 24 September 2022.", "en"),
    ("AGENCE / PHOTOGRAPHER", "fr"),
    ("Photograph: A. Person/Agency", "en"),
    ("Pic: J. Doe/Picture Desk", "en"),
    ("A. Person via Getty Images", "en"),
    ("PICTURE DESK (01632 960123)", "en"),
    ("© Agence Exemple", "fr"),
    ("متظاهرون في بيروت، يوم الثلاثاء 12 مارس 2024.", "ar"),
])
def test_captions_and_credits_are_recognised(text: str, language: str) -> None:
    assert looks_like_caption(text, language)


@pytest.mark.parametrize(("text", "language"), [
    ("Le président a annoncé sa démission, le 12 mars.", "fr"),
    ("Le gouvernement présentera son budget le 12 mars.", "fr"),
    ("Les syndicats manifestent à Paris, le 12 mars.", "fr"),
    ("Deux témoignages contredisent la version de l’accusation.", "fr"),
    ("Police clashed with protesters in Lyon on Tuesday.", "en"),
    ("The vote takes place on Tuesday.", "en"),
    ("Rex Lane meets the council in Leeds", "en"),
    ("Former champion died in a crash in Leeds on Wednesday", "en"),  # a standfirst, not a caption
    ("Flood barrier fell short in Hull on Tuesday", "en"),
    ("Le dernier témoin du procès meurt à Lyon, le 12 mars.", "fr"),
    ("FIGAROVOX/TRIBUNE - Pour l’auteur, la réforme est un échec.", "fr"),
    ("قال الوزير إن الحكومة ستعلن الخطة يوم الثلاثاء", "ar"),
    ("", "fr"),
])
def test_sentences_are_not_captions(text: str, language: str) -> None:
    assert not looks_like_caption(text, language)


def test_french_spacing_makes_existing_spaces_non_breaking() -> None:
    assert french_spacing("Il dit : « oui » ? Non ! Bref ; fin") == \
        "Il dit\u00a0: «\u00a0oui\u00a0»\u202f? Non\u202f! Bref\u202f; fin"
    assert french_spacing("Affaire X\u200a: suite") == "Affaire X\u00a0: suite"
    assert french_spacing("Note:rien ajouté") == "Note:rien ajouté"  # no space inserted


# --- in the briefing: live blogs left out, configured rubric labels ---------------------------

NOW = datetime(2026, 3, 12, 5, 0, tzinfo=UTC)


def _story(n: int, title: str, url: str, summary: str) -> Story:
    return Story(id=f"s{n}", url=url, title=title, summary=summary,
                 published=NOW - timedelta(hours=n), language="fr", section="Société",
                 source=SourceRef(name=f"Source {n}", url=url, feed_url=f"https://s{n}.example/rss"))


STORIES = [
    _story(1, "Tempête sur la côte : suivez la situation en direct", "https://a.example/live/1",
           "Les rafales atteignent 140 km/h sur le littoral ce matin."),
    _story(2, "Grève des contrôleurs – live", "https://b.example/2",
           "Les vols sont annulés dans trois aéroports du Sud-Ouest."),
    _story(3, "Le Brief éco. La Bourse de Paris recule pour la troisième séance",
           "https://c.example/3", "Le CAC 40 a perdu 1,2 % vendredi, entraîné par les banques."),
    _story(4, "Le conseil municipal vote le budget des cantines", "https://d.example/4",
           "Le prix du repas baisse de vingt centimes à la rentrée."),
]


def _settings(**overrides: object) -> CurateSettings:
    values: dict[str, object] = dict(
        language="fr", title="Le Brief", reading_minutes=5, words_per_minute=230, max_items=4,
        in_brief_items=4, half_life_hours=12.0, cluster_threshold=0.9, max_per_source=3,
        summary_words=60)
    values.update(overrides)
    return CurateSettings(**values)  # type: ignore[arg-type]


def test_live_blogs_do_not_become_items_by_default() -> None:
    briefing = build_briefing(STORIES, _settings(), issue_date=date(2026, 3, 12), now=NOW)
    shown = {i.url for i in (*briefing.items, *briefing.in_brief)}
    assert shown == {"https://c.example/3", "https://d.example/4"}
    pinned = build_briefing(STORIES, _settings(rules=EditorialRules(pins=("https://b.example/2",))),
                            issue_date=date(2026, 3, 12), now=NOW)
    assert pinned.items[0].url == "https://b.example/2"  # an editor's pin wins
    kept = build_briefing(STORIES, _settings(live_blogs=True), issue_date=date(2026, 3, 12), now=NOW)
    assert {i.url for i in (*kept.items, *kept.in_brief)} >= {"https://a.example/live/1",
                                                              "https://b.example/2"}


def test_configured_rubric_labels_reach_the_briefing(tmp_path: Path) -> None:
    config = config_from_dict({"curate": {"rubric_labels": ["LE BRIEF ÉCO"]}}, source="t.toml",
                              base_dir=tmp_path)
    settings = replace(curate_settings(config), max_items=4, cluster_threshold=0.9)
    assert settings.rubric_labels == ("LE BRIEF ÉCO",)
    briefing = build_briefing(STORIES, settings, issue_date=date(2026, 3, 12), now=NOW)
    headlines = {i.url: i.headline for i in (*briefing.items, *briefing.in_brief)}
    assert headlines["https://c.example/3"] == "La Bourse de Paris recule pour la troisième séance"
    with pytest.raises(ConfigError, match=r"\[curate\] rubric_labels must be a list of strings"):
        config_from_dict({"curate": {"rubric_labels": "LE BRIEF"}}, source="t.toml", base_dir=tmp_path)
