"""Subscribers and the suppression list."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import DataError, IntegrityError

from ..errors import StoreError
from ..models import Subscriber
from . import schema as t
from .content import _insert_many  # SQLite: the driver's executemany, types still applied

BULK_CHUNK = 1_000  # rows per transaction when adding many subscribers
_IN_CHUNK = 500  # values per IN (...) list: within every SQLite's limit of bound parameters
T = TypeVar("T")


@dataclass
class BulkAdd:
    """What add_subscribers did with each address."""

    added: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)  # already on the list (any status)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (email, the store's reason)


class PeopleQueries:
    """Who receives the newsletter, and who must never again."""

    engine: Engine

    # -- subscribers -------------------------------------------------------------

    def add_subscriber(
        self, email: str, *, name: str = "", language: str | None = None, sections: str = "",
        timezone: str | None = None, consent_source: str | None = None,
        consent_at: datetime | None = None, now: datetime, status: str = "active",
        consent_ip: str | None = None, consent_user_agent: str | None = None,
        consent_text_version: str | None = None,
    ) -> tuple[int, bool]:
        """Insert a subscriber (active unless an import says they left); returns (id,
        created). Never revives a leaver."""
        with self.engine.begin() as conn:
            row = conn.execute(select(t.subscribers.c.id).where(t.subscribers.c.email == email)
                               ).first()
            if row:
                return int(row[0]), False
            try:
                result = conn.execute(insert(t.subscribers).values(
                    email=email, name=name, language=language, sections=sections,
                    timezone=timezone, status=status, consent_source=consent_source,
                    consent_at=consent_at, consent_ip=consent_ip,
                    consent_user_agent=consent_user_agent,
                    consent_text_version=consent_text_version, created_at=now, updated_at=now,
                ))
            except IntegrityError as exc:
                raise StoreError(f"cannot add subscriber {email}: {exc.orig}") from exc
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0]), True

    def add_subscribers(self, rows: Sequence[Mapping[str, Any]], now: datetime) -> BulkAdd:
        """Add subscribers (active unless a row has its own status) in chunks: per chunk one
        transaction, one look-up, one multi-row INSERT. An address already on the list is
        left alone (``existing``). When the database refuses a chunk, its rows go in one by
        one, so only the bad row fails.

        Each row has keywords of add_subscriber (email, name, language, sections, timezone,
        consent_source, consent_at, and optionally status and the other consent fields); all
        rows have the same keys.
        """
        done = BulkAdd()
        for chunk in _chunks(rows, BULK_CHUNK):
            try:
                with self.engine.begin() as conn:
                    known = _existing_emails(conn, [r["email"] for r in chunk])
                    fresh = [{"status": "active", **r, "created_at": now, "updated_at": now}
                             for r in chunk if r["email"] not in known]
                    if fresh:
                        _insert_many(conn, t.subscribers, fresh)
            except (IntegrityError, DataError):
                self._add_one_by_one(chunk, now, done)
                continue
            done.added += [r["email"] for r in fresh]
            done.existing += [r["email"] for r in chunk if r["email"] in known]
        return done

    def _add_one_by_one(self, rows: Sequence[Mapping[str, Any]], now: datetime,
                        done: BulkAdd) -> None:
        for row in rows:
            try:
                _, created = self.add_subscriber(**row, now=now)
            except (StoreError, IntegrityError, DataError) as exc:
                reason = exc.message if isinstance(exc, StoreError) else str(exc.orig)
                done.failed.append((row["email"], reason))
                continue
            (done.added if created else done.existing).append(row["email"])

    def subscriber_statuses(self, emails: Sequence[str]) -> dict[str, str]:
        """The status of each of these addresses that is on the list."""
        out: dict[str, str] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(emails, _IN_CHUNK):
                rows = conn.execute(select(t.subscribers.c.email, t.subscribers.c.status)
                                    .where(t.subscribers.c.email.in_(chunk)))
                out.update((email, status) for email, status in rows)
        return out

    def suppression_reasons(self, address_hashes: Sequence[str]) -> dict[str, str]:
        """Why each of these keyed hashes is suppressed (bounced, complained, forgotten)."""
        out: dict[str, str] = {}
        s = t.suppressions.c
        with self.engine.connect() as conn:
            for chunk in _chunks(address_hashes, _IN_CHUNK):
                rows = conn.execute(select(s.address_hash, s.reason)
                                    .where(s.address_hash.in_(chunk)))
                out.update((address_hash, reason) for address_hash, reason in rows)
        return out

    def find_subscriber(self, email: str) -> Subscriber | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.subscribers).where(t.subscribers.c.email == email)
                               ).mappings().first()
        return _subscriber(row) if row else None

    def is_suppressed(self, address_hash: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(t.suppressions.c.address_hash).where(
                t.suppressions.c.address_hash == address_hash)).first() is not None

    def forget_subscriber(self, subscriber_id: int, address_hash: str, now: datetime) -> None:
        """Erase a subscriber's personal data; keep only a keyed hash that blocks re-imports."""
        with self.engine.begin() as conn:
            exists = conn.execute(select(t.suppressions.c.address_hash).where(
                t.suppressions.c.address_hash == address_hash)).first()
            if not exists:
                conn.execute(insert(t.suppressions).values(address_hash=address_hash,
                                                           reason="forgotten", created_at=now))
            conn.execute(update(t.subscribers).where(t.subscribers.c.id == subscriber_id).values(
                email=f"forgotten-{subscriber_id}@invalid", name="", language=None, sections="",
                timezone=None, status="forgotten", consent_source=None, consent_at=None,
                consent_ip=None, consent_user_agent=None, consent_text_version=None,
                updated_at=now))

    def count_active_subscribers(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(t.subscribers)
                                    .where(t.subscribers.c.status == "active")).scalar_one())

    def subscriber_languages(self) -> set[str]:
        """The languages active subscribers chose."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.subscribers.c.language).distinct().where(
                t.subscribers.c.status == "active", t.subscribers.c.language.is_not(None)))
            return {r[0] for r in rows if r[0]}

    def subscriber_status(self, email: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(t.subscribers.c.status)
                                .where(t.subscribers.c.email == email)).scalar()

    def set_subscriber_status(self, subscriber_id: int, status: str, now: datetime) -> bool:
        with self.engine.begin() as conn:
            result = conn.execute(update(t.subscribers).where(t.subscribers.c.id == subscriber_id)
                                  .values(status=status, updated_at=now))
        return bool(result.rowcount)

    def subscriber_preferences(self, subscriber_id: int) -> dict[str, Any] | None:
        c = t.subscribers.c
        with self.engine.connect() as conn:
            row = conn.execute(select(c.language, c.sections, c.timezone, c.status)
                               .where(c.id == subscriber_id)).mappings().first()
        return dict(row) if row else None

    def set_preferences(self, subscriber_id: int, *, language: str | None, sections: str,
                        timezone: str | None, now: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(t.subscribers).where(t.subscribers.c.id == subscriber_id).values(
                language=language, sections=sections, timezone=timezone, updated_at=now))

    def get_subscriber(self, subscriber_id: int) -> Subscriber | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.subscribers).where(t.subscribers.c.id == subscriber_id)
                               ).mappings().first()
        return _subscriber(row) if row else None

    def list_subscribers(self, status: str | None = None) -> list[dict[str, Any]]:
        query = select(t.subscribers).order_by(t.subscribers.c.id)
        if status:
            query = query.where(t.subscribers.c.status == status)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def active_subscribers(self, batch_size: int = 500) -> Iterator[list[Subscriber]]:
        """Active subscribers in id order, a batch at a time (memory stays flat)."""
        last = 0
        while True:
            query = (select(t.subscribers).where(t.subscribers.c.status == "active",
                                                 t.subscribers.c.id > last)
                     .order_by(t.subscribers.c.id).limit(batch_size))
            with self.engine.connect() as conn:
                batch = [_subscriber(r) for r in conn.execute(query).mappings()]
            if not batch:
                return
            yield batch
            last = batch[-1].id


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _existing_emails(conn: Any, emails: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(emails, _IN_CHUNK):
        found.update(conn.execute(select(t.subscribers.c.email)
                                  .where(t.subscribers.c.email.in_(chunk))).scalars())
    return found


def _subscriber(r: Any) -> Subscriber:
    return Subscriber(id=r["id"], email=r["email"], name=r["name"], language=r["language"],
                      status=r["status"], timezone=r["timezone"])
