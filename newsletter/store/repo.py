"""The Store: every query the pipeline needs, and nothing else touches SQL."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from ..errors import StoreError
from .articles import ArticleQueries
from .content import ContentQueries, FeedResult, FeedState
from .desk import DeskQueries
from .engine import make_sqlite_folder, open_engine, require_sqlite_file, safe_url
from .leases import LeaseQueries
from .ledger import LedgerQueries
from .migrate import ensure_current
from .monitor import MonitorQueries
from .ops import OpsQueries
from .people import PeopleQueries
from .readership import ReadershipQueries
from .signup import SignupQueries
from .webhooks import WebhookQueries

__all__ = ["FeedResult", "FeedState", "Store"]


def _wrapped(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except SQLAlchemyError as exc:
            raise StoreError(f"the store failed in {method.__name__}: "
                             f"{getattr(exc, 'orig', None) or exc}") from exc
    return call


def _store_errors(cls: type) -> type:
    """Every public method turns database errors into StoreError (the edge of the store).

    Methods come from the query mixins too (one module per domain); each is wrapped once,
    on the Store itself.
    """
    for klass in reversed(cls.__mro__[:-1]):
        for name, value in list(vars(klass).items()):
            if callable(value) and not name.startswith("_") and not isinstance(value, type):
                setattr(cls, name, _wrapped(getattr(cls, name)))
    return cls


@_store_errors
class Store(ContentQueries, PeopleQueries, LedgerQueries, OpsQueries, SignupQueries,
            MonitorQueries, DeskQueries, WebhookQueries, LeaseQueries, ArticleQueries,
            ReadershipQueries):
    """Persistent state: feeds, stories, issues, subscribers, the delivery ledger, runs."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str, *, migrate: bool = True, create: bool = True) -> Store:
        """Connect; SQLite is created and upgraded as needed, PostgreSQL must be at head.

        ``migrate=False`` skips the schema check (for `newsletter db`, which migrates).
        ``create=False``: a SQLite file that does not exist is a StoreError, not a new empty
        store (ordinary commands: a mistyped path must not start a second list).
        """
        if create:
            make_sqlite_folder(url)
        else:
            require_sqlite_file(url)
        try:
            engine = open_engine(url)
            if migrate:
                ensure_current(engine)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot open the store at {safe_url(url)}: {exc}") from exc
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()
