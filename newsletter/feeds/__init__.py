"""Feed collection: fetch (HTTP), parse (feedparser), normalise (Story), collect (store)."""

from .collect import CollectResult, collect

__all__ = ["CollectResult", "collect"]
