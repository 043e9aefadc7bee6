"""Tests of the extractive summariser and the relative-day fixer (all texts invented)."""

from __future__ import annotations

from datetime import date

import pytest

from newsletter.curate.summarise import (
    Weights,
    clean_sentences,
    fix_relative_days,
    strip_boilerplate,
    summarise,
    truncate_words,
)
from newsletter.text import split_sentences, word_count

WEDNESDAY = date(2025, 11, 26)
THURSDAY = date(2025, 11, 27)

FR_ARTICLE = (
    "LYON, 26 novembre (AFP) – La métropole de Lyon va ouvrir trois nouvelles lignes de tramway "
    "d'ici 2030, a annoncé mercredi son président lors d'un conseil extraordinaire.\n\n"
    "Photo : Jeanne Martin / Agence Exemple\n\n"
    "Le projet, estimé à 1,2 milliard d'euros, doit relier les quartiers est aux pôles d'emploi "
    "du centre. Lire aussi : Les bouchons coûtent cher aux Lyonnais\n\n"
    "Les travaux commenceront à l'automne prochain sur la ligne la plus longue, selon le "
    "calendrier présenté aux élus. Publicité\n\n"
    "Les associations d'usagers saluent un projet attendu depuis dix ans. Bien.\n\n"
    "Par Jeanne Martin\n\n"
    "Cet article Le tram s'étend est apparu en premier sur Lyon Exemple."
)

EN_ARTICLE = (
    "SPRINGFIELD, Nov. 26 (Newswire) - The city council voted on Tuesday to close the old "
    "river bridge to heavy traffic after engineers found deep cracks in two of its piers.\n\n"
    "Sign up for our morning newsletter here.\n\n"
    "Repairs are expected to cost about $40 million and take at least eighteen months, the "
    "city's transport director told reporters after the vote.\n\n"
    "Read more: Why our bridges are ageing faster than planned\n\n"
    "Lorries will be diverted through the northern ring road, adding about fifteen minutes "
    "to a typical crossing. (Video) Local businesses fear the detour will cost them customers.\n\n"
    "By Sam Taylor\n\n"
    "The post Council shuts river bridge appeared first on Springfield Courier."
)

AR_ARTICLE = (
    "القاهرة (وكالة مثال) - أعلنت وزارة النقل افتتاح خط جديد للقطارات السريعة يربط العاصمة "
    "بالمدن الساحلية خلال العام المقبل.\n\n"
    "اقرأ أيضا: ارتفاع أسعار تذاكر القطارات\n\n"
    "وقال الوزير إن المشروع سيخفض زمن الرحلة إلى النصف ويوفر آلاف فرص العمل للشباب.\n\n"
    "مصدر الصورة: وكالة مثال"
)

FURNITURE = ("AFP", "Photo", "Lire aussi", "Publicité", "Par Jeanne", "apparu en premier",
             "Sign up", "Read more", "(Video)", "By Sam", "appeared first", "Newswire",
             "اقرأ أيضا", "مصدر الصورة", "وكالة مثال")


@pytest.mark.parametrize(("article", "language"), [(FR_ARTICLE, "fr"), (EN_ARTICLE, "en"),
                                                  (AR_ARTICLE, "ar")])
def test_summary_is_free_of_furniture(article: str, language: str) -> None:
    summary = summarise(article, language, max_words=200, max_sentences=10)
    assert summary
    for furniture in FURNITURE:
        assert furniture not in summary, furniture


def test_dateline_is_dropped_but_the_sentence_kept() -> None:
    first = clean_sentences(FR_ARTICLE, "fr")[0]
    assert first.startswith("La métropole de Lyon va ouvrir")
    assert clean_sentences(EN_ARTICLE, "en")[0].startswith("The city council voted")
    assert clean_sentences(AR_ARTICLE, "ar")[0].startswith("أعلنت وزارة النقل")
    agency = "WASHINGTON — The Senate passed the spending bill late on Friday night after a long debate."
    assert clean_sentences(agency, "en")[0].startswith("The Senate passed")


