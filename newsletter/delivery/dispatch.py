"""The ledger loop: claim, build, hand over, record: each subscriber gets an issue once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from ..compose.message import MessageFactory
from ..errors import DeliveryError
from ..models import DeliveryStatus, Message
from ..store import Store
from .base import Sender

_RETRYABLE = (None, DeliveryStatus.PENDING, DeliveryStatus.DEFERRED)


@dataclass
class DispatchResult:
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    unknown: int = 0
    skipped: int = 0  # already handled by an earlier run (sent, failed or unknown)

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
) -> DispatchResult:
    """Send the issue to every active subscriber who has not had it yet.

    A ledger row is written (``sending``) before a message is handed over and updated
    after; a crash in between leaves ``sending`` rows that are never resent blindly.
    ``factories(language)`` gives the message factory for a subscriber's language.
    """
    result = DispatchResult()
    for batch in store.active_subscribers(batch_size):
        ledger = store.ledger_status(issue_date, [s.id for s in batch])
        now = clock()
        messages: dict[int, Message] = {}
        for subscriber in batch:
            if ledger.get(subscriber.id) in _RETRYABLE:
                messages[subscriber.id] = factories(subscriber.language).build(
                    subscriber, now, with_parts=getattr(sender, "wants_parts", False))
            else:
                result.skipped += 1
        claimed = store.claim_deliveries(
            issue_date, [(sid, m.message_id) for sid, m in messages.items()], now)
        result.skipped += len(messages) - len(claimed)
        todo = [m for sid, m in messages.items() if sid in claimed]
        try:
            outcomes = sender.send_batch(todo)
        except DeliveryError as exc:
            # Nothing was handed over for the rest: back to pending, for the next run.
            done = {o.subscriber_id for o in exc.results}
            back = [(m.subscriber_id, DeliveryStatus.PENDING, exc.message)
                    for m in todo if m.subscriber_id not in done]
            store.record_deliveries(issue_date, [(o.subscriber_id, o.status, o.detail)
                                                 for o in exc.results] + back, clock())
            raise
        store.record_deliveries(issue_date, [(o.subscriber_id, o.status, o.detail)
                                             for o in outcomes], clock())
        for outcome in outcomes:
            if outcome.status is DeliveryStatus.SENT:
                result.sent += 1
            elif outcome.status is DeliveryStatus.FAILED:
                result.failed += 1
            elif outcome.status is DeliveryStatus.DEFERRED:
                result.deferred += 1
            else:
                result.unknown += 1
        if progress:
            progress(len(batch))
    return result
