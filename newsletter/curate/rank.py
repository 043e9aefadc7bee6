"""Scoring clusters by news value, with every signal kept so an editor can see why; choosing.

score = freshness × source × coverage × placement × section × magnitude × service × live
× keywords (× readership, when [readership] learn is on: curate/readership.py). Pinned
stories lead in pin order; selection then penalises stories too close to
those already chosen (maximal marginal relevance) and lets per-source and per-section caps
hold a story back. Every place gets its reason. docs/ranking.md explains each signal.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from functools import cache
from urllib.parse import urlsplit

from ..models import Cluster, ScoredCluster, Story
from ..text.furniture import is_live_blog
from .cluster import cosine, tfidf_vectors
from .newsvalue import (
    NewsValue,
    default_news_value,
    magnitude,
    normalise,
    piece_kind,
    section_labels,
    section_prior,
)
from .readership import ReadershipNudge, major_news
from .rules import EditorialRules
from .same_event import SameEvent

PIN_SCORE = 1000.0
_SAME_TIME = timedelta(minutes=1)  # feeds round their dates: closer than this is a tie
_MAGNITUDE_TEXT = 400  # characters of the summary read for magnitude cues, after the title


def score_clusters(
    clusters: Sequence[Cluster], *, now: datetime, half_life_hours: float, language: str,
    rules: EditorialRules | None = None, news_value: NewsValue | None = None,
    front_pages: frozenset[str] = frozenset(), readership: ReadershipNudge | None = None,
) -> list[ScoredCluster]:
    """Clusters with their scores, best first (ties broken by id, so the order is stable).

    Clusters with no story in the issue's language are left out: a French edition tells
    French stories (other languages still show as "also in" sources). ``front_pages``
    are the feed URLs whose order is the publisher's ranking ([[feeds]] front_page).
    ``readership`` (what readers clicked lately) adds its bounded factor to each score.
    """
    rules = rules or EditorialRules()
    nv = news_value or default_news_value()
    placed = placements([s for c in clusters for s in c.stories], front_pages, nv)
    editor_sections = {normalise(name): (name, weight) for name, weight in rules.section_weights}
    scored = []
    for cluster in clusters:
        if cluster.lead.language not in (language, "und"):
            continue
        components, reasons = _signals(cluster, now, half_life_hours, rules, nv, placed,
                                       editor_sections)
        if readership is not None:
            factor, why = _readership(cluster, dict(components), readership, nv)
            components.append(("readership", factor))
            reasons.append(("readership", why))
        score = math.prod(value for _, value in components)
        pin = rules.pin_rank(cluster.stories)
        if pin is not None:
            components.append(("pinned", float(pin + 1)))
            score = PIN_SCORE - pin  # above everything, in pin order
        scored.append(ScoredCluster(cluster, round(score, 6), tuple(components), tuple(reasons)))
    return sorted(scored, key=lambda s: (-s.score, s.cluster.lead.id))


def _signals(cluster: Cluster, now: datetime, half_life_hours: float, rules: EditorialRules,
             nv: NewsValue, placed: dict[tuple[str, str], tuple[float, str]],
             editor_sections: dict[str, tuple[str, float]]
             ) -> tuple[list[tuple[str, float]], list[tuple[str, str]]]:
    lead = cluster.lead
    newest = max(s.published for s in cluster.stories)
    age_hours = max(0.0, (now - newest).total_seconds() / 3600)
    sites = sorted({site_of(s.url) for s in cluster.stories})
    place = max((placed.get((s.id, s.source.feed_url), (1.0, "")) for s in cluster.stories),
                key=lambda p: p[0])
    section, section_why = _section(cluster, nv, editor_sections)
    size, size_why = max((magnitude(nv, f"{s.title}. {s.summary[:_MAGNITUDE_TEXT]}", s.language)
                          for s in cluster.stories if s.language == lead.language),
                         key=lambda m: m[0])
    kind = piece_kind(nv, lead.title, lead.url, lead.language)
    live = is_live_blog(lead.title, lead.url)
    keywords, matched = rules.keyword_factor(lead)
    components = [
        ("freshness", 0.5 ** (age_hours / half_life_hours)),
        ("source", max(s.weight for s in cluster.stories)),
        ("coverage", 1.0 + math.log2(len(sites))),
        ("placement", place[0]),
        ("section", section),
        ("magnitude", size),
        ("service", nv.weight(kind[0]) if kind else 1.0),
        ("live", nv.weight("live_blog") if live else 1.0),
        ("keywords", keywords),
    ]
    reasons = [
        ("freshness", f"newest {age_hours:.1f} h old, half-life {half_life_hours:g} h"),
        ("coverage", f"{len(sites)} site{'s' if len(sites) > 1 else ''}: {', '.join(sites)}"),
        ("placement", place[1] or "no front-page or editorial order"),
        ("section", section_why),
        ("magnitude", size_why),
    ]
    if kind:
        reasons.append(("service", f"{kind[0]} piece «{kind[1]}»"))
    if live:
        reasons.append(("live", "live blog"))
    if matched:
        reasons.append(("keywords", ", ".join(matched)))
    return components, reasons


def _readership(cluster: Cluster, values: dict[str, float], nudge: ReadershipNudge,
                nv: NewsValue) -> tuple[float, str]:
    """The lead's section and source nudge; never below 1 for major news."""
    lead = cluster.lead
    sites = len({site_of(s.url) for s in cluster.stories})
    major = major_news(values["magnitude"], sites, nv.weight("casualties_counted"))
    return nudge.story_factor(lead.section or "", lead.source.name, major)


