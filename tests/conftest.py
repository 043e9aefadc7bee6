"""Shared fixtures: real servers on 127.0.0.1, real SQLite, configs written to tmp folders."""

from __future__ import annotations

import email
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from newsletter.config import Config, config_from_dict
from newsletter.demo import SampleFeedServer, sample_feeds
from newsletter.store import Store

DEMO_DATE = date(2026, 11, 27)
SECRET = "test-secret-" + "x" * 40


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite tests/golden/*.eml from the current code (review the diff)")


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSLETTER_SECRET", SECRET)


_LOOPBACK = {"127.0.0.1", "localhost", "::1", "0.0.0.0", "", None}
_real_getaddrinfo = socket.getaddrinfo


def _loopback_only(host: Any, *args: Any, **kwargs: Any) -> Any:
    if host not in _LOOPBACK and not str(host).startswith("127."):
        raise socket.gaierror(socket.EAI_NONAME, f"tests reach 127.0.0.1 only, not {host}")
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True, scope="session")
def _no_network_beyond_loopback() -> Iterator[None]:
    """No test reaches past 127.0.0.1: any other host name fails to resolve, at once."""
    socket.getaddrinfo = _loopback_only
    yield
    socket.getaddrinfo = _real_getaddrinfo


@pytest.fixture
def feed_server() -> Iterator[SampleFeedServer]:
    """The bundled sample feeds on an ephemeral port of 127.0.0.1."""
    with SampleFeedServer(0) as server:
        yield server


def make_config(tmp_path: Path, feeds_base: str | None = None, **sections: dict[str, Any]
                ) -> Config:
    """A config rooted in tmp_path: SQLite and outbox there, sample feeds if a base is given."""
    raw: dict[str, Any] = {
        "store": {"url": "sqlite:///db.sqlite3"},
        "delivery": {"outbox_dir": "outbox", "send_window_hours": 0},
    }
    for name, values in sections.items():
        raw.setdefault(name, {}).update(values)
    if feeds_base:
        raw["feeds"] = [{k: v for k, v in vars(f).items() if v is not None}
                        for f in sample_feeds(feeds_base)]
    return config_from_dict(raw, source=str(tmp_path / "test.toml"), base_dir=tmp_path)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A store on each backend: every test of the store's queries runs on both."""
    from newsletter.store import migrate
    from newsletter.store.engine import open_engine
    from tests.pg import database_url

    with database_url(request.param, tmp_path) as url:
        if request.param == "postgresql":  # PostgreSQL waits for `db upgrade`: do it
            engine = open_engine(url)
            migrate.upgrade(engine)
            engine.dispose()
        s = Store.open(url)
        yield s
        s.close()


def new_store(config_path: Path) -> Path:
    """Create the store a config file names, as `newsletter init` or `db upgrade` do (other
    commands refuse a SQLite file that is not there: a mistyped path)."""
    from newsletter.config import load_config

    Store.open(load_config(config_path).database_url).close()
    return config_path


def parse_eml(path: Path) -> EmailMessage:
    msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the installed console script as a new user would."""
    import os
    import shutil

    beside = Path(sys.executable).parent / "newsletter"  # the venv running the tests
    exe = str(beside) if beside.exists() else shutil.which("newsletter") or "newsletter"
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([exe, *args], cwd=cwd, env=full_env, capture_output=True, text=True,
                          timeout=timeout, check=False)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """`newsletter demo` run once, from an unrelated folder, into a fresh folder."""
    out = tmp_path_factory.mktemp("demo") / "out"
    elsewhere = tmp_path_factory.mktemp("cwd")
    result = run_cli("demo", "--out", str(out), "--date", DEMO_DATE.isoformat(), cwd=elsewhere,
                     env={"NEWSLETTER_SECRET": "", "NEWSLETTER_CONFIG": ""})
    return out, result
