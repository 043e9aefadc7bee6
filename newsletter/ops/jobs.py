"""The daemon's jobs, and `newsletter send-due`: collect, build at the cut-off, send when due.

Each job is a run: recorded in the store with its outcome, timings and report, logged,
and followed by the alerts it calls for. Exactly once is still the ledger's and the send
lock's business: a job that runs twice sends nothing twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from .. import pipeline
from ..config import Config
from ..errors import ApprovalPending, NewsletterError
from ..store import Store
from .alerts import after_run
from .localtime import cutoff_at, due_at, open_issue_dates
from .locks import LockBusy, held_lock

log = logging.getLogger("newsletter.jobs")  # the name ops filter on, kept from before the regroup
Clock = Callable[[], datetime]
Report = dict[str, Any]


def observed(config: Config, store: Store, command: str, issue_date: date | None,
             clock: Clock, body: Callable[[Report], str]) -> tuple[str, Report]:
    """Run ``body`` as a recorded run; it fills the report and returns the outcome.

    An outcome of "noop" (a send round with nothing due) leaves no run behind; "busy"
    (another run holds the send lock: a cron run, another daemon) and "waiting" (the issue
    awaits an editor's approval, deadline still ahead) are recorded, not alerted.
    """
    run_id = store.start_run(command, issue_date, clock())
    report: Report = {"issue_date": issue_date.isoformat() if issue_date else None, "notes": []}
    error: NewsletterError | None = None
    try:
        outcome = body(report)
    except LockBusy as exc:
        outcome = "busy"
        report["notes"].append(f"busy: {exc.message}; this round sends nothing")
    except ApprovalPending as exc:  # an editor has until the deadline: not a failure
        outcome = "waiting"
        report["notes"].append(f"waiting: {exc.message}")
    except NewsletterError as exc:
        error, outcome = exc, "error"
        report["notes"].append(f"error: {exc.message}")
    if outcome == "noop":
        store.discard_run(run_id)
        return outcome, report
    store.finish_run(run_id, outcome, report, clock())
    after_run(config, store, command=command, issue_date=issue_date, outcome=outcome,
              report=report, error=error, now=clock())
    if error is not None:
        raise error
    return outcome, report


def next_issue_date(config: Config, now: datetime) -> date:
    """The issue the stories collected now are for: today's until its cut-off, then tomorrow's."""
    today = now.astimezone(config.zone).date()
    return today if now < cutoff_at(config, today) else today + timedelta(days=1)


def collect_job(config: Config, store: Store, clock: Clock = pipeline.utc_now) -> Report:
    """Fetch every feed (before the cut-off, so that late feeds are already in)."""
    day = next_issue_date(config, clock())

    def body(report: Report) -> str:
        result = pipeline.collect_stage(config, store, issue_date=day, clock=clock)
        report.update(feeds_ok=len(result.ok) + len(result.not_modified),
                      feeds_failed=[{"url": u, "reason": r} for u, r in result.failed],
                      stories_new=result.new_stories)
        return "failed" if result.failed else "ok"

    return observed(config, store, "collect", day, clock, body)[1]


def build_job(config: Config, store: Store, clock: Clock = pipeline.utc_now) -> Report:
    """At the cut-off: a last collect, then build and store (freeze) the day's issue."""
    day = pipeline.today(config, clock)

    def body(report: Report) -> str:
        if store.issue_status(day, config.newsletter.language) is not None:
            report["notes"].append(f"the {day} issue is already built: left as it is")
            return "ok"
        return _collect_and_build(config, store, day, clock, report)

    return observed(config, store, "build", day, clock, body)[1]


def _collect_and_build(config: Config, store: Store, day: date, clock: Clock,
                       report: Report) -> str:
    """Collect and build under the "build" lock: at the cut-off the build job and a send
    round (local delivery) may both find no issue; only one builds, the other waits."""
    with held_lock(store, "build", clock):
        if store.issue_status(day, config.newsletter.language) is not None:
            report["notes"].append(f"the {day} issue was built meanwhile: left as it is")
            return "ok"
        return _collect_and_build_locked(config, store, day, clock, report)


def _collect_and_build_locked(config: Config, store: Store, day: date, clock: Clock,
                              report: Report) -> str:
    result = pipeline.collect_stage(config, store, issue_date=day, clock=clock)
    report.update(feeds_ok=len(result.ok) + len(result.not_modified),
                  feeds_failed=[{"url": u, "reason": r} for u, r in result.failed])
    briefing, _issue = pipeline.build_stage(config, store, day, clock=clock,
                                            notes=report["notes"])
    report.update(items_chosen=len(briefing.items), in_brief=len(briefing.in_brief))
    report["notes"].append(f"built the {day} issue")
    return "failed" if result.failed else "ok"


def send_due(config: Config, store: Store, clock: Clock = pipeline.utc_now,
             stop: threading.Event | None = None) -> Report:
    """Send every open issue to the subscribers it is due for now (a send round).

    Without local delivery: today's issue, once [schedule] send_at has come. With it:
    yesterday's and today's issues, each to the subscribers whose local send time has
    come. An issue whose cut-off has passed but that was never built is built first.
    """
    now = clock()
    local = config.schedule.local_delivery
    days = open_issue_dates(config, now) if local else [pipeline.today(config, clock)]
    days = [d for d in days if local or now >= due_at(config, d)]
    todo = [d for d in days if store.issue_status(d, config.newsletter.language) != "sent"]
    if not todo:
        return {"issue_date": None, "notes": ["nothing due"], "messages_sent": 0}

    def body(report: Report) -> str:
        report.update(issue_dates=[d.isoformat() for d in todo], messages_sent=0,
                      messages_failed=0, not_due=0, late=0)
        built = False
        for day in todo:
            if store.issue_status(day, config.newsletter.language) is None:
                if day != pipeline.today(config, clock):
                    report["notes"].append(f"the {day} issue was never built: not sent")
                    continue
                _collect_and_build(config, store, day, clock, report)
                built = True
            result = pipeline.send_stage(config, store, day, clock=clock, stop=stop)
            report["messages_sent"] += result.sent
            report["messages_failed"] += result.failed + result.deferred + result.unknown
            report["not_due"] += result.not_due
            report["late"] += result.late
            if result.interrupted:
                report["notes"].append("stopped on request (SIGTERM): the next round resumes")
        if report["messages_failed"] or report["late"]:
            return "failed"
        return "ok" if built or report["messages_sent"] else "noop"

    return observed(config, store, "send", todo[-1], clock, body)[1]


JOBS: dict[str, Callable[..., Report]] = {"collect": collect_job, "build": build_job,
                                          "send": send_due}


def summary(command: str, report: Report) -> str:
    """One line about a job, for the daemon's output."""
    if command == "collect":
        return (f"collect: {report.get('feeds_ok', 0)} feeds ok, "
                f"{len(report.get('feeds_failed', []))} failed, {report.get('stories_new', 0)} "
                "new stories")
    if command == "send":
        extra = (f", {report['not_due']} not due yet, {report['late']} past their window"
                 if report.get("not_due") or report.get("late") else "")
        return (f"send {', '.join(report.get('issue_dates', [])) or '-'}: "
                f"{report.get('messages_sent', 0)} sent, {report.get('messages_failed', 0)} "
                f"failed{extra}")
    return f"{command} {report.get('issue_date')}: " + "; ".join(report.get("notes", []))
