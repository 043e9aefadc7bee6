"""Curation: sentences and words, clustering, ranking, summaries, the reading-time budget."""

from .briefing import CurateSettings, blocked_stories, build_briefing, rank_stories
from .rules import EditorialRules

__all__ = ["CurateSettings", "EditorialRules", "blocked_stories", "build_briefing", "rank_stories"]
