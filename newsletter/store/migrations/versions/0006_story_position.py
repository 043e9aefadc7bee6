"""A story's place in each feed that carried it: front pages rank their own stories.

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-02

``story_sources.position`` is the item's index in the feed at the latest fetch that had it
(0: the top); NULL for rows written before. Ranking reads it as the publisher's placement.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("story_sources") as batch:
        batch.add_column(sa.Column("position", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("story_sources") as batch:
        batch.drop_column("position")
