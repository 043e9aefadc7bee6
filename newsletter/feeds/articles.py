"""Full article text from the article page: a polite fetch, robots.txt, trafilatura, guards.

Two halves, usable apart:

``extract_article(html, url=, language=, standfirst=)``
    pure: the main text of a page (no comments, navigation, related links, banners),
    paragraphs separated by blank lines, with a status. The text is only *used* when the
    status is ``"extracted"``; otherwise the item keeps its standfirst and the status says
    why: ``too_short`` (not longer than the standfirst), ``paywall``, ``consent``,
    ``login`` or ``empty``.

``ArticleFetcher(session, settings)``
    one GET per page with the feeds' politeness (the shared session, a per-host limit,
    connect/read timeouts, a byte cap, bounded retries honouring Retry-After), after
    robots.txt allows it (fetched once per host through the same session, parsed with
    urllib.robotparser). ``fetch`` answers a ``PageOutcome`` (fetched, robots, failed);
    ``article``/``articles`` fetch and extract, and answer ``ArticleRecord`` values, which
    are what the store caches by canonical URL (see ``needs_fetch`` for the retry-once rule).

A failing page is an outcome, never an exception: it must not stop the issue.
trafilatura is imported on first extraction, so importing this module is cheap.
"""

from __future__ import annotations

import re
import threading
import time
import urllib.robotparser
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlsplit

import requests
import urllib3

from ..errors import FeedError
from ..models import ArticleRecord
from ..text.limits import MAX_BODY, bound
from ..urls import canonical_url
from .fetch import RETRY_STATUSES, HostLimiter, _read_body, _retry_after, _short

FullTextMode = Literal["auto", "always", "never"]
TextStatus = Literal["extracted", "too_short", "paywall", "consent", "login", "empty"]
PageStatus = Literal["fetched", "robots", "failed"]

AUTO_MIN_WORDS = 80  # "auto": fetch the page when the feed carries fewer words than this
MIN_ARTICLE_WORDS = 30  # below this an extraction is never an article (soft 404s, stubs)
ROBOTS_MAX_BYTES = 500_000  # RFC 9309: crawlers may ignore what follows 500 KiB
HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "")
ACCEPT_HTML = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"

_WORD = re.compile(r"\w+")


def count_words(text: str) -> int:
    """Words as the guards count them (Unicode letters and digits: Arabic included)."""
    return len(_WORD.findall(text))


def wants_full_text(mode: FullTextMode | str, feed_text: str, *, min_words: int = AUTO_MIN_WORDS) -> bool:
    """Whether an item's page should be fetched, given its feed's ``full_text`` setting."""
    if mode == "never":
        return False
    return mode == "always" or count_words(feed_text) < min_words


# --- extraction ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ExtractOptions:
    """trafilatura's switches (see benchmarks/extract.py for what each one costs)."""

    fast: bool = True  # skip the readability/justext fallbacks: 2x faster, same F1 here
    favor_precision: bool = True
    favor_recall: bool = False
    include_tables: bool = True
    deduplicate: bool = False
    min_words: int = MIN_ARTICLE_WORDS


@dataclass(frozen=True)
class ArticleText:
    """An extraction and its verdict; ``text`` is what was extracted, used or not."""

    text: str
    status: TextStatus
    words: int = 0
    detail: str = ""

    @property
    def used(self) -> bool:
        return self.status == "extracted"


def extract_article(html: bytes | str, *, url: str, language: str | None, standfirst: str,
                    options: ExtractOptions | None = None) -> ArticleText:
    """The main text of an article page, and whether it may replace the standfirst.

    ``language`` (the feed's, e.g. "fr") puts that language's wall phrases first; every
    language's phrases are checked, since feeds mislabel their language.
    """
    options = options or ExtractOptions()
    try:
        raw = _trafilatura_text(html, url, options)
    except ExtractorUnavailable:
        raise
    except Exception as exc:  # noqa: BLE001 - a parser crash on one page is that page's verdict
        return ArticleText("", "empty", 0, f"extractor error ({_short(exc)})")
    text = _clean_paragraphs(raw)
    words = count_words(text)
    verdict = _verdict(text, words, _Page(html), standfirst, language, options.min_words)
    return ArticleText(text, verdict[0], words, verdict[1])


class ExtractorUnavailable(FeedError):
    """trafilatura cannot be imported: the installation is broken, not the page."""


