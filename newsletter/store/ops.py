"""Locks and run records."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from . import schema as t


class OpsQueries:
    """Who may run now, and what past runs did."""

    engine: Engine

    # -- locks -----------------------------------------------------------------

    def lock_owner(self, name: str, now: datetime) -> str | None:
        """The owner id of a live lock, or None."""
        c = t.locks.c
        with self.engine.connect() as conn:
            row = conn.execute(select(c.owner, c.expires_at).where(c.name == name)).first()
        return str(row.owner) if row and row.expires_at > now else None

    def steal_lock(self, name: str, dead_owner: str, owner: str, now: datetime,
                   ttl: timedelta) -> bool:
        """Take over the lock of an owner known to be dead."""
        c = t.locks.c
        with self.engine.begin() as conn:
            result = conn.execute(update(t.locks).where(c.name == name, c.owner == dead_owner)
                                  .values(owner=owner, expires_at=now + ttl))
        return bool(result.rowcount)

    def acquire_lock(self, name: str, owner: str, now: datetime, ttl: timedelta) -> str | None:
        """Take the lock (or renew our own); None if taken, else the current holder."""
        c = t.locks.c
        with self.engine.begin() as conn:
            row = conn.execute(select(c.owner, c.expires_at).where(c.name == name)).first()
            if row is None:
                try:
                    conn.execute(insert(t.locks).values(name=name, owner=owner,
                                                        expires_at=now + ttl))
                    return None
                except IntegrityError:
                    return "someone else"
            if row.owner != owner and row.expires_at > now:
                return f"{row.owner} (until {row.expires_at:%Y-%m-%d %H:%M:%S}Z)"
            result = conn.execute(update(t.locks).where(
                c.name == name, c.owner == row.owner, c.expires_at == row.expires_at,
            ).values(owner=owner, expires_at=now + ttl))
            return None if result.rowcount else "someone else"

    def release_lock(self, name: str, owner: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(t.locks.delete().where(t.locks.c.name == name, t.locks.c.owner == owner))

    def lock_holder(self, name: str, now: datetime) -> str | None:
        c = t.locks.c
        with self.engine.connect() as conn:
            row = conn.execute(select(c.owner, c.expires_at).where(c.name == name)).first()
        return f"{row.owner} (until {row.expires_at:%Y-%m-%d %H:%M:%S}Z)" if row and \
            row.expires_at > now else None

    # -- runs ------------------------------------------------------------------

    def start_run(self, command: str, issue_date: date | None, now: datetime) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(insert(t.runs).values(
                command=command, issue_date=issue_date, started_at=now, outcome="running",
                report_json="{}",
            ))
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    def finish_run(self, run_id: int, outcome: str, report: dict[str, Any], now: datetime
                   ) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(t.runs).where(t.runs.c.id == run_id).values(
                finished_at=now, outcome=outcome,
                report_json=json.dumps(report, ensure_ascii=False),
            ))

    def last_runs(self, limit: int = 10) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.runs).order_by(t.runs.c.id.desc()).limit(limit)
                                ).mappings().all()
        return [dict(r) for r in rows]
