"""Editors' changes to a Briefing, as pure functions (Briefing in, Briefing out).

The stories of a briefing form one ordered list: the full stories (``items``, told with
a summary) then the headlines "in brief". Moving a story across that line swaps it with
the neighbour on the other side, so the number of full stories only changes when an
editor says so (to_brief / to_full), drops or adds one.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from ..curate.briefing import subject_and_preheader
from ..curate.budget import item_words, reading_minutes
from ..errors import EditRefused
from ..models import Briefing, BriefingItem, SourceRef
from ..text import word_count

HEADLINE_MAX = 200
SUMMARY_MAX_WORDS = 150


def briefing_from_dict(data: dict[str, Any]) -> Briefing:
    """The inverse of pipeline.briefing_to_dict (the stored briefing_json)."""
    def item(d: dict[str, Any]) -> BriefingItem:
        refs = tuple(SourceRef(**r) for r in d.get("also_in", ()))
        return BriefingItem(**{**d, "also_in": refs})

    return Briefing(
        issue_date=date.fromisoformat(str(data["issue_date"])), language=data["language"],
        title=data["title"], subject=data["subject"], preheader=data["preheader"],
        items=tuple(item(d) for d in data["items"]),
        in_brief=tuple(item(d) for d in data["in_brief"]),
        reading_minutes=int(data["reading_minutes"]), word_count=int(data["word_count"]),
        stories_seen=int(data["stories_seen"]),
    )


def _stories(b: Briefing) -> list[BriefingItem]:
    return [*b.items, *b.in_brief]


def _index(b: Briefing, story_id: str) -> int:
    for i, item in enumerate(_stories(b)):
        if item.story_id == story_id:
            return i
    raise EditRefused(f"story {story_id} is not in the {b.issue_date} issue (any more)")


def _split(b: Briefing, stories: list[BriefingItem], full: int) -> Briefing:
    return replace(b, items=tuple(stories[:full]), in_brief=tuple(stories[full:]))


def drop(b: Briefing, story_id: str) -> Briefing:
    i = _index(b, story_id)
    stories = _stories(b)
    del stories[i]
    return _split(b, stories, len(b.items) - (1 if i < len(b.items) else 0))


def move(b: Briefing, story_id: str, offset: int) -> Briefing:
    """Up (offset -1) or down (+1), or to the top (pin: offset -len)."""
    i = _index(b, story_id)
    stories = _stories(b)
    story = stories.pop(i)
    stories.insert(max(0, min(len(stories), i + offset)), story)
    return _split(b, stories, len(b.items))


def pin(b: Briefing, story_id: str) -> Briefing:
    """To the top of the issue: the lead story (and the subject, unless set by hand)."""
    return move(b, story_id, -len(_stories(b)))


def to_brief(b: Briefing, story_id: str) -> Briefing:
    """A full story becomes the first headline in brief."""
    i = _index(b, story_id)
    if i >= len(b.items):
        return b
    stories = _stories(b)
    stories.insert(len(b.items) - 1, stories.pop(i))
    return _split(b, stories, len(b.items) - 1)


def to_full(b: Briefing, story_id: str) -> Briefing:
    """A headline in brief becomes the last full story (told with its summary)."""
    i = _index(b, story_id)
    if i < len(b.items):
        return b
    stories = _stories(b)
    stories.insert(len(b.items), stories.pop(i))
    return _split(b, stories, len(b.items) + 1)


def rewrite(b: Briefing, story_id: str, *, headline: str | None = None,
            summary: str | None = None) -> Briefing:
    """A new headline and/or summary, written by an editor."""
    i = _index(b, story_id)
    stories = _stories(b)
    item = stories[i]
    if headline is not None:
        headline = " ".join(headline.split())
        if not headline or len(headline) > HEADLINE_MAX:
            raise EditRefused(f"a headline needs 1 to {HEADLINE_MAX} characters")
        item = replace(item, headline=headline)
    if summary is not None:
        summary = " ".join(summary.split())
        words = word_count(summary)
        if words > SUMMARY_MAX_WORDS:
            raise EditRefused(f"a summary has at most {SUMMARY_MAX_WORDS} words ({words} given)")
        item = replace(item, summary=summary, summary_words=words)
    stories[i] = item
    return _split(b, stories, len(b.items))


def add(b: Briefing, item: BriefingItem, *, full: bool = True) -> Briefing:
    """A story an editor chose, last of the full stories (or of the headlines in brief)."""
    for other in _stories(b):
        if other.story_id == item.story_id or other.url == item.url:
            raise EditRefused(f"{item.url} is already in the issue: {other.headline!r}")
    stories = _stories(b)
    stories.insert(len(b.items) if full else len(stories), item)
    return _split(b, stories, len(b.items) + (1 if full else 0))


def use_source(b: Briefing, story_id: str, chosen: BriefingItem) -> Briefing:
    """Tell a story through another of its sources: ``chosen`` takes its place.

    The former lead becomes one of the "also in" sources; rank and score stay.
    """
    i = _index(b, story_id)
    stories = _stories(b)
    old = stories[i]
    former = SourceRef(name=old.source, url=old.url, feed_url="")
    others = tuple(r for r in old.also_in if r.url != chosen.url and r.name != chosen.source)
    stories[i] = replace(chosen, rank=old.rank, score=old.score, section=old.section,
                         also_in=(former, *others))
    return _split(b, stories, len(b.items))


def settle(b: Briefing, *, words_per_minute: int, subject: str | None = None,
           preheader: str | None = None) -> Briefing:
    """Word count, reading time, subject and preheader after a change.

    ``subject`` / ``preheader``: the editor's own, when set by hand; otherwise they follow
    the headlines as the build makes them.
    """
    words = sum(item_words(i) for i in b.items) + sum(word_count(i.headline) for i in b.in_brief)
    auto_subject, auto_preheader = subject_and_preheader([i.headline for i in _stories(b)])
    return replace(b, word_count=words, reading_minutes=reading_minutes(words, words_per_minute),
                   subject=subject if subject is not None else auto_subject,
                   preheader=preheader if preheader is not None else auto_preheader)
