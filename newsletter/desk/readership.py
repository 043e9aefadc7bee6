"""What readers clicked, per issue edition and story: the desk's Readership page, the export
(`newsletter readership export`, the desk's download) and the history the ranking nudge
learns from ([readership] learn, curate/readership.py).

The figures join three things the store keeps: the stored briefing of each edition (its
stories, their rank, section and source), the delivery ledger (messages delivered, counted
under the edition each subscriber got) and the click counts (per story and hour, readers
and robots apart; never who clicked).

Small numbers are shown as ranges, not false precision (README "Readership", the desk):

- a count under 10 reads "fewer than 10" (0 stays 0);
- click-through (reader clicks per delivered message) reads "—" below 100 delivered
  messages; with fewer than 10 clicks, "under" the rate 10 clicks would have made; otherwise
  the 95 % range of a Poisson count (one figure when both ends round alike).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ..config import Config
from ..curate.readership import IssueReadership, ShownStory
from ..models import ClickCount
from ..people.lists import FORMULA_STARTS
from ..store import Store

FEWEST_SHOWN = 10  # counts below this read "fewer than 10"
FEWEST_DELIVERED = 100  # click-through of fewer delivered messages reads "—"
_Z = 1.959964  # 95 %
SENT_STATUSES = ("sending", "sent")  # issues whose messages went out


@dataclass(frozen=True)
class StoryFigures:
    """One story of an edition, where it stood, and the clicks on its link."""

    story_id: str
    rank: int  # its place in the issue: items in rank order, then « En bref » lines
    headline: str
    section: str
    source: str
    url: str
    brief: bool  # an « En bref » line
    clicks: int  # readers
    robots: int  # scanners and prefetchers, counted apart
    click_rank: int | None = None  # 1: the most clicked; None under FEWEST_SHOWN clicks


@dataclass(frozen=True)
class SectionFigures:
    section: str
    stories: int
    clicks: int


@dataclass(frozen=True)
class EditionFigures:
    """One issue edition's readers: delivered messages, clicks per story and section."""

    issue_date: date
    language: str
    delivered: int
    stories: tuple[StoryFigures, ...]
    robots: int  # every automated click on the edition's links

    @property
    def clicks(self) -> int:
        return sum(s.clicks for s in self.stories)

    def sections(self) -> list[SectionFigures]:
        """Each section's stories and clicks, most clicked first (then in issue order)."""
        found: dict[str, list[StoryFigures]] = {}
        for story in self.stories:
            found.setdefault(story.section, []).append(story)
        rows = [SectionFigures(name, len(items), sum(s.clicks for s in items))
                for name, items in found.items()]
        return sorted(rows, key=lambda r: -r.clicks)

    def by_clicks(self) -> list[StoryFigures]:
        """The stories most clicked first; those under FEWEST_SHOWN clicks last, in issue order."""
        return sorted(self.stories, key=lambda s: (s.click_rank is None, s.click_rank or 0,
                                                   s.rank))


# -- gathering -------------------------------------------------------------------------------


def delivered_by_edition(config: Config, store: Store, issue_date: date) -> dict[str, int]:
    """Messages delivered (ledger status "sent") per edition of the day.

    A subscriber gets the edition of their language when one was built, else the
    newsletter's own (as the desk's issues page counts them). The language is the one the
    subscriber has now: one who changed it since is counted under the new one.
    """
    editions = set(store.issue_editions(issue_date))
    main = config.newsletter.language
    out: dict[str, int] = {}
    for chosen, numbers in store.delivery_counts_by_language(issue_date).items():
        edition = chosen if chosen in editions else main
        out[edition] = out.get(edition, 0) + numbers.get("sent", 0)
    return out


