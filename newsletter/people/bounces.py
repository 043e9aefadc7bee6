"""What provider events do to the list.

- a hard bounce marks the subscriber "bounced";
- a complaint marks them "complained" and keeps the keyed suppression hash, so no later
  import brings the address back (even when the address is not, or no longer, ours);
- an unsubscribe event unsubscribes;
- soft bounces are recorded; on ``soft_bounce_limit`` different days with no delivery
  event in between, the subscriber is marked "bounced" (0: never);
- deliveries only reset that count; other events are only recorded.

A status someone chose or earned (unsubscribed, bounced, complained, forgotten) is never
turned back; only a complaint overrides unsubscribed or bounced. Every event is
recorded once per (provider, event id): a retry changes nothing twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from ..store import Store
from ..store.webhooks import Effect, EventRow
from ..webhooks.base import COMPLAINT, HARD_BOUNCE, SOFT_BOUNCE, UNSUBSCRIBE, WebhookEvent
from .lists import address_hash

LEFT = ("unsubscribed", "bounced", "complained", "forgotten")
# Diagnostic texts often quote the address ("550 5.1.1 <jane@…>: no such user") and some
# event keys contain it: the log keeps only the address's keyed hash, so that forgetting
# someone leaves nothing readable.
ADDRESSES = re.compile(r"[^\s<>()\[\]\"',;:]+@[^\s<>()\[\]\"',;:]+")


@dataclass
class Outcome:
    """What one request's events did."""

    accepted: int = 0
    duplicates: int = 0
    effects: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {"accepted": self.accepted, "duplicates": self.duplicates,
                "effects": dict(self.effects)}


def decide(kind: str, status: str | None, soft_days: int, soft_limit: int) -> Effect:
    """The effect of an event of ``kind`` on a subscriber with ``status`` (None: unknown)."""
    if kind == COMPLAINT:
        changes = status is not None and status not in ("complained", "forgotten")
        return Effect("complained" if changes else None, suppress="complained",
                      label="suppressed" if changes else _unchanged(status))
    if status is None:
        if kind == HARD_BOUNCE:  # a dead address: a later import must not bring it in
            return Effect(suppress="bounced", label="unknown address: suppressed")
        return Effect(label="unknown address")
    if status in LEFT:
        return Effect(label=_unchanged(status))
    if kind == HARD_BOUNCE:
        return Effect("bounced", label="suppressed")
    if kind == UNSUBSCRIBE:
        return Effect("unsubscribed", label="unsubscribed")
    if kind == SOFT_BOUNCE and soft_limit and soft_days >= soft_limit:
        return Effect("bounced", label="suppressed")
    return Effect()


def _unchanged(status: str | None) -> str:
    return f"already {status}" if status else "unknown address"


def apply_events(store: Store, secret: bytes, events: list[WebhookEvent], *, soft_limit: int,
                 now: datetime) -> Outcome:
    """Record each event once and apply its effect; duplicates change nothing."""
    outcome = Outcome()

    def policy(kind: str, status: str | None, soft_days: int) -> Effect:
        return decide(kind, status, soft_days, soft_limit)

    for event in events:
        hashed = address_hash(secret, event.address)
        key = re.sub(re.escape(event.address), f"#{hashed[:16]}", event.event_id, flags=re.I)
        row = EventRow(event.provider, key, event.kind, event.address, hashed, event.when,
                       ADDRESSES.sub("<address>", event.detail))
        label = store.record_webhook_event(row, policy, now)
        if label is None:
            outcome.duplicates += 1
            continue
        outcome.accepted += 1
        outcome.effects[label] = outcome.effects.get(label, 0) + 1
    return outcome
