"""Recording outcomes: shared answers in one statement, per-message replies each, same result."""

from __future__ import annotations

from datetime import UTC, date, datetime

from newsletter.models import DeliveryStatus
from newsletter.store import Store

DAY = date(2026, 11, 29)
NOW = datetime(2026, 11, 29, 6, tzinfo=UTC)


def test_shared_and_single_outcomes_are_each_recorded(store: Store) -> None:
    ids = [store.add_subscriber(f"s{i}@example.org", now=NOW)[0] for i in range(1203)]
    assert store.claim_deliveries(DAY, [(i, f"<{i}@x>") for i in ids], NOW) == set(ids)
    shared = [(i, DeliveryStatus.SENT, "sendgrid: 202 accepted") for i in ids[:1200]]
    single = [(ids[1200], DeliveryStatus.SENT, "250 queued as A1"),
              (ids[1201], DeliveryStatus.FAILED, "550 5.1.1 no such user"),
              (ids[1202], DeliveryStatus.DEFERRED, "451 try later")]
    store.record_deliveries(DAY, [*shared, *single], NOW)
    assert store.delivery_counts(DAY) == {"sent": 1201, "failed": 1, "deferred": 1}
    assert store.requeue_failed(DAY, NOW, detail="550 5.1.1 no such user") == 1
    assert store.requeue_failed(DAY, NOW, detail="something else") == 0
