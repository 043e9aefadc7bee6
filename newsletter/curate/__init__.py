"""Curation: sentences and words, clustering, ranking, summaries, the reading-time budget."""

from .briefing import CurateSettings, build_briefing, rank_stories

__all__ = ["CurateSettings", "build_briefing", "rank_stories"]