def _section(cluster: Cluster, nv: NewsValue, editor: dict[str, tuple[str, float]]
             ) -> tuple[float, str]:
    """The editor's [sections] weight when one names the story's section, else the prior."""
    labels = [label for s in cluster.stories
              for label in section_labels(s.section, s.categories, s.url)]
    for label, kind in labels:
        if (hit := editor.get(normalise(label))) is not None:
            return hit[1], f"[sections] {hit[0]} = {hit[1]:g} ({kind} {label!r})"
    lead = cluster.lead
    return section_prior(nv, labels, lead.title, lead.language)


def placements(stories: Sequence[Story], front_pages: frozenset[str], nv: NewsValue
               ) -> dict[tuple[str, str], tuple[float, str]]:
    """(story id, feed URL) -> the placement factor and its reason, for ranked feeds.

    A feed ranks its stories when it is a front page ([[feeds]] front_page = true) or when
    its order is editorial: enough neighbouring items out of date order. The window's
    stories of such a feed are numbered by their place in it; the first gets
    ``front_page_top``, the bonus shrinking by ``placement_decay`` per place.
    """
    by_feed: dict[str, dict[str, Story]] = {}
    for story in stories:
        if story.position is not None:
            by_feed.setdefault(story.source.feed_url, {}).setdefault(story.id, story)
    top, decay = nv.weight("front_page_top"), nv.weight("placement_decay")
    out: dict[tuple[str, str], tuple[float, str]] = {}
    for feed, found in by_feed.items():
        items = sorted(found.values(), key=lambda s: (s.position, s.id))
        why = _ranked_feed(items, feed in front_pages, nv.weight("editorial_order_share"))
        if why is None:
            continue
        for place, story in enumerate(items):
            factor = 1.0 + (top - 1.0) * decay ** place
            out[(story.id, feed)] = (factor, f"{_ordinal(place + 1)} of {len(items)} in "
                                             f"{story.source.name} ({why})")
    return out


