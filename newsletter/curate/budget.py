"""Fitting the briefing into the reader's time: words per minute, minutes per issue."""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..models import BriefingItem
from ..text import word_count


def reading_minutes(words: int, words_per_minute: int) -> int:
    """Minutes to read ``words`` words, to the nearest minute (at least 1).

    The nearest, not the next: 4.6 minutes of reading shows as 5, 1.2 as 1 — never a
    figure further from the truth than rounding makes it.
    """
    return max(1, math.floor(words / words_per_minute + 0.5))


def item_words(item: BriefingItem) -> int:
    return word_count(item.headline) + item.summary_words


# The most characters one item (headline and summary) may take. Real ones stay far below
# (a 300-character headline and a 60-word summary make ~800): past it, a story is hostile or
# broken (one 50,000-character "word" counts as one word) and would push the others out.
MAX_ITEM_CHARS = 4_000


def fits_alone(item: BriefingItem, budget_words: int) -> bool:
    """Whether the item could fit an issue at all: within the reading time and MAX_ITEM_CHARS."""
    return (item_words(item) <= budget_words
            and len(item.headline) + len(item.summary) <= MAX_ITEM_CHARS)


# The room kept for each "En bref" line while items are added (a headline's usual length).
HEADLINE_WORDS = 12
# The share of the reading time an issue fills when there are enough candidates: a bit
# over 90 %, so that the minutes shown (rounded) stay within 10 % of the words read.
FILL = 0.92


def fit_budget(
    candidates: Sequence[BriefingItem],
    *,
    minutes: int,
    words_per_minute: int,
    max_items: int,
    in_brief_items: int,
    overhead: int = 0,
) -> tuple[list[BriefingItem], list[BriefingItem], int]:
    """Summarised items in rank order while they fit, then headline-only "En bref" lines.

    The reading time is the limit: items are added in rank order (one that does not fit
    the room left is passed over, and may still be a line), keeping room for
    ``in_brief_items`` lines; ``max_items`` caps them when not 0. Then come those lines,
    and more while the issue is under FILL of its time and candidates remain.
    ``overhead`` is what the issue reads besides (L'essentiel). Returns (items, in_brief,
    words without the overhead); words + overhead never exceed ``minutes`` × wpm.
    An item that could never fit (see ``fits_alone``) is skipped: it does not stop the others.
    """
    budget = minutes * words_per_minute - overhead
    rest = [item for item in candidates if fits_alone(item, budget)]
    room = budget - min(in_brief_items * HEADLINE_WORDS, budget // 10)
    items: list[BriefingItem] = []
    used = 0
    for item in list(rest):
        if max_items and len(items) >= max_items:
            break
        words = item_words(item)
        if used + words <= room:
            items.append(item)
            rest.remove(item)
            used += words
    brief: list[BriefingItem] = []
    for item in rest:
        if len(brief) >= in_brief_items and used >= FILL * budget:
            break
        words = word_count(item.headline)
        if used + words <= budget:
            brief.append(item)
            used += words
    return items, brief, used
