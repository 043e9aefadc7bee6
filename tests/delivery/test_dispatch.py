from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from newsletter.compose import MessageFactory
from newsletter.delivery import dispatch
from newsletter.delivery.outbox import OutboxSender
from newsletter.models import DeliveryResult, DeliveryStatus, Message, RenderedIssue
from newsletter.store import Store

NOW = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)
DAY = date(2026, 11, 29)
ISSUE = RenderedIssue(DAY, "fr", "Sujet", "p", "<p>NL__UNSUBSCRIBE_URL__NL</p>",
                      "NL__UNSUBSCRIBE_URL__NL\n")


def factory() -> MessageFactory:
    return MessageFactory(ISSUE, sender_address="brief@news.example.org", list_name="Le Brief",
                          domain="news.example.org",
                          unsubscribe_url=lambda s: f"https://news.example.org/u/{s.id}")


def subscribe(store: Store, n: int) -> None:
    for i in range(n):
        store.add_subscriber(f"s{i}@example.org", now=NOW)


def send(store: Store, sender: object) -> object:
    return dispatch(store, sender, lambda _l: factory(), issue_date=DAY,  # type: ignore[arg-type]
                    batch_size=3, clock=lambda: NOW)


def test_each_subscriber_once_even_when_run_twice(store: Store, tmp_path: Path) -> None:
    subscribe(store, 7)
    first = send(store, OutboxSender(tmp_path, "x"))
    second = send(store, OutboxSender(tmp_path, "x"))
    assert first.sent == 7 and second.sent == 0 and second.skipped == 7  # type: ignore[attr-defined]
    assert len(list(tmp_path.glob("*.eml"))) == 7
    assert store.delivery_counts(DAY) == {"sent": 7}


class FlakySender:
    """Defers some recipients, and 'crashes' (never answers) for one."""

    name = "flaky"
    wants_parts = False
    max_batch = 10

    def __init__(self) -> None:
        self.seen: list[int] = []

    def send_batch(self, messages: Sequence[Message]) -> list[DeliveryResult]:
        out = []
        for m in messages:
            self.seen.append(m.subscriber_id)
            status = {2: DeliveryStatus.DEFERRED, 3: DeliveryStatus.UNKNOWN,
                      4: DeliveryStatus.FAILED}.get(m.subscriber_id, DeliveryStatus.SENT)
            out.append(DeliveryResult(m.subscriber_id, status, "x"))
        return out

    def close(self) -> None:
        pass


def test_deferred_are_retried_but_unknown_and_failed_are_not(store: Store) -> None:
    subscribe(store, 5)
    first = FlakySender()
    send(store, first)
    again = FlakySender()
    send(store, again)
    assert sorted(first.seen) == [1, 2, 3, 4, 5]
    assert again.seen == [2]  # only the deferred one goes again


def test_unsubscribed_are_left_out(store: Store, tmp_path: Path) -> None:
    subscribe(store, 3)
    store.set_subscriber_status(2, "unsubscribed", NOW)
    result = send(store, OutboxSender(tmp_path, "x"))
    assert result.sent == 2  # type: ignore[attr-defined]
    assert not (tmp_path / "x-000002.eml").exists()


class PacedSender(FlakySender):
    """Records the ledger at each pacing wait: nothing may be claimed while it waits."""

    max_batch = 2

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.sending_while_waiting: list[int] = []

    def wait_turn(self) -> None:
        self.sending_while_waiting.append(self.store.delivery_counts(DAY).get("sending", 0))


def test_pacing_waits_before_the_ledger_claims(store: Store) -> None:
    subscribe(store, 5)
    sender = PacedSender(store)
    send(store, sender)
    assert sender.sending_while_waiting == [0, 0, 0]  # three chunks of at most 2


def test_token_bucket_wait_ready_takes_nothing() -> None:
    from newsletter.delivery.providers.pacing import TokenBucket as HttpBucket

    now = [0.0]
    waits: list[float] = []
    bucket = HttpBucket(2.0, waits.append, lambda: now[0])
    bucket.take()  # the first request goes at once
    bucket.wait_ready()
    assert waits == [0.5]
    now[0] += 0.5
    bucket.take()  # the token is there after the wait: no second sleep
    assert waits == [0.5]