def _trafilatura_text(html: bytes | str, url: str, options: ExtractOptions) -> str:
    try:
        import trafilatura  # lazily: ~0.3 s of imports, only when a page is extracted

        extract = trafilatura.extract
    except (ImportError, AttributeError) as exc:  # AttributeError: a half-imported module
        raise ExtractorUnavailable("article pages", f"the article extractor cannot be loaded: "
                                   f"{_short(exc)}") from exc

    result = extract(
        html, url=url, output_format="txt", include_comments=False, include_images=False,
        include_links=False, include_formatting=False, include_tables=options.include_tables,
        favor_precision=options.favor_precision, favor_recall=options.favor_recall,
        fast=options.fast, deduplicate=options.deduplicate, with_metadata=False)
    return result or ""


# "Read also" links that sites insert between paragraphs, in the three languages.
_READ_ALSO = re.compile(
    r"^\s*(?:lire aussi|à lire aussi|voir aussi|lire également|à lire également|read more|read also"
    r"|see also|related|more on this story|اقرأ أيضا|اقرأ أيضاً|اقرأ ايضا|شاهد أيضا)\s*[:|\-–—]",
    re.IGNORECASE)


def _clean_paragraphs(raw: str) -> str:
    """One paragraph per line in, blank-line separated out; "read also" lines dropped."""
    lines = (" ".join(line.split()) for line in raw.splitlines())
    return "\n\n".join(line for line in lines if line and not _READ_ALSO.match(line))


