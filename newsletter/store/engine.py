"""Engines for the store's URLs: SQLite with its pragmas, PostgreSQL through psycopg 3."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from ..errors import StoreError

POSTGRES_HINT = "pip install 'newsletter[postgres]' (psycopg 3)"


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


def engine_url(url: str) -> str:
    """``postgresql://`` (and ``postgres://``) mean psycopg 3, the driver this program ships."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def safe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # a URL too broken to parse has no password to hide either
        return url


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite store's URL; None for other databases and in-memory SQLite."""
    if not url.startswith("sqlite:///") or ":memory:" in url:
        return None
    return Path(url[len("sqlite:///"):])


def require_sqlite_file(url: str) -> None:
    """A StoreError when a SQLite store's file does not exist (nothing is created)."""
    path = sqlite_file(url)
    if path is not None and not path.exists():
        raise StoreError(f"no store at {path}: the SQLite file does not exist",
                         hint="check [store] url in the configuration (a relative path is "
                              "relative to the config file); a new store is created by "
                              "`newsletter init` or `newsletter db upgrade`")


def make_sqlite_folder(url: str) -> None:
    """Create the folder of a SQLite store's file; a StoreError naming it when impossible."""
    if not url.startswith("sqlite:///") or ":memory:" in url:
        return
    folder = Path(url[len("sqlite:///"):]).parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the folder {folder} of the SQLite store "
                         f"{safe_url(url)}: {exc.strerror or exc}",
                         hint="check [store] url in the configuration (a relative path is "
                              "relative to the config file) and who may write there") from exc


def open_engine(url: str) -> Engine:
    """An engine for the store's URL (no schema check: see migrate.ensure_current)."""
    try:
        engine = create_engine(engine_url(url), pool_pre_ping=url.startswith("postgres"))
    except ModuleNotFoundError as exc:
        raise StoreError(f"cannot open the store at {safe_url(url)}: the driver {exc.name} is "
                         "not installed", hint=POSTGRES_HINT) from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine
