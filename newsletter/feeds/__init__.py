"""Feed collection: fetch (HTTP), parse (feedparser), normalise (Story), collect (store)."""

from .collect import CollectResult, CollectSettings, collect
from .fetch import FetchSettings

__all__ = ["CollectResult", "CollectSettings", "FetchSettings", "collect"]
