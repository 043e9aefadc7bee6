"""What ops watch: alerts sent once, the daemon's job store, counts for status and /metrics."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Engine,
    MetaData,
    Table,
    func,
    insert,
    inspect,
    select,
)
from sqlalchemy.exc import IntegrityError

from ..errors import StoreError
from . import schema as t


class MonitorQueries:
    """Alerts, scheduled jobs, run and subscriber counts, backups."""

    engine: Engine

    def record_alert(self, key: str, kind: str, subject: str, now: datetime) -> bool:
        """Remember an alert; False if one with this key was already sent (send nothing)."""
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(t.alerts).values(key=key, kind=kind, subject=subject,
                                                     created_at=now))
        except IntegrityError:
            return False
        return True

    def forget_alert(self, key: str) -> None:
        """Let an alert go out again (its delivery failed)."""
        with self.engine.begin() as conn:
            conn.execute(t.alerts.delete().where(t.alerts.c.key == key))

    def recent_alerts(self, limit: int = 20) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.alerts).order_by(t.alerts.c.created_at.desc())
                                .limit(limit)).mappings().all()
        return [dict(r) for r in rows]

    def discard_run(self, run_id: int) -> None:
        """Forget a run that did nothing (a send round with nobody due)."""
        with self.engine.begin() as conn:
            conn.execute(t.runs.delete().where(t.runs.c.id == run_id))

    def scheduled_jobs(self) -> list[tuple[str, datetime | None]] | None:
        """(job id, next run time) from the daemon's job store; None if it never ran here."""
        if not inspect(self.engine).has_table(t.JOBS_TABLE):
            return None
        jobs = Table(t.JOBS_TABLE, MetaData(), autoload_with=self.engine)
        with self.engine.connect() as conn:
            rows = conn.execute(select(jobs.c.id, jobs.c.next_run_time)
                                .order_by(jobs.c.next_run_time)).all()
        return [(str(r[0]), datetime.fromtimestamp(r[1], UTC) if r[1] is not None else None)
                for r in rows]

    def last_run_by_command(self) -> list[dict[str, Any]]:
        """The latest run of each (command, outcome): for /metrics."""
        c = t.runs.c
        query = (select(c.command, c.outcome, func.max(c.started_at).label("started_at"),
                        func.max(c.finished_at).label("finished_at"))
                 .group_by(c.command, c.outcome))
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [{**r, "started_at": _aware(r["started_at"]), "finished_at": _aware(r["finished_at"])}
                for r in rows]

    def subscriber_counts(self) -> dict[str, int]:
        c = t.subscribers.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(c.status, func.count()).group_by(c.status)).all()
        return {str(status): int(n) for status, n in rows}

    def latest_issue_date(self, on_or_before: date) -> date | None:
        """The newest issue built for a day up to ``on_or_before``."""
        c = t.issues.c
        with self.engine.connect() as conn:
            value = conn.execute(select(func.max(c.issue_date))
                                 .where(c.issue_date <= on_or_before)).scalar()
        return value if isinstance(value, date) else None

    def backup(self, target: Path) -> Path:
        """Copy a SQLite store to ``target`` with SQLite's online backup (safe while in use)."""
        if self.engine.dialect.name != "sqlite":
            raise StoreError(f"db backup copies SQLite stores only, not {self.engine.dialect.name}",
                             hint="use pg_dump for PostgreSQL")
        target.parent.mkdir(parents=True, exist_ok=True)
        raw = self.engine.raw_connection()
        try:
            source = raw.driver_connection
            assert isinstance(source, sqlite3.Connection)
            with sqlite3.connect(target) as copy:
                source.backup(copy)
            copy.close()
        finally:
            raw.close()
        return target


def _aware(value: datetime | None) -> datetime | None:
    # max() over a UTCDateTime column comes back as SQLite's naive UTC value.
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def job_store_engine(url: str) -> Engine:
    """An engine for APScheduler's SQLAlchemyJobStore on the store's database.

    Same SQLite settings as the store (WAL, busy timeout), so the daemon's job updates and
    a running send never trip over each other.
    """
    from .engine import open_engine  # postgresql:// URLs too, through psycopg 3

    return open_engine(url)
