"""`newsletter schedule`: APScheduler 3.x runs the daily job at the configured local time."""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from types import FrameType

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from . import pipeline
from .config import Config, parse_hhmm
from .errors import NewsletterError

log = logging.getLogger(__name__)
JOB_ID = "daily-run"


def daily_job(config: Config, echo: Callable[[str], None]) -> None:
    """One scheduled run; errors are reported, never allowed to kill the scheduler."""
    store = pipeline.open_store(config)
    try:
        issue_date = pipeline.today(config)
        report = pipeline.run(config, store, issue_date)
        echo(f"run for {issue_date}: {report.messages_sent} sent, "
             f"{len(report.feeds_failed)} feeds failed, {report.messages_failed} failed")
    except NewsletterError as exc:
        echo(f"run failed: {exc.format()}")
    except Exception:  # the daemon must survive a bug in one run; the traceback is logged
        log.exception("scheduled run crashed")
        echo("run crashed (see the log)")
    finally:
        store.close()


def build_scheduler(config: Config, echo: Callable[[str], None]) -> BlockingScheduler:
    """A scheduler with the daily job at [schedule] send_at in the newsletter's time zone."""
    scheduler = BlockingScheduler(timezone=config.zone)
    at = parse_hhmm(config.schedule.send_at)
    scheduler.add_job(
        daily_job, CronTrigger(hour=at.hour, minute=at.minute, timezone=config.zone),
        args=(config, echo), id=JOB_ID, name="collect, build and send",
        coalesce=True, max_instances=1, misfire_grace_time=3600, replace_existing=True,
    )
    return scheduler


def run_scheduler(config: Config, echo: Callable[[str], None]) -> None:
    """Block until SIGTERM or Ctrl-C, then stop cleanly (a running job is let finish)."""
    scheduler = build_scheduler(config, echo)

    def stop(signum: int, _frame: FrameType | None) -> None:
        echo(f"received {signal.Signals(signum).name}: stopping after the current job")
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    scheduler.start(paused=True)
    job = scheduler.get_job(JOB_ID)
    trigger = job.trigger
    next_time = trigger.get_next_fire_time(None, pipeline.utc_now().astimezone(config.zone))
    echo(f"scheduler started: daily run at {config.schedule.send_at} "
         f"{config.newsletter.timezone}; next run {next_time:%Y-%m-%d %H:%M %Z}")
    scheduler.resume()
    echo("scheduler stopped")
