"""The readership nudge: what readers clicked in recent issues, as a bounded ranking factor.

Pure: the pipeline reads the figures of past issues from the store (their stories, the
messages each edition delivered, the reader clicks, robots left out) and passes them in as
plain values; nothing here reads a clock, a file or the store.

For each section and each source, over the issues of the last ``days`` days (each weighing
half as much every ``half_life_days``):

    ratio = (clicks + PRIOR_CLICKS) / (expected + PRIOR_CLICKS)

where ``expected`` is what an average story would have drawn in the same places of the same
issues (the click-through of each place in the issue, from every story shown there, times
the messages delivered), so a section is not rewarded for being ranked high. The prior pulls
a thin figure toward 1 (a Gamma-Poisson shrinkage worth PRIOR_CLICKS clicks); below
``min_delivered`` messages delivered by the issues that showed it, a section or source gets
no nudge at all. A story's factor is its section's times its source's, bounded to
[1/max_factor, max_factor]; major news (see :func:`major_news`) is never lowered.
docs/ranking.md "Readership nudge" explains it for editors.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

# The prior's weight, in clicks: a section with 20 weighted clicks where 10 were expected
# reads as 1.33 rather than 2.0; with 200 where 100 were expected, as 1.83.
PRIOR_CLICKS = 20.0
# Major news, never lowered: told by this many publishers (coverage 1 + log2(3) = 2.58) ...
MAJOR_SITES = 3
# ... or with a magnitude at least the weight of counted casualties ("casualties_counted",
# 1.6 by default: « au moins neuf morts »), which the ranking passes in.


@dataclass(frozen=True)
class ShownStory:
    """One story of a past issue edition, as readers saw it, and their clicks on it."""

    section: str
    source: str
    rank: int  # its rank in the issue (1: the best)
    clicks: int  # reader clicks (robots excluded)
    brief: bool = False  # an « En bref » line (a headline, no summary)


@dataclass(frozen=True)
class IssueReadership:
    """One past issue edition: the messages it delivered and its stories."""

    issue_date: date
    delivered: int
    stories: tuple[ShownStory, ...]


@dataclass(frozen=True)
class LearnSettings:
    """[readership] learn_*: the window, its decay, the bound and the least data to act on."""

    days: int = 14
    half_life_days: float = 5.0
    max_factor: float = 1.25
    min_delivered: int = 200
    prior_clicks: float = PRIOR_CLICKS


@dataclass(frozen=True)
class GroupFigures:
    """One section's (or source's) readers over the window, and the factor drawn from them."""

    kind: str  # "section" or "source"
    name: str
    factor: float  # what the ranking uses: shrunk toward 1, bounded; 1.0 when thin
    ratio: float  # the shrunk ratio before the bound
    observed: float  # reader clicks, weighted by recency
    expected: float  # what average stories in the same places would have drawn, weighted
    clicks: int  # reader clicks, as counted
    delivered: int  # messages delivered by the issues that showed it, as counted
    shown: int  # stories shown
    first: date
    last: date
    thin: bool  # fewer than min_delivered delivered: no nudge

    def label(self) -> str:
        return f"section «{self.name or '(none)'}»" if self.kind == "section" else \
            f"source {self.name}"

    def describe(self, min_delivered: int) -> str:
        """What the factor rests on, in one line (for `rank --explain`)."""
        span = f"{self.first}" if self.first == self.last else f"{self.first} – {self.last}"
        base = (f"{self.delivered:,} delivered, {self.clicks:,} reader clicks on "
                f"{self.shown} stories, {span}")
        if self.thin:
            return (f"{self.label()} ×1 (too little to go by: {self.delivered:,} delivered "
                    f"< {min_delivered:,}; {self.clicks:,} clicks, {span})")
        bounded = "" if self.factor == self.ratio else f", bounded from {self.ratio:.3f}"
        return (f"{self.label()} ×{self.factor:.3f} ({self.observed:.0f} weighted clicks where "
                f"{self.expected:.0f} expected at the same places{bounded}; {base})")


@dataclass(frozen=True)
class ReadershipNudge:
    """What the window taught, per section and per source; applied story by story."""

    issue_date: date  # the issue being ranked
    settings: LearnSettings
    sections: tuple[GroupFigures, ...] = ()
    sources: tuple[GroupFigures, ...] = ()
    issues: int = 0
    delivered: int = 0
    clicks: int = 0
    first: date | None = None
    last: date | None = None
    _sections: dict[str, GroupFigures] = field(default_factory=dict, compare=False, repr=False)
    _sources: dict[str, GroupFigures] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._sections.update({_key(g.name): g for g in self.sections})
        self._sources.update({_key(g.name): g for g in self.sources})

    def section(self, name: str) -> GroupFigures | None:
        return self._sections.get(_key(name))

    def source(self, name: str) -> GroupFigures | None:
        return self._sources.get(_key(name))

    def summary(self) -> str:
        """The window in one line (for `rank --explain`)."""
        m = self.settings.max_factor
        if not self.issues:
            return (f"readership nudge: no delivered issue in the {self.settings.days} days "
                    f"before {self.issue_date}: every factor 1")
        if not self.clicks:
            return (f"readership nudge: {self.issues} issues {self.first} – {self.last}, "
                    f"{self.delivered:,} delivered messages, no reader click: every factor 1")
        return (f"readership nudge: {self.issues} issues {self.first} – {self.last}, "
                f"{self.delivered:,} delivered messages, {self.clicks:,} reader clicks; "
                f"half-life {self.settings.half_life_days:g} days, bounded to "
                f"[{1 / m:.3f}, {m:g}], none below {self.settings.min_delivered:,} delivered")

    def story_factor(self, section: str, source: str, major: str | None = None
                     ) -> tuple[float, str]:
        """The factor of a story of this section and source, and where it came from.

        ``major`` says why the story is major news (:func:`major_news`), or is None: a major
        story's factor is never below 1.
        """
        m = self.settings.max_factor
        found = [g for g in (self.section(section), self.source(source)) if g is not None]
        if not found:
            if not self.clicks:
                return 1.0, (f"×1: no reader click in the {self.settings.days} days before "
                             f"{self.issue_date}")
            where = f"section «{section or '(none)'}» or source {source}"
            return 1.0, (f"×1: no reader figures for {where} in the {self.settings.days} days "
                         f"before {self.issue_date}")
        product = 1.0
        for group in found:
            product *= group.factor
        factor = min(m, max(1 / m, product))
        parts = " · ".join(g.describe(self.settings.min_delivered) for g in found)
        note = f" (bounded from {product:.3f})" if factor != product else ""
        if factor < 1 and major:
            return 1.0, f"×1, not lowered from {factor:.3f}: major news ({major}); {parts}"
        return factor, f"×{factor:.3f}{note}: {parts}"


def major_news(magnitude: float, sites: int, threshold: float) -> str | None:
    """Why a story is major news (never lowered by readership), or None.

    Major: told by MAJOR_SITES publishers or more, or a magnitude (casualties, leaders,
    countries, figures) of at least ``threshold`` (the lexicon's ``casualties_counted``).
    """
    if magnitude >= threshold:
        return f"magnitude ×{magnitude:.2f} ≥ {threshold:g}"
    if sites >= MAJOR_SITES:
        return f"told by {sites} sites"
    return None


def place_of(story: ShownStory) -> str:
    """The place in the issue whose average click-through a story is compared with."""
    if story.brief:
        return "in brief"
    if story.rank <= 3:
        return str(story.rank)
    return "4-6" if story.rank <= 6 else "7-10" if story.rank <= 10 else "11+"


def learn(issues: Iterable[IssueReadership], *, issue_date: date, settings: LearnSettings
          ) -> ReadershipNudge:
    """Each section's and source's factor from the issues before ``issue_date`` in the window."""
    window = sorted((i for i in issues
                     if 0 < (issue_date - i.issue_date).days <= settings.days
                     and i.delivered > 0 and i.stories), key=lambda i: i.issue_date)
    if not window:
        return ReadershipNudge(issue_date, settings)
    weight = {i.issue_date: 0.5 ** ((issue_date - i.issue_date).days / settings.half_life_days)
              for i in window}
    rate = _place_rates(window, weight)
    total = sum(s.clicks for i in window for s in i.stories)
    groups = total > 0  # no reader click at all: nothing to compare, every factor 1
    return ReadershipNudge(
        issue_date, settings,
        sections=_groups("section", window, weight, rate, settings) if groups else (),
        sources=_groups("source", window, weight, rate, settings) if groups else (),
        issues=len(window), delivered=sum(i.delivered for i in window), clicks=total,
        first=window[0].issue_date, last=window[-1].issue_date)


def _place_rates(window: Sequence[IssueReadership], weight: dict[date, float]
                 ) -> dict[str, float]:
    """Weighted reader clicks per delivered message of a story at each place in the issue."""
    clicks: dict[str, float] = {}
    exposure: dict[str, float] = {}
    for issue in window:
        w = weight[issue.issue_date]
        for story in issue.stories:
            place = place_of(story)
            clicks[place] = clicks.get(place, 0.0) + w * story.clicks
            exposure[place] = exposure.get(place, 0.0) + w * issue.delivered
    return {place: clicks[place] / exposure[place] for place in clicks}


def _groups(kind: str, window: Sequence[IssueReadership], weight: dict[date, float],
            rate: dict[str, float], settings: LearnSettings) -> tuple[GroupFigures, ...]:
    observed: dict[str, float] = {}
    expected: dict[str, float] = {}
    clicks: dict[str, int] = {}
    shown: dict[str, int] = {}
    names: dict[str, str] = {}
    dates: dict[str, set[date]] = {}
    delivered_on = {i.issue_date: i.delivered for i in window}
    for issue in window:
        w = weight[issue.issue_date]
        for story in issue.stories:
            name = story.section if kind == "section" else story.source
            key = _key(name)
            names.setdefault(key, name)
            observed[key] = observed.get(key, 0.0) + w * story.clicks
            expected[key] = expected.get(key, 0.0) + w * issue.delivered * rate[place_of(story)]
            clicks[key] = clicks.get(key, 0) + story.clicks
            shown[key] = shown.get(key, 0) + 1
            dates.setdefault(key, set()).add(issue.issue_date)
    m, a = settings.max_factor, settings.prior_clicks
    out = []
    for key in sorted(names):
        delivered = sum(delivered_on[d] for d in dates[key])
        thin = delivered < settings.min_delivered
        ratio = 1.0 if thin or expected[key] + a <= 0 else \
            (observed[key] + a) / (expected[key] + a)
        out.append(GroupFigures(
            kind=kind, name=names[key], factor=min(m, max(1 / m, ratio)), ratio=ratio,
            observed=observed[key], expected=expected[key], clicks=clicks[key],
            delivered=delivered, shown=shown[key], first=min(dates[key]), last=max(dates[key]),
            thin=thin))
    return tuple(out)


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()
