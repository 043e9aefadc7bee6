"""Full text from article pages: extraction of our demo pages, the guards, and a polite fetcher
tested against a real HTTP server on 127.0.0.1 (robots.txt, Retry-After, byte cap, timeouts)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from newsletter.demo import articles as demo
from newsletter.feeds.articles import (
    ArticleFetcher,
    ArticleFetchSettings,
    ArticleRequest,
    extract_article,
    needs_fetch,
    wants_full_text,
)
from newsletter.feeds.fetch import make_session
from newsletter.models import ArticleRecord

UA = "newsletter-test/1.0 (+https://news.example.org/bot)"
SHORT_PAGE = ("<html><body><nav><a href='/'>Accueil</a></nav><article><h1>Brève</h1>"
              "<p>Le conseil municipal se réunira lundi à 18 heures.</p></article></body></html>")


# --- extraction -----------------------------------------------------------------------------

def _clutter(lang: str) -> list[str]:
    words: dict[str, Any] = demo._CLUTTER[lang]
    texts = [words["cookie"], words["ad_text"], words["caption"], words["signup_text"],
             words["signup_title"], words["comments"], words["rights"], words["read_also"],
             *words["comment_texts"], *words["share"], *words["nav"][1:], *words["cookie_buttons"]]
    return texts


@pytest.mark.parametrize("link", demo.article_links())
def test_demo_pages_give_back_the_article_text_only(link: str) -> None:
    data = demo.article(link)
    result = extract_article(demo.article_page(link), url=link, language=data["lang"],
                             standfirst=data["standfirst"])
    assert result.status == "extracted", result.detail
    assert result.text == demo.expected_text(link)
    expected_words = demo.expected_text(link)
    for clutter in _clutter(data["lang"]):
        if clutter not in expected_words:  # single nav words ("Économie") may be article words
            assert clutter not in result.text, clutter


@pytest.mark.parametrize("kind", ["paywall", "consent", "login"])
@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
def test_walls_are_recognised_and_not_used(kind: str, lang: str) -> None:
    result = extract_article(demo.wall_page(kind, lang), url="https://walls.example/a", language=lang,
                             standfirst="Le conseil de la ville a voté jeudi un plan pour les écoles.")
    assert result.status == kind
    assert not result.used


def test_wall_found_even_when_the_feed_language_is_wrong() -> None:
    result = extract_article(demo.wall_page("paywall", "ar"), url="https://walls.example/a",
                             language="en", standfirst="")
    assert result.status == "paywall"


def test_an_extraction_not_longer_than_the_standfirst_is_not_used() -> None:
    link = demo.article_links()[3]
    long_standfirst = demo.expected_text(link) + " et encore quelques mots de plus."
    result = extract_article(demo.article_page(link), url=link, language="fr", standfirst=long_standfirst)
    assert result.status == "too_short"
    short = extract_article(SHORT_PAGE, url="https://x.example/", language="fr", standfirst="")
    assert short.status in ("too_short", "empty") and not short.used


def test_garbage_is_empty_not_an_exception() -> None:
    for page in (b"", b"\x00\xff\xfe garbage", "<html></html>", b"<html><body><p></p></body></html>"):
        assert extract_article(page, url="https://x.example/", language=None, standfirst="").status == "empty"


def test_subscriber_flag_in_the_page_means_paywall() -> None:
    link = demo.article_links()[10]
    page = demo.article_page(link).replace(b'"isAccessibleForFree": true', b'"isAccessibleForFree": false')
    result = extract_article(page, url=link, language="fr", standfirst="")
    assert result.status == "paywall"


def test_full_text_modes_and_the_retry_once_rule() -> None:
    teaser, full = "mot " * 40, "mot " * 200
    assert wants_full_text("auto", teaser) and not wants_full_text("auto", full)
    assert wants_full_text("always", full) and not wants_full_text("never", teaser)
    now = datetime.now(UTC)
    assert needs_fetch(None)
    assert needs_fetch(ArticleRecord("https://a.example/", "failed", attempts=1, fetched_at=now))
    assert not needs_fetch(ArticleRecord("https://a.example/", "failed", attempts=2, fetched_at=now))
    for final in ("extracted", "too_short", "paywall", "robots", "empty"):
        assert not needs_fetch(ArticleRecord("https://a.example/", final, fetched_at=now))


def test_importing_the_module_does_not_import_trafilatura() -> None:
    code = "import sys, newsletter.feeds.articles; print('trafilatura' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- a real server --------------------------------------------------------------------------

class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: PageServer

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.server.seen.append((self.path, self.headers.get("User-Agent", ""), time.monotonic()))
        path = self.path.split("?", 1)[0]
        route = getattr(self, "_" + path.strip("/").split("/")[0].replace(".", "_").replace("-", "_"),
                        None)
        if route is None:
            self._send(404, b"not found", "text/plain")
        else:
            route(path)

    def _robots_txt(self, path: str) -> None:
        status = self.server.robots_status
        self._send(status, demo.robots_txt() if status == 200 else b"error", "text/plain")

    def _articles(self, path: str) -> None:
        if path.startswith("/articles/private/"):
            self._send(200, demo.article_page(demo.article_links()[0]))
            return
        try:
            self._send(200, demo.article_page(path))
        except KeyError:
            self._send(404, b"no such article", "text/plain")

    def _walls(self, path: str) -> None:
        kind, lang = path.rsplit("/", 1)[1].split("-")
        self._send(200, demo.wall_page(kind, lang))

    def _flaky(self, path: str) -> None:
        hits = sum(1 for p, _, _ in self.server.seen if p == path)
        if hits == 1:
            self._send(503, b"busy", "text/plain", {"Retry-After": "1"})
        else:
            self._send(200, demo.article_page(demo.article_links()[1]))

    def _later(self, path: str) -> None:
        self._send(503, b"busy", "text/plain", {"Retry-After": "120"})

    def _big(self, path: str) -> None:
        self._send(200, b"<html><body>" + b"<p>bla bla bla</p>" * 200_000 + b"</body></html>")

    def _slow(self, path: str) -> None:
        body = demo.article_page(demo.article_links()[2])
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[:100])
        self.wfile.flush()
        time.sleep(2)
        self.wfile.write(body[100:])

    def _pdf(self, path: str) -> None:
        self._send(200, b"%PDF-1.4", "application/pdf")

    def _send(self, code: int, body: bytes, kind: str = "text/html; charset=utf-8",
              headers: dict[str, str] | None = None) -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class PageServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, robots_status: int = 200) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.robots_status = robots_status
        self.seen: list[tuple[str, str, float]] = []

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up (timeouts, the byte cap) are what these tests provoke."""

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def paths(self) -> Counter[str]:
        return Counter(p for p, _, _ in self.seen)


