from __future__ import annotations

from newsletter.curate.summarise import strip_boilerplate, summarise, truncate_words
from newsletter.text import word_count

ARTICLE = (
    "La tempête a frappé la côte atlantique dans la nuit de jeudi à vendredi. "
    "Les vents ont dépassé 110 km/h à Casablanca, selon la météorologie nationale. "
    "M. Karimi, maire adjoint, a déclaré : « Les écoles resteront fermées. Nous évaluons "
    "les dégâts. » Les secours sont intervenus plus de 300 fois sur la côte. "
    "La tempête doit s'éloigner samedi vers le nord.\n\n"
    "Par Karim Alaoui, avec Atlas Presse\n\nLire la suite sur notre site"
)


def test_boilerplate_is_removed() -> None:
    text = "Un paragraphe utile.\n\nRead more\n\nThe post Big news appeared first on TechWire Daily."
    assert strip_boilerplate(text) == "Un paragraphe utile."
    assert "Lire la suite" not in strip_boilerplate(ARTICLE)
    assert "Atlas Presse" not in strip_boilerplate(ARTICLE)


def test_summary_is_whole_sentences_within_budget_in_order() -> None:
    summary = summarise(ARTICLE, "fr", max_words=45)
    assert word_count(summary) <= 45
    assert summary.startswith("La tempête a frappé")
    assert summary.count("«") == summary.count("»")
    assert "Lire la suite" not in summary and "Atlas Presse" not in summary
    sentences = [s for s in ARTICLE.split(". ")]
    assert sentences  # summary sentences appear in article order:
    positions = [ARTICLE.index(part) for part in summary.split(". ") if part]
    assert positions == sorted(positions)


def test_truncate_never_cuts_inside_a_word_or_quote() -> None:
    text = "Il a dit « nous ne céderons jamais sur ce point » avant de partir vite."
    cut = truncate_words(text, 6)
    assert cut == "Il a dit …"
    assert truncate_words("un deux trois", 5) == "un deux trois"


def test_deterministic() -> None:
    assert summarise(ARTICLE, "fr", max_words=40) == summarise(ARTICLE, "fr", max_words=40)
