"""Bad input never stops a collection: every fault below becomes one feed's error, on a real server."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests
import trustme

from newsletter.errors import FeedError
from newsletter.feeds import CollectResult, CollectSettings, FetchSettings, collect
from newsletter.feeds.fetch import fetch_feed, make_session
from newsletter.models import FeedSource
from newsletter.store import Store
from tests.fault_server import FaultServer

NOW = datetime(2026, 11, 27, 5, 0, tzinfo=UTC)
FAST = FetchSettings(connect_timeout=2, read_timeout=2, max_bytes=200_000, feed_timeout=2,
                     retries=1, backoff=0.05)


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as s:
        yield s


def run(store: Store, urls: list[str], **kw: object) -> CollectResult:
    settings = CollectSettings(user_agent="test-agent/1", fetch=kw.pop("fetch", FAST),  # type: ignore[arg-type]
                               **kw)  # type: ignore[arg-type]
    feeds = [FeedSource(url=u, name=u.rsplit("/", 1)[-1]) for u in urls]
    return collect(store, feeds, now=NOW, settings=settings)


def refused_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/feed.xml"


def test_every_fault_is_one_feeds_error_and_the_good_feed_lands(
        server: FaultServer, store: Store) -> None:
    faults = {
        "html": "an HTML page, not a feed",
        "html-as-xml": "an HTML page, not a feed",
        "empty": "empty body",
        "huge": "larger than 200000 bytes",
        "bomb": "larger than 200000 bytes after decompression",
        "trickle": "too slow",
        "loop": "redirect loop",
        "missing": "HTTP 404",
        "down": "HTTP 503",
        "gone": "410 Gone",
    }
    urls = [server.url(p) for p in faults] + [server.url("ok.xml"), refused_url()]
    result = run(store, urls)
    failed = dict(result.failed)
    for path, reason in faults.items():
        assert reason in failed.get(server.url(path), ""), (path, failed.get(server.url(path)))
    assert "connection refused" in failed[urls[-1]]
    assert result.ok == [server.url("ok.xml")]
    assert result.new_stories == 3
    assert server.hits["/down"] == 2  # one retry for a 5xx


def test_recoverable_feeds_land_with_a_warning(server: FaultServer, store: Store) -> None:
    urls = [server.url(p) for p in ("truncated", "wrong-encoding", "gzipped", "rss091", "rss10")]
    result = run(store, urls)
    assert result.failed == []
    assert sorted(result.ok) == sorted(urls)
    warned = dict(result.warnings)
    assert server.url("truncated") in warned
    stories = store.stories_between(datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    titles = {s.title for s in stories}
    assert "Article 0 : l'été à Agadir" in titles  # cp1252 bytes declared as utf-8, decoded right
    assert "An old-style item" in titles and "Un article RDF" in titles
    by_title = {s.title: s for s in stories}
    assert by_title["An old-style item"].language == "en"
    assert by_title["An old-style item"].published == NOW  # no date: first seen


def test_tls_errors_are_reported(store: Store) -> None:
    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    with FaultServer(tls=context) as tls_server:
        result = run(store, [tls_server.url("ok.xml")])
    (url, reason), = result.failed
    assert url.startswith("https://") and "TLS error" in reason


def test_conditional_get_costs_no_parsing(server: FaultServer, store: Store) -> None:
    first = run(store, [server.url("ok.xml")])
    second = run(store, [server.url("ok.xml")])
    assert first.ok and second.not_modified == [server.url("ok.xml")]
    assert server.not_modified == 1 and second.stories == 0
    state = store.feed_state(server.url("ok.xml"))
    assert state is not None and state.etag == '"v1"'
    assert state.last_modified == "Thu, 26 Nov 2026 10:00:00 GMT"


def test_permanent_redirect_is_remembered(server: FaultServer, store: Store) -> None:
    result = run(store, [server.url("moved")])
    assert result.ok == [server.url("moved")]
    assert any("moved permanently" in w for _, w in result.warnings)
    state = store.feed_state(server.url("moved"))
    assert state is not None and state.moved_to == server.url("ok.xml")
    run(store, [server.url("moved")])
    assert server.hits["/moved"] == 1  # the second run went straight to the new address


def test_gone_feed_is_disabled_until_enabled(server: FaultServer, store: Store) -> None:
    run(store, [server.url("gone")])
    second = run(store, [server.url("gone")])
    assert server.hits["/gone"] == 1
    assert second.disabled and "410" in second.disabled[0][1]
    assert store.enable_feed(server.url("gone"))
    run(store, [server.url("gone")])
    assert server.hits["/gone"] == 2


def test_retry_after_is_honoured(server: FaultServer) -> None:
    waits: list[float] = []
    session = make_session("t", 2)
    result = fetch_feed(session, server.url("flaky"), etag=None, last_modified=None,
                        settings=FAST, sleep=waits.append)
    assert result.status == 200 and waits == [0.0]
    waits.clear()
    with pytest.raises(FeedError, match="HTTP 429"):
        fetch_feed(session, server.url("limited"), etag=None, last_modified=None,
                   settings=FetchSettings(retries=2, feed_timeout=30), sleep=waits.append)
    assert waits == [1.0, 1.0]


def test_user_agent_and_per_host_limit(server: FaultServer, store: Store,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    original = requests.Session.request

    def spy(self: requests.Session, method: str, url: str, **kw: object) -> requests.Response:
        seen.append(str(self.headers.get("User-Agent")))
        return original(self, method, url, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(requests.Session, "request", spy)
    urls = [server.url(f"busy?n={i}") for i in range(6)]
    result = run(store, urls, workers=6, per_host=2)
    monkeypatch.undo()
    assert len(result.failed) == 0
    assert server.max_in_flight <= 2
    assert set(seen) == {"test-agent/1"}


def test_deadline_bounds_the_collection(server: FaultServer, store: Store) -> None:
    result = run(store, [server.url("slow"), server.url("ok.xml")], deadline=1.0,
                 fetch=FetchSettings(read_timeout=10, feed_timeout=10, retries=0))
    failed = dict(result.failed)
    assert "deadline" in failed[server.url("slow")] or "timed out" in failed[server.url("slow")]
    assert result.ok == [server.url("ok.xml")]