def edition_figures(config: Config, store: Store, issue_date: date, language: str, *,
                    clicks: Sequence[ClickCount] | None = None,
                    delivered: Mapping[str, int] | None = None,
                    until: datetime | None = None) -> EditionFigures | None:
    """The figures of one stored edition (None when it was never built).

    ``clicks`` and ``delivered`` may be given when read already; ``until`` leaves out the
    clicks of hours from then on (what the ranking of a given day could have known).
    """
    briefing = store.issue_briefing(issue_date, language)
    if briefing is None:
        return None
    if clicks is None:
        clicks = store.click_counts(issue_date=issue_date, language=language, kind=None)
    if delivered is None:
        delivered = delivered_by_edition(config, store, issue_date)
    readers: dict[str, int] = {}
    robots: dict[str, int] = {}
    for count in clicks:
        if count.issue_date != issue_date or count.language != language:
            continue
        if until is not None and count.hour >= until:
            continue
        into = readers if count.kind == "reader" else robots
        into[count.story_id] = into.get(count.story_id, 0) + count.clicks
    stories = _stories(briefing, readers, robots)
    return EditionFigures(issue_date=issue_date, language=language,
                          delivered=delivered.get(language, 0), stories=stories,
                          robots=sum(robots.values()))


def _stories(briefing: Mapping[str, Any], readers: Mapping[str, int],
             robots: Mapping[str, int]) -> tuple[StoryFigures, ...]:
    shown = [(item, False) for item in briefing.get("items") or []]
    shown += [(item, True) for item in briefing.get("in_brief") or []]
    stories = [StoryFigures(
        story_id=str(item.get("story_id") or ""), rank=place, headline=str(item["headline"]),
        section=str(item.get("section") or ""), source=str(item.get("source") or ""),
        url=str(item.get("url") or ""), brief=brief,
        clicks=readers.get(str(item.get("story_id") or ""), 0),
        robots=robots.get(str(item.get("story_id") or ""), 0))
        for place, (item, brief) in enumerate(shown, 1)]
    counted = sorted({s.clicks for s in stories if s.clicks >= FEWEST_SHOWN}, reverse=True)
    rank_of = {}
    place = 1
    for n in counted:  # ties share the better rank (two stories at 2: the next is 4)
        rank_of[n] = place
        place += sum(1 for s in stories if s.clicks == n)
    return tuple(StoryFigures(**{**vars(s), "click_rank": rank_of.get(s.clicks)})
                 for s in stories)


def sent_editions(config: Config, store: Store, *, since: date | None = None,
                  until: date | None = None, language: str | None = None,
                  clicks_before: datetime | None = None) -> list[EditionFigures]:
    """Every edition that went out (sending or sent) from ``since`` to ``until``, oldest
    first; with ``clicks_before``, only the clicks counted in the hours before it."""
    listed = [r for r in store.list_issues() if r["status"] in SENT_STATUSES
              and (since is None or r["issue_date"] >= since)
              and (until is None or r["issue_date"] <= until)
              and (language is None or r["language"] == language)]
    clicks: dict[tuple[date, str], list[ClickCount]] = {}
    for count in store.click_counts(since=since, language=language, kind=None):
        clicks.setdefault((count.issue_date, count.language), []).append(count)
    delivered: dict[date, dict[str, int]] = {}
    out = []
    for row in sorted(listed, key=lambda r: (r["issue_date"], r["language"])):
        day, lang = row["issue_date"], row["language"]
        if day not in delivered:
            delivered[day] = delivered_by_edition(config, store, day)
        figures = edition_figures(config, store, day, lang, clicks=clicks.get((day, lang), []),
                                  delivered=delivered[day], until=clicks_before)
        if figures is not None:
            out.append(figures)
    return out


def learn_history(config: Config, store: Store, issue_date: date, language: str,
                  until: datetime) -> list[IssueReadership]:
    """The editions of ``language`` in the learning window before ``issue_date``, as plain
    figures for curate.readership.learn: reader clicks counted before ``until`` only."""
    days = config.readership.learn_days
    since = date.fromordinal(issue_date.toordinal() - days)
    last = date.fromordinal(issue_date.toordinal() - 1)
    return [IssueReadership(
        issue_date=e.issue_date, delivered=e.delivered,
        stories=tuple(ShownStory(section=s.section, source=s.source, rank=s.rank,
                                 clicks=s.clicks, brief=s.brief) for s in e.stories))
        for e in sent_editions(config, store, since=since, until=last, language=language,
                               clicks_before=until)]


