"""The store: SQLAlchemy Core tables, one query module per domain, Alembic migrations.

SQLite by default, PostgreSQL by URL. May import only the shared base.
"""

from .repo import FeedResult, FeedState, Store

__all__ = ["FeedResult", "FeedState", "Store"]