def _serve(robots_status: int = 200) -> Iterator[PageServer]:
    server = PageServer(robots_status)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def pages() -> Iterator[PageServer]:
    yield from _serve()


def _fetcher(**settings: Any) -> ArticleFetcher:
    values: dict[str, Any] = {"user_agent": UA, "connect_timeout": 2.0, "read_timeout": 2.0,
                              "page_timeout": 10.0, "retries": 1, "backoff": 0.05}
    values.update(settings)
    return ArticleFetcher(make_session(UA, 4), ArticleFetchSettings(**values))


def test_every_demo_page_over_http_with_one_robots_fetch(pages: PageServer) -> None:
    fetcher = _fetcher()
    jobs = [(ArticleRequest(pages.base + demo.article_path(link), demo.article(link)["lang"],
                            demo.standfirst(link), "feed"), 1) for link in demo.article_links()]
    records = fetcher.articles(jobs, workers=4)
    assert len(records) == len(jobs)
    assert all(r.status == "extracted" for r in records), Counter(r.status for r in records)
    by_path = {r.url.removeprefix(pages.base): r for r in records}
    for link in demo.article_links():
        assert by_path[demo.article_path(link)].text == demo.expected_text(link)
    assert pages.paths()["/robots.txt"] == 1
    assert {ua for _, ua, _ in pages.seen} == {UA}
    assert fetcher.counters.as_dict() == {"fetched": len(jobs), "extracted": len(jobs), "refused": 0,
                                          "failed": 0, "not_used": {}}


