"""Grouping stories about the same event: TF-IDF cosine over title and summary tokens."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from ..models import Cluster, Story
from ..text import tokens


def cluster_stories(stories: Sequence[Story], *, threshold: float, language: str) -> list[Cluster]:
    """Clusters of stories, each led by its best source for an issue in ``language``.

    Copies of one story (same id, several feeds) always share a cluster; other stories
    join a cluster when their similarity to any member reaches ``threshold``.
    """
    by_id: dict[str, list[Story]] = {}
    for story in stories:
        by_id.setdefault(story.id, []).append(story)
    ids = sorted(by_id, key=lambda i: (-by_id[i][0].published.timestamp(), i))
    vectors = tfidf_vectors({i: by_id[i][0] for i in ids})
    groups: list[list[str]] = []
    for story_id in ids:
        best, best_sim = None, threshold
        for group in groups:
            sim = max(cosine(vectors[story_id], vectors[other]) for other in group)
            if sim >= best_sim:
                best, best_sim = group, sim
        if best is None:
            groups.append([story_id])
        else:
            best.append(story_id)
    clusters = []
    for group in groups:
        members = sorted((s for i in group for s in by_id[i]),
                         key=lambda s: _lead_key(s, language))
        clusters.append(Cluster(lead=members[0], others=tuple(members[1:])))
    return clusters


def _lead_key(story: Story, language: str) -> tuple[object, ...]:
    """The best source first: the issue's language, the heavier feed, the fuller text."""
    return (story.language != language, -story.weight, -len(story.text),
            story.published.timestamp(), story.source.name, story.id)


def tfidf_vectors(stories: dict[str, Story]) -> dict[str, dict[str, float]]:
    """Unit TF-IDF vectors of each story's title (counted twice) and summary."""
    bags = {
        i: Counter(tokens(f"{s.title} {s.title} {s.summary}", s.language))
        for i, s in stories.items()
    }
    df: Counter[str] = Counter()
    for bag in bags.values():
        df.update(bag.keys())
    n = len(bags) or 1
    vectors = {}
    for i, bag in bags.items():
        vec = {t: (1 + math.log(c)) * math.log((1 + n) / (1 + df[t])) for t, c in bag.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        vectors[i] = {t: v / norm for t, v in vec.items()}
    return vectors


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())