def test_media_labels_and_tags_are_removed_inside_sentences() -> None:
    text = ("VIDÉO. Les pompiers ont maîtrisé l'incendie du vieux moulin après six heures d'efforts. "
            "Un témoin a filmé la scène depuis son balcon (Vidéo) avant l'arrivée des secours.")
    sentences = clean_sentences(text, "fr")
    assert sentences[0].startswith("Les pompiers ont maîtrisé")
    assert "(Vidéo)" not in sentences[1] and sentences[1].startswith("Un témoin a filmé")
    prose = "Une vidéo tournée par un passant montre la chute du mur sur la chaussée mouillée."
    assert clean_sentences(prose, "fr") == [prose]  # "vidéo" in prose is not furniture


def test_strip_boilerplate_drops_whole_furniture_paragraphs() -> None:
    text = "Un paragraphe utile.\n\nÀ lire aussi : autre chose\n\nPar Jeanne Martin\n\n© Agence Exemple"
    assert strip_boilerplate(text) == "Un paragraphe utile."
    assert strip_boilerplate("Useful text.\nAdvertisement\nMore text.") == "Useful text.\n\nMore text."
    assert strip_boilerplate("PARIS, 26 novembre (AFP) – Le texte est adopté.") == "Le texte est adopté."
    prose = "Crédits d'impôt et primes à la rénovation seront prolongés jusqu'en 2027, dit le ministre. " * 3
    assert strip_boilerplate(prose) == prose.strip()  # a long paragraph is never dropped whole


def test_summary_is_whole_sentences_in_article_order_within_budget() -> None:
    sentences = clean_sentences(EN_ARTICLE, "en")
    for budget in (20, 35, 50, 80):
        summary = summarise(EN_ARTICLE, "en", max_words=budget)
        assert word_count(summary) <= budget
        parts = split_sentences(summary, "en")
        assert all(part in sentences for part in parts)  # never cut inside a sentence
        positions = [sentences.index(part) for part in parts]
        assert positions == sorted(positions)
    assert summarise(EN_ARTICLE, "en", max_words=5) == ""  # nothing fits: nothing, not a cut


def test_summary_prefers_the_lead_and_respects_the_sentence_count() -> None:
    summary = summarise(EN_ARTICLE, "en", max_words=60, max_sentences=2)
    assert summary.startswith("The city council voted on Tuesday")
    assert len(split_sentences(summary, "en")) <= 2


def test_short_fragments_are_not_picked_when_sentences_exist() -> None:
    summary = summarise(FR_ARTICLE, "fr", max_words=200, max_sentences=10)
    assert "Bien." not in summary


def test_redundant_sentences_are_not_both_kept() -> None:
    text = ("The regional airport will close its second runway for repairs from next month. "
            "The regional airport will close its second runway for repairs from next month, officials said. "
            "Airlines expect delays of up to an hour on morning flights during the works.")
    summary = summarise(text, "en", max_words=60)
    assert summary.count("second runway") == 1
    assert "Airlines expect delays" in summary


def test_a_restatement_is_not_kept_with_the_sentence_it_restates() -> None:
    text = ("The county will build forty new homes for nurses near the general hospital. "
            "Nurses will get forty of the homes, the county said on Friday, after a long campaign "
            "by staff unions. "
            "Construction is due to start in the autumn once the land is cleared.")
    summary = summarise(text, "en", max_words=60)
    assert "Nurses will get forty" not in summary
    assert summary.startswith("The county will build") and "Construction is due" in summary


def test_a_word_in_every_sentence_does_not_make_a_sentence_central() -> None:
    # Centrality alone (no lead prior): the sentence that repeats the subject's name most is not
    # the most central; the one sharing the story's rarer words (ferry, terminal, market) is.
    text = ("The harbour board met on Monday in the harbour office near the harbour gate. "
            "Harbour pilots, harbour tugs, harbour cranes and harbour police filled the harbour hall "
            "by the harbour. "
            "At the harbour, a new ferry terminal will open beside the fish market in spring. "
            "The harbour ferry terminal will cost less than the fish market renovation did. "
            "Traders at the harbour fish market welcomed the ferry terminal and its spring opening.")
    summary = summarise(text, "en", max_words=60, max_sentences=1, weights=Weights(lead=0.0))
    assert summary == "At the harbour, a new ferry terminal will open beside the fish market in spring."


