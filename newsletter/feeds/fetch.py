"""Fetching feeds over HTTP: one pooled Session, timeouts, a byte cap, conditional GET."""

from __future__ import annotations

from dataclasses import dataclass

import requests
from requests.adapters import HTTPAdapter

from ..errors import FeedError


@dataclass(frozen=True)
class FetchResult:
    """A fetched feed body (None when the server answered 304 Not Modified)."""

    url: str
    status: int
    body: bytes | None
    headers: dict[str, str]
    etag: str | None
    last_modified: str | None
    final_url: str


def make_session(user_agent: str, pool_size: int) -> requests.Session:
    """One Session for the whole collection, its pool sized for the worker count."""
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = user_agent
    session.headers["Accept"] = (
        "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1"
    )
    return session


def fetch_feed(
    session: requests.Session,
    url: str,
    *,
    etag: str | None,
    last_modified: str | None,
    timeout: tuple[float, float],
    max_bytes: int,
) -> FetchResult:
    """GET one feed; raises FeedError naming the URL on any failure."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        with session.get(url, headers=headers, timeout=timeout, stream=True) as response:
            if response.status_code == 304:
                return FetchResult(url, 304, None, dict(response.headers), etag, last_modified,
                                   response.url)
            if response.status_code >= 400:
                raise FeedError(url, f"HTTP {response.status_code} {response.reason}")
            body = _read_capped(response, url, max_bytes)
            return FetchResult(
                url=url, status=response.status_code, body=body,
                headers={k.lower(): v for k, v in response.headers.items()},
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
                final_url=response.url,
            )
    except requests.Timeout as exc:
        raise FeedError(url, "timed out") from exc
    except requests.ConnectionError as exc:
        raise FeedError(url, f"connection failed ({_short(exc)})") from exc
    except requests.RequestException as exc:
        raise FeedError(url, f"request failed ({_short(exc)})") from exc


def _read_capped(response: requests.Response, url: str, max_bytes: int) -> bytes:
    """The decoded body, refusing more than max_bytes (checked after decompression)."""
    chunks: list[bytes] = []
    total = 0
    for chunk in response.iter_content(chunk_size=65536):
        total += len(chunk)
        if total > max_bytes:
            raise FeedError(url, f"body larger than {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) < 160 else text[:157] + "..."
