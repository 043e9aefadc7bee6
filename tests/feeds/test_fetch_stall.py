"""A feed server that stalls or hangs up in the middle of the body: a timeout, not an internal error.

The body is read from urllib3's raw stream, so urllib3's own errors (ReadTimeoutError,
ProtocolError) are not wrapped by requests; they must still become the feed's FeedError.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest

from newsletter.errors import FeedError
from newsletter.feeds import CollectSettings, FetchSettings, collect
from newsletter.feeds.fetch import fetch_feed, make_session
from newsletter.models import FeedSource
from newsletter.store import Store

HEAD = (b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 5000\r\n\r\n"
        b"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>")
QUICK = FetchSettings(connect_timeout=2, read_timeout=0.3, feed_timeout=10, retries=0)


@contextmanager
def half_body_server(then: str) -> Iterator[str]:
    """Answers every request with headers and the body's first bytes, then stalls or hangs up."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    done = threading.Event()

    def serve() -> None:
        while not done.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(HEAD)
                if then == "stall":
                    done.wait(30)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/feed.xml"
    finally:
        done.set()
        with socket.create_connection(listener.getsockname(), timeout=2):
            pass  # wakes accept() so the thread sees `done`
        thread.join(5)
        listener.close()


def test_a_server_stalling_mid_body_is_a_read_timeout() -> None:
    with half_body_server("stall") as url, make_session("test-agent/1", 2) as session, \
            pytest.raises(FeedError) as caught:
        fetch_feed(session, url, etag=None, last_modified=None, settings=QUICK)
    assert caught.value.url == url
    assert "timed out reading the body after" in caught.value.reason


def test_a_server_hanging_up_mid_body_is_an_interrupted_body() -> None:
    with half_body_server("hang up") as url, make_session("test-agent/1", 2) as session, \
            pytest.raises(FeedError) as caught:
        fetch_feed(session, url, etag=None, last_modified=None, settings=QUICK)
    assert "body interrupted" in caught.value.reason


def test_collect_reports_the_stalled_feed_as_timed_out_not_internal_error(store: Store) -> None:
    with half_body_server("stall") as url:
        result = collect(store, [FeedSource(url=url, name="stalling")],
                         now=datetime(2026, 3, 12, 5, 0, tzinfo=UTC),
                         settings=CollectSettings(user_agent="test-agent/1", fetch=QUICK,
                                                  parse_processes=1))
    reasons = dict(result.failed)
    assert "timed out reading the body" in reasons[url]
    assert "internal error" not in reasons[url]
