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
    """
    budget = minutes * words_per_minute
    items: list[BriefingItem] = []
    used = 0
    rest = list(candidates)
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
