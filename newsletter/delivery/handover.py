"""Handing one chunk over, so that a crash at any point loses as little as can be known.

A staged sender (SMTP, the outbox) stages the chunk — everything but the last step — then
the chunk is recorded ``handed`` in one transaction, then committed. Dying before that
transaction leaves the rows ``sending`` and nothing delivered: the next run sends them
again. Only a death between the transaction and the replies leaves ``handed`` rows whose
fate nobody knows. Other senders hand a chunk over in one step: their rows are claimed
straight as ``handed``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..errors import DeliveryError
from ..models import DeliveryResult, DeliveryStatus, Message
from ..store import Store
from .base import Sender, StagedSender


@dataclass
class Handover:
    results: list[DeliveryResult]  # one per message still ours, in no particular order
    lost: int = 0  # staged, but a recovery gave the rows to another sender: dropped


def claim_status(sender: Sender) -> DeliveryStatus:
    """The state a chunk is claimed in: ``sending`` when its sender stages it first."""
    return DeliveryStatus.SENDING if isinstance(sender, StagedSender) else DeliveryStatus.HANDED


def chunk_key(sender: Sender) -> str | None:
    """A name for the chunk's rows when its provider deduplicates by idempotency key: a
    stopped run's chunk is then sent again whole (recovery.py), under the same keys."""
    return uuid.uuid4().hex if getattr(sender, "idempotency_window", None) else None


def hand_over(store: Store, sender: Sender, issue_date: date, owner: str,
              messages: Sequence[Message], clock: Callable[[], datetime], lease: timedelta
              ) -> Handover:
    """Hand the chunk over (its rows claimed by ``owner``); the results to record.

    On DeliveryError (the server refuses the run) the error's results are those known;
    the messages without one were not delivered.
    """
    if not isinstance(sender, StagedSender):
        return Handover(sender.send_batch(messages))
    staged = sender.stage(messages)
    settled = [r for r in staged if r is not None]
    ready = [m.subscriber_id for m, r in zip(messages, staged, strict=True) if r is None]
    try:
        ours = store.mark_handed(issue_date, owner, ready, clock(), lease) if ready else set()
    except BaseException:
        sender.commit(())  # not recorded as handed: must not be delivered
        raise
    try:
        committed = sender.commit(ours)
    except DeliveryError as exc:
        exc.results = [*settled, *exc.results]
        raise
    return Handover([*settled, *committed], lost=len(ready) - len(ours))
