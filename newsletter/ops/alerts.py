"""Alerts to ops: an email through the configured sender and/or a JSON webhook POST.

Raised when a run fails, a feed has failed [alerts] feed_failures times in a row, an
issue (or some subscribers' local delivery) missed its send window, deliveries became
unknown (handed over, no answer: a send was killed or lost its connection), and when the
daemon skips a job it missed. Each event has a key and is alerted once (the store remembers the
keys), not at every run. Alerting never fails a run: its own problems are logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from typing import Any

import requests

from ..config import Config
from ..delivery import make_sender
from ..delivery.outbox import OutboxSender
from ..errors import NewsletterError, StaleIssue
from ..models import DeliveryStatus, Message, MessageParts
from ..store import Store

log = logging.getLogger("newsletter.alerts")  # the name ops filter on, kept from before the regroup


@dataclass(frozen=True)
class Alert:
    key: str  # names the event: the same key is never alerted twice
    kind: str  # run_failed | feed_failing | missed_window | missed_job | unknown_deliveries
    subject: str
    text: str
    details: dict[str, Any] = field(default_factory=dict)


def run_alerts(config: Config, store: Store, *, command: str, issue_date: date | None,
               outcome: str, report: dict[str, Any],
               error: NewsletterError | None = None) -> list[Alert]:
    """The alerts a finished run calls for."""
    alerts: list[Alert] = []
    day = issue_date.isoformat() if issue_date else "-"
    if isinstance(error, StaleIssue) or report.get("late"):
        what = error.message if error else f"{report['late']} subscriber(s) past their send window"
        alerts.append(Alert(f"missed-window:{day}", "missed_window",
                            f"the {day} issue missed its send window", what,
                            {"issue_date": day, "command": command}))
    elif outcome == "error":
        message = error.message if error else "; ".join(report.get("notes", [])[-1:])
        # Keyed by the kind of error, not its text: a message that varies (a count, a
        # time) must not alert again at every round of the same day.
        kind = type(error).__name__ if error else "error"
        alerts.append(Alert(f"run-failed:{command}:{day}:{kind}", "run_failed",
                            f"{command} failed for the {day} issue", message,
                            {"issue_date": day, "command": command}))
    elif outcome == "failed" and command == "send" and report.get("messages_failed"):
        # Messages refused or left undelivered (feeds have their own streak alerts).
        alerts.append(Alert(f"send-failures:{day}", "run_failed",
                            f"send: {report['messages_failed']} message(s) of the {day} issue "
                            "not delivered",
                            "see `newsletter status` for the ledger counts; "
                            f"`newsletter send --date {day} --resend-failed` retries the "
                            "permanent failures",
                            {"issue_date": day, "command": command,
                             "messages_failed": report["messages_failed"]}))
    alerts += feed_alerts(config, store)
    return alerts


def feed_alerts(config: Config, store: Store) -> list[Alert]:
    """One alert per failure streak of a feed (a success starts a new streak)."""
    limit = config.alerts.feed_failures
    out = []
    for feed in store.feed_states():
        if feed.consecutive_failures < limit or feed.disabled_at is not None:
            continue
        since = feed.last_success.isoformat() if feed.last_success else "never"
        out.append(Alert(f"feed-failing:{feed.url}:{since}", "feed_failing",
                         f"feed failing {feed.consecutive_failures} times in a row: {feed.name}",
                         f"{feed.url}: {feed.last_error}",
                         {"url": feed.url, "failures": feed.consecutive_failures,
                          "last_success": since}))
    return out


def missed_job_alert(job_id: str, scheduled: datetime, grace_seconds: int) -> Alert:
    when = scheduled.isoformat()
    return Alert(f"missed-job:{job_id}:{when}", "missed_job",
                 f"scheduled job {job_id} missed ({when})",
                 f"the daemon was not running (or was busy) at {when} and more than "
                 f"{grace_seconds} s late: the {job_id} job was skipped", {"job": job_id,
                                                                           "scheduled": when})


def unknown_alert(issue_date: date, unknown: int, in_ledger: int) -> Alert:
    """Deliveries handed over without an answer: only a person can tell whether to resend.

    Keyed by how many the ledger holds: more unknown deliveries later alert again.
    """
    day = issue_date.isoformat()
    return Alert(f"unknown-deliveries:{day}:{in_ledger}", "unknown_deliveries",
                 f"send: {unknown} deliver{'y' if unknown == 1 else 'ies'} of the {day} issue "
                 "in doubt (unknown)",
                 f"{unknown} message(s) were handed over and no answer was recorded (the send "
                 f"was stopped, or lost its connection, at that moment): they may or may not "
                 f"have been delivered ({in_ledger} unknown for this issue in all). Look them up "
                 f"in the relay's or provider's log (the ledger keeps each one's Message-ID: "
                 f"table deliveries, status 'unknown'); `newsletter send --date {day} "
                 "--resend-unknown` sends them again (a second copy for those who did get it).",
                 {"issue_date": day, "unknown": unknown, "unknown_in_ledger": in_ledger})


def alert_unknown(config: Config, store: Store, issue_date: date, unknown: int,
                  now: datetime) -> None:
    """Alert the deliveries a send left unknown; never raises."""
    try:
        in_ledger = store.delivery_counts(issue_date).get(DeliveryStatus.UNKNOWN.value, 0)
        log.error("send %s: %d deliveries unknown (%d in the ledger)", issue_date, unknown,
                  in_ledger, extra={"command": "send", "unknown": unknown})
        deliver(config, store, [unknown_alert(issue_date, unknown, in_ledger)], now)
    except Exception:  # an alert must never turn a run into a failure
        log.exception("alerting failed")


def after_run(config: Config, store: Store, *, command: str, issue_date: date | None,
              outcome: str, report: dict[str, Any], error: NewsletterError | None,
              now: datetime) -> None:
    """Log a finished run's report and send the alerts it calls for; never raises."""
    level = logging.ERROR if outcome == "error" else logging.INFO
    log.log(level, "%s %s: %s", command, issue_date or "-", outcome,
            extra={"command": command, "outcome": outcome, "report": report})
    try:
        deliver(config, store, run_alerts(config, store, command=command, issue_date=issue_date,
                                          outcome=outcome, report=report, error=error), now)
    except Exception:  # an alert must never turn a run into a failure
        log.exception("alerting failed")


