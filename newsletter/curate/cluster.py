"""Grouping stories about the same event: communities in the day's similarity graph.

Each story is a unit TF-IDF vector of its headline (counted twice) and the opening of its
summary (:mod:`newsletter.text.matching` words, rarity measured over the day). The groups are
the partition that maximises, over all groups, the sum of cosine similarities inside the
group minus ``threshold`` for every pair inside it (the Constant Potts Model of Traag, Van
Dooren and Nesterov, 2011). Two groups are better as one exactly when the *mean* similarity
between their stories exceeds ``threshold``, so a chain A~B~C does not pull A and C together
as single-link grouping did, while a story that rephrases a whole group still joins it.

The partition is searched with Louvain's method (Blondel et al., 2008): move one story at a
time to the group it gains most by joining, then treat each group as one node and repeat.
A group is kept as the sum of its stories' vectors, so the similarity of a story to a group is
one sparse dot product over the words they share: no pair of stories is ever listed, and the
cost grows with the number of (word, group) pairs, about linearly with the day's stories.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence

from ..models import Cluster, Story
from ..text import tokens
from ..text.matching import terms

Vector = dict[str, float]

_HEADLINE_WEIGHT = 2  # a headline word counts as two summary words
_PAIR_WEIGHT = 0.5  # two adjacent headline words, as one term: "bankruptcy protection", "mt gox"
_ONCE_DAY = 250  # a term in one story of a day larger than this weighs sqrt(_ONCE_DAY / stories)
_REFINE = 8  # rounds of single-story moves between final groups, then merging again, at most
_SUMMARY_TERMS = 60  # the opening of a summary says what it is about; the rest adds noise
_LOOKAHEAD_DF = 16  # first pass: an unvisited story is a candidate through words this rare
_MAX_SWEEPS = 32  # passes of local moves per level, at most
_SETTLED = 200  # passes end once one moves at most 1 node in this many (under 200: none)
_EPSILON = 1e-12


def cluster_stories(stories: Sequence[Story], *, threshold: float, language: str) -> list[Cluster]:
    """Clusters of stories, each led by its best source for an issue in ``language``.

    Copies of one story (same id, several feeds) are one node, so they always share a cluster.
    Two groups are one when the mean cosine similarity between their stories exceeds
    ``threshold``; above 1 nothing groups. Deterministic: clusters come in order of their
    newest story, members led by :func:`_lead_key`.
    """
    by_id: dict[str, list[Story]] = {}
    for story in stories:
        by_id.setdefault(story.id, []).append(story)
    ids = sorted(by_id, key=lambda i: (-by_id[i][0].published.timestamp(), i))
    vectors = story_vectors([by_id[i][0] for i in ids])
    clusters = []
    for group in communities(vectors, threshold):
        members = sorted((s for index in group for s in by_id[ids[index]]),
                         key=lambda s: _lead_key(s, language))
        clusters.append(Cluster(lead=members[0], others=tuple(members[1:])))
    return clusters


def _lead_key(story: Story, language: str) -> tuple[object, ...]:
    """The best source first: the issue's language, the heavier feed, the fuller text."""
    return (story.language != language, -story.weight, -len(story.text),
            story.published.timestamp(), story.source.name, story.id)


def story_vectors(stories: Sequence[Story]) -> list[Vector]:
    """Unit TF-IDF vectors of the stories' headlines and summary openings, rarity over these stories.

    Term frequency is damped (1 + ln count) and idf smoothed (1 + ln((n + 1) / (df + 1))), except
    that a word found in every story weighs nothing: it tells none of them apart (feed boilerplate,
    a headline template shared by the day's stories). On a large day a term found in one story
    only weighs less, sqrt(_ONCE_DAY / stories): among hundreds of stories it is mostly incidental
    wording, which matches no other story and only shrinks that story's similarity to every other
    (most headline word pairs are such terms). On a small day it keeps full weight: there the
    once-seen words are often what tells stories apart (a town in a shared headline template).
    """
    bags = [_bag(story) for story in stories]
    df: Counter[str] = Counter()
    for bag in bags:
        df.update(bag.keys())
    n = len(bags)
    once = min(1.0, math.sqrt(_ONCE_DAY / n)) if n else 1.0
    vectors = []
    for bag in bags:
        vec = {t: (1.0 + math.log(c)) * (1.0 + math.log((n + 1) / (df[t] + 1)))
               * (once if df[t] == 1 else 1.0)
               for t, c in sorted(bag.items()) if df[t] < n or n == 1}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        vectors.append({t: v / norm for t, v in vec.items()})
    return vectors


