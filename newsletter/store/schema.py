"""Tables of the store (SQLAlchemy Core): SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given to the store")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

feeds = Table(
    "feeds",
    metadata,
    Column("url", String(2000), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("etag", String(500)),
    Column("last_modified", String(100)),
    Column("last_success", UTCDateTime()),
    Column("last_error", Text),
    Column("last_error_at", UTCDateTime()),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    Column("items_seen", Integer, nullable=False, default=0),
    Column("moved_to", String(2000)),  # after a 301/308: fetched from here from then on
    Column("disabled_at", UTCDateTime()),  # after a 410 Gone
    Column("note", Text),
)

stories = Table(
    "stories",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("url", String(2000), nullable=False, index=True),
    Column("title", Text, nullable=False),
    Column("summary", Text, nullable=False),
    Column("body", Text, nullable=False, default=""),
    Column("published", UTCDateTime(), nullable=False, index=True),
    Column("first_seen", UTCDateTime(), nullable=False),
    Column("language", String(8), nullable=False),
    Column("section", String(100)),
    Column("categories", Text, nullable=False, default="[]"),
    Column("image", String(2000)),
    Column("source_name", String(300), nullable=False),
    Column("feed_url", String(2000), nullable=False),
    Column("weight", Float, nullable=False, default=1.0),
)

# Every (story, feed) pair in which a story was seen: one story, all its sources.
story_sources = Table(
    "story_sources",
    metadata,
    Column("story_id", String(64), ForeignKey("stories.id"), primary_key=True),
    Column("feed_url", String(2000), primary_key=True),
    Column("source_name", String(300), nullable=False),
    Column("url", String(2000), nullable=False),
)

issues = Table(
    "issues",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("issue_date", Date, nullable=False),
    Column("language", String(8), nullable=False),
    Column("status", String(20), nullable=False, default="draft"),
    Column("subject", Text, nullable=False),
    Column("preheader", Text, nullable=False),
    Column("html", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("web_html", Text),  # every story (the email may leave some out, for size)
    Column("moved_online", Integer),
    Column("briefing_json", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("issue_date", "language", name="uq_issue_date_language"),
)

subscribers = Table(
    "subscribers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(200), nullable=False, default=""),
    Column("language", String(8)),
    Column("sections", Text, nullable=False, default=""),
    Column("timezone", String(64)),
    Column("status", String(20), nullable=False, default="active"),
    Column("consent_source", String(100)),
    Column("consent_at", UTCDateTime()),
    Column("consent_ip", String(64)),
    Column("consent_user_agent", String(500)),
    Column("consent_text_version", String(50)),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

# Addresses that must never be mailed again, as keyed hashes (the address itself is gone).
suppressions = Table(
    "suppressions",
    metadata,
    Column("address_hash", String(64), primary_key=True),
    Column("reason", String(50), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

# The delivery ledger: one row per (issue date, subscriber) decides what was sent.
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("issue_date", Date, nullable=False),
    Column("subscriber_id", Integer, ForeignKey("subscribers.id"), nullable=False),
    Column("status", String(20), nullable=False),
    Column("message_id", String(300)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("detail", Text, nullable=False, default=""),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("issue_date", "subscriber_id", name="uq_delivery"),
)

# Abstractive summaries, by a hash of the model, the prompt and the article.
summary_cache = Table(
    "summary_cache",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("summary", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

# One holder at a time per name (e.g. "send"): cron runs, daemons and workers take turns.
locks = Table(
    "locks",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("owner", String(200), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("command", String(50), nullable=False),
    Column("issue_date", Date),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime()),
    Column("outcome", String(20), nullable=False, default="running"),
    Column("report_json", Text, nullable=False, default="{}"),
)


def upgrade_columns(engine: Any) -> list[str]:
    """Add the nullable columns a newer version introduced to existing tables.

    Returns the columns added. Anything else (a missing NOT NULL column, a changed type)
    needs a real migration, and is left for the migration tool.
    """
    from sqlalchemy import inspect, text

    inspector = inspect(engine)
    added = []
    existing_tables = set(inspector.get_table_names())
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            if table.name not in existing_tables:
                continue
            have = {c["name"] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name in have or not column.nullable:
                    continue
                kind = column.type.compile(dialect=engine.dialect)
                conn.execute(text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}'))
                added.append(f"{table.name}.{column.name}")
    return added
