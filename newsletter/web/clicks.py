"""/r/<token>: a story link of an email, counted per story (never per reader), then redirected.

The token (tokens.StoryLinks) names the issue date, the edition and the story. The
redirect goes only to the URL the issue's stored briefing holds for that story, never to
anything taken from the request: a forged token, an unknown issue or story is a 404 page.
The answer sets no cookie and may not be cached (each click must reach us to be counted).

Counting (when ``[readership] clicks`` is on; links sent while it was on keep
redirecting after it is turned off, uncounted) happens in memory (click_counter.py);
the store is read once per edition and kept (Editions, below), so a redirect never
waits for the database. Clicks on a draft's links (test sends) redirect but are not
counted: only editions whose send has begun are.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, current_app, render_template, request

from ..compose import strings
from ..config import Config
from ..errors import TokenError
from ..store import Store
from ..tokens import StoryLinks
from .click_counter import ClickCounter, Edition
from .client import environ_ip
from .robots import ClickRequest, RobotRules

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

COUNTED = ("sending", "sent")  # issue statuses whose clicks are counted
REFRESH_SECONDS = 30.0  # an edition not final yet is read again after this
MAX_EDITIONS = 64  # editions kept in memory
MAX_TOKENS = 20_000  # genuine tokens remembered (then forgotten all at once)
COUNTER = "newsletter.clicks"  # app.extensions key: the ClickCounter (None when off)


@dataclass(frozen=True)
class EditionLinks:
    """What the redirect needs of one issue edition, read once from the store."""

    urls: dict[str, str]  # story id -> the article URL stored in the briefing
    counted: bool  # its send has begun
    window: tuple[float, float] | None  # the delivery window (robot rule 5), Unix times
    final: bool  # nothing of it changes any more: never read again


class Editions:
    """Issue editions' story URLs, status and delivery window, cached (LRU)."""

    def __init__(self, store: Store, scan_seconds: int,
                 clock: Any = time.monotonic, wall: Any = time.time) -> None:
        self.store = store
        self.scan_seconds = scan_seconds
        self.clock, self.wall = clock, wall
        self._cache: OrderedDict[Edition, EditionLinks | None] = OrderedDict()
        self._read_at: dict[Edition, float] = {}
        self._lock = threading.Lock()

    def get(self, edition: Edition) -> EditionLinks | None:
        now = self.clock()
        with self._lock:
            found = edition in self._cache
            links = self._cache.get(edition)
            fresh = found and (links is not None and links.final
                               or now - self._read_at[edition] < REFRESH_SECONDS)
            if fresh:
                self._cache.move_to_end(edition)
                return links
        links = self._read(edition)
        with self._lock:
            self._cache[edition] = links
            self._read_at[edition] = now
            self._cache.move_to_end(edition)
            while len(self._cache) > MAX_EDITIONS:
                old, _ = self._cache.popitem(last=False)
                self._read_at.pop(old, None)
        return links

    def _read(self, edition: Edition) -> EditionLinks | None:
        day, language = edition
        data = self.store.issue_briefing(day, language)
        if not data:
            return None
        urls = {str(item["story_id"]): str(item["url"])
                for item in (*data.get("items", ()), *data.get("in_brief", ()))
                if item.get("story_id") and item.get("url")}
        status = self.store.issue_status(day, language)
        span = self.store.delivery_span(day) if status in COUNTED else None
        window = None
        if span is not None:
            window = (span[0].timestamp(), span[1].timestamp() + self.scan_seconds)
        final = status == "sent" and (window is None or self.wall() > window[1])
        return EditionLinks(urls=urls, counted=status in COUNTED, window=window, final=final)


