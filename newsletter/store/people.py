"""Subscribers and the suppression list."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..errors import StoreError
from ..models import Subscriber
from . import schema as t


class PeopleQueries:
    """Who receives the newsletter, and who must never again."""

    engine: Engine

    # -- subscribers -------------------------------------------------------------

    def add_subscriber(
        self, email: str, *, name: str = "", language: str | None = None, sections: str = "",
        timezone: str | None = None, consent_source: str | None = None,
        consent_at: datetime | None = None, now: datetime,
    ) -> tuple[int, bool]:
        """Insert an active subscriber; returns (id, created). Never revives a leaver."""
        with self.engine.begin() as conn:
            row = conn.execute(select(t.subscribers.c.id).where(t.subscribers.c.email == email)
                               ).first()
            if row:
                return int(row[0]), False
            try:
                result = conn.execute(insert(t.subscribers).values(
                    email=email, name=name, language=language, sections=sections,
                    timezone=timezone, status="active", consent_source=consent_source,
                    consent_at=consent_at, created_at=now, updated_at=now,
                ))
            except IntegrityError as exc:
                raise StoreError(f"cannot add subscriber {email}: {exc.orig}") from exc
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0]), True

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


def _subscriber(r: Any) -> Subscriber:
    return Subscriber(id=r["id"], email=r["email"], name=r["name"], language=r["language"],
                      status=r["status"], timezone=r["timezone"])
