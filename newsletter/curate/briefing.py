"""From the window's stories to the day's Briefing: cluster, rank, summarise, fit."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from ..models import Briefing, BriefingItem, ScoredCluster, SourceRef, Story
from ..text import word_count
from ..text.furniture import is_live_blog, strip_rubric
from .budget import fit_budget, fits_alone, reading_minutes
from .cluster import cluster_stories
from .newsvalue import NewsValue, default_news_value
from .rank import score_clusters, select
from .readership import ReadershipNudge
from .rules import EditorialRules
from .summarise import fix_relative_days, strip_boilerplate, summarise, truncate_words

WPM_BY_LANGUAGE = {"fr": 230, "en": 238, "ar": 180}
# Below this, a story's body is a teaser or a caption, not the article: no "n min read".
MIN_ARTICLE_WORDS = 150
# The fewest words an item may take (a headline and a one-line summary): how many
# candidates it takes to fill the reading time when max_items does not cap it.
MIN_ITEM_WORDS = 20
ESSENTIALS = 3  # the lead stories of "L'essentiel", one line each, at the top


@dataclass(frozen=True)
class CurateSettings:
    """The knobs of curation (from config [curate] and [newsletter])."""

    language: str
    title: str
    reading_minutes: int
    words_per_minute: int
    max_items: int
    in_brief_items: int
    half_life_hours: float
    cluster_threshold: float
    max_per_source: int
    summary_words: int
    redundancy: float = 0.5
    rules: EditorialRules = field(default_factory=EditorialRules)
    section_names: tuple[tuple[str, str], ...] = ()  # category -> heading, case-insensitive
    timezone: str = "UTC"  # the newsletter's: which day a story's "today" meant
    rubric_labels: tuple[str, ...] = ()  # besides text.furniture's built-in labels
    live_blogs: bool = False  # False: a live blog never becomes an item
    news_value: NewsValue = field(default_factory=default_news_value)
    front_pages: frozenset[str] = frozenset()  # feed URLs whose order is the publisher's
    readership: ReadershipNudge | None = None  # [readership] learn: what readers clicked lately

    @property
    def candidates(self) -> int:
        """How many ranked stories the issue may draw on: enough to fill its reading time."""
        if self.max_items:
            return self.max_items + self.in_brief_items
        return self.reading_minutes * self.words_per_minute // MIN_ITEM_WORDS + self.in_brief_items

    @property
    def max_per_section(self) -> int:
        """Stories of one section before the others get their turn: half an issue."""
        expected = self.max_items or self.reading_minutes * self.words_per_minute // (
            self.summary_words + 12)
        return max(2, expected // 2)


def rank_stories(stories: Sequence[Story], settings: CurateSettings, now: datetime
                 ) -> list[ScoredCluster]:
    """Clustered, scored and chosen candidates, best first (blocked stories left out)."""
    names = {k.casefold(): v for k, v in settings.section_names}
    allowed = [replace(s, section=names.get((s.section or "").casefold(), s.section))
               for s in stories if settings.rules.blocked(s) is None
               and (settings.live_blogs or not is_live_blog(s.title, s.url)
                    or settings.rules.pin_rank((s,)) is not None)]  # an editor's pin wins
    clusters = cluster_stories(allowed, threshold=settings.cluster_threshold,
                               language=settings.language)
    ranked = score_clusters(clusters, now=now, half_life_hours=settings.half_life_hours,
                            language=settings.language, rules=settings.rules,
                            news_value=settings.news_value, front_pages=settings.front_pages,
                            readership=settings.readership)
    return select(ranked, max_per_source=settings.max_per_source,
                  max_per_section=settings.max_per_section,
                  redundancy=settings.redundancy, limit=settings.candidates)


def blocked_stories(stories: Sequence[Story], settings: CurateSettings
                    ) -> list[tuple[Story, str]]:
    """The stories the editorial rules keep out, with the reason (for --explain)."""
    seen: set[str] = set()
    out = []
    for story in stories:
        reason = settings.rules.blocked(story)
        if reason and story.id not in seen:
            seen.add(story.id)
            out.append((story, reason))
    return out


# Another way to summarise a story in at most N words (None: keep the extractive one).
Summariser = Callable[[Story, int], str | None]


def build_briefing(stories: Sequence[Story], settings: CurateSettings, *, issue_date: date,
                   now: datetime, summariser: Summariser | None = None,
                   skipped: list[BriefingItem] | None = None) -> Briefing:
    """The day's briefing from the stories of its window (pure: time is passed in).

    Summaries are extractive; a ``summariser`` (e.g. a language model) may rewrite
    those of the items that made the cut, within the same word budget. Candidates too
    long for any issue are left out, and added to ``skipped`` when given.
    """
    ranked = rank_stories(stories, settings, now)
    return briefing_from_ranked(ranked, settings, issue_date=issue_date,
                                stories_seen=len({s.id for s in stories}),
                                summariser=summariser, skipped=skipped)


def briefing_from_ranked(ranked: Sequence[ScoredCluster], settings: CurateSettings, *,
                         issue_date: date, stories_seen: int,
                         summariser: Summariser | None = None,
                         skipped: list[BriefingItem] | None = None) -> Briefing:
    """The briefing from ranked candidates: summarised, then fitted to the reading time."""
    limit = settings.candidates
    leads = {s.cluster.lead.id: s.cluster.lead for s in ranked[:limit]}
    candidates = [_item(rank, scored, settings, issue_date)
                  for rank, scored in enumerate(ranked[:limit], 1)]
    items, brief, words = _fit(candidates, settings)
    if summariser is not None and items:
        rewritten = {}
        for item in items:
            text = summariser(leads[item.story_id], settings.summary_words)
            if text and word_count(text) <= settings.summary_words:
                rewritten[item.story_id] = replace(item, summary=text, summary_words=word_count(text))
        candidates = [rewritten.get(c.story_id, c) for c in candidates]
        items, brief, words = _fit(candidates, settings)
    if skipped is not None:
        budget = settings.reading_minutes * settings.words_per_minute
        skipped.extend(c for c in candidates if not fits_alone(c, budget))
    words += essentials_words(items)
    while brief and words > settings.reading_minutes * settings.words_per_minute:
        words -= word_count(brief.pop().headline)  # the estimate of L'essentiel fell short
    headlines = [i.headline for i in items + brief]
    subject, preheader = subject_and_preheader(headlines)
    return Briefing(
        issue_date=issue_date,
        language=settings.language,
        title=settings.title,
        subject=subject,
        preheader=preheader,
        items=tuple(items),
        in_brief=tuple(brief),
        reading_minutes=reading_minutes(words, settings.words_per_minute),
        word_count=words,
        stories_seen=stories_seen,
    )


def essentials_words(items: Sequence[BriefingItem]) -> int:
    """What "L'essentiel" adds to the reading: the lead headlines, read once more."""
    return sum(word_count(i.headline) for i in items[:ESSENTIALS]) if len(items) > 1 else 0


def _fit(candidates: list[BriefingItem], settings: CurateSettings
         ) -> tuple[list[BriefingItem], list[BriefingItem], int]:
    fittable = [c for c in candidates
                if fits_alone(c, settings.reading_minutes * settings.words_per_minute)]
    return fit_budget(
        candidates, minutes=settings.reading_minutes, words_per_minute=settings.words_per_minute,
        max_items=settings.max_items, in_brief_items=settings.in_brief_items,
        overhead=essentials_words(fittable),
    )


def _item(rank: int, scored: ScoredCluster, settings: CurateSettings,
          issue_date: date | None = None) -> BriefingItem:
    lead = scored.cluster.lead
    # The publisher's standfirst leads when the article itself is there to pick from.
    standfirst = lead.summary if lead.body else ""
    summary = summarise(lead.text, lead.language, max_words=settings.summary_words,
                        standfirst=standfirst)
    if not summary and lead.summary:
        summary = truncate_words(lead.summary, settings.summary_words)
    if issue_date is not None:
        published = lead.published.astimezone(ZoneInfo(settings.timezone)).date()
        summary = fix_relative_days(summary, lead.language, published=published,
                                    issue_date=issue_date)
    summary = strip_rubric(summary, lead.language, settings.rubric_labels)
    body_words = word_count(strip_boilerplate(lead.body)) if lead.body else 0
    if body_words < max(MIN_ARTICLE_WORDS, word_count(summary) * 2):
        body_words = 0  # a teaser or a caption: the article's length is not known
    seen = {lead.source.name}
    also_in: list[SourceRef] = []
    for story in scored.cluster.others:
        if story.source.name not in seen:
            seen.add(story.source.name)
            also_in.append(story.source)
    return BriefingItem(
        rank=rank,
        headline=strip_rubric(lead.title, lead.language, settings.rubric_labels),
        url=lead.url,
        summary=summary,
        source=lead.source.name,
        also_in=tuple(also_in),
        section=lead.section or "",
        reading_minutes=(reading_minutes(body_words, WPM_BY_LANGUAGE.get(lead.language, 230))
                         if body_words else None),
        summary_words=word_count(summary),
        score=scored.score,
        story_id=lead.id,
        image=lead.image,
    )


def story_item(rank: int, scored: ScoredCluster, settings: CurateSettings,
               issue_date: date | None = None) -> BriefingItem:
    """One briefing item, summarised as the build does it (for stories an editor adds)."""
    return _item(rank, scored, settings, issue_date)


def subject_and_preheader(headlines: list[str]) -> tuple[str, str]:
    """The subject (the lead story's headline) and preheader (the next two) the build gives."""
    return _subject(headlines), _preheader(headlines[1:ESSENTIALS])


def _subject(headlines: list[str]) -> str:
    if not headlines:
        return ""
    subject = headlines[0]
    return subject if len(subject) <= 90 else truncate_words(subject, 12)


def _preheader(headlines: list[str], limit: int = 140) -> str:
    text = ""
    for headline in headlines:
        candidate = f"{text} · {headline}" if text else headline
        if len(candidate) > limit:
            break
        text = candidate
    return text