# -- showing ---------------------------------------------------------------------------------


def count_text(n: int, t: Mapping[str, str]) -> str:
    """A count as the desk shows it: 0, "fewer than 10", or the number."""
    if 0 < n < FEWEST_SHOWN:
        return t["readership_fewer_than"].format(n=FEWEST_SHOWN)
    return grouped(n)


def grouped(n: int) -> str:
    """A whole number with its thousands apart (narrow no-break spaces: 12 345)."""
    return f"{n:,}".replace(",", "\u202f")


def rate_text(clicks: int, delivered: int, t: Mapping[str, str]) -> str:
    """Reader clicks per delivered message as the desk shows it (module docstring)."""
    if delivered < FEWEST_DELIVERED:
        return "—"
    if clicks == 0:
        return "0\u202f%"
    if clicks < FEWEST_SHOWN:
        return t["readership_under"].format(rate=percent(FEWEST_SHOWN / delivered))
    low, high = poisson_range(clicks)
    digits = _decimals(clicks / delivered)  # both ends as precise as the figure itself
    a, b = (f"{x / delivered * 100:.{digits}f}" for x in (low, high))
    return f"{a}\u202f%" if a == b else f"{a}–{b}\u202f%"


def poisson_range(n: int) -> tuple[float, float]:
    """The 95 % range of a Poisson count seen as ``n`` (Wilson–Hilferty's approximation of
    the exact Garwood interval: within 1 % of it from n = 10)."""
    if n <= 0:
        return 0.0, -math.log(0.025)
    low = n * (1 - 1 / (9 * n) - _Z / (3 * math.sqrt(n))) ** 3
    m = n + 1
    high = m * (1 - 1 / (9 * m) + _Z / (3 * math.sqrt(m))) ** 3
    return low, high


def percent(share: float) -> str:
    """A share as a percentage with two significant figures (12 %, 4.3 %, 0.27 %)."""
    return f"{share * 100:.{_decimals(share)}f}\u202f%"


def _decimals(share: float) -> int:
    value = share * 100
    return 0 if value >= 10 else 1 if value >= 1 else 2 if value >= 0.1 else 3


# -- export ----------------------------------------------------------------------------------

EXPORT_FIELDS = ("issue_date", "language", "delivered", "rank", "brief", "story_id", "headline",
                 "section", "source", "url", "reader_clicks", "robot_clicks", "click_through")


def export_rows(editions: Iterable[EditionFigures]) -> list[dict[str, Any]]:
    """One row per issue, edition and story: exact counts (the desk rounds, the export not)."""
    return [{
        "issue_date": e.issue_date.isoformat(), "language": e.language, "delivered": e.delivered,
        "rank": s.rank, "brief": s.brief, "story_id": s.story_id, "headline": s.headline,
        "section": s.section, "source": s.source, "url": s.url, "reader_clicks": s.clicks,
        "robot_clicks": s.robots,
        "click_through": round(s.clicks / e.delivered, 6) if e.delivered else None,
    } for e in editions for s in e.stories]


def write_export(rows: Sequence[Mapping[str, Any]], kind: str) -> str:
    """JSON (numbers as numbers) or CSV with every cell a spreadsheet would run defused."""
    if kind == "json":
        return json.dumps(list(rows), ensure_ascii=False, indent=2) + "\n"
    if kind != "csv":
        raise ValueError(f"export format must be csv or json, not {kind!r}")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: _cell(v) for k, v in row.items()} for row in rows)
    return out.getvalue()


def _cell(value: Any) -> str:
    """A CSV cell; text that starts like a formula (= + - @, tab, CR) gets a leading '."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
