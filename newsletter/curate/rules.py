"""Editorial rules: section weights, keyword boosts and penalties, pins and blocks."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlsplit

from ..models import Story
from ..urls import canonical_url


@dataclass(frozen=True)
class EditorialRules:
    """What the newsroom decided, from config and the editors' overrides file."""

    section_weights: tuple[tuple[str, float], ...] = ()
    keyword_weights: tuple[tuple[str, float], ...] = ()
    pins: tuple[str, ...] = ()  # story URLs, in the order they lead the issue
    block_urls: tuple[str, ...] = ()
    block_domains: tuple[str, ...] = ()
    block_keywords: tuple[str, ...] = ()

    @cached_property
    def _sections(self) -> dict[str, float]:
        return {name.casefold(): weight for name, weight in self.section_weights}

    @cached_property
    def _keywords(self) -> list[tuple[re.Pattern[str], str, float]]:
        return [(_word_pattern(k), k, w) for k, w in self.keyword_weights]

    @cached_property
    def _blocked_words(self) -> list[tuple[re.Pattern[str], str]]:
        return [(_word_pattern(k), k) for k in self.block_keywords]

    @cached_property
    def _pins(self) -> dict[str, int]:
        return {canonical_url(url): i for i, url in enumerate(self.pins)}

    def section_weight(self, section: str | None) -> float:
        return self._sections.get((section or "").casefold(), 1.0)

    def keyword_factor(self, story: Story) -> tuple[float, tuple[str, ...]]:
        """The product of the weights of the keywords in the story, and which matched."""
        text = f"{story.title} {story.summary}"
        factor, matched = 1.0, []
        for pattern, keyword, weight in self._keywords:
            if pattern.search(text):
                factor *= weight
                matched.append(keyword)
        return factor, tuple(matched)

    def pin_rank(self, stories: Sequence[Story]) -> int | None:
        """The pin position of a cluster (its best pinned story), or None."""
        ranks = [self._pins[s.url] for s in stories if s.url in self._pins]
        return min(ranks) if ranks else None

    def blocked(self, story: Story) -> str | None:
        """Why a story is blocked, or None."""
        if story.url in {canonical_url(u) for u in self.block_urls}:
            return "URL blocked"
        host = (urlsplit(story.url).hostname or "").lower()
        for domain in self.block_domains:
            d = domain.lower().lstrip(".")
            if host == d or host.endswith("." + d):
                return f"domain {domain} blocked"
        text = f"{story.title} {story.summary}"
        for pattern, keyword in self._blocked_words:
            if pattern.search(text):
                return f"keyword {keyword!r} blocked"
        return None


def _word_pattern(keyword: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(keyword)}(?!\w)", re.IGNORECASE)
