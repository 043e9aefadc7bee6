"""The delivery ledger: one row per (issue date, subscriber) decides what was sent."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Engine, and_, bindparam, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..models import DeliveryStatus
from . import schema as t

SENDING, HANDED = DeliveryStatus.SENDING.value, DeliveryStatus.HANDED.value
# Rows whose outcome their owner may still record (an unknown verdict gives way to the truth).
_OURS_TO_RECORD = (SENDING, HANDED, DeliveryStatus.UNKNOWN.value)
REQUEUED_DETAIL = ("a stopped sender left it before the end of the message (never delivered): "
                   "sent again")
STRANDED_DETAIL = ("a stopped sender handed it over and recorded no answer: it may or may not "
                   "have been delivered (check the relay's or provider's log; "
                   "send --resend-unknown sends it again)")


@dataclass
class Recovered:
    """What became of the rows a stopped sender left in flight (recover_deliveries)."""

    requeued: int = 0  # left `sending`: never delivered, pending again
    unknown: int = 0  # left `handed`: now unknown
    # left `handed` by an idempotent provider, taken over to be sent again under the same
    # keys: chunk key -> [(subscriber id, message id)]
    resend: dict[str, list[tuple[int, str]]] = field(default_factory=dict)


def in_flight(status: str, owner: str | None, lease: timedelta | None, now: datetime,
              chunk_key: str | None = None) -> dict[str, Any]:
    """Column values of a row its owner is handing over (``sending`` or ``handed``)."""
    values: dict[str, Any] = {"status": status, "updated_at": now, "chunk_key": chunk_key,
                              "handed_at": now if status == HANDED else None}
    if owner is not None:
        values["claimed_by"] = owner
    if lease is not None:
        values["lease_until"] = now + lease
    return values


class LedgerQueries:
    """Claims and outcomes of deliveries."""

    engine: Engine

    # -- the delivery ledger -------------------------------------------------------

    def ledger_status(self, issue_date: date, subscriber_ids: Sequence[int]
                      ) -> dict[int, DeliveryStatus]:
        """Ledger rows of these subscribers for this issue."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.deliveries.c.subscriber_id, t.deliveries.c.status).where(
                t.deliveries.c.issue_date == issue_date,
                t.deliveries.c.subscriber_id.in_(subscriber_ids),
            )).all()
        return {int(r[0]): DeliveryStatus(r[1]) for r in rows}

    def claim_deliveries(self, issue_date: date, claims: Sequence[tuple[int, str]],
                         now: datetime, *, owner: str | None = None,
                         lease: timedelta | None = None,
                         status: DeliveryStatus = DeliveryStatus.SENDING,
                         chunk_key: str | None = None) -> set[int]:
        """Mark deliveries as being sent, before hand-over, in one transaction.

        ``claims`` are (subscriber id, message id). Returns the ids this caller may send:
        new rows, and rows left pending or deferred by an earlier run. A row already
        sending, handed, sent, failed or unknown is never claimed again. The rows are
        ``owner``'s until ``now + lease``; ``status`` is ``handed`` for a sender that hands
        over in one step (nothing to stage first).
        """
        if not claims:
            return set()
        ids = [sid for sid, _ in claims]
        message_ids = dict(claims)
        retryable = [DeliveryStatus.PENDING.value, DeliveryStatus.DEFERRED.value]
        c = t.deliveries.c
        try:
            with self.engine.begin() as conn:
                existing = dict(conn.execute(select(c.subscriber_id, c.status).where(
                    c.issue_date == issue_date, c.subscriber_id.in_(ids))).all())
                new = [sid for sid in ids if sid not in existing]
                again = [sid for sid in ids if existing.get(sid) in retryable]
                values = in_flight(status.value, owner, lease, now, chunk_key)
                if new:
                    conn.execute(insert(t.deliveries), [
                        dict(issue_date=issue_date, subscriber_id=sid, message_id=message_ids[sid],
                             attempts=1, detail="", **values)
                        for sid in new
                    ])
                taken = []
                for sid in again:
                    # Conditional: a worker (send --worker) or another sender may have
                    # claimed the row since it was read; only a row still pending or
                    # deferred is ours, and the row count says whether it was.
                    result = conn.execute(update(t.deliveries).where(
                        c.issue_date == issue_date, c.subscriber_id == sid, c.status.in_(retryable)
                    ).values(message_id=message_ids[sid], attempts=c.attempts + 1, **values))
                    if result.rowcount == 1:
                        taken.append(sid)
        except IntegrityError:
            # Another sender claimed some of these rows meanwhile: claim one by one.
            return {sid for sid, mid in claims
                    if self.claim_deliveries(issue_date, [(sid, mid)], now, owner=owner,
                                             lease=lease, status=status, chunk_key=chunk_key)}
        return set(new) | set(taken)

    def record_deliveries(self, issue_date: date, results: Iterable[tuple[int, DeliveryStatus, str]],
                          now: datetime, *, owner: str | None = None) -> None:
        """Record the outcome of each hand-over, in one transaction.

        With ``owner``, only rows still its own are written: a sender stalled past its
        lease cannot overwrite what another did with the row since. Outcomes shared by many
        (a provider's answer to a whole request) are written with one UPDATE … IN (…)
        each; the rest (an SMTP reply per message) in one executemany.
        """
        c = t.deliveries.c
        fence = still_owned(owner)
        groups: dict[tuple[str, str], list[int]] = {}
        for sid, status, detail in results:
            groups.setdefault((status.value, detail), []).append(sid)
        if not groups:
            return
        singles = [{"sid": ids[0], "st": st, "det": det}
                   for (st, det), ids in groups.items() if len(ids) == 1]
        with self.engine.begin() as conn:
            for (st, det), ids in groups.items():
                for start in range(0, len(ids) if len(ids) > 1 else 0, 500):
                    conn.execute(update(t.deliveries).where(
                        c.issue_date == issue_date, c.subscriber_id.in_(ids[start:start + 500]),
                        *fence).values(status=st, detail=det, updated_at=now, lease_until=None))
            if singles:
                conn.execute(update(t.deliveries).where(
                    c.issue_date == issue_date, c.subscriber_id == bindparam("sid"), *fence
                ).values(status=bindparam("st"), detail=bindparam("det"), updated_at=now,
                         lease_until=None), singles)

    def mark_handed(self, issue_date: date, owner: str, subscriber_ids: Collection[int],
                    now: datetime, lease: timedelta) -> set[int]:
        """Staged rows -> ``handed``, in one transaction, just before the final step.

        Returns the ids still ``owner``'s and ``sending``: only those may be committed (a
        row a recovery gave to someone else meanwhile must be dropped, not delivered).
        """
        if not subscriber_ids:
            return set()
        c = t.deliveries.c
        with self.engine.begin() as conn:
            rows = conn.execute(update(t.deliveries).where(
                c.issue_date == issue_date, c.subscriber_id.in_(sorted(subscriber_ids)),
                c.status == SENDING, c.claimed_by == owner,
            ).values(status=HANDED, handed_at=now, lease_until=now + lease, updated_at=now)
                .returning(c.subscriber_id)).all()
        return {int(r[0]) for r in rows}

    def in_flight_owners(self, issue_date: date, now: datetime) -> set[str]:
        """Who holds rows of this issue (claimed or being handed over) with a lease running."""
        c = t.deliveries.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(c.claimed_by).distinct().where(
                c.issue_date == issue_date,
                c.status.in_([DeliveryStatus.CLAIMED.value, SENDING, HANDED]),
                c.claimed_by.is_not(None), c.lease_until > now)).all()
        return {str(r[0]) for r in rows}

    def recover_deliveries(self, issue_date: date, owner: str, now: datetime, *,
                           lease: timedelta, dead: Collection[str] = (),
                           resend_since: datetime | None = None,
                           resend_attempts: int = 1) -> Recovered:
        """Settle the rows stopped senders left in flight, in one transaction.

        A row is left by a stopped sender when its lease is over (or it has none), or when
        its owner is in ``dead``. ``sending`` rows go back to pending (nothing was
        delivered); ``handed`` rows handed over since ``resend_since`` in a chunk (and
        tried at most ``resend_attempts`` times) become ``owner``'s, to be sent again under
        the same idempotency keys; the other ``handed`` rows become unknown. The claimed
        rows of ``dead`` owners go back to pending at once.
        """
        c = t.deliveries.c
        dead = sorted(dead)
        stale: ColumnElement[bool] = or_(c.lease_until.is_(None), c.lease_until <= now,
                                         *([c.claimed_by.in_(dead)] if dead else []))
        free = dict(claimed_by=None, lease_until=None, updated_at=now)
        out = Recovered()
        with self.engine.begin() as conn:
            if dead:
                conn.execute(update(t.deliveries).where(
                    c.issue_date == issue_date, c.status == DeliveryStatus.CLAIMED.value,
                    c.claimed_by.in_(dead)).values(status=DeliveryStatus.PENDING.value, **free))
            out.requeued = int(conn.execute(update(t.deliveries).where(
                c.issue_date == issue_date, c.status == SENDING, stale,
            ).values(status=DeliveryStatus.PENDING.value, detail=REQUEUED_DETAIL, **free)
            ).rowcount)
            if resend_since is not None:
                taken = conn.execute(update(t.deliveries).where(
                    c.issue_date == issue_date, c.status == HANDED, stale,
                    c.chunk_key.is_not(None), c.handed_at >= resend_since,
                    c.attempts <= resend_attempts,
                ).values(claimed_by=owner, lease_until=now + lease, attempts=c.attempts + 1,
                         updated_at=now).returning(c.subscriber_id, c.message_id, c.chunk_key))
                for sid, message_id, chunk in taken:
                    out.resend.setdefault(str(chunk), []).append((int(sid), str(message_id)))
            out.unknown = int(conn.execute(update(t.deliveries).where(
                c.issue_date == issue_date, c.status == HANDED, stale,  # not those just taken
            ).values(status=DeliveryStatus.UNKNOWN.value, detail=STRANDED_DETAIL, lease_until=None,
                     updated_at=now)).rowcount)
        for rows in out.resend.values():
            rows.sort()
        return out

    def requeue_unknown(self, issue_date: date, now: datetime) -> int:
        """Put this issue's unknown deliveries back to pending (send --resend-unknown: the
        operator decided a second copy is better than none)."""
        c = t.deliveries.c
        with self.engine.begin() as conn:
            result = conn.execute(update(t.deliveries).where(
                c.issue_date == issue_date, c.status == DeliveryStatus.UNKNOWN.value,
            ).values(status=DeliveryStatus.PENDING.value, claimed_by=None, lease_until=None,
                     chunk_key=None, handed_at=None, updated_at=now))
        return int(result.rowcount)

    def requeue_failed(self, issue_date: date, now: datetime, detail: str | None = None) -> int:
        """Put this issue's failed deliveries (only those with ``detail``, if given) back
        to pending (send --resend-failed; --force for those past their send window)."""
        c = t.deliveries.c
        where = [c.issue_date == issue_date, c.status == DeliveryStatus.FAILED.value]
        if detail is not None:
            where.append(c.detail == detail)
        with self.engine.begin() as conn:
            result = conn.execute(update(t.deliveries).where(*where).values(
                status=DeliveryStatus.PENDING.value, updated_at=now))
        return int(result.rowcount)

    def delivery_counts_by_language(self, issue_date: date) -> dict[str | None, dict[str, int]]:
        """Ledger counts of the issue by the subscribers' chosen language (None: none)."""
        d, s = t.deliveries.c, t.subscribers.c
        query = (select(s.language, d.status, func.count())
                 .join_from(t.deliveries, t.subscribers, d.subscriber_id == s.id)
                 .where(d.issue_date == issue_date).group_by(s.language, d.status))
        out: dict[str | None, dict[str, int]] = {}
        with self.engine.connect() as conn:
            for language, status, n in conn.execute(query).all():
                out.setdefault(language, {})[str(status)] = int(n)
        return out

    def delivery_counts(self, issue_date: date) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.deliveries.c.status, func.count())
                .where(t.deliveries.c.issue_date == issue_date)
                .group_by(t.deliveries.c.status)
            ).all()
        return {str(status): int(n) for status, n in rows}


def still_owned(owner: str | None) -> list[ColumnElement[bool]]:
    """The condition that a row is still ``owner``'s to record (none without an owner)."""
    if owner is None:
        return []
    c = t.deliveries.c
    # or_ of equalities, not IN: an expanding IN cannot go in an executemany
    return [and_(c.claimed_by == owner, or_(*(c.status == s for s in _OURS_TO_RECORD)))]
