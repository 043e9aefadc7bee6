"""Why each story stands where it does in the issue: for `newsletter rank --explain`.

The ranking gives every candidate its place in rank order (rank.select, reasons "place");
the issue then groups items by section, fits the reading time and leaves some out. This
walks the built Briefing and says, for each candidate, where it ended up and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..models import Briefing, ScoredCluster
from ..text import word_count
from .briefing import ESSENTIALS, CurateSettings
from .budget import MAX_ITEM_CHARS, item_words


@dataclass(frozen=True)
class Placement:
    """One candidate's place in the issue: which part, its rank, and why it is there."""

    part: str  # "essentials", "item", "in brief", "left out"
    section: str
    rank: int
    headline: str
    reason: str


def issue_order(briefing: Briefing, ranked: Sequence[ScoredCluster], settings: CurateSettings
                ) -> list[Placement]:
    """Every candidate in the order the email shows it, then those left out, with reasons."""
    budget = settings.reading_minutes * settings.words_per_minute
    out: list[Placement] = []
    for item in briefing.items[:ESSENTIALS] if len(briefing.items) > 1 else ():
        out.append(Placement("essentials", "", item.rank, item.headline,
                             "one of the first three items, in rank order"))
    shown = 0
    for section, items in briefing.sections:
        for place, item in enumerate(items):
            shown += 1
            if place == 0:
                why = (f"leads section «{section or '(none)'}», placed by its best item"
                       if shown > 1 else "the best-ranked item leads the issue")
            else:
                why = (f"grouped under «{section or '(none)'}» with #{items[0].rank} "
                       "(sections keep their stories together)")
            words = item_words(item)
            out.append(Placement("item", section, item.rank, item.headline,
                                 f"{why}; {words} words with its summary"))
    used = briefing.word_count
    for item in briefing.in_brief:
        out.append(Placement("in brief", "", item.rank, item.headline,
                             f"headline only: with its summary ({item_words(item)} words) it did "
                             "not fit the room left for items"))
    placed = {i.story_id for i in (*briefing.items, *briefing.in_brief)}
    for rank, scored in enumerate(ranked, 1):
        lead = scored.cluster.lead
        if lead.id in placed:
            continue
        if rank > settings.candidates:
            why = f"not a candidate: past the first {settings.candidates} in rank order"
        elif len(lead.title) > MAX_ITEM_CHARS or word_count(lead.title) > budget:
            why = "too long for any issue"
        elif used + word_count(lead.title) > budget:
            why = (f"the reading time was full ({used} of {budget} words; its headline alone "
                   f"is {word_count(lead.title)})")
        else:
            why = (f"the issue already read {used} of {budget} words "
                   f"({used / budget:.0%}) with its {len(briefing.in_brief)} «En bref» lines")
        out.append(Placement("left out", lead.section or "", rank, lead.title, why))
    return out
