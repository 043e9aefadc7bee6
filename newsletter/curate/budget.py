"""Fitting the briefing into the reader's time: words per minute, minutes per issue."""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..models import BriefingItem
from ..text import word_count


def reading_minutes(words: int, words_per_minute: int) -> int:
    """Minutes to read ``words`` words: max(1, ceil(words / wpm))."""
    return max(1, math.ceil(words / words_per_minute))


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


def fit_budget(
    candidates: Sequence[BriefingItem],
    *,
    minutes: int,
    words_per_minute: int,
    max_items: int,
    in_brief_items: int,
) -> tuple[list[BriefingItem], list[BriefingItem], int]:
    """Summarised items in rank order within the time budget, then headline-only items.

    Returns (items, in_brief, total words); total words / wpm never exceeds ``minutes``.
    An item that could never fit (see ``fits_alone``) is skipped: it does not stop the others.
    """
    budget = minutes * words_per_minute
    items: list[BriefingItem] = []
    used = 0
    rest = [item for item in candidates if fits_alone(item, budget)]
    while rest and len(items) < max_items:
        words = item_words(rest[0])
        if used + words > budget:
            break
        items.append(rest.pop(0))
        used += words
    brief: list[BriefingItem] = []
    for item in rest:
        if len(brief) == in_brief_items:
            break
        words = word_count(item.headline)
        if used + words <= budget:
            brief.append(item)
            used += words
    return items, brief, used