def _bag(story: Story) -> dict[str, float]:
    """Term counts: summary opening once, headline words _HEADLINE_WEIGHT, headline pairs."""
    bag: dict[str, float] = defaultdict(float)
    for term in terms(story.summary, story.language)[:_SUMMARY_TERMS]:
        bag[term] += 1
    title = terms(story.title, story.language)
    for term in title:
        bag[term] += _HEADLINE_WEIGHT
    for first, second in zip(title, title[1:], strict=False):
        bag[f"{first} {second}"] += _PAIR_WEIGHT
    return bag


def communities(vectors: Sequence[Vector], threshold: float) -> list[list[int]]:
    """Groups of the indices of ``vectors`` (unit, sparse) maximising the Constant Potts Model.

    Louvain: local moves of nodes, then each group becomes one node (the sum of its vectors),
    until a level moves nothing. Then single stories move between the groups found (a story
    merged early with a group that later grew away from it), and Louvain resumes from there,
    until no story moves. Groups come in order of their lowest index, each sorted.
    """
    stories = [dict(v) for v in vectors]
    label = _louvain(stories, list(range(len(stories))), threshold, first=True)
    for _ in range(_REFINE):
        moved = _local_moves(stories, [1] * len(stories), threshold, first=False, start=label)
        if moved == label:
            break
        label = _louvain(stories, moved, threshold, first=False)
    groups: dict[int, list[int]] = {}
    for index, group in enumerate(label):
        groups.setdefault(group, []).append(index)
    return sorted(groups.values(), key=lambda m: m[0])


def _louvain(stories: list[Vector], start: list[int], threshold: float, *, first: bool) -> list[int]:
    """Each story's group (named by its lowest story): Louvain levels from the partition ``start``."""
    nodes, sizes, members = _merge(stories, [1] * len(stories), [[i] for i in range(len(stories))], start)
    while nodes:
        labels = _local_moves(nodes, sizes, threshold, first=first)
        first = False
        if len(set(labels)) == len(nodes):
            break
        nodes, sizes, members = _merge(nodes, sizes, members, labels)
    label = [0] * len(stories)
    for group in members:
        for index in group:
            label[index] = min(group)
    return label


def _merge(nodes: list[Vector], sizes: list[int], members: list[list[int]],
           labels: list[int]) -> tuple[list[Vector], list[int], list[list[int]]]:
    """One node per label (in order of its first node): summed vectors, sizes and members."""
    order = list(dict.fromkeys(labels))
    index = {label: k for k, label in enumerate(order)}
    merged: list[dict[str, float]] = [defaultdict(float) for _ in order]
    merged_sizes = [0] * len(order)
    merged_members: list[list[int]] = [[] for _ in order]
    for node, label in enumerate(labels):
        k = index[label]
        for term, value in nodes[node].items():
            merged[k][term] += value
        merged_sizes[k] += sizes[node]
        merged_members[k].extend(members[node])
    return [dict(m) for m in merged], merged_sizes, merged_members


