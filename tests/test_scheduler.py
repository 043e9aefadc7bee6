"""`newsletter schedule`: jobs from the config, kept in the database across restarts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, JobEvent

from newsletter.config import Config
from newsletter.ops.scheduler import next_runs, planned_jobs, start_scheduler
from newsletter.store import Store
from tests.conftest import make_config, new_store

PARIS = ZoneInfo("Europe/Paris")


def paris_config(tmp_path: Path, **schedule: Any) -> Config:
    return make_config(tmp_path, newsletter={"timezone": "Europe/Paris"},
                       schedule={"cutoff": "06:00", "send_at": "07:15", **schedule})


def next_local(hour: int, minute: int, now: datetime) -> datetime:
    """The next hh:mm in Paris after now, worked out without APScheduler."""
    local = now.astimezone(PARIS)
    for days in (0, 1, 2):
        at = datetime.combine(local.date() + timedelta(days=days),
                              datetime.min.time().replace(hour=hour, minute=minute), tzinfo=PARIS)
        if at > now:
            return at
    raise AssertionError


def test_jobs_are_cron_triggers_in_the_newsletter_zone(tmp_path: Path) -> None:
    jobs = {p.id: p for p in planned_jobs(paris_config(tmp_path))}
    assert list(jobs) == ["collect", "build", "send"]
    before = datetime(2026, 10, 25, 1, 0, tzinfo=PARIS)  # the day summer time ends
    assert jobs["send"].trigger.get_next_fire_time(None, before) == datetime(
        2026, 10, 25, 7, 15, tzinfo=PARIS)
    assert jobs["build"].trigger.get_next_fire_time(None, before) == datetime(
        2026, 10, 25, 6, 0, tzinfo=PARIS)
    # collect: every 30 minutes in the 3 hours before the 06:00 cut-off
    fires, t = [], before
    for _ in range(7):
        t = jobs["collect"].trigger.get_next_fire_time(None, t + timedelta(seconds=1))
        fires.append(f"{t.astimezone(PARIS):%H:%M}")
    assert fires == ["03:00", "03:30", "04:00", "04:30", "05:00", "05:30", "03:00"]
    local = {p.id: p for p in planned_jobs(paris_config(tmp_path, local_delivery=True))}
    t = local["send"].trigger.get_next_fire_time(None, before + timedelta(minutes=1))
    assert t == datetime(2026, 10, 25, 1, 15, tzinfo=PARIS)  # rounds every 15 minutes


def test_a_restart_keeps_one_job_per_id_with_the_right_next_run(tmp_path: Path) -> None:
    config = paris_config(tmp_path)
    first = start_scheduler(config, echo=lambda _m: None, paused=True)
    now = datetime.now(UTC)
    before = {job.id: job.next_run_time for job in first.get_jobs()}
    first.shutdown()
    # send: 07:15, then resume rounds every 15 minutes until midnight (no send window)
    fire = before["send"].astimezone(PARIS)
    assert fire > now and (fire.hour, fire.minute) >= (7, 15) and fire.minute % 15 == 0
    assert fire - now <= timedelta(minutes=15) or (fire.hour, fire.minute) == (7, 15)
    assert before["build"] == next_local(6, 0, now)

    again = start_scheduler(config, echo=lambda _m: None, paused=True)
    assert {job.id: job.next_run_time for job in again.get_jobs()} == before
    again.shutdown()
    store = Store.open(config.database_url)
    stored = store.scheduled_jobs()
    assert stored is not None and sorted(i for i, _ in stored) == ["build", "collect", "send"]

    moved = paris_config(tmp_path, send_at="08:05")  # a changed trigger replaces the job
    notes: list[str] = []
    third = start_scheduler(moved, echo=notes.append, paused=True)
    third.add_job("builtins:print", "interval", hours=1, id="daily-run")  # an old job id
    third.shutdown()
    fourth = start_scheduler(moved, echo=notes.append, paused=True)
    jobs = {job.id: job.next_run_time for job in fourth.get_jobs()}
    fourth.shutdown()
    assert sorted(jobs) == ["build", "collect", "send"] and "removed job daily-run" in notes
    moved_fire = jobs["send"].astimezone(PARIS)  # 08:05, then every 15 min: :05 :20 :35 :50
    assert moved_fire.minute % 15 == 5 and (moved_fire.hour, moved_fire.minute) >= (8, 5)
    assert jobs["build"] == before["build"]
    assert len(store.scheduled_jobs() or []) == 3  # never doubled
    # `status` reads the same next run times
    assert dict(store.scheduled_jobs() or [])["send"] == jobs["send"]


def test_a_missed_run_within_the_grace_time_runs_once(tmp_path: Path) -> None:
    config = paris_config(tmp_path, collect_every_minutes=5, collect_hours=24,
                          misfire_grace_seconds=3600)
    started = datetime.now(UTC)
    down = start_scheduler(config, echo=lambda _m: None, paused=True)
    down.modify_job("collect", next_run_time=started - timedelta(minutes=20))  # 4 runs missed
    down.shutdown()

    ran: list[JobEvent] = []
    done = threading.Event()

    def executed(event: JobEvent) -> None:
        ran.append(event)
        done.set()

    lines: list[str] = []
    back = start_scheduler(config, echo=lines.append, paused=True)
    back.add_listener(executed, EVENT_JOB_EXECUTED)
    back.resume()
    assert done.wait(60)
    back.shutdown(wait=True)
    missed_runs = [e for e in ran if e.job_id == "collect" and e.scheduled_run_time < started]
    assert len(missed_runs) == 1  # coalesced: the four missed runs ran once
    runs = Store.open(config.database_url).last_runs(10)
    assert [r["command"] for r in runs].count("collect") == len(
        [e for e in ran if e.job_id == "collect"])
    assert any(line.startswith("collect: 0 feeds ok") for line in lines)


def test_a_run_missed_beyond_the_grace_time_is_skipped_and_reported(tmp_path: Path) -> None:
    # The cut-off 12 hours away: its last real fire time is never within the grace hour
    # (at 06:00 Paris, a run between 06:00 and 07:00 saw the day's own cut-off as due).
    cutoff = (datetime.now(PARIS) + timedelta(hours=12)).strftime("%H:00")
    send_at = (datetime.now(PARIS) + timedelta(hours=13)).strftime("%H:15")
    config = paris_config(tmp_path, misfire_grace_seconds=3600, cutoff=cutoff, send_at=send_at)
    down = start_scheduler(config, echo=lambda _m: None, paused=True)
    down.modify_job("build", next_run_time=datetime.now(UTC) - timedelta(hours=2))
    down.shutdown()

    missed = threading.Event()
    ran: list[str] = []
    lines: list[str] = []
    back = start_scheduler(config, echo=lines.append, paused=True)
    back.add_listener(lambda e: missed.set(), EVENT_JOB_MISSED)
    back.add_listener(lambda e: ran.append(e.job_id), EVENT_JOB_EXECUTED)
    back.resume()
    assert missed.wait(60)
    next_build = back.get_job("build").next_run_time
    back.shutdown(wait=True)
    assert "build" not in ran
    assert next_build > datetime.now(UTC)  # on to the next day's cut-off
    (run,) = [r for r in Store.open(config.database_url).last_runs(10) if r["command"] == "build"]
    assert run["outcome"] == "missed" and "missed: due at" in run["report_json"]
    assert any("build missed" in line and "skipped" in line for line in lines)


def test_status_computes_next_runs_from_the_config_without_a_daemon(tmp_path: Path) -> None:
    now = datetime(2026, 11, 27, 6, 30, tzinfo=UTC)  # 07:30 in Paris
    runs = dict(next_runs(paris_config(tmp_path), now))
    assert runs["send"] == datetime(2026, 11, 27, 7, 30, tzinfo=PARIS)  # a resume round
    late = dict(next_runs(paris_config(tmp_path), datetime(2026, 11, 27, 22, 50, tzinfo=UTC)))
    assert late["send"] == datetime(2026, 11, 28, 7, 15, tzinfo=PARIS)  # none after midnight
    assert runs["collect"] == datetime(2026, 11, 28, 3, 0, tzinfo=PARIS)


def test_schedule_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    config = tmp_path / "newsletter.toml"
    config.write_text('[store]\nurl = "sqlite:///db.sqlite3"\n[schedule]\nsend_at = "03:00"\n')
    new_store(config)
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsletter", "schedule", "--config", str(config)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None
    first = proc.stdout.readline()  # blocks until the scheduler is up: no sleep-polling
    assert "scheduler started" in first and "next run" in first
    proc.send_signal(signal.SIGTERM)
    started = time.monotonic()
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "SIGTERM" in out and "scheduler stopped" in out
    assert time.monotonic() - started < 20


def test_a_later_send_round_resumes_an_interrupted_send(tmp_path: Path) -> None:
    import threading

    from newsletter import pipeline
    from newsletter.models import RenderedIssue
    from newsletter.ops import jobs

    config = paris_config(tmp_path)
    store = Store.open(config.database_url)
    day = datetime(2026, 11, 27).date()
    at_send = datetime(2026, 11, 27, 7, 15, tzinfo=PARIS)
    store.save_issue(RenderedIssue(issue_date=day, language="fr", subject="s", preheader="p",
                                   html="<p>NL__UNSUBSCRIBE_URL__NL</p>",
                                   text="NL__UNSUBSCRIBE_URL__NL"), {}, at_send)
    for i in range(3):
        store.add_subscriber(f"r{i}@example.org", now=at_send)
    stopped = threading.Event()
    stopped.set()  # SIGTERM arrived before the first chunk
    first = pipeline.send_stage(config, store, day, clock=lambda: at_send, stop=stopped)
    assert first.interrupted and first.sent == 0
    report = jobs.send_due(config, store, clock=lambda: at_send + timedelta(minutes=15))
    assert report["messages_sent"] == 3, report
    assert store.issue_status(day, "fr") == "sent"