def test_captions_left_in_the_text_are_not_picked() -> None:
    text = ("The village school will reopen next week after the flood repairs are finished. "
            "Pictured: The flooded playground of the village school in March. "
            "Parents had raised money for new books and desks during the closure. "
            "Teachers will hold an open morning for families on Saturday.")
    summary = summarise(text, "en", max_words=60)
    assert "Pictured" not in summary and "Teachers will hold" in summary
    speech = "Mr Lee said: The bridge is safe and will stay open all winter."
    assert summarise(speech, "en", max_words=60) == speech  # a quote after "said:" is not a caption
    french = "Bilan : Les pompiers ont secouru douze personnes pendant la nuit."
    assert summarise(french, "fr", max_words=60) == french


def test_scroll_down_for_video_is_removed() -> None:
    sentence = "The new bridge opened to traffic on Sunday morning after two years."
    assert clean_sentences("Scroll down for video " + sentence, "en") == [sentence]


STANDFIRST = ("Trois nouvelles lignes de tramway desserviront l'est lyonnais d'ici 2030, pour un "
              "coût de 1,2 milliard d'euros.")


def test_standfirst_leads_and_the_rest_avoids_repeating_it() -> None:
    summary = summarise(FR_ARTICLE, "fr", max_words=60, standfirst=STANDFIRST)
    assert summary.startswith(STANDFIRST)
    assert word_count(summary) <= 60
    assert len(split_sentences(summary, "fr")) >= 2  # the article fills the rest
    article_part = summary[len(STANDFIRST):]
    assert "La métropole de Lyon" in article_part or "Les travaux" in article_part


def test_standfirst_identical_to_the_lead_is_not_repeated() -> None:
    lead = clean_sentences(EN_ARTICLE, "en")[0]
    summary = summarise(EN_ARTICLE, "en", max_words=60, standfirst=lead)
    assert summary.startswith(lead) and summary.count(lead) == 1


@pytest.mark.parametrize("standfirst", [
    "EXCLUSIF",  # a label
    "Tramway : ce qui va changer pour vous",  # a teaser without a full stop
    "Pourquoi Lyon mise-t-elle autant sur le tramway ?",  # a question
    "Trois lignes, un milliard, dix ans de travaux...",  # a teaser
    " ".join(["Les élus ont voté un très long texte."] * 6),  # too long for the budget
])
def test_a_standfirst_that_is_not_a_real_sentence_is_ignored(standfirst: str) -> None:
    assert summarise(FR_ARTICLE, "fr", max_words=60, standfirst=standfirst) == summarise(
        FR_ARTICLE, "fr", max_words=60)


def test_empty_and_furniture_only_texts_give_nothing() -> None:
    assert summarise("", "fr", max_words=60) == ""
    assert summarise("Lire aussi : un autre article\n\nPar Jeanne Martin", "fr", max_words=60) == ""


def test_deterministic() -> None:
    assert summarise(FR_ARTICLE, "fr", max_words=40) == summarise(FR_ARTICLE, "fr", max_words=40)


def test_truncate_never_cuts_inside_a_word_or_quote() -> None:
    quote = "Il a dit « nous ne céderons jamais sur ce point » avant de partir."
    assert truncate_words(quote, 6) == "Il a dit …"
    assert truncate_words("un deux trois", 5) == "un deux trois"


# Relative days: published Wednesday 26 November 2025, read on Thursday 27 November's issue.

