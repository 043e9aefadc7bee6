"""A send worker: lease a batch of ledger rows, send it, record it; until none are left.

Any number of workers, on any number of machines, share one issue through the ledger
(store/leases.py): each row is leased to one worker at a time, moved to ``sending`` by
exactly one of them just before hand-over, and never handed over twice. Between leases a
worker settles the rows of workers that stopped mid-chunk (recovery.py).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..compose.message import MessageFactory
from ..errors import DeliveryError
from ..models import DeliveryResult, DeliveryStatus, Message, Subscriber
from ..store import Store
from ..store.ledger import STRANDED_DETAIL
from .base import Sender
from .dispatch import DispatchResult
from .handover import chunk_key, claim_status, hand_over
from .recovery import owner_name, rebuild, settle_stopped

# hold(subscriber): None to send now, or ("not_due", when it is due) / ("late", None).
Hold = Callable[[Subscriber], tuple[str, datetime | None] | None]


@dataclass(frozen=True)
class WorkerSettings:
    claim_batch: int = 200
    lease: timedelta = timedelta(minutes=5)
    retries: int = 2  # extra attempts of a deferred delivery, after its backoff
    backoff: float = 30.0  # seconds before a deferred delivery may be tried again
    poll: float = 1.0  # seconds between looks while other workers hold the last leases


@dataclass
class WorkerResult(DispatchResult):
    worker: str = ""
    prepared: int = 0  # pending rows this worker added (send --prepare does it once)
    batches: int = 0  # leases taken
    dropped: int = 0  # leased rows of subscribers who had left meanwhile


def worker_name() -> str:
    """host:pid:random — unique across machines, readable in the ledger."""
    return owner_name()


def run_worker(
    store: Store,
    sender: Sender,
    factories: Callable[[str | None], MessageFactory],
    *,
    issue_date: date,
    worker: str,
    settings: WorkerSettings,
    clock: Callable[[], datetime],
    stop: threading.Event | None = None,
    hold: Hold | None = None,
    progress: Callable[[int], None] | None = None,
) -> WorkerResult:
    """Lease and send batches until no row of the issue is left to send (or ``stop``).

    While other workers hold leases, or deferred rows wait for their retry, this worker
    waits and looks again: a worker that died has its rows taken over when its lease ends.
    Whatever this worker leased and did not hand over is given back when it returns.
    """
    result = WorkerResult(worker=worker)
    stop = stop or threading.Event()
    try:
        while not stop.is_set():
            _settle(store, sender, factories, issue_date, worker, settings, clock, result)
            ids = store.claim_deliveries_batch(issue_date, worker, settings.claim_batch, clock(),
                                               settings.lease, settings.retries)
            if ids:
                result.batches += 1
                _send_batch(store, sender, factories, issue_date, worker, ids, settings, clock,
                            stop, hold, result)
                if progress:
                    progress(len(ids))
                continue
            later = store.next_lease_change(issue_date, clock(), settings.retries)
            if later is None:
                break
            stop.wait(min(settings.poll, max(0.01, (later - clock()).total_seconds())))
    finally:
        store.release_claims(issue_date, worker, clock())
    result.interrupted = stop.is_set()
    return result


def _send_batch(store: Store, sender: Sender, factories: Callable[[str | None], MessageFactory],
                issue_date: date, worker: str, ids: Sequence[int], settings: WorkerSettings,
                clock: Callable[[], datetime], stop: threading.Event, hold: Hold | None,
                result: WorkerResult) -> None:
    """Build the leased batch, then hand it over chunk by chunk (one chunk at most unknown)."""
    subscribers = [s for s in store.subscribers_by_id(ids) if s.status == "active"]
    gone = set(ids) - {s.id for s in subscribers}
    result.dropped += store.drop_claims(issue_date, worker, sorted(gone))
    if hold is not None:
        subscribers = _due(store, issue_date, worker, subscribers, hold, clock(), result)
    now = clock()
    wants_parts = getattr(sender, "wants_parts", False)
    messages = [factories(s.language).build(s, now, with_parts=wants_parts, mime=not wants_parts)
                for s in subscribers]
    size = max(1, getattr(sender, "max_batch", len(messages) or 1))
    wait_turn = getattr(sender, "wait_turn", None)
    start = 0
    while start < len(messages):
        if stop.is_set():  # the rest of the lease is given back by run_worker
            return
        chunk = messages[start:start + size]
        start += len(chunk)
        if wait_turn is not None:
            wait_turn()
        ours = store.start_sending(issue_date, worker,
                                   [(m.subscriber_id, m.message_id) for m in chunk], clock(),
                                   lease=settings.lease, status=claim_status(sender),
                                   chunk_key=chunk_key(sender))
        result.skipped += len(chunk) - len(ours)  # our lease ran out and another took them
        todo = [m for m in chunk if m.subscriber_id in ours]
        if todo:
            _hand_over(store, sender, issue_date, worker, todo, settings, clock, result)
        size = max(1, getattr(sender, "max_batch", size))  # fewer SMTP connections after a 421


def _hand_over(store: Store, sender: Sender, issue_date: date, worker: str,
               todo: Sequence[Message], settings: WorkerSettings,
               clock: Callable[[], datetime], result: WorkerResult) -> None:
    """Hand a chunk over (handover.py) and record the outcomes of the rows still ours."""
    try:
        handover = hand_over(store, sender, issue_date, worker, todo, clock, settings.lease)
    except DeliveryError as exc:
        done = {o.subscriber_id for o in exc.results}
        back = [DeliveryResult(m.subscriber_id, DeliveryStatus.PENDING, exc.message)
                for m in todo if m.subscriber_id not in done]
        _record(store, issue_date, worker, [*exc.results, *back], settings, clock(), result)
        raise
    result.skipped += handover.lost
    _record(store, issue_date, worker, handover.results, settings, clock(), result)


def _settle(store: Store, sender: Sender, factories: Callable[[str | None], MessageFactory],
            issue_date: date, worker: str, settings: WorkerSettings,
            clock: Callable[[], datetime], result: WorkerResult) -> None:
    """Settle the rows of workers (or sends) that stopped mid-chunk; send again, under the
    same keys, the chunks an idempotent provider may hold."""
    recovered = settle_stopped(store, sender, issue_date, worker, clock(), settings.lease,
                               settings.retries)
    result.requeued += recovered.requeued
    result.stranded += recovered.unknown
    result.unknown += recovered.unknown
    for rows in recovered.resend.values():
        messages = rebuild(store, sender, factories, rows, clock())
        if messages is None:  # someone left the list meanwhile: the chunk cannot be replayed
            _record(store, issue_date, worker, [
                DeliveryResult(sid, DeliveryStatus.UNKNOWN, STRANDED_DETAIL) for sid, _ in rows],
                settings, clock(), result)
            result.stranded += len(rows)
            continue
        result.replayed += len(messages)
        _hand_over(store, sender, issue_date, worker, messages, settings, clock, result)


def _due(store: Store, issue_date: date, worker: str, subscribers: list[Subscriber], hold: Hold,
         now: datetime, result: WorkerResult) -> list[Subscriber]:
    """Local-time delivery: give back who is not due yet (until then), drop who is late."""
    due: list[Subscriber] = []
    later: dict[datetime | None, list[int]] = {}
    late: list[int] = []
    for subscriber in subscribers:
        verdict = hold(subscriber)
        if verdict is None:
            due.append(subscriber)
        elif verdict[0] == "late":
            late.append(subscriber.id)
        else:
            later.setdefault(verdict[1], []).append(subscriber.id)
    for when, ids in later.items():
        result.not_due += store.release_claims(issue_date, worker, now, ids, not_before=when)
    result.late += store.drop_claims(issue_date, worker, late)
    return due


def _record(store: Store, issue_date: date, worker: str, outcomes: Sequence[DeliveryResult],
            settings: WorkerSettings, now: datetime, result: WorkerResult) -> None:
    rows = []
    for o in outcomes:
        status = DeliveryStatus.SUPPRESSED if o.suppress else o.status
        retry_at = None
        if status in (DeliveryStatus.DEFERRED, DeliveryStatus.HANDED):
            # HANDED: no answer from an idempotent provider; sent again under the same keys
            retry_at = now + timedelta(seconds=settings.backoff * (1 + random.random() / 4))
        rows.append((o.subscriber_id, status, o.detail, retry_at))
        _count(result, o)
    store.finish_deliveries(issue_date, rows, now, owner=worker)
    for outcome in outcomes:
        if outcome.suppress:  # no such mailbox: never mail it again
            store.set_subscriber_status(outcome.subscriber_id, "bounced", now)


def _count(result: WorkerResult, outcome: DeliveryResult) -> None:
    if outcome.status is DeliveryStatus.SENT:
        result.sent += 1
    elif outcome.status is DeliveryStatus.FAILED:
        result.failed += 1
        result.suppressed += outcome.suppress
    elif outcome.status in (DeliveryStatus.DEFERRED, DeliveryStatus.HANDED):
        result.deferred += 1
    elif outcome.status is not DeliveryStatus.PENDING:
        result.unknown += 1
