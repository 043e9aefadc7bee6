"""Adding many subscribers at once (subscribers import): chunks, and one bad row failing alone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from newsletter.store import Store
from newsletter.store.people import BULK_CHUNK

NOW = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)


def row(email: str, **kw: Any) -> dict[str, Any]:
    values: dict[str, Any] = dict(email=email, name="", language=None, sections="",
                                  timezone=None, consent_source="import", consent_at=None)
    return values | kw


def test_many_rows_in_chunks_and_known_addresses_left_alone(store: Store) -> None:
    store.add_subscriber("known@example.org", name="Known", now=NOW)
    rows = [row(f"p{i}@example.org", name=f"P {i}") for i in range(BULK_CHUNK + 300)]
    done = store.add_subscribers([row("known@example.org", name="Changed"), *rows], NOW)
    assert done.existing == ["known@example.org"] and done.failed == []
    assert done.added == [r["email"] for r in rows]
    assert store.find_subscriber("known@example.org").name == "Known"  # type: ignore[union-attr]
    emails = ["known@example.org", *(r["email"] for r in rows), "nobody@example.org"]
    statuses = store.subscriber_statuses(emails)  # more than one IN (...) list
    assert len(statuses) == len(rows) + 1 and "nobody@example.org" not in statuses
    assert set(statuses.values()) == {"active"}


def test_a_row_the_database_refuses_fails_alone(store: Store) -> None:
    rows = [row("a@example.org"), row("bad@example.org", name=None), row("b@example.org"),
            row("a@example.org")]  # twice in one chunk: the second is 'existing'
    done = store.add_subscribers(rows, NOW)
    assert done.added == ["a@example.org", "b@example.org"]
    assert done.existing == ["a@example.org"]
    assert [email for email, _ in done.failed] == ["bad@example.org"]
    assert store.count_active_subscribers() == 2


def test_suppression_reasons(store: Store) -> None:
    store.forget_subscriber(store.add_subscriber("x@example.org", now=NOW)[0], "f" * 64, NOW)
    assert store.suppression_reasons(["f" * 64, "0" * 64]) == {"f" * 64: "forgotten"}
