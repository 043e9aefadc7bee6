"""Scoring clusters, with every component kept so an editor can see why."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

from ..models import Cluster, ScoredCluster


def score_clusters(
    clusters: Sequence[Cluster], *, now: datetime, half_life_hours: float, language: str
) -> list[ScoredCluster]:
    """Clusters with their scores, best first (ties broken by id, so the order is stable).

    score = recency x source weight x coverage, where recency halves every
    ``half_life_hours`` and coverage grows with the number of distinct sources.
    Clusters with no story in the issue's language are left out: a French edition
    tells French stories (other languages still show as "also in" sources).
    """
    scored = []
    for cluster in clusters:
        if cluster.lead.language not in (language, "und"):
            continue
        newest = max(s.published for s in cluster.stories)
        age_hours = max(0.0, (now - newest).total_seconds() / 3600)
        components = (
            ("recency", 0.5 ** (age_hours / half_life_hours)),
            ("source", max(s.weight for s in cluster.stories)),
            ("coverage", 1.0 + math.log2(len(cluster.source_names))),
        )
        score = math.prod(value for _, value in components)
        scored.append(ScoredCluster(cluster, round(score, 6), components))
    return sorted(scored, key=lambda s: (-s.score, s.cluster.lead.id))


def diversify(
    ranked: Sequence[ScoredCluster], *, max_per_source: int, max_per_section: int
) -> list[ScoredCluster]:
    """The ranked list with source and section caps applied (overflow goes to the end)."""
    per_source: dict[str, int] = {}
    per_section: dict[str, int] = {}
    kept, overflow = [], []
    for item in ranked:
        lead = item.cluster.lead
        source, section = lead.source.name, lead.section or ""
        if per_source.get(source, 0) >= max_per_source or \
                per_section.get(section, 0) >= max_per_section:
            overflow.append(item)
            continue
        per_source[source] = per_source.get(source, 0) + 1
        per_section[section] = per_section.get(section, 0) + 1
        kept.append(item)
    return kept + overflow
