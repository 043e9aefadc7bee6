"""Clicks on story links, per issue edition, story, hour and kind: never per reader.

Revision ID: 0007
Revises: 0003
Create Date: 2026-12-04

Counted by the /r/<token> redirect of `newsletter serve` when [readership] clicks is on,
and written in batches (README "Readership"). There is no subscriber column, by design.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "story_clicks",
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("story_id", sa.String(length=64), nullable=False),
        sa.Column("hour", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("clicks", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("issue_date", "language", "story_id", "hour", "kind"),
    )


def downgrade() -> None:
    op.drop_table("story_clicks")
