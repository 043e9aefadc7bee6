"""Article texts: the full text of items whose feed carries a teaser, by canonical URL.

Revision ID: 0005
Revises: 0002
Create Date: 2026-12-02

One row per article page: "extracted" rows hold the text used as the story's body; the
others record why it was not used (paywall, consent or login wall, too short, robots.txt,
failed), so a page is fetched once, and a failed one once more at most.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "article_texts",
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("words", sa.Integer(), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        sa.Column("feed_url", sa.String(length=2000), nullable=False),
        sa.PrimaryKeyConstraint("url"),
    )
    op.create_index("ix_article_texts_feed", "article_texts", ["feed_url"])


def downgrade() -> None:
    op.drop_index("ix_article_texts_feed", table_name="article_texts")
    op.drop_table("article_texts")
