"""A small HTTP server for the bundled sample feeds (dates moved to the requested issue)
and the article page of each of their items."""

from __future__ import annotations

import hashlib
import re
import socket
import threading
from datetime import date, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..models import FeedSource
from ..resources import demo_feeds_dir
from .articles import ARTICLE_PREFIX, article_page, article_path, robots_txt

# The sample feeds are written as if the issue were built on this date.
SAMPLE_DATE = date(2026, 11, 27)

# (file, name, section or None, language)
_SAMPLES = (
    ("quotidien-atlas.xml", "Le Quotidien de l'Atlas", None, "fr"),
    ("depeches-med.xml", "Dépêches Méditerranée", None, "fr"),
    ("gazette-eco.xml", "La Gazette Économique", None, "fr"),
    ("sport-matin.xml", "Sport Matin", "Sport", "fr"),
    ("morning-ledger.xml", "The Morning Ledger", None, "en"),
    ("coastal-tribune.xml", "Coastal Tribune", None, "en"),
    ("techwire.xml", "TechWire Daily", None, "en"),
    ("science-planet.xml", "Science & Planet", None, "en"),
    ("akhbar-yawm.xml", "أخبار اليوم", None, "ar"),
    ("sahil-ar.xml", "الساحل نيوز", None, "ar"),
    ("broken.xml", "Flash Info (broken)", None, "fr"),
)


_LOOPBACK_FEED = re.compile(r"^(http://127\.0\.0\.1:\d+)/feeds/[\w.-]+\.xml$")


def page_url(feed_url: str, link: str) -> str:
    """Where to fetch an item's article page: a sample feed's items (links to the invented
    publishers' sites, ``*.example``) from the sample server itself; any other as linked."""
    served = _LOOPBACK_FEED.match(feed_url)
    host = urlsplit(link).hostname or ""
    if served and host.endswith(".example"):
        return served.group(1) + article_path(link)
    return link


def sample_feeds(base_url: str) -> tuple[FeedSource, ...]:
    """The demo's feed list, served under ``base_url``."""
    return tuple(
        FeedSource(url=f"{base_url}/feeds/{file}", name=name, section=section, language=lang)
        for file, name, section, lang in _SAMPLES
    )


_RFC822 = re.compile(r"(<(pubDate|lastBuildDate)>)([^<]+)(</\2>)")
_ISO = re.compile(r"(<(published|updated|dc:date)>)([^<]+)(</\2>)")


def shift_dates(xml: str, days: int) -> str:
    """Move every date in a feed by ``days`` days (RFC 822 and RFC 3339 forms)."""
    if not days:
        return xml
    delta = timedelta(days=days)

    def rfc822(m: re.Match[str]) -> str:
        try:
            when = parsedate_to_datetime(m.group(3).strip()) + delta
        except (TypeError, ValueError):
            return m.group(0)
        return f"{m.group(1)}{format_datetime(when)}{m.group(4)}"

    def iso(m: re.Match[str]) -> str:
        try:
            when = datetime.fromisoformat(m.group(3).strip().replace("Z", "+00:00")) + delta
        except ValueError:
            return m.group(0)
        return f"{m.group(1)}{when.isoformat()}{m.group(4)}"

    return _ISO.sub(iso, _RFC822.sub(rfc822, xml))


# A dated path of an invented publisher's site: https://www.host.example/2026/11/27/slug
_DATED_LINK = re.compile(r"(https?://[\w.-]+\.example/)(\d{4})/(\d{2})/(\d{2})/")
_ITEM_ID = re.compile(r"(<guid\b[^>]*>|<id>)([^<]+)(</guid>|</id>)")


def move_link_dates(text: str, days: int) -> str:
    """Move the /YYYY/MM/DD/ of every demo publisher's link by ``days`` days."""
    if not days:
        return text

    def moved(m: re.Match[str]) -> str:
        try:
            day = date(int(m.group(2)), int(m.group(3)), int(m.group(4))) + timedelta(days=days)
        except ValueError:
            return m.group(0)
        return f"{m.group(1)}{day:%Y/%m/%d}/"

    return _DATED_LINK.sub(moved, text)


def republish(xml: str, days: int) -> str:
    """The feed as its publisher would write it ``days`` days later: dates, links and item
    ids moved, so that each day's items are new stories (same text, new addresses), not
    the earlier day's seen again."""
    if not days:
        return xml
    relabelled = _ITEM_ID.sub(lambda m: f"{m.group(1)}{m.group(2)}#day{days:+d}{m.group(3)}", xml)
    return move_link_dates(shift_dates(relabelled, days), days)


class _Handler(BaseHTTPRequestHandler):
    server: SampleFeedServer

    def setup(self) -> None:
        super().setup()
        # Without TCP_NODELAY every keep-alive request stalls ~40 ms (Nagle + delayed ACK).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        page = self.server.page(self.path)
        if page is not None:
            self._answer(200, page, "text/plain; charset=utf-8" if self.path == "/robots.txt"
                         else "text/html; charset=utf-8")
            return
        body = self.server.body(self.path)
        if body is None:
            self._answer(404, b"not found", "text/plain")
            return
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._answer(200, body, "application/xml; charset=utf-8", etag)

    def _answer(self, code: int, body: bytes, kind: str, etag: str | None = None) -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        if etag:
            self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class SampleFeedServer(ThreadingHTTPServer):
    """Serves /feeds/<file> from the bundled folder, republished ``shift_days`` days later
    (dates, links and item ids moved: see ``republish``)."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up early (a closed pool, a timeout) are not the server's error."""

    def __init__(self, port: int = 0, *, shift_days: int = 0, folder: Path | None = None) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.folder = folder or demo_feeds_dir()
        self.shift_days = shift_days
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def page(self, path: str) -> bytes | None:
        """robots.txt, or a demo item's article page (clutter included); None otherwise."""
        if path == "/robots.txt":
            return robots_txt()
        if not path.startswith(ARTICLE_PREFIX):
            return None
        try:  # the page of the item as first written (republish moved its link's date)
            return article_page(move_link_dates(f"https://{path.removeprefix(ARTICLE_PREFIX)}",
                                                -self.shift_days))
        except KeyError:
            return None

    def body(self, path: str) -> bytes | None:
        name = path.split("?", 1)[0].removeprefix("/feeds/")
        if "/" in name or not name.endswith(".xml"):
            return None
        file = self.folder / name
        if not file.is_file():
            return None
        return republish(file.read_text(encoding="utf-8"), self.shift_days).encode("utf-8")

    def __enter__(self) -> SampleFeedServer:
        self._thread = threading.Thread(target=self.serve_forever, name="sample-feeds",
                                        daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
