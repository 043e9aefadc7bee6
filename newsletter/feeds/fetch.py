"""Fetching feeds over HTTP: one pooled Session, per-host limits, timeouts, retries, caps.

Every failure becomes a FeedError naming the URL; nothing here stops a collection.
"""

from __future__ import annotations

import random
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter

from ..errors import FeedError, FeedGone

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
PERMANENT_REDIRECTS = frozenset({301, 308})


@dataclass(frozen=True)
class FetchSettings:
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    max_bytes: int = 5_000_000
    feed_timeout: float = 60.0
    retries: int = 2
    backoff: float = 0.5


@dataclass(frozen=True)
class FetchResult:
    """A fetched feed body (None when the server answered 304 Not Modified)."""

    url: str
    status: int
    body: bytes | None
    headers: dict[str, str]
    etag: str | None
    last_modified: str | None
    moved_to: str | None = None  # the new address after a 301/308


class HostLimiter:
    """At most ``per_host`` requests at once to any one host."""

    def __init__(self, per_host: int) -> None:
        self.per_host = per_host
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}

    def slot(self, url: str) -> threading.BoundedSemaphore:
        host = (urlsplit(url).hostname or "").lower()
        with self._lock:
            if host not in self._slots:
                self._slots[host] = threading.BoundedSemaphore(self.per_host)
            return self._slots[host]


def make_session(user_agent: str, pool_size: int) -> requests.Session:
    """One Session for the whole collection, its pool sized for the worker count."""
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.max_redirects = 5
    session.headers.update({
        "User-Agent": user_agent,
        "Accept": "application/rss+xml, application/atom+xml, application/rdf+xml, "
                  "application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1",
        # Only encodings we decompress ourselves, under the byte cap.
        "Accept-Encoding": "gzip, deflate",
    })
    return session


def fetch_feed(
    session: requests.Session,
    url: str,
    *,
    etag: str | None,
    last_modified: str | None,
    settings: FetchSettings,
    limiter: HostLimiter | None = None,
    deadline: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> FetchResult:
    """GET one feed with bounded retries; raises FeedError naming the URL on failure.

    ``deadline`` is a time.monotonic() value no attempt or wait may pass.
    """
    ends = time.monotonic() + settings.feed_timeout
    if deadline is not None:
        ends = min(ends, deadline)
    attempt = 0
    while True:
        try:
            if limiter is None:
                return _fetch_once(session, url, etag, last_modified, settings, ends)
            with limiter.slot(url):
                return _fetch_once(session, url, etag, last_modified, settings, ends)
        except _Retryable as exc:
            attempt += 1
            wait = exc.retry_after if exc.retry_after is not None else \
                settings.backoff * 2 ** (attempt - 1) * (1 + random.random())
            if attempt > settings.retries or time.monotonic() + wait >= ends:
                raise FeedError(url, exc.reason + (f" (after {attempt} attempts)"
                                                   if attempt > 1 else "")) from exc
            sleep(wait)


class _Retryable(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def _fetch_once(session: requests.Session, url: str, etag: str | None,
                last_modified: str | None, settings: FetchSettings, ends: float) -> FetchResult:
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    remaining = ends - time.monotonic()
    if remaining <= 0:
        raise FeedError(url, "no time left before the collection deadline")
    timeout = (min(settings.connect_timeout, remaining), min(settings.read_timeout, remaining))
    try:
        with session.get(url, headers=headers, timeout=timeout, stream=True) as response:
            moved_to = _permanent_target(response)
            if response.status_code == 304:
                return FetchResult(url, 304, None, {}, etag, last_modified, moved_to)
            if response.status_code in RETRY_STATUSES:
                raise _Retryable(f"HTTP {response.status_code} {response.reason}",
                                 _retry_after(response.headers.get("Retry-After")))
            if response.status_code == 410:
                raise FeedGone(url, "HTTP 410 Gone: the feed was removed; disabled")
            if response.status_code >= 400:
                raise FeedError(url, f"HTTP {response.status_code} {response.reason}")
            body = _read_body(response, url, settings.max_bytes, ends)
            return FetchResult(
                url=url, status=response.status_code, body=body,
                headers={k.lower(): v for k, v in response.headers.items()},
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
                moved_to=moved_to,
            )
    except requests.TooManyRedirects as exc:
        raise FeedError(url, "too many redirects (a redirect loop?)") from exc
    except requests.exceptions.SSLError as exc:
        raise FeedError(url, f"TLS error ({_short(exc)})") from exc
    except requests.Timeout as exc:
        raise _Retryable("timed out") from exc
    except requests.ConnectionError as exc:
        if "refused" in str(exc).lower():
            raise FeedError(url, "connection refused") from exc
        raise _Retryable(f"connection failed ({_short(exc)})") from exc
    except requests.RequestException as exc:
        raise FeedError(url, f"request failed ({_short(exc)})") from exc


def _permanent_target(response: requests.Response) -> str | None:
    """Where the feed now lives, if every redirect from the start was permanent."""
    target = None
    for hop in response.history:
        if hop.status_code not in PERMANENT_REDIRECTS:
            break
        target = hop.headers.get("Location") and requests.compat.urljoin(hop.url,
                                                                         hop.headers["Location"])
    return target


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _read_body(response: requests.Response, url: str, max_bytes: int, ends: float) -> bytes:
    """The body, decompressed by us so the cap holds after decompression (gzip bombs)."""
    encoding = response.headers.get("Content-Encoding", "").strip().lower()
    if encoding in ("gzip", "x-gzip"):
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif encoding == "deflate":
        decompressor = zlib.decompressobj()
    elif encoding in ("", "identity"):
        decompressor = None
    else:
        raise FeedError(url, f"unsupported Content-Encoding {encoding!r}")
    out = bytearray()
    raw = response.raw
    try:
        while True:
            if time.monotonic() > ends:
                raise FeedError(url, f"too slow: body not complete after {len(out)} bytes")
            chunk = raw.read1(65536, decode_content=False)
            if not chunk:
                break
            _append(out, chunk, decompressor, url, max_bytes)
        if decompressor is not None:
            out += decompressor.flush()
    except zlib.error as exc:
        raise FeedError(url, f"corrupt {encoding} body ({exc})") from exc
    except (requests.RequestException, OSError, urllib3.exceptions.HTTPError) as exc:
        # Reading response.raw directly, urllib3's own errors reach us unwrapped by requests:
        # ReadTimeoutError (a server stalling mid-body), ProtocolError (a reset or short body).
        if isinstance(exc, (requests.Timeout, urllib3.exceptions.TimeoutError)) \
                or "timed out" in str(exc):
            raise FeedError(url, f"timed out reading the body after {len(out)} bytes") from exc
        raise FeedError(url, f"body interrupted ({_short(exc)})") from exc
    if len(out) > max_bytes:
        raise FeedError(url, f"body larger than {max_bytes} bytes")
    return bytes(out)


def _append(out: bytearray, chunk: bytes, decompressor: zlib._Decompress | None, url: str,
            max_bytes: int) -> None:
    if decompressor is None:
        out += chunk
    else:
        data = chunk
        while data:
            out += decompressor.decompress(data, max_bytes + 1 - len(out))
            if len(out) > max_bytes:
                break
            data = decompressor.unconsumed_tail
    if len(out) > max_bytes:
        what = "after decompression " if decompressor is not None else ""
        raise FeedError(url, f"body larger than {max_bytes} bytes {what}(cap: [collect] max_bytes)")


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) < 160 else text[:157] + "..."
