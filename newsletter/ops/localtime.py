"""When an issue is due for a subscriber: the cut-off, the local send time, the send window.

One issue per day is frozen at the cut-off ([schedule] cutoff, in the newsletter's zone).
With [schedule] local_delivery, a subscriber receives the issue of day D at the first
[schedule] send_at *of their own time zone* that comes at or after the cut-off of D
(subscribers without a zone use the newsletter's). So a reader west of the newsletter gets
it the same calendar day at their 07:00; a reader far east, whose 07:00 of day D came
before the cut-off, gets it at their next 07:00 (their calendar day D+1). Every subscriber
gets each issue once, one issue per local morning.

Local times are wall-clock times: a send time that does not exist that day (the spring-
forward gap) is moved forward by the gap (02:30 -> 03:30); one that happens twice (the
autumn fall-back) is the first of the two. zoneinfo's rules cover daylight saving time and
Morocco's Ramadan offset changes alike. Pure functions: "now" is always passed in.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..config import Config, parse_hhmm
from ..models import Subscriber

NOT_DUE = "not_due"  # their local send time has not come yet: a later round sends it
LATE = "late"  # past their send window: not sent (send --force sends it anyway)


@functools.lru_cache(maxsize=512)
def zone(name: str | None, default: str) -> ZoneInfo:
    """The subscriber's zone, or the newsletter's when none (or an unknown one) is set."""
    # "Europe" (a folder of the zone database) or a path raises OSError, not "not found".
    try:
        return ZoneInfo(name) if name else ZoneInfo(default)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return ZoneInfo(default)


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time: gap times move forward, repeated ones come first."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)  # fold=0: see the docstring


def cutoff_at(config: Config, issue_date: date) -> datetime:
    """When the issue of ``issue_date`` is frozen (UTC)."""
    return local_instant(issue_date, parse_hhmm(config.schedule.cutoff), config.zone)


def first_local_time_after(instant: datetime, at: time, tz: ZoneInfo) -> datetime:
    """The first instant at or after ``instant`` whose local time in ``tz`` is ``at`` (UTC)."""
    local_day = instant.astimezone(tz).date()
    for day in (local_day, local_day + timedelta(days=1)):
        candidate = local_instant(day, at, tz)
        if candidate >= instant:
            return candidate
    return local_instant(local_day + timedelta(days=2), at, tz)  # only across a skipped date


def due_at(config: Config, issue_date: date, zone_name: str | None = None) -> datetime:
    """When a subscriber in ``zone_name`` receives the issue (UTC).

    Without local delivery everyone receives it at send_at in the newsletter's zone.
    """
    at = parse_hhmm(config.schedule.send_at)
    if not config.schedule.local_delivery:
        return local_instant(issue_date, at, config.zone)
    tz = zone(zone_name, config.newsletter.timezone)
    return first_local_time_after(cutoff_at(config, issue_date), at, tz)


def window_closes(config: Config, issue_date: date, zone_name: str | None = None
                  ) -> datetime | None:
    """When the issue becomes stale for that subscriber ([delivery] send_window_hours)."""
    hours = config.delivery.send_window_hours
    return due_at(config, issue_date, zone_name) + timedelta(hours=hours) if hours else None


def delivery_hold(config: Config, issue_date: date, clock: Callable[[], datetime], *,
                  force: bool = False) -> Callable[[Subscriber], str | None]:
    """For the send stage: None when a subscriber's issue is due now, else NOT_DUE or LATE."""

    @functools.lru_cache(maxsize=512)
    def limits(zone_name: str | None) -> tuple[datetime, datetime | None]:
        return due_at(config, issue_date, zone_name), window_closes(config, issue_date, zone_name)

    def hold(subscriber: Subscriber) -> str | None:
        now = clock()
        due, closes = limits(subscriber.timezone)
        if now < due:
            return NOT_DUE
        if closes is not None and now > closes and not force:
            return LATE
        return None

    return hold


def open_issue_dates(config: Config, now: datetime) -> list[date]:
    """Issues a send round may still have to deliver: yesterday's and today's, cut off by now.

    Yesterday's matters with local delivery: readers far east get it up to a day later.
    """
    today = now.astimezone(config.zone).date()
    days = [today - timedelta(days=1), today]
    return [d for d in days if cutoff_at(config, d) <= now]
