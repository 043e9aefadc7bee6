from __future__ import annotations

import pytest

from newsletter.text import split_sentences, tokens, word_count


@pytest.mark.parametrize(("text", "expected"), [
    ("M. Benali a rencontré Mme Durand mardi. Le projet avance.",
     ["M. Benali a rencontré Mme Durand mardi.", "Le projet avance."]),
    ("Il a dit : « Nous sommes prêts. Le calendrier tient. » La suite viendra.",
     ["Il a dit : « Nous sommes prêts. Le calendrier tient. »", "La suite viendra."]),
    ("Le prix, p. ex. 1 200 euros, etc. Ensuite ? Rien… Les députés votent.",
     ["Le prix, p. ex. 1 200 euros, etc.", "Ensuite ?", "Rien…", "Les députés votent."]),
    ("Le vote a eu lieu mardi.Le texte part au Sénat.",
     ["Le vote a eu lieu mardi.", "Le texte part au Sénat."]),
])
def test_french_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text, "fr") == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("The U.S. Senate met at 9 a.m. on Monday. Dr. Okafor spoke.",
     ["The U.S. Senate met at 9 a.m. on Monday.", "Dr. Okafor spoke."]),
    ("Mr. Hale said “We are ready. It works.” Then he left!",
     ["Mr. Hale said “We are ready. It works.”", "Then he left!"]),
])
def test_english_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text, "en") == expected


def test_tokens_drop_stopwords_and_elisions() -> None:
    assert tokens("L'équipe d'Agadir a battu les tempêtes", "fr") == \
        ["équipe", "agadir", "battu", "tempête"]
    assert tokens("The storm hit the coast", "en") == ["storm", "hit", "coast"]


def test_word_count_counts_words_not_punctuation() -> None:
    assert word_count("L'Étoile d'Anfa gagne 2-1 ! — enfin.") == 5


def test_arabic_sentences_and_summary() -> None:
    from newsletter.curate.summarise import summarise

    text = ("أعلنت الحكومة عن إصلاح جديد للتعليم. وقال الوزير إن القرار نهائي؟ "
            "ويبدأ التطبيق في الشهر المقبل في كل المدارس. ورحبت النقابات بالخطوة.")
    assert split_sentences(text, "ar") == [
        "أعلنت الحكومة عن إصلاح جديد للتعليم.", "وقال الوزير إن القرار نهائي؟",
        "ويبدأ التطبيق في الشهر المقبل في كل المدارس.", "ورحبت النقابات بالخطوة."]
    summary = summarise(text, "ar", max_words=20)
    assert summary.startswith("أعلنت الحكومة") and word_count(summary) <= 20
