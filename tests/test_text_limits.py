"""bound(): text from outside cut to N characters, between words, never inside a letter."""

from __future__ import annotations

import unicodedata

import pytest

from newsletter.text import bound
from newsletter.text.limits import ELLIPSIS

FAMILY = "👩\u200d👩\u200d👧\u200d👦"  # one letter on screen, seven code points
FLAG = "🇲🇦"


def test_short_text_is_untouched() -> None:
    assert bound("Grève des dockers", 17) == "Grève des dockers"
    assert bound("", 5) == ""


def test_long_text_is_cut_between_words_with_an_ellipsis() -> None:
    text = "La tempête Mirna place Casablanca en vigilance orange jusqu'à jeudi"
    out = bound(text, 30)
    assert out == "La tempête Mirna place…"
    assert len(out) <= 30


def test_no_dangling_punctuation_before_the_ellipsis() -> None:
    assert bound("Port, douanes, grève ; négociations reprises", 16) == "Port, douanes…"


def test_a_long_unbroken_word_is_cut_at_a_letter() -> None:
    out = bound("x" * 100_000, 300)
    assert out == "x" * 299 + ELLIPSIS and len(out) == 300


def test_never_inside_a_combining_sequence() -> None:
    # "é" written as e + U+0301: the cut must not leave the e without its accent.
    text = "e\u0301" * 50
    out = bound(text, 10)
    assert len(out) <= 10
    assert out == "e\u0301" * 4 + ELLIPSIS  # 9 code points would split the 5th é


def test_never_inside_an_emoji_zwj_sequence_or_a_flag() -> None:
    text = "ab" + FAMILY + FLAG + "cd"
    for limit in range(3, len(text)):
        out = bound(text, limit)
        body = out.removesuffix(ELLIPSIS)
        assert len(out) <= limit
        assert body in ("a", "ab", "ab" + FAMILY, "ab" + FAMILY + FLAG, "ab" + FAMILY + FLAG + "c")


def test_arabic_letters_keep_their_harakat() -> None:
    text = "بِسْمِ اللَّهِ الرَّحْمَٰنِ الرَّحِيمِ " * 20
    text = text.replace(" ", "")  # one long word: the cut has to fall between letters
    for limit in range(5, 40):
        body = bound(text, limit).removesuffix(ELLIPSIS)
        assert len(body) < limit
        # Never ends on a mark whose letter is cut off, nor on a letter whose marks are.
        assert not unicodedata.combining(text[len(body)]), (limit, body)


def test_one_enormous_letter_leaves_only_the_ellipsis() -> None:
    zalgo = "a" + "\u0301" * 5_000
    assert bound(zalgo, 50) == ELLIPSIS


@pytest.mark.parametrize("limit", [0, 1])
def test_tiny_limits(limit: int) -> None:
    assert len(bound("abc", limit)) <= limit
