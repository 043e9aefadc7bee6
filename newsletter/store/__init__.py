"""The store: SQLAlchemy Core tables and the queries the pipeline needs."""

from .repo import FeedState, Store

__all__ = ["FeedState", "Store"]
