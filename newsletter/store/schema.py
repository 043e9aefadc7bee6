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
    Index,
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
    # The story's place in this feed at the latest fetch that had it (0: the top): a
    # front page's order is the publisher's own ranking (curate/rank.py, placement).
    Column("position", Integer),
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
    # Parallel send workers (delivery/worker.py): who holds a 'claimed' row, and until when.
    Column("claimed_by", String(200)),
    Column("lease_until", UTCDateTime()),
    # Crash safety (delivery/recovery.py): when the row was handed over, and the chunk it
    # went in (an idempotent provider's rows are sent again together, under the same keys).
    Column("handed_at", UTCDateTime()),
    Column("chunk_key", String(100)),
    UniqueConstraint("issue_date", "subscriber_id", name="uq_delivery"),
)
Index("ix_deliveries_queue", deliveries.c.issue_date, deliveries.c.status, deliveries.c.id)

# Article pages fetched for their full text, by canonical URL: each is fetched once (a
# failure once more); "extracted" rows hold the text, the others say why it was not used.
article_texts = Table(
    "article_texts",
    metadata,
    Column("url", String(2000), primary_key=True),
    Column("status", String(20), nullable=False),
    Column("text", Text, nullable=False, default=""),
    Column("words", Integer, nullable=False, default=0),
    Column("http_status", Integer),
    Column("reason", Text, nullable=False, default=""),
    Column("attempts", Integer, nullable=False, default=1),
    Column("fetched_at", UTCDateTime(), nullable=False),
    Column("feed_url", String(2000), nullable=False, default=""),
)
Index("ix_article_texts_feed", article_texts.c.feed_url)

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

# Alerts sent to ops, by a key naming the event: each event is alerted once.
alerts = Table(
    "alerts",
    metadata,
    Column("key", String(300), primary_key=True),
    Column("kind", String(50), nullable=False),
    Column("subject", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

# APScheduler's SQLAlchemyJobStore keeps `newsletter schedule`'s jobs in this table
# (created and written by APScheduler itself; the store only reads the next run times).
JOBS_TABLE = "apscheduler_jobs"


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


# Provider webhook events (bounces, complaints, unsubscribes…), one row per (provider,
# event id): a provider's retry finds its row and changes nothing twice. The address is
# kept only as the keyed suppression hash, so forgetting someone leaves nothing readable.
webhook_events = Table(
    "webhook_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("provider", String(20), nullable=False),
    Column("event_id", String(300), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("address_hash", String(64), index=True),
    Column("subscriber_id", Integer),
    Column("occurred_at", UTCDateTime()),
    Column("received_at", UTCDateTime(), nullable=False),
    Column("detail", Text, nullable=False, default=""),
    Column("effect", String(30), nullable=False, default="recorded"),
    UniqueConstraint("provider", "event_id", name="uq_webhook_event"),
)

# Sign-ups through the public form, for rate limits shared by every server process.
# Keyed hashes only: no IP address or email address of a mere attempt is kept.
signup_attempts = Table(
    "signup_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ip_hash", String(64), nullable=False, index=True),
    Column("address_hash", String(64), index=True),
    Column("at", UTCDateTime(), nullable=False, index=True),
)

# Sign-up form tokens already used: each form may be sent once. The SHA-256 of the
# token's random id, kept until the token would have expired anyway.
signup_tokens = Table(
    "signup_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("expires_at", UTCDateTime(), nullable=False, index=True),
)

# Clicks on story links (README "Readership"): per issue edition, story, hour and kind
# ("reader" | "robot"), added to in batches by the web server. No subscriber, ever.
story_clicks = Table(
    "story_clicks",
    metadata,
    Column("issue_date", Date, primary_key=True),
    Column("language", String(8), primary_key=True),
    Column("story_id", String(64), primary_key=True),
    Column("hour", UTCDateTime(), primary_key=True),  # UTC, on the hour
    Column("kind", String(8), primary_key=True),
    Column("clicks", Integer, nullable=False),
)

# -- the editor's desk ---------------------------------------------------------------------

# People who may log in to /editor; only a password hash (werkzeug scrypt) is kept.
editors = Table(
    "editors",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", String(300), nullable=False),
    Column("email", String(320), nullable=False, default=""),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("disabled_at", UTCDateTime()),
    Column("last_login_at", UTCDateTime()),
)

# Logged-in editors: the cookie holds a random token, the store only its SHA-256, so
# logging out (or removing the editor) ends the session for good.
editor_sessions = Table(
    "editor_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("username", String(64), nullable=False, index=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
)

# Failed logins per key (a keyed hash of the name or of the client IP): slows guessing.
login_failures = Table(
    "login_failures",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("failures", Integer, nullable=False, default=0),
    Column("last_at", UTCDateTime(), nullable=False),
    Column("locked_until", UTCDateTime()),
)

# Everything editors (and the approval gate) did to an issue: who, when, what.
issue_edits = Table(
    "issue_edits",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("issue_date", Date, nullable=False, index=True),
    Column("language", String(8), nullable=False),
    Column("editor", String(64), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("action", String(30), nullable=False),
    Column("detail", Text, nullable=False, default=""),
)

# The current approval of an issue edition; any later edit deletes it.
issue_approvals = Table(
    "issue_approvals",
    metadata,
    Column("issue_date", Date, primary_key=True),
    Column("language", String(8), primary_key=True),
    Column("approved_by", String(64), nullable=False),
    Column("approved_at", UTCDateTime(), nullable=False),
    Column("revision", Integer, nullable=False),
)
