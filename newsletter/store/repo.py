"""The Store: every query the pipeline needs, and nothing else touches SQL."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import SQLAlchemyError

from ..errors import StoreError
from . import schema as t
from .content import ContentQueries, FeedResult, FeedState
from .ledger import LedgerQueries
from .ops import OpsQueries
from .people import PeopleQueries

__all__ = ["FeedResult", "FeedState", "Store"]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode, NORMAL still survives any crash of the program (a killed send loses no
    # ledger row); only an OS crash or power cut may lose the last commits. It makes the
    # per-message ledger writes of SMTP sending ~20x cheaper.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


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
class Store(ContentQueries, PeopleQueries, LedgerQueries, OpsQueries):
    """Persistent state: feeds, stories, issues, subscribers, the delivery ledger, runs."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str) -> Store:
        """Connect (creating the SQLite folder and the tables if needed)."""
        if url.startswith("sqlite:///") and ":memory:" not in url:
            Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
        try:
            engine = create_engine(url)
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", _sqlite_pragmas)
            t.metadata.create_all(engine)
            t.upgrade_columns(engine)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot open the store at {url}: {exc}") from exc
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

