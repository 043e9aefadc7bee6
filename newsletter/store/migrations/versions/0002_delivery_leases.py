"""Delivery leases: parallel send workers claim ledger rows for a while.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27

A worker marks the rows it took ``claimed``, with its name and the end of its lease; a
worker that dies leaves them to others once the lease is over. The index serves the claim
query (this issue's rows in a given state, oldest first).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(), nullable=True))
    op.create_index("ix_deliveries_queue", "deliveries", ["issue_date", "status", "id"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_queue", table_name="deliveries")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("lease_until")
        batch.drop_column("claimed_by")
