"""`newsletter schedule`: the APScheduler 3.x daemon, its jobs kept in the database.

Jobs come from the config, as cron triggers in the newsletter's time zone:

- ``collect``: every [schedule] collect_every_minutes during the collect_hours before the cut-off;
- ``build``: at the cut-off, a last collect, then the issue is built and frozen;
- ``send``: at send_at, or, with local delivery, a round every send_every_minutes.

Each job coalesces its missed runs into one, never runs twice at once, and runs when
missed by less than misfire_grace_seconds; beyond, it is skipped, recorded as a "missed"
run and alerted. The job store is APScheduler's SQLAlchemyJobStore on the store's
database: at start, a job whose trigger did not change keeps its stored next run time
(so a run missed while the daemon was down still happens, once); a changed one is
replaced. Exactly once per subscriber is the ledger's and the send lock's business.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from types import FrameType
from typing import Any

from apscheduler.events import EVENT_JOB_MISSED, JobEvent
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

from .. import pipeline
from ..config import Config, parse_hhmm
from ..errors import NewsletterError
from ..store.monitor import job_store_engine
from ..store.schema import JOBS_TABLE
from . import jobs
from .alerts import deliver, missed_job_alert

log = logging.getLogger("newsletter.scheduler")  # the name ops filter on, kept from before the regroup


class DaemonScheduler(BackgroundScheduler):  # type: ignore[misc]
    """APScheduler's BackgroundScheduler, minus one last look at due jobs after shutdown.

    APScheduler 3.11's loop wakes once more after shutdown() and processes due jobs: their
    submission fails (the executor is gone) but their next run time is still moved on, so a
    run due at the moment the daemon stops would be lost, not run after the restart.
    """

    def _process_jobs(self) -> float | None:
        if self.state == STATE_STOPPED:
            return None
        result: float | None = super()._process_jobs()
        return result


@dataclass(frozen=True)
class PlannedJob:
    id: str
    name: str
    trigger: BaseTrigger


def planned_jobs(config: Config) -> list[PlannedJob]:
    """The daemon's jobs for this config (pure: no clock, no database)."""
    s, tz = config.schedule, config.zone
    cutoff, send_at = parse_hhmm(s.cutoff), parse_hhmm(s.send_at)
    planned = []
    if s.collect_every_minutes:
        hours = "*" if s.collect_hours == 24 else ",".join(
            str(h) for h in sorted((cutoff.hour - k) % 24 for k in range(1, s.collect_hours + 1)))
        planned.append(PlannedJob(
            "collect", f"collect every {s.collect_every_minutes} min before the cut-off",
            CronTrigger(hour=hours, minute=f"*/{s.collect_every_minutes}", timezone=tz)))
    planned.append(PlannedJob("build", "collect, then build the issue at the cut-off",
                              CronTrigger(hour=cutoff.hour, minute=cutoff.minute, timezone=tz)))
    if s.local_delivery:
        send = PlannedJob("send", f"send round every {s.send_every_minutes} min (local time)",
                          CronTrigger(minute=f"*/{s.send_every_minutes}", timezone=tz))
    else:
        # From send_at, a round every send_every_minutes while the send window is open
        # (until midnight without one): the first sends the issue; the next ones resume a
        # send that was interrupted (SIGTERM, a crash, a lost lock) and do nothing once
        # the issue is sent.
        every = s.send_every_minutes
        window = config.delivery.send_window_hours
        span = 23 - send_at.hour if not window else min(23, int(window + send_at.minute / 60))
        later = [str((send_at.hour + k) % 24) for k in range(1, span + 1)]
        trigger: BaseTrigger = CronTrigger(hour=send_at.hour,
                                           minute=f"{send_at.minute}-59/{every}", timezone=tz)
        if later:
            trigger = OrTrigger([trigger, CronTrigger(hour=",".join(later),
                                                      minute=f"{send_at.minute % every}/{every}",
                                                      timezone=tz)])
        send = PlannedJob("send", f"send at {s.send_at}, then resume rounds every {every} min",
                          trigger)
    return [*planned, send]


def next_runs(config: Config, now: datetime) -> list[tuple[str, datetime | None]]:
    """When each job would run next, computed from the config (no daemon needed)."""
    return [(p.id, p.trigger.get_next_fire_time(None, now)) for p in planned_jobs(config)]


@dataclass
class _Runtime:
    config: Config
    echo: Callable[[str], None]
    stop: threading.Event | None


_runtime: _Runtime | None = None  # the running daemon's context; jobs in the store name only a kind