def deliver(config: Config, store: Store, alerts: list[Alert], now: datetime) -> list[str]:
    """Send each new alert by email and/or webhook; returns the keys sent."""
    a = config.alerts
    if not (a.email.strip() or a.webhook_url):
        return []
    sent = []
    for alert in alerts:
        if not store.record_alert(alert.key, alert.kind, alert.subject, now):
            continue  # already alerted
        ok = False
        if a.webhook_url:
            ok |= _post(config, alert, now)
        if a.email.strip():
            ok |= _mail(config, alert, now)
        if ok:
            sent.append(alert.key)
            log.warning("alert sent: %s", alert.subject, extra={"alert": alert.key})
        else:
            store.forget_alert(alert.key)  # try again at the next run
    return sent


def _post(config: Config, alert: Alert, now: datetime) -> bool:
    body = {"newsletter": config.newsletter.name, "kind": alert.kind, "key": alert.key,
            "subject": alert.subject, "text": alert.text, "details": alert.details,
            "at": now.isoformat()}
    try:
        response = requests.post(config.alerts.webhook_url, json=body,
                                 timeout=config.alerts.webhook_timeout)
    except requests.RequestException as exc:
        log.error("alert webhook %s failed: %s", config.alerts.webhook_url, exc)
        return False
    if response.status_code >= 300:
        log.error("alert webhook %s answered HTTP %s", config.alerts.webhook_url,
                  response.status_code)
        return False
    return True


def _mail(config: Config, alert: Alert, now: datetime) -> bool:
    recipients = [part.strip() for part in config.alerts.email.split(",") if part.strip()]
    messages = [_message(config, alert, to, i, now) for i, to in enumerate(recipients, 1)]
    try:
        if config.delivery.sender == "outbox":
            sender: Any = OutboxSender(config.path(config.delivery.outbox_dir),
                                       f"alert-{now:%Y%m%dT%H%M%S}")
        else:
            sender = make_sender(config, now.date(), test=True)
        try:
            results = sender.send_batch(messages)
        finally:
            sender.close()
    except NewsletterError as exc:
        log.error("alert email failed: %s", exc.message)
        return False
    failed = [r for r in results if r.status is not DeliveryStatus.SENT]
    for result in failed:
        log.error("alert email to ops failed: %s", result.detail)
    return not failed


def _message(config: Config, alert: Alert, to: str, number: int, now: datetime) -> Message:
    subject = f"[{config.newsletter.name}] {alert.subject}"
    text = f"{alert.text}\n\nalert key: {alert.key}\nat: {now.isoformat()}\n"
    msg = EmailMessage(policy=SMTP.clone(max_line_length=998))
    msg["From"] = config.newsletter.sender_address
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(domain=config.sending_domain)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    parts = MessageParts(sender=config.newsletter.sender_address, to=to, to_name="",
                         subject=subject, text=text, html="", headers=())
    return Message(subscriber_id=number, recipient=to, message_id=str(msg["Message-ID"]),
                   data=msg.as_bytes(), parts=parts)
