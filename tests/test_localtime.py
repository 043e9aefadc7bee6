"""Local-time delivery: one issue frozen at the cut-off, each subscriber at their own 07:00.

Time is frozen: each send round gets its own clock; nothing sleeps.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from newsletter import pipeline
from newsletter.config import Config
from newsletter.errors import StaleIssue
from newsletter.models import RenderedIssue
from newsletter.ops.localtime import due_at, open_issue_dates
from newsletter.store import Store
from tests.conftest import make_config


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def local_config(tmp_path: Path, zone: str = "Europe/Paris", cutoff: str = "06:00",
                 send_at: str = "07:00", window: float = 3.0) -> Config:
    return make_config(tmp_path, newsletter={"timezone": zone},
                       schedule={"cutoff": cutoff, "send_at": send_at, "local_delivery": True},
                       delivery={"send_window_hours": window})


# -- when is an issue due --------------------------------------------------------------------


@pytest.mark.parametrize(("zone", "day", "expected"), [
    # Paris cut-off 06:00 CET = 05:00 UTC on 27 Nov 2026.
    ("Europe/Paris", "2026-11-27", "2026-11-27 06:00"),
    ("America/New_York", "2026-11-27", "2026-11-27 12:00"),  # EST, same day
    ("Asia/Tokyo", "2026-11-27", "2026-11-27 22:00"),  # 07:00 on the 28th in Tokyo
    ("Asia/Kolkata", "2026-11-27", "2026-11-28 01:30"),  # +05:30: its 07:00 was before the cut-off
    ("Asia/Kathmandu", "2026-11-27", "2026-11-28 01:15"),  # +05:45
    ("Pacific/Honolulu", "2026-11-27", "2026-11-27 17:00"),
    (None, "2026-11-27", "2026-11-27 06:00"),  # no zone: the newsletter's
    ("Not/AZone", "2026-11-27", "2026-11-27 06:00"),  # a bad value never blocks a delivery
    # New York springs forward on 8 March 2026, Paris only on 29 March: 5 hours apart then.
    ("America/New_York", "2026-03-07", "2026-03-07 12:00"),
    ("America/New_York", "2026-03-09", "2026-03-09 11:00"),
    ("Europe/Paris", "2026-03-29", "2026-03-29 05:00"),  # 07:00 CEST on the day of the change
    ("Europe/Paris", "2026-03-28", "2026-03-28 06:00"),
    # Autumn: Paris falls back on 25 Oct, New York on 1 Nov.
    ("Europe/Paris", "2026-10-25", "2026-10-25 06:00"),
    ("America/New_York", "2026-10-31", "2026-10-31 11:00"),
    ("America/New_York", "2026-11-02", "2026-11-02 12:00"),
    # Casablanca leaves +01 for +00 during Ramadan (15 Feb - 22 Mar 2026).
    ("Africa/Casablanca", "2026-02-13", "2026-02-13 06:00"),
    ("Africa/Casablanca", "2026-02-16", "2026-02-16 07:00"),
    ("Africa/Casablanca", "2026-03-23", "2026-03-23 06:00"),
])
def test_each_zone_gets_the_issue_at_its_first_7am_after_the_cutoff(
        tmp_path: Path, zone: str | None, day: str, expected: str) -> None:
    config = local_config(tmp_path)
    assert due_at(config, date.fromisoformat(day), zone) == utc(expected)


@pytest.mark.parametrize(("zone", "day", "expected"), [
    # 02:30 does not exist when the clocks jump: the delivery moves forward with them.
    ("Europe/Paris", "2026-03-29", "2026-03-29 01:30"),  # = 03:30 CEST
    ("America/New_York", "2026-03-08", "2026-03-08 07:30"),  # = 03:30 EDT
    ("Africa/Casablanca", "2026-03-22", "2026-03-22 02:30"),  # end of Ramadan time: = 03:30 +01
    # 01:30 / 02:30 happen twice when the clocks go back: the first one, once.
    ("Europe/Paris", "2026-10-25", "2026-10-25 00:30"),  # 02:30 CEST
    ("America/New_York", "2026-11-01", "2026-11-01 05:30"),  # 01:30 EDT
    ("Africa/Casablanca", "2026-02-15", "2026-02-15 01:30"),  # 02:30 at +01, before Ramadan time
])
def test_nonexistent_and_repeated_local_times(tmp_path: Path, zone: str, day: str,
                                              expected: str) -> None:
    send_at = "01:30" if zone == "America/New_York" and day.endswith("11-01") else "02:30"
    config = local_config(tmp_path, zone="Pacific/Kiritimati", cutoff="00:00", send_at=send_at)
    # Kiritimati (+14) cuts the issue of day D off before day D starts anywhere else.
    assert due_at(config, date.fromisoformat(day), zone) == utc(expected)


def test_without_local_delivery_everyone_is_due_at_the_newsletters_send_time(
        tmp_path: Path) -> None:
    config = make_config(tmp_path, newsletter={"timezone": "Europe/Paris"})
    assert due_at(config, date(2026, 11, 27), "Asia/Tokyo") == utc("2026-11-27 06:00")


def test_open_issue_dates_are_those_already_cut_off(tmp_path: Path) -> None:
    config = local_config(tmp_path)
    assert open_issue_dates(config, utc("2026-11-27 04:59")) == [date(2026, 11, 26)]
    assert open_issue_dates(config, utc("2026-11-27 05:00")) == [date(2026, 11, 26),
                                                                date(2026, 11, 27)]


# -- send rounds through the real pipeline and ledger -----------------------------------------

DAY = date(2026, 3, 28)  # the eve of Europe's change to summer time; New York already changed
ISSUE = RenderedIssue(DAY, "fr", "Le sujet", "p",
                      '<p>Bonjour<a href="NL__UNSUBSCRIBE_URL__NL">x</a></p>',
                      "t NL__UNSUBSCRIBE_URL__NL\n")
ZONES = {  # subscriber zone -> when its issue must go out (UTC), worked out by hand
    "Europe/Paris": "2026-03-28 06:00",  # 07:00 CET (cut-off 06:00 CET = 05:00 UTC)
    None: "2026-03-28 06:00",
    "America/New_York": "2026-03-28 11:00",  # 07:00 EDT
    "Africa/Casablanca": "2026-03-28 06:00",  # 07:00 +01 (Ramadan time ended on 22 March)
    "Asia/Kolkata": "2026-03-29 01:30",  # 07:00 IST on the 29th
    "Asia/Kathmandu": "2026-03-29 01:15",
    "Pacific/Honolulu": "2026-03-28 17:00",
}


def seeded(config: Config) -> tuple[Store, dict[int, str | None]]:
    store = Store.open(config.database_url)
    now = utc("2026-03-27 12:00")
    ids = {}
    for i, zone in enumerate(ZONES):
        sid, _ = store.add_subscriber(f"s{i}@example.org", timezone=zone, now=now)
        ids[sid] = zone
    store.save_issue(ISSUE, {}, utc("2026-03-28 05:00"))
    return store, ids


def test_rounds_every_15_minutes_send_each_zone_once_at_its_hour(tmp_path: Path) -> None:
    config = local_config(tmp_path)
    store, ids = seeded(config)
    sent_at: dict[int, datetime] = {}
    now = utc("2026-03-28 05:00")
    while now <= utc("2026-03-29 06:00"):
        result = pipeline.send_stage(config, store, DAY, clock=lambda t=now: t)
        assert result.late == 0
        done = store.ledger_status(DAY, list(ids))
        for sid in done:
            sent_at.setdefault(sid, now)
        assert result.sent == len([s for s, t in sent_at.items() if t == now])
        now += timedelta(minutes=15)
    assert {ids[sid]: f"{t:%Y-%m-%d %H:%M}" for sid, t in sent_at.items()} == ZONES
    assert store.delivery_counts(DAY) == {"sent": len(ZONES)}
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == len(ZONES)  # once each
    assert store.issue_status(DAY, "fr") == "sent"


def test_the_issue_stays_sending_while_a_zone_waits(tmp_path: Path) -> None:
    config = local_config(tmp_path)
    store, _ = seeded(config)
    result = pipeline.send_stage(config, store, DAY, clock=lambda: utc("2026-03-28 06:00"))
    assert (result.sent, result.not_due) == (3, 4)
    assert store.issue_status(DAY, "fr") == "sending"


def test_the_send_window_is_checked_in_each_subscribers_time(tmp_path: Path) -> None:
    config = local_config(tmp_path, window=3.0)
    store, ids = seeded(config)
    # 09:30 UTC: Paris, Casablanca and no-zone are 3.5 h late; New York's 07:00 has not come.
    result = pipeline.send_stage(config, store, DAY, clock=lambda: utc("2026-03-28 09:30"))
    assert (result.sent, result.late, result.not_due) == (0, 3, 4)
    result = pipeline.send_stage(config, store, DAY, clock=lambda: utc("2026-03-28 11:15"))
    assert (result.sent, result.late) == (1, 0)  # New York, on time; the late ones were
    assert store.delivery_counts(DAY)["failed"] == 3  # recorded once, not counted each round
    forced = pipeline.send_stage(config, store, DAY, clock=lambda: utc("2026-03-28 11:15"),
                                 force=True)
    assert forced.sent == 3  # --force sends the late ones, and still only the due ones


def test_without_local_delivery_a_stale_issue_is_still_refused_whole(tmp_path: Path) -> None:
    config = make_config(tmp_path, newsletter={"timezone": "Europe/Paris"},
                         delivery={"send_window_hours": 3.0})
    store, _ = seeded(config)
    with pytest.raises(StaleIssue):
        pipeline.send_stage(config, store, DAY, clock=lambda: utc("2026-03-28 09:30"))
    result = pipeline.send_stage(config, store, DAY, clock=lambda: utc("2026-03-28 06:05"))
    assert result.sent == len(ZONES)  # everyone at the newsletter's 07:00


def test_a_stored_zone_that_is_a_folder_or_a_path_falls_back_to_the_newsletters() -> None:
    from newsletter.ops.localtime import zone

    for bad in ("Europe", "../../etc/passwd", "America/", "x" * 5000):
        assert zone(bad, "Africa/Casablanca").key == "Africa/Casablanca"
