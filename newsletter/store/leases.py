"""Leases on ledger rows, for parallel send workers (`newsletter send --worker`).

A row goes pending -> claimed (leased to one worker, nothing handed over yet) -> sending
(being staged: nothing irrevocable yet) -> handed (the final step began) -> its outcome.
Claimed rows whose lease is over go back to any worker; rows left sending or handed by a
worker that stopped are settled by recover_deliveries (store/ledger.py): sending ones are
sent again, handed ones are never resent blindly (exactly once beats at least once).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Engine,
    and_,
    bindparam,
    delete,
    func,
    literal,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from ..models import DeliveryStatus, Subscriber
from . import schema as t
from .ledger import in_flight, still_owned
from .people import _subscriber

PENDING = DeliveryStatus.PENDING.value
CLAIMED = DeliveryStatus.CLAIMED.value
SENDING = DeliveryStatus.SENDING.value
DEFERRED = DeliveryStatus.DEFERRED.value
HANDED = DeliveryStatus.HANDED.value


class LeaseQueries:
    """Pending rows for every subscriber, then claims with a lease, batch by batch."""

    engine: Engine

    def prepare_deliveries(self, issue_date: date, now: datetime) -> int:
        """A pending row for every active subscriber without one (one INSERT … SELECT).

        Idempotent, and safe while other workers prepare or send: rows already there,
        whatever their state, are left alone. Returns how many rows were added.
        """
        d, s = t.deliveries.c, t.subscribers.c
        missing = select(literal(issue_date, t.deliveries.c.issue_date.type), s.id,
                         literal(PENDING), literal(0), literal(""),
                         literal(now, t.deliveries.c.updated_at.type)).where(
            s.status == "active",
            ~select(d.id).where(d.issue_date == issue_date, d.subscriber_id == s.id).exists(),
        ).order_by(s.id)
        insert = postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert
        statement = insert(t.deliveries).from_select(
            ["issue_date", "subscriber_id", "status", "attempts", "detail", "updated_at"], missing,
        ).on_conflict_do_nothing(index_elements=["issue_date", "subscriber_id"])
        with self.engine.begin() as conn:
            if conn.dialect.name != "postgresql":
                return int(conn.execute(statement).rowcount)
            # psycopg reports no rowcount for INSERT … SELECT through SQLAlchemy: count in SQL.
            added = statement.returning(d.id).cte("added")
            return int(conn.execute(select(func.count()).select_from(added)).scalar_one())

    def claim_deliveries_batch(self, issue_date: date, worker: str, size: int, now: datetime,
                               lease: timedelta, retries: int) -> list[int]:
        """Lease up to ``size`` rows to ``worker``; returns their subscriber ids.

        Takes pending rows, claimed rows whose lease is over, and deferred rows whose retry
        time has come (at most ``retries`` attempts after the first). On PostgreSQL the rows
        are picked with FOR UPDATE SKIP LOCKED, so concurrent workers never wait on each
        other nor take the same row; on SQLite the single UPDATE is its own write lock.
        """
        d = t.deliveries.c
        due = or_(d.lease_until.is_(None), d.lease_until <= now)
        takeable = or_(
            and_(d.status == PENDING, due),
            and_(d.status == CLAIMED, d.lease_until <= now),
            and_(d.status == DEFERRED, d.attempts <= retries, due),
        )
        picked = (select(d.id).where(d.issue_date == issue_date, takeable)
                  .order_by(d.id).limit(size).with_for_update(skip_locked=True))
        statement = (update(t.deliveries).where(d.id.in_(picked.scalar_subquery()))
                     .values(status=CLAIMED, claimed_by=worker, lease_until=now + lease,
                             updated_at=now)
                     .returning(d.subscriber_id))
        with self.engine.begin() as conn:
            return sorted(int(row[0]) for row in conn.execute(statement))

    def subscribers_by_id(self, ids: Sequence[int]) -> list[Subscriber]:
        """These subscribers, whatever their status, in id order."""
        if not ids:
            return []
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.subscribers).where(t.subscribers.c.id.in_(ids))
                                .order_by(t.subscribers.c.id)).mappings().all()
        return [_subscriber(r) for r in rows]

    def start_sending(self, issue_date: date, worker: str, claims: Sequence[tuple[int, str]],
                      now: datetime, *, lease: timedelta | None = None,
                      status: DeliveryStatus = DeliveryStatus.SENDING,
                      chunk_key: str | None = None) -> set[int]:
        """Claimed -> sending (or straight to handed), just before hand-over; returns the
        ids still leased to us, whose lease then runs ``lease`` from ``now``.

        A row whose lease ran out and that another worker took is not ours any more: the
        conditional UPDATE lets exactly one worker ever move a row to ``sending``.
        """
        if not claims:
            return set()
        d = t.deliveries.c
        message_ids = dict(claims)
        with self.engine.begin() as conn:
            ours = {int(row[0]) for row in conn.execute(
                update(t.deliveries).where(
                    d.issue_date == issue_date, d.subscriber_id.in_(list(message_ids)),
                    d.status == CLAIMED, d.claimed_by == worker,
                ).values(attempts=d.attempts + 1,
                         **in_flight(status.value, None, lease, now, chunk_key))
                .returning(d.subscriber_id))}
            if ours:
                conn.execute(update(t.deliveries).where(
                    d.issue_date == issue_date, d.subscriber_id == bindparam("sid"),
                ).values(message_id=bindparam("mid")),
                    [{"sid": sid, "mid": message_ids[sid]} for sid in sorted(ours)])
        return ours

    def finish_deliveries(self, issue_date: date,
                          results: Sequence[tuple[int, DeliveryStatus, str, datetime | None]],
                          now: datetime, *, owner: str | None = None) -> None:
        """Record outcomes: (subscriber id, status, detail, retry not before — for deferred).

        With ``owner``, only rows still its own are written (see record_deliveries).
        """
        if not results:
            return
        d = t.deliveries.c
        statement = update(t.deliveries).where(
            d.issue_date == issue_date, d.subscriber_id == bindparam("sid"), *still_owned(owner),
        ).values(status=bindparam("st"), detail=bindparam("det"), lease_until=bindparam("until"),
                 updated_at=now)
        rows: list[dict[str, Any]] = [{"sid": sid, "st": status.value, "det": detail,
                                       "until": until} for sid, status, detail, until in results]
        with self.engine.begin() as conn:
            conn.execute(statement, rows)

    def release_claims(self, issue_date: date, worker: str, now: datetime,
                       subscriber_ids: Sequence[int] | None = None,
                       not_before: datetime | None = None) -> int:
        """Give claimed rows back (all of this worker's, or these): pending again.

        ``not_before`` keeps them from being claimed again until then (local-time delivery).
        """
        d = t.deliveries.c
        where = [d.issue_date == issue_date, d.status == CLAIMED, d.claimed_by == worker]
        if subscriber_ids is not None:
            where.append(d.subscriber_id.in_(list(subscriber_ids)))
        with self.engine.begin() as conn:
            result = conn.execute(update(t.deliveries).where(*where).values(
                status=PENDING, claimed_by=None, lease_until=not_before, updated_at=now))
        return int(result.rowcount)

    def drop_claims(self, issue_date: date, worker: str, subscriber_ids: Sequence[int]) -> int:
        """Delete claimed rows never handed over (left the list, or past their window)."""
        if not subscriber_ids:
            return 0
        d = t.deliveries.c
        with self.engine.begin() as conn:
            result = conn.execute(delete(t.deliveries).where(
                d.issue_date == issue_date, d.status == CLAIMED, d.claimed_by == worker,
                d.subscriber_id.in_(list(subscriber_ids))))
        return int(result.rowcount)

    def next_lease_change(self, issue_date: date, now: datetime, retries: int) -> datetime | None:
        """When some row of this issue may become claimable again, if any may.

        Rows leased to other workers (alive or dead), rows they are handing over (settled
        by recover_deliveries if they stop) and deferred rows waiting for their retry
        count; None: nothing is left to wait for. Pending rows held for a later local
        send time do not: a worker does not idle for hours until the last time zone's
        morning; the next worker started by the timer (every 15 minutes) sends them.
        """
        d = t.deliveries.c
        waiting = or_(
            d.status.in_([CLAIMED, SENDING, HANDED]),
            and_(d.status == DEFERRED, d.attempts <= retries),
        )
        # A row without a lease (left by a stopped single-process send) is settled at once.
        soonest = func.min(func.coalesce(d.lease_until, type_coerce(now, t.UTCDateTime())))
        with self.engine.connect() as conn:
            value, count = conn.execute(
                select(type_coerce(soonest, t.UTCDateTime()), func.count())
                .where(d.issue_date == issue_date, waiting)).one()
        if not count:
            return None
        # A lease or retry time already past (it ran out between the caller's claim and
        # now) means "look again at once", never "nothing left": that row is takeable.
        return value if isinstance(value, datetime) and value > now else now