def _local_moves(nodes: list[Vector], sizes: list[int], threshold: float, *, first: bool,
                 start: list[int] | None = None) -> list[int]:
    """Each node's group after moving nodes one at a time while one gains by moving.

    Moving node i (``sizes[i]`` stories) into group g gains sim(i, g) - threshold * sizes[i] *
    stories(g), where sim is the sum of cosines between their stories: the dot product of i's
    vector with g's summed vector, read from ``sums`` (word -> group -> summed weight). On the
    ``first`` level the nodes join ``sums`` as they are visited, and a node not yet visited is
    offered only through a word shared by at most ``_LOOKAHEAD_DF`` stories (the visited ones
    are always offered exactly): no pass looks at every pair of stories sharing a common word.
    Other levels may ``start`` from a partition (labels are node indices) instead of singletons.
    """
    label = list(start) if start is not None else list(range(len(nodes)))
    stories = [0] * len(nodes)  # per group
    for node, group in enumerate(label):
        stories[group] += sizes[node]
    sums: dict[str, dict[int, float]] = defaultdict(dict)
    self_sim = [_dot(v, v) for v in nodes]
    rare = _rare_postings(nodes) if first else {}
    if not first:
        for i, vec in enumerate(nodes):
            _add(vec, label[i], sums)
    for sweep in range(_MAX_SWEEPS):
        visiting = first and sweep == 0
        moved = 0
        for i, vec in enumerate(nodes):
            own = label[i]
            links = _links(vec, sums)
            if visiting:  # groups still named after a node not visited yet lack that node's vector
                for j in {*(g for g in links if g > i), *_later(i, vec, rare)}:
                    links[j] = links.get(j, 0.0) + _dot(vec, nodes[j])
            else:
                links[own] = links.get(own, 0.0) - self_sim[i]
            stories[own] -= sizes[i]
            penalty = threshold * sizes[i]
            best, best_gain = own, links.get(own, 0.0) - stories[own] * penalty
            for group, sim in links.items():
                gain = sim - stories[group] * penalty
                if gain > best_gain + _EPSILON:  # only a real gain moves: the passes end
                    best, best_gain = group, gain
            if best_gain < -_EPSILON and not stories[i]:  # better alone, in the group named after it
                best = i
            stories[best] += sizes[i]
            if not visiting and best != own:
                _remove(vec, own, sums)
            if visiting or best != own:
                _add(vec, best, sums)
            if best != own:
                label[i] = best
                moved += 1
        if not visiting and moved <= len(nodes) // _SETTLED:
            break
    return label


def _links(vec: Vector, sums: dict[str, dict[int, float]]) -> dict[int, float]:
    """Summed similarity of ``vec`` to each group sharing one of its words."""
    links: dict[int, float] = {}
    get = links.get
    for term, value in vec.items():
        by_group = sums.get(term)
        if by_group:
            for group, total in by_group.items():
                links[group] = get(group, 0.0) + value * total
    return links


def _add(vec: Vector, group: int, sums: dict[str, dict[int, float]]) -> None:
    for term, value in vec.items():
        by_group = sums[term]
        by_group[group] = by_group.get(group, 0.0) + value


def _remove(vec: Vector, group: int, sums: dict[str, dict[int, float]]) -> None:
    for term, value in vec.items():
        by_group = sums[term]
        left = by_group[group] - value
        if left > 1e-9:
            by_group[group] = left
        else:
            del by_group[group]


def _rare_postings(nodes: list[Vector]) -> dict[str, list[int]]:
    postings: dict[str, list[int]] = defaultdict(list)
    for i, vec in enumerate(nodes):
        for term in vec:
            postings[term].append(i)
    return {t: p for t, p in postings.items() if len(p) <= _LOOKAHEAD_DF}


def _later(i: int, vec: Vector, rare: dict[str, list[int]]) -> Iterator[int]:
    """Nodes after ``i`` that share one of its rare words."""
    for term in vec:
        posting = rare.get(term)
        if posting:
            yield from posting[bisect_right(posting, i):]


def _dot(a: Vector, b: Vector) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())


def tfidf_vectors(stories: dict[str, Story]) -> dict[str, dict[str, float]]:
    """Unit TF-IDF vectors of each story's title (counted twice) and summary (ranking's redundancy test)."""
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
    """The cosine of two unit vectors."""
    return _dot(a, b)
