"""Feed collection: fetch (HTTP), parse (feedparser), normalise (Story), collect (store).

May import the shared base, config, store and newsletter.text (language detection);
never curate, compose, delivery, web or ops. The names below are loaded on first use:
the parsing processes import only ``newsletter.feeds.parse`` (feedparser), not the store,
SQLAlchemy or requests.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .collect import CollectResult, CollectSettings, collect
    from .fetch import FetchSettings

__all__ = ["CollectResult", "CollectSettings", "FetchSettings", "collect"]
_HOMES = {"CollectResult": ".collect", "CollectSettings": ".collect", "collect": ".collect",
          "FetchSettings": ".fetch"}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(_HOMES[name], __name__)
    # Importing .collect set the package's ``collect`` to the submodule: the function wins.
    globals().update({n: getattr(module, n) for n, home in _HOMES.items()
                      if home == _HOMES[name]})
    return globals()[name]