@pytest.mark.parametrize(("text", "expected"), [
    ("Le ministre a annoncé aujourd'hui la fermeture du site.",
     "Le ministre a annoncé mercredi 26 novembre la fermeture du site."),
    ("Aujourd’hui, les grévistes ont bloqué le dépôt.",
     "Mercredi 26 novembre, les grévistes ont bloqué le dépôt."),
    ("Le vote a eu lieu hier soir.", "Le vote a eu lieu mardi 25 novembre soir."),
    ("Le procès s'ouvrira demain à Paris.", "Le procès s'ouvrira jeudi 27 novembre à Paris."),
    ("Il s'est exprimé ce soir devant la presse.",
     "Il s'est exprimé mercredi 26 novembre soir devant la presse."),
    ("Le sommet a commencé dimanche à Bruxelles.", "Le sommet a commencé dimanche 23 novembre à Bruxelles."),
    ("Le sommet a commencé lundi à Bruxelles.", "Le sommet a commencé lundi à Bruxelles."),  # this week
    ("Le verdict est attendu vendredi.", "Le verdict est attendu vendredi."),  # still reads right
    ("La réunion du mercredi 19 novembre est reportée.", "La réunion du mercredi 19 novembre est reportée."),
])
def test_french_relative_days(text: str, expected: str) -> None:
    assert fix_relative_days(text, "fr", published=WEDNESDAY, issue_date=THURSDAY) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("The minister said today that the plant would close.",
     "The minister said on Wednesday, November 26 that the plant would close."),
    ("Today, strikers blocked the depot.", "On Wednesday, November 26, strikers blocked the depot."),
    ("The vote took place yesterday.", "The vote took place on Tuesday, November 25."),
    ("Yesterday's vote was close.", "Tuesday's vote was close."),
    ("The summit opened on Sunday in Brussels.", "The summit opened on Sunday, November 23 in Brussels."),
    ("A verdict is expected on Friday.", "A verdict is expected on Friday."),
    ("The trial opens tomorrow in London.", "The trial opens on Thursday, November 27 in London."),
    ("Talks will last until tomorrow.", "Talks will last until Thursday, November 27."),
])
def test_english_relative_days(text: str, expected: str) -> None:
    assert fix_relative_days(text, "en", published=WEDNESDAY, issue_date=THURSDAY) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("أعلن الوزير اليوم إغلاق المصنع.", "أعلن الوزير يوم الأربعاء 26 نوفمبر إغلاق المصنع."),
    ("وصل الوفد أمس إلى القاهرة.", "وصل الوفد يوم الثلاثاء 25 نوفمبر إلى القاهرة."),
    ("بدأت القمة يوم الأحد في الرياض.", "بدأت القمة يوم الأحد 23 نوفمبر في الرياض."),
    ("يحتفل البلد اليوم الوطني بالموسيقى.", "يحتفل البلد اليوم الوطني بالموسيقى."),  # "the national day"
    ("ينتظر الحكم يوم الجمعة.", "ينتظر الحكم يوم الجمعة."),  # still reads right
])
def test_arabic_relative_days(text: str, expected: str) -> None:
    assert fix_relative_days(text, "ar", published=WEDNESDAY, issue_date=THURSDAY) == expected


def test_relative_days_are_kept_when_read_the_same_day_or_in_other_languages() -> None:
    text = "Le ministre a annoncé aujourd'hui, après la réunion d'hier, un vote demain."
    assert fix_relative_days(text, "fr", published=THURSDAY, issue_date=THURSDAY) == text
    assert fix_relative_days("Heute ist Donnerstag.", "de", published=WEDNESDAY, issue_date=THURSDAY) == (
        "Heute ist Donnerstag.")


def test_relative_days_across_a_weekend_and_a_month() -> None:
    friday, monday = date(2025, 10, 31), date(2025, 11, 3)
    assert fix_relative_days("Le texte sera voté demain.", "fr", published=friday, issue_date=monday) == (
        "Le texte sera voté samedi 1er novembre.")
    assert fix_relative_days("The text passed yesterday.", "en", published=friday, issue_date=monday) == (
        "The text passed on Thursday, October 30.")
