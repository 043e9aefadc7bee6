"""Scoring clusters, with every component kept so an editor can see why, then choosing.

score = recency × source × coverage × section × keywords; pinned stories lead in pin
order; selection then penalises stories too close to those already chosen (maximal
marginal relevance) and applies per-source and per-section caps.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

from ..models import Cluster, ScoredCluster
from .cluster import cosine, tfidf_vectors
from .rules import EditorialRules

PIN_SCORE = 1000.0


def score_clusters(
    clusters: Sequence[Cluster], *, now: datetime, half_life_hours: float, language: str,
    rules: EditorialRules | None = None,
) -> list[ScoredCluster]:
    """Clusters with their scores, best first (ties broken by id, so the order is stable).

    Recency halves every ``half_life_hours``; coverage grows with the number of distinct
    sources. Clusters with no story in the issue's language are left out: a French
    edition tells French stories (other languages still show as "also in" sources).
    """
    rules = rules or EditorialRules()
    scored = []
    for cluster in clusters:
        if cluster.lead.language not in (language, "und"):
            continue
        newest = max(s.published for s in cluster.stories)
        age_hours = max(0.0, (now - newest).total_seconds() / 3600)
        keywords, _matched = rules.keyword_factor(cluster.lead)
        components = [
            ("recency", 0.5 ** (age_hours / half_life_hours)),
            ("source", max(s.weight for s in cluster.stories)),
            ("coverage", 1.0 + math.log2(len(cluster.source_names))),
            ("section", rules.section_weight(cluster.lead.section)),
            ("keywords", keywords),
        ]
        score = math.prod(value for _, value in components)
        pin = rules.pin_rank(cluster.stories)
        if pin is not None:
            components.append(("pinned", float(pin + 1)))
            score = PIN_SCORE - pin  # above everything, in pin order
        scored.append(ScoredCluster(cluster, round(score, 6), tuple(components)))
    return sorted(scored, key=lambda s: (-s.score, s.cluster.lead.id))


def select(
    ranked: Sequence[ScoredCluster], *, max_per_source: int, max_per_section: int,
    redundancy: float, limit: int,
) -> list[ScoredCluster]:
    """Choose up to ``limit``: pins first, then by score minus similarity to what is in.

    A cluster over its source's or section's cap waits until the others are placed.
    The redundancy penalty is recorded as a component ("redundancy", -penalty). What
    is not chosen follows in score order.
    """
    if not ranked:
        return []
    vectors = tfidf_vectors({s.cluster.lead.id: s.cluster.lead for s in ranked})
    best = max((s.score for s in ranked if not _pinned(s)), default=1.0) or 1.0
    closest = {s.cluster.lead.id: 0.0 for s in ranked}

    def value(item: ScoredCluster) -> float:
        if _pinned(item):
            return item.score
        return item.score / best - redundancy * closest[item.cluster.lead.id]

    pending = list(ranked)
    chosen: list[ScoredCluster] = []
    overflow: list[ScoredCluster] = []
    per_source: dict[str, int] = {}
    per_section: dict[str, int] = {}
    while pending and len(chosen) < limit:
        item = min(pending, key=lambda s: (-value(s), s.cluster.lead.id))
        pending.remove(item)
        lead = item.cluster.lead
        source, section = lead.source.name, lead.section or ""
        if not _pinned(item) and (per_source.get(source, 0) >= max_per_source
                                  or per_section.get(section, 0) >= max_per_section):
            overflow.append(item)
            continue
        penalty = 0.0 if _pinned(item) else redundancy * closest[lead.id]
        if penalty:
            item = ScoredCluster(item.cluster, item.score,
                                 (*item.components, ("redundancy", round(-penalty, 4))))
        per_source[source] = per_source.get(source, 0) + 1
        per_section[section] = per_section.get(section, 0) + 1
        chosen.append(item)
        mine = vectors[lead.id]
        for other in pending:
            key = other.cluster.lead.id
            closest[key] = max(closest[key], cosine(mine, vectors[key]))
    return chosen + overflow + pending


def _pinned(item: ScoredCluster) -> bool:
    return any(name == "pinned" for name, _ in item.components)
