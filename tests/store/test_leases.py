"""Leases on ledger rows for parallel send workers, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

from newsletter.models import DeliveryStatus
from newsletter.store import Store

DAY = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 6, tzinfo=UTC)
LEASE = timedelta(minutes=5)


def subscribers(store: Store, n: int) -> list[int]:
    return [store.add_subscriber(f"s{i}@example.org", now=NOW)[0] for i in range(n)]


def test_prepare_queues_every_active_subscriber_once(store: Store) -> None:
    ids = subscribers(store, 5)
    store.set_subscriber_status(ids[1], "unsubscribed", NOW)
    store.claim_deliveries(DAY, [(ids[2], "<m2@x>")], NOW)  # already sending by `send`
    assert store.prepare_deliveries(DAY, NOW) == 3
    assert store.prepare_deliveries(DAY, NOW) == 0  # idempotent
    assert store.delivery_counts(DAY) == {"pending": 3, "sending": 1}
    assert store.prepare_deliveries(date(2026, 11, 28), NOW) == 4  # per issue


def test_claims_are_disjoint_and_expired_leases_are_taken_over(store: Store) -> None:
    ids = subscribers(store, 5)
    store.prepare_deliveries(DAY, NOW)
    first = store.claim_deliveries_batch(DAY, "w1", 3, NOW, LEASE, 2)
    second = store.claim_deliveries_batch(DAY, "w2", 3, NOW, LEASE, 2)
    assert first == ids[:3] and second == ids[3:]
    assert store.claim_deliveries_batch(DAY, "w3", 3, NOW + LEASE / 2, LEASE, 2) == []
    # w1 hands over one row, then dies: only its claimed rows come back, after the lease
    assert store.start_sending(DAY, "w1", [(ids[0], "<m0@x>")], NOW) == {ids[0]}
    later = NOW + LEASE + timedelta(seconds=1)
    assert store.next_lease_change(DAY, NOW, 2) == NOW + LEASE
    taken = store.claim_deliveries_batch(DAY, "w3", 10, later, LEASE, 2)
    assert taken == [ids[1], ids[2], *ids[3:]]  # w2's lease ran out too
    # the dead worker's late hand-over is refused: the rows are w3's now
    assert store.start_sending(DAY, "w1", [(ids[1], "<m1@x>")], later) == set()
    assert store.start_sending(DAY, "w3", [(ids[1], "<m1@x>")], later) == {ids[1]}
    assert store.delivery_counts(DAY) == {"sending": 2, "claimed": 3}


def test_sending_rows_are_never_claimed_again(store: Store) -> None:
    ids = subscribers(store, 2)
    store.prepare_deliveries(DAY, NOW)
    store.claim_deliveries_batch(DAY, "w1", 2, NOW, LEASE, 2)
    store.start_sending(DAY, "w1", [(ids[0], "<m0@x>"), (ids[1], "<m1@x>")], NOW)
    much_later = NOW + timedelta(days=1)
    assert store.claim_deliveries_batch(DAY, "w2", 10, much_later, LEASE, 2) == []
    # not claimable, but w1 stopped: settle them now (tests/store/test_recovery.py)
    assert store.next_lease_change(DAY, much_later, 2) == much_later
    # nor by the single-process `send`
    assert store.claim_deliveries(DAY, [(ids[0], "<again@x>")], much_later) == set()


def test_single_process_send_leaves_leased_rows_alone(store: Store) -> None:
    ids = subscribers(store, 2)
    store.prepare_deliveries(DAY, NOW)
    store.claim_deliveries_batch(DAY, "w1", 1, NOW, LEASE, 2)
    assert store.ledger_status(DAY, ids) == {ids[0]: DeliveryStatus.CLAIMED,
                                             ids[1]: DeliveryStatus.PENDING}
    assert store.claim_deliveries(DAY, [(ids[0], "<a@x>"), (ids[1], "<b@x>")], NOW) == {ids[1]}


def test_deferred_rows_come_back_after_their_backoff_until_retries_run_out(store: Store) -> None:
    [sid] = subscribers(store, 1)
    store.prepare_deliveries(DAY, NOW)
    at = NOW
    for attempt in range(1, 4):  # the first attempt and 2 retries
        assert store.claim_deliveries_batch(DAY, "w", 5, at, LEASE, 2) == [sid], attempt
        assert store.start_sending(DAY, "w", [(sid, f"<{attempt}@x>")], at) == {sid}
        retry_at = at + timedelta(seconds=30)
        store.finish_deliveries(DAY, [(sid, DeliveryStatus.DEFERRED, "451 later", retry_at)], at)
        assert store.claim_deliveries_batch(DAY, "w", 5, at, LEASE, 2) == []  # not yet
        assert store.next_lease_change(DAY, at, 2) == (retry_at if attempt < 3 else None)
        at = retry_at
    assert store.claim_deliveries_batch(DAY, "w", 5, at + timedelta(hours=1), LEASE, 2) == []
    assert store.delivery_counts(DAY) == {"deferred": 1}


def test_released_and_dropped_claims(store: Store) -> None:
    ids = subscribers(store, 4)
    store.prepare_deliveries(DAY, NOW)
    store.claim_deliveries_batch(DAY, "w1", 4, NOW, LEASE, 2)
    due = NOW + timedelta(hours=2)
    assert store.release_claims(DAY, "w1", NOW, [ids[0]], not_before=due) == 1
    assert store.drop_claims(DAY, "w1", [ids[1]]) == 1
    assert store.drop_claims(DAY, "w2", [ids[2]]) == 0  # not w2's
    assert store.release_claims(DAY, "w1", NOW) == 2  # the rest, at once
    assert store.claim_deliveries_batch(DAY, "w2", 9, NOW, LEASE * 100, 2) == [ids[2], ids[3]]
    assert store.claim_deliveries_batch(DAY, "w2", 9, due, LEASE, 2) == [ids[0]]
    assert sorted(s.id for s in store.subscribers_by_id(ids)) == ids


def test_concurrent_claimers_never_share_a_row(store: Store) -> None:
    """Eight threads with their own connections claim at once (SKIP LOCKED on PostgreSQL)."""
    ids = subscribers(store, 400)
    store.prepare_deliveries(DAY, NOW)
    taken: dict[str, list[int]] = {}
    start = threading.Barrier(8)

    def claimer(name: str) -> None:
        mine: list[int] = []
        start.wait()
        while batch := store.claim_deliveries_batch(DAY, name, 7, NOW, LEASE, 2):
            mine += batch
        taken[name] = mine

    threads = [threading.Thread(target=claimer, args=(f"w{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    everything = [sid for mine in taken.values() for sid in mine]
    assert sorted(everything) == ids  # every row once, none twice
    assert len(taken) == 8


def test_send_and_a_worker_racing_for_a_pending_row_never_both_get_it(store: Store) -> None:
    """`send` reads the row as pending; a worker claims it before `send` updates it."""
    from sqlalchemy import event

    ids = subscribers(store, 3)
    store.prepare_deliveries(DAY, NOW)
    worker = Store.open(store.engine.url.render_as_string(hide_password=False))
    raced: list[list[int]] = []

    def after(conn: object, cursor: object, statement: str, *args: object) -> None:
        if not raced and statement.lstrip().upper().startswith("SELECT") and \
                "deliveries.status" in statement and "lease" not in statement:
            raced.append(worker.claim_deliveries_batch(DAY, "w1", 3, NOW, LEASE, 2))

    event.listen(store.engine, "after_cursor_execute", after)
    try:
        mine = store.claim_deliveries(DAY, [(i, f"<m{i}@x>") for i in ids], NOW)
    finally:
        event.remove(store.engine, "after_cursor_execute", after)
        worker.close()
    assert raced == [ids]  # the worker won every row between the read and the update
    assert mine == set()  # so `send` hands none of them over
    assert store.delivery_counts(DAY) == {"claimed": 3}


def test_rows_held_for_a_later_local_time_do_not_keep_workers_waiting(store: Store) -> None:
    ids = subscribers(store, 2)
    store.prepare_deliveries(DAY, NOW)
    assert store.claim_deliveries_batch(DAY, "w1", 2, NOW, LEASE, 2) == ids
    tokyo_morning = NOW + timedelta(hours=16)
    assert store.release_claims(DAY, "w1", NOW, ids, not_before=tokyo_morning) == 2
    assert store.next_lease_change(DAY, NOW, 2) is None  # exit; the 15-minute timer returns
    assert store.claim_deliveries_batch(DAY, "w2", 2, NOW, LEASE, 2) == []
    assert store.claim_deliveries_batch(DAY, "w2", 2, tokyo_morning, LEASE, 2) == ids


def test_a_retry_time_that_passed_meanwhile_means_look_again_not_stop(store: Store) -> None:
    (sid,) = subscribers(store, 1)
    store.prepare_deliveries(DAY, NOW)
    store.claim_deliveries_batch(DAY, "w1", 1, NOW, LEASE, 2)
    store.start_sending(DAY, "w1", [(sid, "<m@x>")], NOW)
    retry_at = NOW + timedelta(seconds=1)
    store.finish_deliveries(DAY, [(sid, DeliveryStatus.DEFERRED, "451 later", retry_at)], NOW)
    assert store.next_lease_change(DAY, NOW, 2) == retry_at  # wait for it
    later = retry_at + timedelta(seconds=1)  # the worker looked only after the retry time
    assert store.next_lease_change(DAY, later, 2) == later  # look again at once
    assert store.claim_deliveries_batch(DAY, "w1", 1, later, LEASE, 2) == [sid]
