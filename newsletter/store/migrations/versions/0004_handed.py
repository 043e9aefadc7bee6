"""Crash-safe delivery: the `handed` state, when a row was handed over, and its chunk.

Revision ID: 0004
Revises: 0005
Create Date: 2026-12-02

Until this revision `sending` meant "maybe handed over": a sender killed mid-send left
rows whose messages may or may not have gone out. From now on `sending` means "nothing
irrevocable done yet" (safe to send again) and `handed` means "maybe delivered". Rows an
older version left `sending` are therefore moved to `handed`: the next run reports them as
unknown instead of sending them a second time.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("handed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("chunk_key", sa.String(length=100), nullable=True))
    op.execute("UPDATE deliveries SET status = 'handed', lease_until = NULL "
               "WHERE status = 'sending'")


def downgrade() -> None:
    # An older version knows no `handed`: its `sending` is the same "maybe delivered".
    op.execute("UPDATE deliveries SET status = 'sending' WHERE status = 'handed'")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("chunk_key")
        batch.drop_column("handed_at")