def test_robots_txt_refusal_is_not_fetched(pages: PageServer) -> None:
    fetcher = _fetcher()
    url = pages.base + "/articles/private/secret-report"
    outcome = fetcher.fetch(url)
    assert outcome.status == "robots"
    assert "/articles/private/secret-report" not in pages.paths()
    record = fetcher.article(ArticleRequest(url, "fr", ""))
    assert record.status == "robots" and fetcher.counters.refused == 1
    assert not needs_fetch(record)


def test_robots_txt_missing_allows_and_server_error_defers() -> None:
    for server in _serve(robots_status=404):
        page = server.base + demo.article_path(demo.article_links()[0])
        assert _fetcher().fetch(page).status == "fetched"
    for server in _serve(robots_status=500):
        page = server.base + demo.article_path(demo.article_links()[0])
        outcome = _fetcher().fetch(page)
        assert outcome.status == "failed" and "robots.txt unavailable" in outcome.reason
        assert server.paths()[demo.article_path(demo.article_links()[0])] == 0


def test_retry_after_is_honoured(pages: PageServer) -> None:
    fetcher = _fetcher()
    started = time.monotonic()
    record = fetcher.article(ArticleRequest(pages.base + "/flaky", "fr", ""))
    assert record.status == "extracted"
    times = [t for p, _, t in pages.seen if p == "/flaky"]
    assert len(times) == 2 and times[1] - times[0] >= 0.95
    assert time.monotonic() - started < 5


def test_a_long_retry_after_fails_now_and_is_retried_once_later(pages: PageServer) -> None:
    fetcher = _fetcher()
    started = time.monotonic()
    record = fetcher.article(ArticleRequest(pages.base + "/later", "fr", ""))
    assert time.monotonic() - started < 1.0
    assert record.status == "failed" and record.http_status == 503 and "Retry-After 120" in record.reason
    assert needs_fetch(record)
    retried = fetcher.article(ArticleRequest(pages.base + "/later", "fr", ""), attempts=2)
    assert not needs_fetch(retried)
    assert fetcher.counters.failed == 2


def test_byte_cap(pages: PageServer) -> None:
    outcome = _fetcher(max_bytes=100_000).fetch(pages.base + "/big")
    assert outcome.status == "failed" and "larger than 100000 bytes" in outcome.reason


def test_read_timeout(pages: PageServer) -> None:
    started = time.monotonic()
    outcome = _fetcher(read_timeout=0.3, retries=0).fetch(pages.base + "/slow")
    assert outcome.status == "failed" and "timed out" in outcome.reason
    assert time.monotonic() - started < 1.9


def test_page_timeout_bounds_everything(pages: PageServer) -> None:
    started = time.monotonic()
    outcome = _fetcher(read_timeout=5.0, page_timeout=0.5).fetch(pages.base + "/slow")
    assert outcome.status == "failed"
    assert time.monotonic() - started < 1.9


def test_connect_failure_and_http_errors_are_outcomes(pages: PageServer) -> None:
    fetcher = _fetcher()
    missing = fetcher.fetch(pages.base + "/articles/nowhere.example/none")
    assert (missing.status, missing.http_status) == ("failed", 404)
    pdf = fetcher.fetch(pages.base + "/pdf")
    assert pdf.status == "failed" and "not an HTML page" in pdf.reason
    closed = fetcher.fetch("http://127.0.0.1:9/articles/x")
    assert closed.status == "failed"


def test_walls_over_http_are_counted_as_not_used(pages: PageServer) -> None:
    fetcher = _fetcher()
    jobs = [(ArticleRequest(f"{pages.base}/walls/{kind}-fr", "fr", "Un chapô de quelques mots."), 1)
            for kind in ("paywall", "consent", "login")]
    records = {r.status for r in fetcher.articles(jobs)}
    assert records == {"paywall", "consent", "login"}
    assert fetcher.counters.fetched == 3 and fetcher.counters.extracted == 0
    assert fetcher.counters.not_used == Counter({"paywall": 1, "consent": 1, "login": 1})


def test_a_passed_deadline_leaves_pages_due(pages: PageServer) -> None:
    fetcher = _fetcher()
    jobs = [(ArticleRequest(pages.base + demo.article_path(link), "fr", ""), 1)
            for link in demo.article_links()[:5]]
    assert fetcher.articles(jobs, deadline=time.monotonic() - 1) == []
    assert not pages.seen
