"""Curation: same-story grouping, ranking, summaries, the reading-time budget, the briefing.

Pure: data in, data out (stories, settings and `now` passed in). May import only the
shared base and newsletter.text; never the store, delivery, web, feeds or anything with I/O.
"""

from .briefing import CurateSettings, blocked_stories, build_briefing, rank_stories
from .rules import EditorialRules

__all__ = ["CurateSettings", "EditorialRules", "blocked_stories", "build_briefing", "rank_stories"]
