"""Baseline: the store as it was when migrations began (also adopts older databases).

Revision ID: 0001
Revises:
Create Date: 2026-11-27

Databases made before migrations existed were created table by table (create_all) and
grew nullable columns at open. This revision brings any of them, or an empty database, to
the baseline: it creates the missing tables and indexes and adds the missing nullable
columns, and refuses (naming it) anything it cannot add safely. Its tables are a frozen
copy: later changes to schema.py belong in later revisions.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

baseline = sa.MetaData()

alerts = sa.Table(
    "alerts",
    baseline,
    sa.Column("key", sa.String(length=300), nullable=False),
    sa.Column("kind", sa.String(length=50), nullable=False),
    sa.Column("subject", sa.Text(), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint("key"),
)
editor_sessions = sa.Table(
    "editor_sessions",
    baseline,
    sa.Column("token_hash", sa.String(length=64), nullable=False),
    sa.Column("username", sa.String(length=64), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("expires_at", sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint("token_hash"),
)
editors = sa.Table(
    "editors",
    baseline,
    sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
    sa.Column("username", sa.String(length=64), nullable=False),
    sa.Column("password_hash", sa.String(length=300), nullable=False),
    sa.Column("email", sa.String(length=320), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("disabled_at", sa.DateTime(), nullable=True),
    sa.Column("last_login_at", sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("username"),
)
feeds = sa.Table(
    "feeds",
    baseline,
    sa.Column("url", sa.String(length=2000), nullable=False),
    sa.Column("name", sa.String(length=300), nullable=False),
    sa.Column("etag", sa.String(length=500), nullable=True),
    sa.Column("last_modified", sa.String(length=100), nullable=True),
    sa.Column("last_success", sa.DateTime(), nullable=True),
    sa.Column("last_error", sa.Text(), nullable=True),
    sa.Column("last_error_at", sa.DateTime(), nullable=True),
    sa.Column("consecutive_failures", sa.Integer(), nullable=False),
    sa.Column("items_seen", sa.Integer(), nullable=False),
    sa.Column("moved_to", sa.String(length=2000), nullable=True),
    sa.Column("disabled_at", sa.DateTime(), nullable=True),
    sa.Column("note", sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint("url"),
)
issue_approvals = sa.Table(
    "issue_approvals",
    baseline,
    sa.Column("issue_date", sa.Date(), nullable=False),
    sa.Column("language", sa.String(length=8), nullable=False),
    sa.Column("approved_by", sa.String(length=64), nullable=False),
    sa.Column("approved_at", sa.DateTime(), nullable=False),
    sa.Column("revision", sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint("issue_date", "language"),
)
issue_edits = sa.Table(
    "issue_edits",
    baseline,
    sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
    sa.Column("issue_date", sa.Date(), nullable=False),
    sa.Column("language", sa.String(length=8), nullable=False),
    sa.Column("editor", sa.String(length=64), nullable=False),
    sa.Column("at", sa.DateTime(), nullable=False),
    sa.Column("action", sa.String(length=30), nullable=False),
    sa.Column("detail", sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint("id"),
)
issues = sa.Table(
    "issues",
    baseline,
    sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
    sa.Column("issue_date", sa.Date(), nullable=False),
    sa.Column("language", sa.String(length=8), nullable=False),
    sa.Column("status", sa.String(length=20), nullable=False),
    sa.Column("subject", sa.Text(), nullable=False),
    sa.Column("preheader", sa.Text(), nullable=False),
    sa.Column("html", sa.Text(), nullable=False),
    sa.Column("text", sa.Text(), nullable=False),
    sa.Column("web_html", sa.Text(), nullable=True),
    sa.Column("moved_online", sa.Integer(), nullable=True),
    sa.Column("briefing_json", sa.Text(), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("issue_date", "language", name="uq_issue_date_language"),
)
locks = sa.Table(
    "locks",
    baseline,
    sa.Column("name", sa.String(length=100), nullable=False),
    sa.Column("owner", sa.String(length=200), nullable=False),
    sa.Column("expires_at", sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint("name"),
)
login_failures = sa.Table(
    "login_failures",
    baseline,
    sa.Column("key", sa.String(length=64), nullable=False),
    sa.Column("failures", sa.Integer(), nullable=False),
    sa.Column("last_at", sa.DateTime(), nullable=False),
    sa.Column("locked_until", sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint("key"),
)
runs = sa.Table(
    "runs",
    baseline,
    sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
    sa.Column("command", sa.String(length=50), nullable=False),
    sa.Column("issue_date", sa.Date(), nullable=True),
    sa.Column("started_at", sa.DateTime(), nullable=False),
    sa.Column("finished_at", sa.DateTime(), nullable=True),
    sa.Column("outcome", sa.String(length=20), nullable=False),
    sa.Column("report_json", sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint("id"),
)
signup_attempts = sa.Table(
    "signup_attempts",
    baseline,
    sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
    sa.Column("ip_hash", sa.String(length=64), nullable=False),
    sa.Column("address_hash", sa.String(length=64), nullable=True),
    sa.Column("at", sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint("id"),
)
stories = sa.Table(
    "stories",
    baseline,
    sa.Column("id", sa.String(length=64), nullable=False),
    sa.Column("url", sa.String(length=2000), nullable=False),
    sa.Column("title", sa.Text(), nullable=False),
    sa.Column("summary", sa.Text(), nullable=False),
    sa.Column("body", sa.Text(), nullable=False),
    sa.Column("published", sa.DateTime(), nullable=False),
    sa.Column("first_seen", sa.DateTime(), nullable=False),
    sa.Column("language", sa.String(length=8), nullable=False),
    sa.Column("section", sa.String(length=100), nullable=True),
    sa.Column("categories", sa.Text(), nullable=False),
    sa.Column("image", sa.String(length=2000), nullable=True),
    sa.Column("source_name", sa.String(length=300), nullable=False),
    sa.Column("feed_url", sa.String(length=2000), nullable=False),
    sa.Column("weight", sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint("id"),
)
subscribers = sa.Table(
    "subscribers",
    baseline,
    sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
    sa.Column("email", sa.String(length=320), nullable=False),
    sa.Column("name", sa.String(length=200), nullable=False),
    sa.Column("language", sa.String(length=8), nullable=True),
    sa.Column("sections", sa.Text(), nullable=False),
    sa.Column("timezone", sa.String(length=64), nullable=True),
    sa.Column("status", sa.String(length=20), nullable=False),
    sa.Column("consent_source", sa.String(length=100), nullable=True),
    sa.Column("consent_at", sa.DateTime(), nullable=True),
    sa.Column("consent_ip", sa.String(length=64), nullable=True),
    sa.Column("consent_user_agent", sa.String(length=500), nullable=True),
    sa.Column("consent_text_version", sa.String(length=50), nullable=True),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("updated_at", sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("email"),
)
summary_cache = sa.Table(
    "summary_cache",
    baseline,
    sa.Column("key", sa.String(length=64), nullable=False),
    sa.Column("summary", sa.Text(), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint("key"),
)
suppressions = sa.Table(
    "suppressions",
    baseline,
    sa.Column("address_hash", sa.String(length=64), nullable=False),
    sa.Column("reason", sa.String(length=50), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint("address_hash"),
)
webhook_events = sa.Table(
    "webhook_events",
    baseline,
    sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
    sa.Column("provider", sa.String(length=20), nullable=False),
    sa.Column("event_id", sa.String(length=300), nullable=False),
    sa.Column("kind", sa.String(length=20), nullable=False),
    sa.Column("address_hash", sa.String(length=64), nullable=True),
    sa.Column("subscriber_id", sa.Integer(), nullable=True),
    sa.Column("occurred_at", sa.DateTime(), nullable=True),
    sa.Column("received_at", sa.DateTime(), nullable=False),
    sa.Column("detail", sa.Text(), nullable=False),
    sa.Column("effect", sa.String(length=30), nullable=False),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("provider", "event_id", name="uq_webhook_event"),
)
deliveries = sa.Table(
    "deliveries",
    baseline,
    sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
    sa.Column("issue_date", sa.Date(), nullable=False),
    sa.Column("subscriber_id", sa.Integer(), nullable=False),
    sa.Column("status", sa.String(length=20), nullable=False),
    sa.Column("message_id", sa.String(length=300), nullable=True),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("detail", sa.Text(), nullable=False),
    sa.Column("updated_at", sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(
        ["subscriber_id"],
        ["subscribers.id"],
    ),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("issue_date", "subscriber_id", name="uq_delivery"),
)
story_sources = sa.Table(
    "story_sources",
    baseline,
    sa.Column("story_id", sa.String(length=64), nullable=False),
    sa.Column("feed_url", sa.String(length=2000), nullable=False),
    sa.Column("source_name", sa.String(length=300), nullable=False),
    sa.Column("url", sa.String(length=2000), nullable=False),
    sa.ForeignKeyConstraint(
        ["story_id"],
        ["stories.id"],
    ),
    sa.PrimaryKeyConstraint("story_id", "feed_url"),
)

sa.Index("ix_editor_sessions_username", editor_sessions.c.username)
sa.Index("ix_issue_edits_issue_date", issue_edits.c.issue_date)
sa.Index("ix_signup_attempts_address_hash", signup_attempts.c.address_hash)
sa.Index("ix_signup_attempts_at", signup_attempts.c.at)
sa.Index("ix_signup_attempts_ip_hash", signup_attempts.c.ip_hash)
sa.Index("ix_stories_published", stories.c.published)
sa.Index("ix_stories_url", stories.c.url)
sa.Index("ix_webhook_events_address_hash", webhook_events.c.address_hash)


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    existing = set(inspector.get_table_names())
    for table in baseline.sorted_tables:
        if table.name not in existing:
            table.create(bind)
            continue
        have = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in have:
                continue
            if not column.nullable:
                raise RuntimeError(
                    f"table {table.name} lacks the NOT NULL column {column.name}: "
                    "this database cannot be adopted automatically"
                )
            op.add_column(table.name, sa.Column(column.name, column.type))
        indexes = {i["name"] for i in inspector.get_indexes(table.name)}
        for index in table.indexes:
            if index.name not in indexes:
                index.create(bind)


def downgrade() -> None:
    for table in reversed(baseline.sorted_tables):
        op.drop_table(table.name)
