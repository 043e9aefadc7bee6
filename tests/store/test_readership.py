"""Click counts (issue 19): added to in batches, summed per key, read back per issue edition."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from newsletter.models import ClickCount
from newsletter.store import Store

DAY = date(2026, 12, 3)
H7 = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)
H8 = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


def click(story: str, n: int, *, hour: datetime = H7, kind: str = "reader",
          language: str = "fr", day: date = DAY) -> ClickCount:
    return ClickCount(day, language, story, hour, kind, n)


def test_batches_add_to_the_stored_counts_and_read_back_per_kind(store: Store) -> None:
    store.add_clicks([click("a", 3), click("a", 2), click("b", 1, kind="robot")])
    store.add_clicks([click("a", 4), click("a", 1, hour=H8), click("b", 5, kind="robot")])
    assert store.click_counts() == [click("a", 9), click("a", 1, hour=H8)]
    assert store.click_counts(kind="robot") == [click("b", 6, kind="robot")]
    assert len(store.click_counts(kind=None)) == 3
    assert store.click_totals("reader") == 10
    assert store.click_totals("robot") == 6
    assert store.click_counts()[0].hour.tzinfo is not None  # aware UTC, as written


def test_counts_filter_by_issue_edition_and_since(store: Store) -> None:
    later = date(2026, 12, 5)
    store.add_clicks([click("a", 1), click("a", 2, language="en"),
                      click("c", 7, day=later, hour=datetime(2026, 12, 5, 6, tzinfo=UTC))])
    assert [c.clicks for c in store.click_counts(issue_date=DAY)] == [2, 1]  # en before fr
    assert [c.clicks for c in store.click_counts(language="en")] == [2]
    assert [c.story_id for c in store.click_counts(since=date(2026, 12, 4))] == ["c"]
    assert store.click_counts(issue_date=later, language="fr", since=DAY)[0].clicks == 7


def test_a_batch_with_a_bad_row_writes_nothing(store: Store) -> None:
    with pytest.raises(ValueError, match="kind"):
        store.add_clicks([click("a", 1), click("b", 1, kind="person")])
    store.add_clicks([])
    assert store.click_counts(kind=None) == []
    assert store.click_totals("reader") == 0


def test_the_delivery_span_is_from_the_first_to_the_latest_message_handed_over(
        store: Store) -> None:
    from datetime import timedelta

    from newsletter.models import DeliveryStatus

    assert store.delivery_span(DAY) is None
    ids = [store.add_subscriber(f"s{n}@example.org", now=H7)[0] for n in range(3)]
    store.claim_deliveries(DAY, [(i, f"<m{i}@x>") for i in ids], H7)
    assert store.delivery_span(DAY) is None  # claimed, nothing handed over yet
    store.record_deliveries(DAY, [(ids[0], DeliveryStatus.SENT, "250")], H7)
    later = H7 + timedelta(minutes=42)
    store.record_deliveries(DAY, [(ids[1], DeliveryStatus.SENT, "250")], later)
    store.record_deliveries(DAY, [(ids[2], DeliveryStatus.FAILED, "550")], H8)  # not delivered
    assert store.delivery_span(DAY) == (H7, later)
    assert store.delivery_span(date(2026, 12, 4)) is None
