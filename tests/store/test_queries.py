"""The store's other queries (people, sign-ups, webhooks, runs, alerts) on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from newsletter.store import Store
from newsletter.store.webhooks import Effect, EventRow

NOW = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)


def test_people_add_find_prefer_forget_and_stream_in_batches(store: Store) -> None:
    ids = [store.add_subscriber(f"p{i}@example.org", name=f"P {i}", language="fr",
                                now=NOW)[0] for i in range(7)]
    assert store.add_subscriber("p0@example.org", now=NOW) == (ids[0], False)  # never doubled
    store.set_preferences(ids[1], language="en", sections="Sport", timezone="Europe/Paris",
                          now=NOW)
    assert store.subscriber_preferences(ids[1]) == {"language": "en", "sections": "Sport",
                                                     "timezone": "Europe/Paris",
                                                     "status": "active"}
    assert store.subscriber_languages() == {"fr", "en"}
    store.set_subscriber_status(ids[2], "unsubscribed", NOW)
    store.forget_subscriber(ids[3], "h" * 64, NOW)
    assert store.is_suppressed("h" * 64) and store.find_subscriber("p3@example.org") is None
    batches = list(store.active_subscribers(batch_size=2))
    assert [len(b) for b in batches] == [2, 2, 1]
    assert [s.id for b in batches for s in b] == [ids[0], ids[1], ids[4], ids[5], ids[6]]
    assert store.count_active_subscribers() == 5
    assert [r["email"] for r in store.list_subscribers("unsubscribed")] == ["p2@example.org"]


def test_sign_ups_pending_confirmed_limited_and_purged(store: Store) -> None:
    form = dict(name="Ann", language="en", sections="", consent_ip="192.0.2.1",
                consent_user_agent="test", consent_text_version="v1")
    sid = store.add_pending_subscriber("ann@example.org", now=NOW, **form)
    assert sid is not None and store.subscriber_status("ann@example.org") == "pending"
    assert store.add_pending_subscriber("ann@example.org", now=NOW, **form) == sid  # refreshed
    assert store.confirm_subscriber(sid, NOW) is not None
    assert store.subscriber_status("ann@example.org") == "active"
    assert store.add_pending_subscriber("ann@example.org", now=NOW, **form) is None  # taken
    old = store.add_pending_subscriber("old@example.org", now=NOW - timedelta(days=9), **form)
    assert old is not None and store.purge_pending(NOW - timedelta(days=7)) == 1
    since = NOW - timedelta(hours=1)
    counts = [store.signup_attempt("ip", "addr", now=NOW, since=since, per_ip=2)
              for _ in range(3)]
    assert counts == [1, 2, None]  # the third is over the IP's limit, and not recorded


def test_webhook_events_apply_once_and_keep_only_hashes(store: Store) -> None:
    sid, _ = store.add_subscriber("bounce@example.org", now=NOW)
    event = EventRow(provider="mailgun", event_id="e-1", kind="hard_bounce",
                     address="bounce@example.org", address_hash="b" * 64, occurred_at=NOW,
                     detail="550 5.1.1")

    def decide(kind: str, status: str | None, soft_days: int) -> Effect:
        return Effect("bounced", suppress="bounced", label="suppressed")

    assert store.record_webhook_event(event, decide, NOW) == "suppressed"
    assert store.record_webhook_event(event, decide, NOW) is None  # the provider's retry
    assert store.get_subscriber(sid).status == "bounced"  # type: ignore[union-attr]
    assert store.is_suppressed("b" * 64)
    assert store.webhook_event_seen("mailgun", "e-1")
    assert [e["effect"] for e in store.webhook_events("mailgun")] == ["suppressed"]


def test_runs_and_alerts(store: Store) -> None:
    run = store.start_run("send", date(2026, 11, 29), NOW)
    store.finish_run(run, "ok", {"messages_sent": 3}, NOW + timedelta(seconds=5))
    dropped = store.start_run("send", None, NOW)
    store.discard_run(dropped)
    (last,) = store.last_runs(5)
    assert last["outcome"] == "ok" and last["finished_at"] == NOW + timedelta(seconds=5)
    assert store.record_alert("k1", "run_failed", "subject", NOW)
    assert not store.record_alert("k1", "run_failed", "subject", NOW)  # once per key
    store.forget_alert("k1")
    assert store.record_alert("k1", "run_failed", "subject", NOW)
    assert [a["key"] for a in store.recent_alerts()] == ["k1"]
    assert store.latest_issue_date(date(2026, 12, 1)) is None
