"""Clicks on story links: counts per issue edition, story, hour and kind, never per reader."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.dialects import postgresql, sqlite

from ..models import CLICK_KINDS, ClickCount, DeliveryStatus
from . import schema as t

_KEY = ("issue_date", "language", "story_id", "hour", "kind")


class ReadershipQueries:
    """What /r/<token> counted, written in batches and read by the desk, export and ranking."""

    engine: Engine

    def add_clicks(self, rows: Iterable[ClickCount]) -> None:
        """Add these counts to the stored ones (rows with the same key are summed first).

        One transaction, one INSERT … ON CONFLICT DO UPDATE over all rows, on SQLite and
        PostgreSQL alike: a batch is written whole or not at all.
        """
        merged: dict[tuple[object, ...], int] = {}
        for row in rows:
            if row.kind not in CLICK_KINDS:
                raise ValueError(f"click kind must be one of {CLICK_KINDS}, got {row.kind!r}")
            if row.clicks < 0:
                raise ValueError(f"a click count cannot be negative: {row!r}")
            key = (row.issue_date, row.language, row.story_id,
                   row.hour.replace(minute=0, second=0, microsecond=0), row.kind)
            merged[key] = merged.get(key, 0) + row.clicks
        values = [dict(zip(_KEY, key, strict=True), clicks=n) for key, n in merged.items() if n]
        if not values:
            return
        insert = postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert
        statement = insert(t.story_clicks)
        statement = statement.on_conflict_do_update(
            index_elements=list(_KEY),
            set_={"clicks": t.story_clicks.c.clicks + statement.excluded.clicks})
        with self.engine.begin() as conn:
            conn.execute(statement, values)

    def click_counts(self, *, issue_date: date | None = None, language: str | None = None,
                     since: date | None = None, kind: str | None = "reader"
                     ) -> list[ClickCount]:
        """Stored counts, oldest issue first; ``kind=None``: readers and robots."""
        c = t.story_clicks.c
        query = select(t.story_clicks).order_by(c.issue_date, c.language, c.story_id, c.hour,
                                                c.kind)
        if issue_date is not None:
            query = query.where(c.issue_date == issue_date)
        if language is not None:
            query = query.where(c.language == language)
        if since is not None:
            query = query.where(c.issue_date >= since)
        if kind is not None:
            query = query.where(c.kind == kind)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [ClickCount(issue_date=r["issue_date"], language=r["language"],
                           story_id=r["story_id"], hour=r["hour"], kind=r["kind"],
                           clicks=int(r["clicks"])) for r in rows]

    def click_totals(self, kind: str) -> int:
        """Every click of this kind ever counted (Prometheus)."""
        c = t.story_clicks.c
        with self.engine.connect() as conn:
            total = conn.execute(select(func.coalesce(func.sum(c.clicks), 0))
                                 .where(c.kind == kind)).scalar_one()
        return int(total)

    def delivery_span(self, issue_date: date) -> tuple[datetime, datetime] | None:
        """When the issue's first and latest messages were handed over (sent rows of the
        ledger, every edition); None before any. The robot rules' delivery window."""
        c = t.deliveries.c
        query = (select(func.min(c.updated_at), func.max(c.updated_at))
                 .where(c.issue_date == issue_date,
                        c.status.in_([DeliveryStatus.SENT.value, DeliveryStatus.HANDED.value])))
        with self.engine.connect() as conn:
            first, last = conn.execute(query).one()
        if first is None or last is None:
            return None
        return _aware(first), _aware(last)


def _aware(value: datetime) -> datetime:
    """Aware UTC, whatever the driver gave back for min()/max()."""
    if isinstance(value, str):  # SQLite's stored text, should the column type be lost
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
