"""Alembic environment: always run from newsletter.store.migrate on a given connection."""

from __future__ import annotations

from typing import Any

from alembic import context

from newsletter.store.migrate import include_name
from newsletter.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `newsletter db upgrade`, not the alembic command")

options: dict[str, Any] = {
    "connection": connection,
    "target_metadata": metadata,
    "include_name": include_name,
    "compare_type": True,
    # SQLite cannot ALTER most things in place: Alembic's batch mode copies the table.
    "render_as_batch": connection.dialect.name == "sqlite",
}
context.configure(**options)
with context.begin_transaction():
    context.run_migrations()
