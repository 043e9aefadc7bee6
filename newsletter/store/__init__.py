"""The store: SQLAlchemy Core tables and the queries the pipeline needs."""

from .repo import FeedResult, FeedState, Store

__all__ = ["FeedResult", "FeedState", "Store"]
