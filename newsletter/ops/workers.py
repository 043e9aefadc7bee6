"""`newsletter send --worker` and `send --prepare`: the send stage, shared by many processes.

The same rules as pipeline.send_stage (approval gate, send window, language editions,
local-time delivery), but instead of one process holding the send lock, any number of
workers lease batches of the ledger (delivery/worker.py, store/leases.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta

from ..compose import MessageFactory
from ..config import Config
from ..delivery import Sender, make_sender
from ..delivery.worker import Hold, WorkerResult, WorkerSettings, run_worker, worker_name
from ..desk import begin_sending
from ..models import Subscriber
from ..pipeline import Clock, may_send, message_factory, stored_issue, utc_now
from ..store import Store
from .alerts import alert_unknown
from .localtime import delivery_hold, due_at

# Ledger states that mean some subscriber of the issue still waits for it.
OPEN_STATES = ("pending", "claimed", "sending", "handed", "deferred")


def worker_settings(config: Config) -> WorkerSettings:
    return WorkerSettings(claim_batch=config.workers.claim_batch,
                          lease=timedelta(seconds=config.workers.lease_seconds),
                          retries=config.delivery.retries, backoff=config.delivery.retry_backoff)


def prepare_stage(config: Config, store: Store, issue_date: date, *, clock: Clock = utc_now
                  ) -> int:
    """A pending ledger row for every active subscriber without one; returns how many."""
    stored_issue(config, store, issue_date)  # nothing to prepare for an issue not built
    return store.prepare_deliveries(issue_date, clock())


def worker_stage(config: Config, store: Store, issue_date: date, *, clock: Clock = utc_now,
                 sender: Sender | None = None, progress: Callable[[int], None] | None = None,
                 force: bool = False, resend_failed: bool = False, resend_unknown: bool = False,
                 prepare: bool = True, stop: threading.Event | None = None,
                 worker: str | None = None) -> WorkerResult:
    """One worker: prepare the ledger (idempotent), then lease and send until none are left.

    Rows other workers left in flight when they stopped are settled on the way
    (delivery/recovery.py); unknown ones are alerted. ``resend_unknown`` first puts those
    in doubt back in the queue (the operator decided).
    """
    may_send(config, store, issue_date, clock(), force=force, command="newsletter send --worker")
    local = config.schedule.local_delivery
    if resend_failed:
        store.requeue_failed(issue_date, clock())
    if resend_unknown:
        store.requeue_unknown(issue_date, clock())
    factory = _factories(config, store, issue_date)
    prepared = store.prepare_deliveries(issue_date, clock()) if prepare else 0
    begin_sending(config, store, issue_date, clock())
    sender = sender or make_sender(config, issue_date)
    try:
        result = run_worker(store, sender, factory, issue_date=issue_date,
                            worker=worker or worker_name(), settings=worker_settings(config),
                            clock=clock, stop=stop, progress=progress,
                            hold=_hold(config, issue_date, clock, force) if local else None)
    finally:
        sender.close()
    if result.unknown:
        alert_unknown(config, store, issue_date, result.unknown, clock())
    result.prepared = prepared
    counts = store.delivery_counts(issue_date)
    if not any(counts.get(state) for state in OPEN_STATES):
        store.set_issue_status(issue_date, "sent")
    return result


def _factories(config: Config, store: Store, issue_date: date
               ) -> Callable[[str | None], MessageFactory]:
    """The subscriber's language edition when one was built, else the main one."""
    main = message_factory(config, stored_issue(config, store, issue_date))
    factories: dict[str | None, MessageFactory] = {config.newsletter.language: main}

    def factory(language: str | None) -> MessageFactory:
        if language not in factories:
            issue = store.get_issue(issue_date, language) if language else None
            factories[language] = message_factory(config, issue) if issue else main
        return factories[language]

    return factory


def _hold(config: Config, issue_date: date, clock: Clock, force: bool) -> Hold:
    """Local-time delivery: who is not due yet (and until when), who is past the window."""
    hold = delivery_hold(config, issue_date, clock, force=force)

    def verdict(subscriber: Subscriber) -> tuple[str, datetime | None] | None:
        reason = hold(subscriber)
        if reason is None:
            return None
        if reason == "not_due":
            return reason, due_at(config, issue_date, subscriber.timezone)
        return reason, None

    return verdict
