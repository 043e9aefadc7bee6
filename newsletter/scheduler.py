"""`newsletter schedule`: APScheduler 3.x runs the daily job at the configured local time."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from types import FrameType

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from . import pipeline
from .config import Config, parse_hhmm
from .errors import NewsletterError

log = logging.getLogger(__name__)
JOB_ID = "daily-run"


def daily_job(config: Config, echo: Callable[[str], None],
              stop: threading.Event | None = None) -> None:
    """One scheduled run; errors are reported, never allowed to kill the scheduler."""
    store = pipeline.open_store(config)
    try:
        issue_date = pipeline.today(config)
        report = pipeline.run(config, store, issue_date, stop=stop)
        echo(f"run for {issue_date}: {report.messages_sent} sent, "
             f"{len(report.feeds_failed)} feeds failed, {report.messages_failed} failed")
    except NewsletterError as exc:
        echo(f"run failed: {exc.format()}")
    except Exception:  # the daemon must survive a bug in one run; the traceback is logged
        log.exception("scheduled run crashed")
        echo("run crashed (see the log)")
    finally:
        store.close()


def build_scheduler(config: Config, echo: Callable[[str], None],
                    stop: threading.Event | None = None) -> BackgroundScheduler:
    """A scheduler with the daily job at [schedule] send_at in the newsletter's time zone."""
    scheduler = BackgroundScheduler(timezone=config.zone)
    at = parse_hhmm(config.schedule.send_at)
    scheduler.add_job(
        daily_job, CronTrigger(hour=at.hour, minute=at.minute, timezone=config.zone),
        args=(config, echo, stop), id=JOB_ID, name="collect, build and send",
        coalesce=True, max_instances=1, misfire_grace_time=3600, replace_existing=True,
    )
    return scheduler


def run_scheduler(config: Config, echo: Callable[[str], None]) -> None:
    """Run until SIGTERM or Ctrl-C, then stop cleanly (a running job is let finish)."""
    stopping = threading.Event()
    scheduler = build_scheduler(config, echo, stopping)  # a running send stops between chunks
    received: list[str] = []

    def stop(signum: int, _frame: FrameType | None) -> None:
        received.append(signal.Signals(signum).name)
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    scheduler.start()
    next_time = scheduler.get_job(JOB_ID).next_run_time
    echo(f"scheduler started: daily run at {config.schedule.send_at} "
         f"{config.newsletter.timezone}; next run {next_time:%Y-%m-%d %H:%M %Z}")
    while not stopping.wait(timeout=3600):
        pass
    echo(f"received {received[0]}: stopping after the current job")
    scheduler.shutdown(wait=True)
    echo("scheduler stopped")
