"""Bounding text from outside: at most N characters, cut between words, never inside a letter.

A "letter" here is a grapheme cluster (Unicode UAX #29): an é written as e + combining
accent, an Arabic letter with its harakat, a family emoji joined by ZWJ, a flag. Cutting
inside one leaves a stray accent or half an emoji, so the cut moves back to the cluster's
start. Limits are counted in characters (code points), never in bytes.
"""

from __future__ import annotations

import regex

ELLIPSIS = "…"

# Limits of what one feed entry may store (characters). Generous for real news: the longest
# headlines run ~200 characters and a long read ~60,000; anything past them is hostile or broken.
MAX_TITLE = 300
MAX_SUMMARY = 2_000
MAX_BODY = 100_000
MAX_NAME = 200  # a source's or an author's name
MAX_CATEGORY = 100
MAX_LANGUAGE = 35  # the longest well-formed BCP 47 tags stay under this
MAX_URL = 2_000  # a longer link is dropped, not cut: a cut URL leads nowhere

_GRAPHEME = regex.compile(r"\X")
_TRAILING = frozenset(",;:-–—·")
# A word boundary this far back from the limit is still worth it; closer to the start,
# cutting a long unbroken word (a URL, a run of emoji) at a letter keeps more of the text.
_WORD_SHARE = 0.6


def bound(text: str, max_chars: int) -> str:
    """``text`` if it has at most ``max_chars`` characters; else cut, with an ellipsis.

    The cut falls between words when one is near the limit, otherwise between two grapheme
    clusters; the result, ellipsis included, never has more than ``max_chars`` characters.
    """
    if len(text) <= max_chars:
        return text
    if max_chars < len(ELLIPSIS):
        return ""
    room = max_chars - len(ELLIPSIS)
    ends = _cluster_ends(text, room)
    spaces = [i for i, end in enumerate(ends) if end < len(text) and text[end].isspace()]
    if spaces and ends[spaces[-1]] >= room * _WORD_SHARE:
        ends = ends[: spaces[-1] + 1]
    while ends and _ignorable(text[(ends[-2] if len(ends) > 1 else 0):ends[-1]]):
        ends.pop()
    return (text[: ends[-1]] if ends else "") + ELLIPSIS


def _cluster_ends(text: str, room: int) -> list[int]:
    """The end offsets of the whole grapheme clusters that fit in ``room`` characters."""
    ends = []
    for match in _GRAPHEME.finditer(text):
        if match.end() > room:
            break
        ends.append(match.end())
    return ends


def _ignorable(cluster: str) -> bool:
    """Spaces and list punctuation that should not stand just before the ellipsis."""
    return cluster.isspace() or cluster in _TRAILING
