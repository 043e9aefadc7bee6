"""The delivery ledger: one row per (issue date, subscriber) decides what was sent."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import Engine, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..models import DeliveryStatus
from . import schema as t


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
                         now: datetime) -> set[int]:
        """Mark deliveries as being sent, before hand-over, in one transaction.

        ``claims`` are (subscriber id, message id). Returns the ids this caller may send:
        new rows, and rows left pending or deferred by an earlier run. A row already
        sending, sent, failed or unknown is never claimed again.
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
                if new:
                    conn.execute(insert(t.deliveries), [
                        dict(issue_date=issue_date, subscriber_id=sid, message_id=message_ids[sid],
                             status=DeliveryStatus.SENDING.value, attempts=1, detail="",
                             updated_at=now)
                        for sid in new
                    ])
                taken = []
                for sid in again:
                    # Conditional: a worker (send --worker) or another sender may have
                    # claimed the row since it was read; only a row still pending or
                    # deferred is ours, and the row count says whether it was.
                    result = conn.execute(update(t.deliveries).where(
                        c.issue_date == issue_date, c.subscriber_id == sid, c.status.in_(retryable)
                    ).values(status=DeliveryStatus.SENDING.value, message_id=message_ids[sid],
                             updated_at=now, attempts=c.attempts + 1))
                    if result.rowcount == 1:
                        taken.append(sid)
        except IntegrityError:
            # Another sender claimed some of these rows meanwhile: claim one by one.
            return {sid for sid, mid in claims if self.claim_deliveries(issue_date, [(sid, mid)], now)}
        return set(new) | set(taken)

    def record_deliveries(self, issue_date: date, results: Iterable[tuple[int, DeliveryStatus, str]],
                          now: datetime) -> None:
        """Record the outcome of each hand-over, in one transaction.

        Outcomes shared by many (a provider's answer to a whole request) are written with
        one UPDATE … IN (…) each; the rest (an SMTP reply per message) in one executemany.
        """
        c = t.deliveries.c
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
                        c.issue_date == issue_date, c.subscriber_id.in_(ids[start:start + 500])
                    ).values(status=st, detail=det, updated_at=now))
            if singles:
                conn.execute(update(t.deliveries).where(
                    c.issue_date == issue_date, c.subscriber_id == bindparam("sid")
                ).values(status=bindparam("st"), detail=bindparam("det"), updated_at=now),
                    singles)

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
