"""Provider webhook events: recorded once per (provider, event id), effects in the same commit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from . import schema as t


@dataclass(frozen=True)
class EventRow:
    """One provider event as the store keeps it."""

    provider: str
    event_id: str
    kind: str
    address: str  # used to find the subscriber; only its hash is stored
    address_hash: str
    occurred_at: datetime | None
    detail: str


@dataclass(frozen=True)
class Effect:
    """What an event does: a new subscriber status, a suppression hash, a label."""

    status: str | None = None
    suppress: str | None = None  # the suppression reason, when the hash must be kept
    label: str = "recorded"


# decide(kind, current status or None for an unknown address, soft-bounce days in a row)
Decide = Callable[[str, str | None, int], Effect]


class WebhookQueries:
    """The webhook event log and what its events change."""

    engine: Engine

    def record_webhook_event(self, event: EventRow, decide: Decide, now: datetime) -> str | None:
        """Record an event and apply its effect in one transaction.

        Returns the effect's label, or None when the event was already recorded (a
        provider's retry): then nothing changes.
        """
        try:
            with self.engine.begin() as conn:
                row_id = conn.execute(insert(t.webhook_events).values(
                    provider=event.provider, event_id=event.event_id[:300], kind=event.kind,
                    address_hash=event.address_hash, occurred_at=event.occurred_at,
                    received_at=now, detail=event.detail[:2000], effect="recorded",
                )).inserted_primary_key
                assert row_id is not None
                return self._apply(conn, int(row_id[0]), event, decide, now)
        except IntegrityError:
            if self.webhook_event_seen(event.provider, event.event_id[:300]):
                return None
            raise

    def _apply(self, conn: Connection, row_id: int, event: EventRow, decide: Decide,
               now: datetime) -> str:
        s = t.subscribers.c
        found = conn.execute(select(s.id, s.status).where(s.email == event.address)).first()
        effect = decide(event.kind, found.status if found else None,
                        _soft_days(conn, event.address_hash))
        if found and effect.status and effect.status != found.status:
            conn.execute(update(t.subscribers).where(s.id == found.id)
                         .values(status=effect.status, updated_at=now))
        if effect.suppress and conn.execute(select(t.suppressions.c.address_hash).where(
                t.suppressions.c.address_hash == event.address_hash)).first() is None:
            conn.execute(insert(t.suppressions).values(address_hash=event.address_hash,
                                                       reason=effect.suppress, created_at=now))
        conn.execute(update(t.webhook_events).where(t.webhook_events.c.id == row_id).values(
            effect=effect.label, subscriber_id=found.id if found else None))
        return effect.label

    def webhook_event_seen(self, provider: str, event_id: str) -> bool:
        w = t.webhook_events.c
        with self.engine.connect() as conn:
            return conn.execute(select(w.id).where(w.provider == provider,
                                                   w.event_id == event_id)).first() is not None

    def webhook_events(self, provider: str | None = None) -> list[dict[str, Any]]:
        """Recorded events, oldest first (no addresses: only their hashes)."""
        w = t.webhook_events
        query = select(w).order_by(w.c.id)
        if provider:
            query = query.where(w.c.provider == provider)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def webhook_event_counts(self) -> dict[str, int]:
        """Events recorded per kind."""
        w = t.webhook_events.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(w.kind, func.count()).group_by(w.kind))
            return {kind: int(n) for kind, n in rows}


def _soft_days(conn: Connection, address_hash: str) -> int:
    """Days with a soft bounce for this address since its last delivery event."""
    w = t.webhook_events.c
    when = func.coalesce(w.occurred_at, w.received_at)
    rows = conn.execute(select(w.kind, w.occurred_at, w.received_at)
                        .where(w.address_hash == address_hash,
                               w.kind.in_(("soft_bounce", "delivered")))
                        .order_by(when, w.id)).all()
    days: set[Any] = set()
    for kind, occurred, received in rows:
        if kind == "delivered":
            days.clear()
        else:
            days.add((occurred or received).date())
    return len(days)