def scheduled(kind: str) -> None:
    """Entry point of every stored job: run one job; errors are reported, never raised."""
    runtime = _runtime
    if runtime is None:
        log.error("job %s fired outside a running daemon", kind)
        return
    store = pipeline.open_store(runtime.config)
    try:
        if kind == "send":
            report = jobs.send_due(runtime.config, store, stop=runtime.stop)
        else:
            report = jobs.JOBS[kind](runtime.config, store)
        if report.get("notes") != ["nothing due"]:
            runtime.echo(jobs.summary(kind, report))
    except NewsletterError as exc:
        runtime.echo(f"{kind} failed: {exc.format()}")
    except Exception:  # the daemon must survive a bug in one run; the traceback is logged
        log.exception("scheduled %s crashed", kind)
        runtime.echo(f"{kind} crashed (see the log)")
    finally:
        store.close()


def _on_missed(event: JobEvent) -> None:
    """A job missed by more than the grace time: record it, say it, alert once."""
    runtime = _runtime
    if runtime is None:
        return
    config, when = runtime.config, event.scheduled_run_time
    store = pipeline.open_store(config)
    try:
        run_id = store.start_run(event.job_id, when.astimezone(config.zone).date(), when)
        note = (f"missed: due at {when:%Y-%m-%d %H:%M %Z}, more than "
                f"{config.schedule.misfire_grace_seconds} s ago")
        store.finish_run(run_id, "missed", {"notes": [note]}, pipeline.utc_now())
        runtime.echo(f"{event.job_id} {note}: skipped")
        log.error("%s %s", event.job_id, note, extra={"command": event.job_id,
                                                      "outcome": "missed"})
        deliver(config, store, [missed_job_alert(event.job_id, when,
                                                 config.schedule.misfire_grace_seconds)],
                pipeline.utc_now())
    except Exception:
        log.exception("recording a missed %s failed", event.job_id)
    finally:
        store.close()


def sync_jobs(scheduler: DaemonScheduler, config: Config) -> list[str]:
    """Make the stored jobs those of the config; unchanged ones keep their next run time."""
    planned = {p.id: p for p in planned_jobs(config)}
    notes = []
    for job in scheduler.get_jobs():
        if job.id not in planned:
            job.remove()
            notes.append(f"removed job {job.id}")
    for p in planned.values():
        options: dict[str, Any] = {}
        stored = scheduler.get_job(p.id)
        if stored is not None and repr(stored.trigger) == repr(p.trigger) and \
                stored.next_run_time is not None:
            options["next_run_time"] = stored.next_run_time  # may be past: runs, or is missed
        scheduler.add_job(f"{__name__}:scheduled", p.trigger, args=(p.id,), id=p.id, name=p.name,
                          coalesce=True, max_instances=1, replace_existing=True,
                          misfire_grace_time=config.schedule.misfire_grace_seconds, **options)
    return notes


def start_scheduler(config: Config, echo: Callable[[str], None],
                    stop: threading.Event | None = None, *,
                    paused: bool = False) -> DaemonScheduler:
    """Start the daemon's scheduler on the database's job store, jobs in sync with the config."""
    global _runtime
    _runtime = _Runtime(config, echo, stop)
    pipeline.open_store(config).close()  # creates the database (and its folder) if needed
    store = SQLAlchemyJobStore(engine=job_store_engine(config.database_url),
                               tablename=JOBS_TABLE)
    scheduler = DaemonScheduler(timezone=config.zone, jobstores={"default": store})
    scheduler.add_listener(_on_missed, EVENT_JOB_MISSED)
    scheduler.start(paused=True)
    for note in sync_jobs(scheduler, config):
        echo(note)
    if not paused:
        scheduler.resume()
    return scheduler


def run_scheduler(config: Config, echo: Callable[[str], None]) -> None:
    """Run until SIGTERM or Ctrl-C, then stop cleanly (a running job is let finish)."""
    stopping = threading.Event()
    received: list[str] = []

    def stop(signum: int, _frame: FrameType | None) -> None:
        received.append(signal.Signals(signum).name)
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    scheduler = start_scheduler(config, echo, stopping)  # a running send stops between chunks
    upcoming = ", ".join(f"{job.id} {job.next_run_time:%Y-%m-%d %H:%M %Z}"
                         for job in scheduler.get_jobs() if job.next_run_time)
    echo(f"scheduler started ({config.newsletter.timezone}); next run: {upcoming}")
    while not stopping.wait(timeout=3600):
        pass
    echo(f"received {received[0]}: stopping after the current job")
    scheduler.shutdown(wait=True)
    echo("scheduler stopped")