_WALL_PHRASES: dict[str, dict[str, tuple[str, ...]]] = {
    "paywall": {
        "fr": ("réservé aux abonnés", "réservée aux abonnés", "de cet article à lire",
               "abonnez-vous pour lire", "pour lire la suite", "déjà abonné"),
        "en": ("subscribe to continue", "subscribe to read", "for subscribers only",
               "subscriber-only", "subscribers only", "already a subscriber", "subscribe now to read"),
        "ar": ("مخصص للمشتركين", "اشترك لمواصلة القراءة", "للمشتركين فقط", "لمواصلة القراءة اشترك"),
    },
    "consent": {
        "fr": ("acceptez les cookies", "accepter les cookies", "vos choix concernant",
               "nos partenaires", "avant de continuer", "consentement"),
        "en": ("we value your privacy", "accept cookies", "before you continue", "our partners",
               "your consent", "consent to"),
        "ar": ("ملفات تعريف الارتباط", "خصوصيتك", "قبول ملفات", "شركاؤنا"),
    },
    "login": {
        "fr": ("connectez-vous", "se connecter", "identifiez-vous", "mot de passe"),
        "en": ("sign in", "log in", "login", "password"),
        "ar": ("تسجيل الدخول", "سجّل الدخول", "سجل الدخول", "كلمة المرور"),
    },
}
_NOT_FREE = re.compile(rb"isaccessibleforfree[\"']?\s*:\s*[\"']?false")
_PASSWORD = re.compile(rb"<input[^>]+type\s*=\s*[\"']?password")
_INVISIBLE = re.compile(r"<(script|style|noscript|template)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


class _Page:
    """The page as the guards read it: ASCII markers in lower-cased bytes, text on demand.

    Plain substring tests come first: a regular expression over 400 kB of HTML costs
    milliseconds, as much as the extraction of a small page.
    """

    def __init__(self, html: bytes | str) -> None:
        self.html = html
        raw = html if isinstance(html, bytes) else html.encode("utf-8", "replace")
        self.lowered = raw.lower()

    def not_free(self) -> bool:
        """schema.org's isAccessibleForFree: false (publishers' own paywall flag)."""
        at = self.lowered.find(b"isaccessibleforfree")
        while at >= 0:
            if _NOT_FREE.match(self.lowered, at, at + 40):
                return True
            at = self.lowered.find(b"isaccessibleforfree", at + 1)
        return False

    def password_form(self) -> bool:
        return b"password" in self.lowered and _PASSWORD.search(self.lowered) is not None

    def visible_text(self) -> str:
        page = self.html.decode("utf-8", "replace") if isinstance(self.html, bytes) else self.html
        return _TAG.sub(" ", _INVISIBLE.sub(" ", page))


def _phrases(kind: str, language: str | None) -> list[str]:
    by_language = _WALL_PHRASES[kind]
    first = by_language.get((language or "")[:2].lower(), ())
    return [*first, *(p for lang, ps in by_language.items() for p in ps if p not in first)]


def _hits(text: str, kind: str, language: str | None) -> int:
    folded = text.casefold()
    return sum(phrase in folded for phrase in _phrases(kind, language))


def _verdict(text: str, words: int, page: _Page, standfirst: str, language: str | None,
             min_words: int) -> tuple[TextStatus, str]:
    """extracted, or why not: the short path looks at the whole page for a wall."""
    floor = max(count_words(standfirst), min_words - 1)
    if words <= floor:
        wall = _wall(page, language)
        if wall:
            return wall
        if not words:
            return "empty", "no main text found"
        return "too_short", f"{words} words, standfirst {count_words(standfirst)}"
    return _text_wall(text, page, language) or ("extracted", "")


def _text_wall(text: str, page: _Page, language: str | None) -> tuple[TextStatus, str] | None:
    """A wall that trafilatura took for the article: judged on the extracted text."""
    tail = "\n".join(text.split("\n\n")[-2:])
    if _hits(tail, "paywall", language):
        return "paywall", "subscription prompt at the end of the text"
    if page.not_free():
        return "paywall", "isAccessibleForFree: false"
    if page.password_form() and _hits(tail, "login", language):
        return "login", "password form"
    if _hits(text, "consent", language) >= 2:
        return "consent", "consent prompt in the text"
    return None


def _wall(page: _Page, language: str | None) -> tuple[TextStatus, str] | None:
    """A login, paywall or consent page, judged on the page's visible text and markup."""
    visible = page.visible_text()
    if page.password_form() and _hits(visible, "login", language):
        return "login", "password form"
    if page.not_free() or _hits(visible, "paywall", language):
        return "paywall", "subscription wall"
    if _hits(visible, "consent", language) >= 2:
        return "consent", "consent wall"
    return None


# --- fetching -----------------------------------------------------------------------------

@dataclass(frozen=True)
class ArticleFetchSettings:
    """Politeness for article pages; the defaults mirror [collect]'s for feeds."""

    user_agent: str = "newsletter"
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    max_bytes: int = 3_000_000
    page_timeout: float = 30.0  # one page, retries and waits included
    retries: int = 1
    backoff: float = 0.5
    max_retry_after: float = 30.0  # a longer Retry-After: failed now, tried at a later collection
    per_host: int = 2
    obey_robots: bool = True


@dataclass(frozen=True)
class PageOutcome:
    """One page request: ``fetched`` (body set), ``robots`` (refused) or ``failed``."""

    url: str
    status: PageStatus
    http_status: int | None = None
    reason: str = ""
    body: bytes | None = None
    final_url: str | None = None


@dataclass(frozen=True)
class ArticleRequest:
    """An item whose page should be fetched: its link, its feed's language, its standfirst."""

    url: str
    language: str | None
    standfirst: str
    feed_url: str = ""
    fetch_from: str = ""  # another address serving the same page (the demo's server), if any


def needs_fetch(previous: ArticleRecord | None) -> bool:
    """The retry-once rule: never fetched, or failed once (network, 5xx, robots unreachable)."""
    return previous is None or (previous.status == "failed" and previous.attempts < 2)


@dataclass
class ArticleCounters:
    """Pages fetched, extracted (text used), refused (robots.txt), failed; guards by reason."""

    fetched: int = 0
    extracted: int = 0
    refused: int = 0
    failed: int = 0
    not_used: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count(self, record: ArticleRecord) -> None:
        with self._lock:
            if record.status == "robots":
                self.refused += 1
            elif record.status == "failed":
                self.failed += 1
            else:
                self.fetched += 1
                if record.used:
                    self.extracted += 1
                else:
                    self.not_used[record.status] += 1

    def as_dict(self) -> dict[str, Any]:
        return {"fetched": self.fetched, "extracted": self.extracted, "refused": self.refused,
                "failed": self.failed, "not_used": dict(self.not_used)}


class _Retryable(Exception):
    def __init__(self, reason: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(reason)
        self.reason, self.status, self.retry_after = reason, status, retry_after


class _HttpError(FeedError):
    """A final HTTP answer (4xx, or a retryable one after the last attempt)."""

    def __init__(self, url: str, reason: str, status: int | None) -> None:
        super().__init__(url, reason)
        self.status = status


class ArticleFetcher:
    """Fetches article pages politely; thread-safe; one instance per collection.

    ``previous`` attempts are the caller's business (``needs_fetch``); this class fetches
    what it is given, each URL at most once per call of ``articles``.
    """

    def __init__(self, session: requests.Session, settings: ArticleFetchSettings | None = None, *,
                 limiter: HostLimiter | None = None, extract: ExtractOptions | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.session = session
        self.settings = settings or ArticleFetchSettings()
        self.limiter = limiter or HostLimiter(self.settings.per_host)
        self.extract_options = extract or ExtractOptions()
        self.counters = ArticleCounters()
        self._sleep = sleep
        self._robots: dict[str, urllib.robotparser.RobotFileParser | FeedError] = {}
        self._robots_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    # public --------------------------------------------------------------------------

    def fetch(self, url: str, *, language: str | None = None,
              deadline: float | None = None) -> PageOutcome:
        """GET one page after robots.txt allows it; never raises for a network problem."""
        ends = time.monotonic() + self.settings.page_timeout
        ends = min(ends, deadline) if deadline is not None else ends
        try:
            if self.settings.obey_robots and not self.allowed(url, ends):
                return PageOutcome(url, "robots", reason="disallowed by robots.txt")
            status, body, final = self._get(url, ends, _page_headers(language), self.settings.max_bytes)
        except _HttpError as exc:
            return PageOutcome(url, "failed", exc.status, exc.reason)
        except FeedError as exc:
            return PageOutcome(url, "failed", None, exc.reason)
        return PageOutcome(url, "fetched", status, body=body, final_url=final)

    def allowed(self, url: str, ends: float | None = None) -> bool:
        """robots.txt's answer for our user agent; FeedError when robots.txt is unreachable."""
        parser = self._robots_for(url, ends if ends is not None else time.monotonic() + 30)
        return parser.can_fetch(self.settings.user_agent, url)

    def article(self, request: ArticleRequest, *, attempts: int = 1,
                deadline: float | None = None) -> ArticleRecord:
        """Fetch and extract one page; ``attempts`` counts this one (2 for a retry)."""
        outcome = self.fetch(request.fetch_from or request.url, language=request.language,
                             deadline=deadline)
        record = self._record(request, outcome, attempts)
        self.counters.count(record)
        return record

    def articles(self, requests_: Iterable[tuple[ArticleRequest, int]], *, workers: int = 4,
                 deadline: float | None = None) -> list[ArticleRecord]:
        """``(request, attempt)`` pairs fetched in threads; pages not started by ``deadline``
        are left out (not tried, so not cached: they stay due)."""
        jobs = list({canonical_url(r.url): (r, n) for r, n in requests_}.values())
        if not jobs:
            return []
        with ThreadPoolExecutor(max_workers=min(workers, len(jobs)),
                                thread_name_prefix="article") as pool:
            futures = [pool.submit(self._article_before, r, n, deadline) for r, n in jobs]
            found = [f.result() for f in as_completed(futures)]
        return [r for r in found if r is not None]

    # internals -----------------------------------------------------------------------

    def _article_before(self, request: ArticleRequest, attempts: int,
                        deadline: float | None) -> ArticleRecord | None:
        if deadline is not None and time.monotonic() >= deadline:
            return None
        try:
            return self.article(request, attempts=attempts, deadline=deadline)
        except ExtractorUnavailable:
            raise  # nothing to record: the page is not at fault (see collect._full_texts)
        except Exception as exc:  # noqa: BLE001 - a bug on one page must not lose the others
            record = ArticleRecord(canonical_url(request.url), "failed", reason=f"internal error: {exc!r}",
                                   attempts=attempts, feed_url=request.feed_url,
                                   fetched_at=datetime.now(UTC))
            self.counters.count(record)
            return record

    def _record(self, request: ArticleRequest, outcome: PageOutcome, attempts: int) -> ArticleRecord:
        base: dict[str, Any] = {"url": canonical_url(request.url), "http_status": outcome.http_status,
                                "attempts": attempts, "feed_url": request.feed_url,
                                "fetched_at": datetime.now(UTC)}
        if outcome.status != "fetched" or outcome.body is None:
            return ArticleRecord(status=outcome.status, reason=outcome.reason, **base)
        result = extract_article(outcome.body, url=outcome.final_url or request.url,
                                 language=request.language, standfirst=request.standfirst,
                                 options=self.extract_options)
        return ArticleRecord(status=result.status,
                             text=bound(result.text, MAX_BODY) if result.used else "",
                             words=result.words, reason=result.detail, **base)

    def _robots_for(self, url: str, ends: float) -> urllib.robotparser.RobotFileParser:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}".lower()
        with self._lock:
            host_lock = self._robots_locks.setdefault(origin, threading.Lock())
        with host_lock:  # one fetch of robots.txt per host, however many threads ask
            if origin not in self._robots:
                self._robots[origin] = self._load_robots(origin, ends)
            cached = self._robots[origin]
        if isinstance(cached, FeedError):
            raise FeedError(url, f"robots.txt unavailable ({cached.reason})")
        return cached

    def _load_robots(self, origin: str, ends: float) -> urllib.robotparser.RobotFileParser | FeedError:
        """RFC 9309: 4xx means no rules; 5xx or no answer means not now (tried again later)."""
        parser = urllib.robotparser.RobotFileParser(origin + "/robots.txt")
        try:
            _, body, _ = self._get(origin + "/robots.txt", ends, {"Accept": "text/plain, */*;q=0.5"},
                                   min(self.settings.max_bytes, ROBOTS_MAX_BYTES))
        except _HttpError as exc:
            if exc.status is not None and 400 <= exc.status < 500 and exc.status != 429:
                parser.parse([])  # no rules: everything allowed
                return parser
            return exc
        except FeedError as exc:
            if "larger than" in exc.reason:  # RFC 9309: parse what fits; we keep it simple
                parser.parse([])  # no rules: everything allowed
                return parser
            return exc
        parser.parse(body.decode("utf-8", "replace").splitlines())
        return parser

    def _get(self, url: str, ends: float, headers: dict[str, str],
             max_bytes: int) -> tuple[int, bytes, str]:
        """GET with bounded retries (Retry-After honoured within the page's time)."""
        attempt = 0
        while True:
            try:
                with self.limiter.slot(url):
                    return self._get_once(url, ends, headers, max_bytes)
            except _Retryable as exc:
                attempt += 1
                wait = self._wait(exc, attempt)
                if attempt > self.settings.retries or time.monotonic() + wait >= ends:
                    raise _HttpError(url, exc.reason + _after(attempt, exc, wait, self.settings),
                                     exc.status) from exc
                self._sleep(wait)

    def _wait(self, exc: _Retryable, attempt: int) -> float:
        if exc.retry_after is not None:
            if exc.retry_after > self.settings.max_retry_after:
                return float("inf")
            return exc.retry_after
        return self.settings.backoff * 2.0 ** (attempt - 1)

    def _get_once(self, url: str, ends: float, headers: dict[str, str],
                  max_bytes: int) -> tuple[int, bytes, str]:
        remaining = ends - time.monotonic()
        if remaining <= 0:
            raise FeedError(url, "no time left for this page")
        timeout = (min(self.settings.connect_timeout, remaining),
                   min(self.settings.read_timeout, remaining))
        try:
            with self.session.get(url, headers=headers, timeout=timeout, stream=True) as response:
                _check_status(url, response)
                _check_type(url, response)
                body = _read_body(response, url, max_bytes, ends)
                return response.status_code, body, response.url
        except urllib3.exceptions.HTTPError as exc:  # a stall or reset mid-body: urllib3's own
            if isinstance(exc, urllib3.exceptions.TimeoutError):
                raise FeedError(url, "timed out reading the body") from exc
            raise FeedError(url, f"body interrupted ({_short(exc)})") from exc
        except requests.Timeout as exc:
            raise _Retryable("timed out") from exc
        except requests.ConnectionError as exc:
            if "refused" in str(exc).lower():
                raise FeedError(url, "connection refused") from exc
            if _UNRESOLVED.search(str(exc)):  # a name that does not resolve now won't in 0.5 s
                raise FeedError(url, f"host not found ({_short(exc)})") from exc
            raise _Retryable(f"connection failed ({_short(exc)})") from exc
        except requests.RequestException as exc:
            raise FeedError(url, f"request failed ({_short(exc)})") from exc


_UNRESOLVED = re.compile(r"resolve|name or service not known|nodename nor servname|getaddrinfo",
                         re.IGNORECASE)


def _page_headers(language: str | None) -> dict[str, str]:
    headers = {"Accept": ACCEPT_HTML}
    if language:
        headers["Accept-Language"] = f"{language}, *;q=0.5"
    return headers


def _check_status(url: str, response: requests.Response) -> None:
    code = response.status_code
    if code in RETRY_STATUSES:
        raise _Retryable(f"HTTP {code} {response.reason}", code,
                         _retry_after(response.headers.get("Retry-After")))
    if code >= 400:
        raise _HttpError(url, f"HTTP {code} {response.reason}", code)


def _check_type(url: str, response: requests.Response) -> None:
    kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if kind not in HTML_TYPES:
        raise _HttpError(url, f"not an HTML page ({kind})", response.status_code)


def _after(attempt: int, exc: _Retryable, wait: float, settings: ArticleFetchSettings) -> str:
    if exc.retry_after is not None and exc.retry_after > settings.max_retry_after:
        return f" (Retry-After {exc.retry_after:.0f} s: left for a later collection)"
    return f" (after {attempt} attempts)" if attempt > 1 else ""
