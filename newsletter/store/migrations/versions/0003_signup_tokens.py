"""Sign-up form tokens already used: each sign-up form may be sent once.

Revision ID: 0003
Revises: 0006
Create Date: 2026-12-03

The form's CSRF token carries a random id; its SHA-256 is stored when the form is sent,
until the token would have expired anyway, and a second POST with it is refused.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signup_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("ix_signup_tokens_expires_at", "signup_tokens", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_signup_tokens_expires_at", table_name="signup_tokens")
    op.drop_table("signup_tokens")