def _ranked_feed(items: list[Story], front_page: bool, share: float) -> str | None:
    if front_page:
        return "front page"
    pairs = len(items) - 1
    late = sum(1 for a, b in zip(items, items[1:], strict=False)
               if b.published > a.published + _SAME_TIME)
    if pairs > 0 and late >= 2 and late >= share * pairs:
        return f"editorial order: {late} of {pairs} neighbours out of date order"
    return None


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@cache
def site_of(url: str) -> str:
    """The registrable domain of a URL (lemonde.fr for www.lemonde.fr/…): one publisher."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if not host or "." not in host or re.fullmatch(r"[\d.]+|[\da-f:]+", host):
        return host or url
    from tld import get_fld  # the public suffix list, read at first use

    found = get_fld(host, fix_protocol=True, fail_silently=True)
    if isinstance(found, str) and found:
        return found
    return ".".join(host.split(".")[-2:])  # an unlisted suffix (.example, .test)


def select(
    ranked: Sequence[ScoredCluster], *, max_per_source: int, max_per_section: int,
    redundancy: float, limit: int,
) -> list[ScoredCluster]:
    """Choose up to ``limit``: pins first, then by score minus similarity to what is in.

    A cluster over its source's or section's cap waits until the others are placed.
    The redundancy penalty is recorded as a component ("redundancy", -penalty). Each
    cluster's reasons end with ("place", why it stands where it does). With a redundancy
    above 0, a candidate telling the same event as one placed before it (:mod:`.same_event`)
    joins that one's cluster (its stories become "also in") instead of taking a place.
    """
    if not ranked:
        return []
    vectors = tfidf_vectors({s.cluster.lead.id: s.cluster.lead for s in ranked})
    events = SameEvent([s.cluster.lead for s in ranked]) if redundancy > 0 else None
    best = max((s.score for s in ranked if not _pinned(s)), default=1.0) or 1.0
    closest = {s.cluster.lead.id: (0.0, "") for s in ranked}

    def value(item: ScoredCluster) -> float:
        if _pinned(item):
            return item.score
        return item.score / best - redundancy * closest[item.cluster.lead.id][0]

    pending = list(ranked)
    chosen: list[ScoredCluster] = []
    per_source: dict[str, int] = {}
    per_section: dict[str, int] = {}

    def held(item: ScoredCluster) -> str | None:
        """Why a story waits for the others (a cap it has reached), or None."""
        if _pinned(item):
            return None
        lead = item.cluster.lead
        if per_source.get(lead.source.name, 0) >= max_per_source:
            return (f"held back: {lead.source.name} already leads {max_per_source} stories "
                    "([curate] max_per_source); placed after the others")
        section = lead.section or ""
        if per_section.get(section, 0) >= max_per_section:
            return (f"held back: {max_per_section} stories of section «{section or '(none)'}» "
                    "already in; placed after the others")
        return None

    # One pass over what is left per pick (not per story held back): a day of thousands
    # of stories in one section stays linear in the stories times the picks.
    while len(chosen) < limit:
        eligible = [s for s in pending if held(s) is None]
        if not eligible:
            break
        item = min(eligible, key=lambda s: (-value(s), s.cluster.lead.id))
        pending.remove(item)
        if _join_same_event(item, chosen, events, vectors):
            continue
        lead = item.cluster.lead
        similarity, near = closest[lead.id]
        penalty = 0.0 if _pinned(item) else redundancy * similarity
        if penalty:
            item = replace(item, components=(*item.components,
                                             ("redundancy", round(-penalty, 4))))
        chosen.append(_placed(item, _why(item, len(chosen) + 1, best, penalty, near)))
        per_source[lead.source.name] = per_source.get(lead.source.name, 0) + 1
        per_section[lead.section or ""] = per_section.get(lead.section or "", 0) + 1
        mine = vectors[lead.id]
        for other in pending:
            key = other.cluster.lead.id
            sim = cosine(mine, vectors[key])
            if sim > closest[key][0]:
                closest[key] = (sim, lead.title)
    if len(chosen) < limit:  # what is left is held back by a cap: by value, after the others
        pending.sort(key=lambda s: (-value(s), s.cluster.lead.id))
        for item in pending:
            if not _join_same_event(item, chosen, events, vectors):
                chosen.append(_placed(item, held(item) or ""))
        return chosen
    return chosen + [_placed(item, held(item) or f"not reached: past the first {limit} "
                                                 "candidates, in score order") for item in pending]


def _join_same_event(item: ScoredCluster, chosen: list[ScoredCluster], events: SameEvent | None,
                     vectors: dict[str, dict[str, float]]) -> bool:
    """Join ``item`` to the first placed cluster telling the same event; False if none does.

    An editor's pin is never joined to another story.
    """
    if events is None or _pinned(item):
        return False
    lead = item.cluster.lead
    for k, placed in enumerate(chosen):
        similarity = cosine(vectors[placed.cluster.lead.id], vectors[lead.id])
        names = events.names_shared(placed.cluster.lead, lead, similarity)
        if names:
            cluster = replace(placed.cluster, others=(*placed.cluster.others, *item.cluster.stories))
            why = (f"«{lead.title}» ({lead.source.name}) joined: both headlines name "
                   f"{' and '.join(names)}, names few of the day's stories use")
            chosen[k] = replace(placed, cluster=cluster, reasons=(*placed.reasons, ("same event", why)))
            return True
    return False


def _why(item: ScoredCluster, place: int, best: float, penalty: float, near: str) -> str:
    if _pinned(item):
        pin = int(dict(item.components)["pinned"])
        return f"pinned by the editors (pin {pin})"
    relative = item.score / best
    if not penalty:
        return f"highest value left: score {relative:.3f} of the best"
    return (f"highest value left: score {relative:.3f} of the best − redundancy {penalty:.3f} "
            f"(close to «{near}»)")


def _placed(item: ScoredCluster, why: str) -> ScoredCluster:
    return replace(item, reasons=(*item.reasons, ("place", why)))


def _pinned(item: ScoredCluster) -> bool:
    return any(name == "pinned" for name, _ in item.components)
