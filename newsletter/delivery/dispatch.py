"""The ledger loop: claim, build, hand over, record: each subscriber gets an issue once.

A run first settles what a stopped run left in flight (recovery.py), then sends the rest
chunk by chunk (handover.py).
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..compose.message import MessageFactory
from ..errors import DeliveryError
from ..models import DeliveryResult, DeliveryStatus, Message, Subscriber
from ..store import Store
from ..store.ledger import STRANDED_DETAIL
from .base import Sender
from .handover import chunk_key, claim_status, hand_over
from .recovery import owner_name, rebuild, settle_stopped

_RETRYABLE = (None, DeliveryStatus.PENDING, DeliveryStatus.DEFERRED)
LATE_DETAIL = "past the send window: not sent"  # the ledger detail of a late subscriber


@dataclass
class DispatchResult:
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    unknown: int = 0
    suppressed: int = 0  # of the failed: addresses taken off the list (no such mailbox)
    skipped: int = 0  # already handled by an earlier run (sent, failed or unknown)
    interrupted: bool = False  # asked to stop (SIGTERM): the rest waits for the next run
    not_due: int = 0  # local-time delivery: their send time has not come (a later round)
    late: int = 0  # local-time delivery: past their send window, not sent
    # What a stopped sender (killed, machine lost) had left in flight, settled by this run:
    requeued: int = 0  # left before the end of the message (never delivered): sent again
    replayed: int = 0  # handed to an idempotent provider: sent again under the same keys
    stranded: int = 0  # handed over, no answer recorded: unknown (counted in `unknown`)

    @property
    def attempted(self) -> int:
        return self.sent + self.failed + self.deferred + self.unknown


def dispatch(
    store: Store,
    sender: Sender,
    factories: Callable[[str | None], MessageFactory],
    *,
    issue_date: date,
    batch_size: int,
    clock: Callable[[], datetime],
    progress: Callable[[int], None] | None = None,
    retries: int = 0,
    backoff: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
    stop: threading.Event | None = None,
    hold: Callable[[Subscriber], str | None] | None = None,
    owner: str | None = None,
    lease: timedelta = timedelta(minutes=5),
) -> DispatchResult:
    """Send the issue to every active subscriber who has not had it yet.

    A ledger row is written (``sending``, ``owner``'s for ``lease``) before a message is
    handed over, marked ``handed`` just before the irrevocable step, and updated after: a
    run that dies leaves ``sending`` rows (sent again by the next run) and at most one
    chunk ``handed`` (unknown, never resent blindly). Deferred deliveries (4xx, 429…)
    are tried again up to ``retries`` times in this run, after ``backoff`` seconds,
    doubling, with jitter. ``factories(language)`` gives the
    message factory for a subscriber's language. ``hold(subscriber)`` (local-time delivery)
    keeps back those not due yet ("not_due": no ledger row, a later round sends them) and
    those past their window ("late": a failed ledger row, so that they are counted once).
    """
    result = DispatchResult()
    final = _Tally()
    stop = stop or threading.Event()
    run = _Run(store, sender, factories, issue_date, clock, owner or owner_name(), lease)
    _settle(run, retries, result, final)
    for batch in store.active_subscribers(batch_size):
        ledger = store.ledger_status(issue_date, [s.id for s in batch])
        todo = [s for s in batch if ledger.get(s.id) in _RETRYABLE]
        result.skipped += len(batch) - len(todo)
        if hold is not None:
            todo, late = _held_back(todo, hold, result)
            if late:  # recorded once, as failed: later rounds skip them (no alert flood)
                _record_late(run, late)
        result.skipped += _send(run, todo, final, stop)
        if progress:
            progress(len(batch))
        if stop.is_set():
            break
    for attempt in range(retries):
        if stop.is_set():
            break
        waiting = list(final.deferred)
        if not waiting:
            break
        sleep(backoff * 2 ** attempt * (1 + random.random() / 4))
        again = [s for s in (store.get_subscriber(sid) for sid in waiting)
                 if s is not None and s.status == "active"]
        for start in range(0, len(again), batch_size):
            _send(run, again[start:start + batch_size], final, stop)
    result.sent = final.counts[DeliveryStatus.SENT]
    result.failed = final.counts[DeliveryStatus.FAILED]
    result.suppressed = final.suppressed
    # no answer from an idempotent provider: the next run sends them again (same keys)
    result.deferred = len(final.deferred) + final.counts[DeliveryStatus.HANDED]
    result.unknown = (final.total - result.sent - result.failed - result.deferred
                      + result.stranded)
    result.interrupted = stop.is_set()
    return result


@dataclass(frozen=True)
class _Run:
    """What every step of one dispatch shares."""

    store: Store
    sender: Sender
    factories: Callable[[str | None], MessageFactory]
    issue_date: date
    clock: Callable[[], datetime]
    owner: str
    lease: timedelta


def _settle(run: _Run, retries: int, result: DispatchResult, final: _Tally) -> None:
    """Settle what stopped runs left in flight; send again, under the same keys, the
    chunks an idempotent provider may hold."""
    recovered = settle_stopped(run.store, run.sender, run.issue_date, run.owner, run.clock(),
                               run.lease, retries)
    result.requeued, result.stranded = recovered.requeued, recovered.unknown
    for rows in recovered.resend.values():
        messages = rebuild(run.store, run.sender, run.factories, rows, run.clock())
        if messages is None:  # someone left the list meanwhile: the chunk cannot be replayed
            _record(run, [DeliveryResult(sid, DeliveryStatus.UNKNOWN, STRANDED_DETAIL)
                          for sid, _ in rows])
            result.stranded += len(rows)
            continue
        outcomes = _hand_over(run, messages)
        result.replayed += len(outcomes)
        for outcome in outcomes:
            final.add(outcome)


class _Tally:
    """Outcomes of this run: counts, and only the deferred kept (for in-run retries), so
    memory stays flat however long the list."""

    def __init__(self) -> None:
        self.counts: Counter[DeliveryStatus] = Counter()
        self.deferred: dict[int, DeliveryResult] = {}
        self.suppressed = 0
        self.total = 0  # subscribers with an outcome (a retried one counts once)

    def add(self, outcome: DeliveryResult) -> None:
        if self.deferred.pop(outcome.subscriber_id, None) is not None:
            self.counts[DeliveryStatus.DEFERRED] -= 1  # retried: its new outcome replaces it
        else:
            self.total += 1
        self.counts[outcome.status] += 1
        if outcome.status is DeliveryStatus.DEFERRED:
            self.deferred[outcome.subscriber_id] = outcome
        elif outcome.status is DeliveryStatus.FAILED and outcome.suppress:
            self.suppressed += 1


def _held_back(subscribers: list[Subscriber], hold: Callable[[Subscriber], str | None],
               result: DispatchResult) -> tuple[list[Subscriber], list[Subscriber]]:
    """(the subscribers due now, those past their send window); counts not due and late."""
    due, late = [], []
    for subscriber in subscribers:
        reason = hold(subscriber)
        if reason is None:
            due.append(subscriber)
            continue
        setattr(result, reason, getattr(result, reason) + 1)
        if reason == "late":
            late.append(subscriber)
    return due, late


def _record_late(run: _Run, late: Sequence[Subscriber]) -> None:
    """A ledger row, failed, for each subscriber whose send window closed before their turn
    (`send --resend-failed --force` sends them anyway)."""
    taken = run.store.claim_deliveries(run.issue_date, [(s.id, "") for s in late], run.clock(),
                                       owner=run.owner, lease=run.lease)
    _record(run, [DeliveryResult(sid, DeliveryStatus.FAILED, LATE_DETAIL) for sid in taken])


def _send(run: _Run, subscribers: Sequence[Subscriber], final: _Tally,
          stop: threading.Event) -> int:
    """Build a batch, then claim, hand over and record it chunk by chunk.

    A chunk is what the sender hands over at once (one SMTP message per connection, one
    provider request): after a crash, at most one chunk is left "handed", never resent
    blindly. Returns how many subscribers someone else had claimed.
    """
    sender, now = run.sender, run.clock()
    wants_parts = getattr(sender, "wants_parts", False)
    messages = [run.factories(s.language).build(s, now, with_parts=wants_parts,
                                                mime=not wants_parts)
                for s in subscribers]
    size = max(1, getattr(sender, "max_batch", len(messages) or 1))
    wait_turn = getattr(sender, "wait_turn", None)  # pacing happens before the claim
    taken = 0
    start = 0
    while start < len(messages):
        if stop.is_set():  # SIGTERM: the chunk under way was recorded; stop before the next
            break
        chunk = messages[start:start + size]
        start += len(chunk)
        if wait_turn is not None:
            wait_turn()
        claimed = run.store.claim_deliveries(
            run.issue_date, [(m.subscriber_id, m.message_id) for m in chunk], run.clock(),
            owner=run.owner, lease=run.lease, status=claim_status(sender),
            chunk_key=chunk_key(sender))
        taken += len(chunk) - len(claimed)
        todo = [m for m in chunk if m.subscriber_id in claimed]
        if todo:
            for outcome in _hand_over(run, todo):
                final.add(outcome)
        size = max(1, getattr(sender, "max_batch", size))  # fewer SMTP connections after a 421
    return taken


def _hand_over(run: _Run, todo: Sequence[Message]) -> list[DeliveryResult]:
    """Hand a claimed chunk over and record the outcomes (those of rows still ours)."""
    try:
        handover = hand_over(run.store, run.sender, run.issue_date, run.owner, todo, run.clock,
                             run.lease)
    except DeliveryError as exc:
        # Nothing was handed over for the rest: back to pending, for the next run.
        done = {o.subscriber_id for o in exc.results}
        back = [DeliveryResult(m.subscriber_id, DeliveryStatus.PENDING, exc.message)
                for m in todo if m.subscriber_id not in done]
        _record(run, [*exc.results, *back])
        raise
    _record(run, handover.results)
    return handover.results


def _record(run: _Run, outcomes: Sequence[DeliveryResult]) -> None:
    now = run.clock()
    run.store.record_deliveries(run.issue_date, [
        (o.subscriber_id, DeliveryStatus.SUPPRESSED if o.suppress else o.status, o.detail)
        for o in outcomes], now, owner=run.owner)
    for outcome in outcomes:
        if outcome.suppress:  # no such mailbox: never mail it again
            run.store.set_subscriber_status(outcome.subscriber_id, "bounced", now)
