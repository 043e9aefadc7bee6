"""Sign-ups through the public form: pending subscribers, confirmation, rate-limit counts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from . import schema as t


class SignupQueries:
    """Double opt-in: a form creates a pending subscriber; only the confirmation activates."""

    engine: Engine

    def add_pending_subscriber(
        self, email: str, *, name: str, language: str | None, sections: str,
        consent_ip: str, consent_user_agent: str, consent_text_version: str, now: datetime,
    ) -> int | None:
        """The id of a new (or refreshed) pending subscriber; None when the address is taken.

        A pending sign-up made again takes the new form's values (the newest email is the
        one that will be confirmed); any other status is left exactly as it is.
        """
        values = dict(name=name, language=language, sections=sections, consent_source="form",
                      consent_ip=consent_ip[:64], consent_user_agent=consent_user_agent[:500],
                      consent_text_version=consent_text_version[:50], updated_at=now)
        for _ in range(2):  # a concurrent insert of the same address: look again
            try:
                with self.engine.begin() as conn:
                    return self._pending(conn, email, values, now)
            except IntegrityError:
                continue
        return None

    @staticmethod
    def _pending(conn: Connection, email: str, values: Mapping[str, object], now: datetime
                 ) -> int | None:
        c = t.subscribers.c
        row = conn.execute(select(c.id, c.status).where(c.email == email)).first()
        if row is None:
            result = conn.execute(insert(t.subscribers).values(
                email=email, status="pending", created_at=now, **values))
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])
        if row.status != "pending":
            return None
        conn.execute(update(t.subscribers).where(c.id == row.id).values(**values))
        return int(row.id)

    def confirm_subscriber(self, subscriber_id: int, now: datetime) -> str | None:
        """Activate a pending subscriber (consent given now); returns the status after."""
        c = t.subscribers.c
        with self.engine.begin() as conn:
            conn.execute(update(t.subscribers)
                         .where(c.id == subscriber_id, c.status == "pending")
                         .values(status="active", consent_at=now, updated_at=now))
            return conn.execute(select(c.status).where(c.id == subscriber_id)).scalar()

    def signup_attempt(self, ip_hash: str, address_hash: str | None, *, now: datetime,
                       since: datetime, per_ip: int) -> int | None:
        """Count one sign-up; None when the IP is over its limit (nothing recorded then).

        Otherwise the number of attempts for the address since ``since``, this one included.
        """
        a = t.signup_attempts.c
        with self.engine.begin() as conn:
            from_ip = conn.execute(select(func.count()).select_from(t.signup_attempts)
                                   .where(a.ip_hash == ip_hash, a.at >= since)).scalar_one()
            if from_ip >= per_ip:
                return None
            conn.execute(insert(t.signup_attempts).values(ip_hash=ip_hash,
                                                          address_hash=address_hash, at=now))
            if address_hash is None:
                return 0
            return int(conn.execute(select(func.count()).select_from(t.signup_attempts)
                                    .where(a.address_hash == address_hash, a.at >= since)
                                    ).scalar_one())

    def purge_pending(self, before: datetime) -> int:
        """Delete sign-ups never confirmed and last requested before ``before``."""
        c = t.subscribers.c
        with self.engine.begin() as conn:
            result = conn.execute(delete(t.subscribers)
                                  .where(c.status == "pending", c.updated_at < before))
        return int(result.rowcount)

    def use_signup_token(self, token_hash: str, *, expires_at: datetime, now: datetime
                         ) -> bool:
        """Record a sign-up form token as used; False when it was used before (a replay).

        Tokens past their expiry are forgotten first (they are refused anyway).
        """
        s = t.signup_tokens
        with self.engine.begin() as conn:
            conn.execute(delete(s).where(s.c.expires_at < now))
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(s).values(token_hash=token_hash, expires_at=expires_at))
        except IntegrityError:
            return False
        return True

    def purge_signup_attempts(self, before: datetime) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(delete(t.signup_attempts)
                                  .where(t.signup_attempts.c.at < before))
        return int(result.rowcount)
