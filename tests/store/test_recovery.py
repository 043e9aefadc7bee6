"""Rows a stopped sender left in flight, on SQLite and PostgreSQL: sending ones are sent
again, handed ones become unknown (or are replayed under the same idempotency keys), and
the stopped sender can no longer deliver or record anything for them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from newsletter.models import DeliveryStatus
from newsletter.store import Store

DAY = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 6, tzinfo=UTC)
LEASE = timedelta(minutes=5)
S = DeliveryStatus


def subscribers(store: Store, n: int) -> list[int]:
    return [store.add_subscriber(f"s{i}@example.org", now=NOW)[0] for i in range(n)]


def test_a_stopped_workers_rows_are_settled_and_it_cannot_touch_them_after(store: Store) -> None:
    ids = subscribers(store, 3)
    store.prepare_deliveries(DAY, NOW)
    store.claim_deliveries_batch(DAY, "w1", 3, NOW, LEASE, 2)
    assert store.start_sending(DAY, "w1", [(ids[0], "<0@x>"), (ids[1], "<1@x>")], NOW,
                               lease=LEASE) == {ids[0], ids[1]}
    assert store.mark_handed(DAY, "w1", [ids[1]], NOW, LEASE) == {ids[1]}  # its dot went
    # while w1's lease runs, nothing is settled
    assert store.recover_deliveries(DAY, "w2", NOW + LEASE / 2, lease=LEASE).requeued == 0
    assert store.in_flight_owners(DAY, NOW + LEASE / 2) == {"w1"}
    later = NOW + LEASE + timedelta(seconds=1)
    settled = store.recover_deliveries(DAY, "w2", later, lease=LEASE)
    assert (settled.requeued, settled.unknown, settled.resend) == (1, 1, {})
    assert store.ledger_status(DAY, ids) == {ids[0]: S.PENDING, ids[1]: S.UNKNOWN,
                                             ids[2]: S.CLAIMED}
    # w1 wakes up: its staged message must not get its final dot, nor its outcome recorded
    assert store.mark_handed(DAY, "w1", [ids[0]], later, LEASE) == set()
    store.finish_deliveries(DAY, [(ids[0], S.SENT, "250 ok", None)], later, owner="w1")
    assert store.ledger_status(DAY, [ids[0]]) == {ids[0]: S.PENDING}
    # the operator decides: the unknown one goes again
    assert store.requeue_unknown(DAY, later) == 1
    assert store.claim_deliveries_batch(DAY, "w2", 5, later, LEASE, 2) == ids


def test_dead_owners_are_settled_at_once_and_a_late_reply_beats_unknown(store: Store) -> None:
    ids = subscribers(store, 3)
    assert store.claim_deliveries(DAY, [(i, f"<{i}@x>") for i in ids], NOW, owner="send1",
                                  lease=LEASE) == set(ids)
    assert store.mark_handed(DAY, "send1", ids[1:], NOW, LEASE) == set(ids[1:])
    settled = store.recover_deliveries(DAY, "send2", NOW, lease=LEASE, dead={"send1"})
    assert (settled.requeued, settled.unknown) == (1, 2)
    # send1 was only stalled: its reply arrives, and the truth replaces "unknown"
    store.record_deliveries(DAY, [(ids[1], S.SENT, "250 ok")], NOW, owner="send1")
    assert store.ledger_status(DAY, ids) == {ids[0]: S.PENDING, ids[1]: S.SENT,
                                             ids[2]: S.UNKNOWN}
    # but not over a row someone else has taken since
    store.claim_deliveries(DAY, [(ids[0], "<again@x>")], NOW, owner="send2", lease=LEASE)
    store.record_deliveries(DAY, [(ids[0], S.FAILED, "550")], NOW, owner="send1")
    assert store.ledger_status(DAY, [ids[0]]) == {ids[0]: S.SENDING}


def test_handed_chunks_of_an_idempotent_provider_are_taken_over_whole(store: Store) -> None:
    ids = subscribers(store, 5)
    store.claim_deliveries(DAY, [(i, f"<{i}@x>") for i in ids[:3]], NOW, owner="w1",
                           lease=LEASE, status=S.HANDED, chunk_key="k1")
    store.claim_deliveries(DAY, [(i, f"<{i}@x>") for i in ids[3:]], NOW, owner="w1",
                           lease=LEASE, status=S.HANDED, chunk_key="k2")
    store.record_deliveries(DAY, [(ids[4], S.SENT, "resend: e1")], NOW, owner="w1")
    later = NOW + LEASE * 2
    settled = store.recover_deliveries(DAY, "w2", later, lease=LEASE, resend_since=NOW)
    assert settled.resend == {"k1": [(i, f"<{i}@x>") for i in ids[:3]],
                              "k2": [(ids[3], f"<{ids[3]}@x>")]}
    assert (settled.requeued, settled.unknown) == (0, 0)
    # taken over: w2's until its own lease ends, then again (at most resend_attempts tries)
    assert store.recover_deliveries(DAY, "w3", later, lease=LEASE, resend_since=NOW).resend == {}
    again = store.recover_deliveries(DAY, "w3", later + LEASE * 2, lease=LEASE,
                                     resend_since=NOW, resend_attempts=2)
    assert sorted(again.resend) == ["k1", "k2"]
    last = store.recover_deliveries(DAY, "w4", later + LEASE * 4, lease=LEASE,
                                    resend_since=NOW, resend_attempts=2)
    assert (last.resend, last.unknown) == ({}, 4)


def test_handed_rows_past_the_providers_window_become_unknown(store: Store) -> None:
    ids = subscribers(store, 2)
    store.claim_deliveries(DAY, [(i, f"<{i}@x>") for i in ids], NOW, owner="w1",
                           lease=LEASE, status=S.HANDED, chunk_key="k1")
    an_hour_later = NOW + timedelta(hours=1)
    settled = store.recover_deliveries(DAY, "w2", an_hour_later, lease=LEASE,
                                       resend_since=an_hour_later - timedelta(minutes=25))
    assert (settled.resend, settled.unknown) == ({}, 2)
    assert store.delivery_counts(DAY) == {"unknown": 2}


def test_rows_an_older_version_left_sending_are_in_doubt_after_the_upgrade(backend_url: str
                                                                          ) -> None:
    """Before 0004, `sending` meant "maybe handed over": never sent again blindly."""
    import sqlalchemy as sa
    from alembic.script import ScriptDirectory

    from newsletter.store import migrate
    from newsletter.store.engine import open_engine

    engine = open_engine(backend_url)
    before_0004 = ScriptDirectory.from_config(migrate._alembic()).get_revision("0004")
    assert before_0004 is not None
    migrate.upgrade(engine, str(before_0004.down_revision))
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO subscribers (email, name, sections, status, created_at, updated_at) "
            "VALUES ('old@example.org', '', '', 'active', :t, :t)"),
            {"t": NOW.replace(tzinfo=None)})
        conn.execute(sa.text(
            "INSERT INTO deliveries (issue_date, subscriber_id, status, attempts, detail, "
            "updated_at) SELECT :d, id, 'sending', 1, '', :t FROM subscribers"),
            {"d": DAY, "t": NOW.replace(tzinfo=None)})
    migrate.upgrade(engine)
    engine.dispose()
    store = Store.open(backend_url)
    assert store.delivery_counts(DAY) == {"handed": 1}
    assert store.recover_deliveries(DAY, "send", NOW, lease=LEASE).unknown == 1
    store.close()