class StoryRedirects:
    """The work of one story-link click: read the token, find the URL, count the click."""

    def __init__(self, config: Config, store: Store) -> None:
        r = config.readership
        self.links = StoryLinks(config.secret())
        self.editions = Editions(store, r.scan_seconds)
        self.hops = config.web.proxy_hops
        # Genuine tokens already read: one per story of each edition, opened again and again.
        self.known: dict[str, tuple[date, str, str]] = {}
        self.counter: ClickCounter | None = None
        if r.clicks:
            self.counter = ClickCounter(store, RobotRules(r.robot_user_agents, r.robot_networks),
                                        flush_seconds=r.flush_seconds,
                                        flush_clicks=r.flush_clicks)

    def target(self, token: str, environ: dict[str, Any]) -> str | None:
        """The article URL of the story the token names, the click counted; None for a
        forged token or an unknown issue or story (nothing counted then)."""
        named = self.known.get(token)
        if named is None:
            try:
                named = self.links.read(token)
            except TokenError:
                return None
            if len(self.known) >= MAX_TOKENS:
                self.known.clear()
            self.known[token] = named
        day, language, story_id = named
        edition: Edition = (day, language)
        found = self.editions.get(edition)
        target = found.urls.get(story_id) if found is not None else None
        if found is None or target is None:
            return None
        counter = self.counter
        if counter is not None and found.counted:
            now = counter.clock()
            scanning = found.window is not None and found.window[0] <= now <= found.window[1]
            counter.click(edition, story_id,
                          ClickRequest.from_environ(environ, environ_ip(environ, self.hops)),
                          scanning=scanning, at=now)
        return target


class FastRedirects:
    """WSGI in front of the app: a story-link redirect without Flask's request machinery.

    Four times less work per redirect (benchmarks/redirect.py). The first redirect goes
    through Flask; the headers it answered with (the app's security headers, no-store),
    all but Location, are then those of every redirect, so both ways answer alike.
    Anything else (other paths, forged tokens, unknown stories: the 404 page) is Flask's.
    """

    def __init__(self, app: WSGIApplication, redirects: StoryRedirects) -> None:
        self.app = app
        self.redirects = redirects
        self.headers: list[tuple[str, str]] | None = None

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse
                 ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not path.startswith("/r/") or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.app(environ, start_response)
        if self.headers is None:
            return self.app(environ, self._learn(start_response))
        token = path[3:]
        target = self.redirects.target(token, environ) if "/" not in token else None
        if target is None:
            return self.app(environ, start_response)
        start_response("302 FOUND", [("Location", target), *self.headers])
        return [b""]

    def _learn(self, start_response: StartResponse) -> StartResponse:
        def learn(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
            if status.startswith("302"):
                self.headers = [(k, v) for k, v in headers if k.lower() != "location"]
            return start_response(status, headers, *args)
        return learn


def clicks_blueprint(config: Config, store: Store) -> Blueprint:
    """/r/<token>, with its counter (started at the first click, closed at shutdown) and
    its fast path in front of the app."""
    bp = Blueprint("clicks", __name__)
    redirects = StoryRedirects(config, store)

    @bp.record_once
    def keep(state: Any) -> None:
        state.app.extensions[COUNTER] = redirects.counter
        state.app.wsgi_app = FastRedirects(state.app.wsgi_app, redirects)

    def not_found() -> Response:
        language = config.newsletter.language
        html = render_template("error.html", t=strings(language), language=language,
                               name=config.newsletter.name,
                               message=strings(language)["web_invalid_link"])
        return no_store(Response(html, status=404, mimetype="text/html"))

    @bp.route("/r/<token>", methods=["GET", "HEAD"])
    def story(token: str) -> Response:
        target = redirects.target(token, request.environ)
        if target is None:
            return not_found()
        response = Response(status=302)
        response.headers["Location"] = target
        return no_store(response)

    return bp


def no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def close_counter(app: Any) -> None:
    """Write what the app's click counter holds (at shutdown: serve_app calls it)."""
    counter = app.extensions.get(COUNTER) if app is not None else None
    if counter is not None:
        counter.close()


def counter_of(app: Any = None) -> ClickCounter | None:
    """The app's click counter (None when [readership] clicks is off)."""
    found = (app or current_app).extensions.get(COUNTER)
    return found if isinstance(found, ClickCounter) else None
