"""Flask app factory: config and store passed in, no globals."""

from __future__ import annotations

import hashlib
import hmac
import signal
import threading
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Flask, Response, abort, render_template, request

from ..brand import logo_origin
from ..compose import strings
from ..config import LANGUAGES, Config
from ..errors import TokenError
from ..people.signup import known_sections
from ..pipeline import brand_of, utc_now
from ..store import Store
from ..tokens import PREFERENCES, UNSUBSCRIBE, Tokens
from .clicks import clicks_blueprint, close_counter
from .editor import editor_blueprint
from .metrics import metrics_blueprint
from .public import site_blueprint
from .signup import page_language, signup_blueprint
from .site import Links, Site
from .templating import web_environment, web_globals, web_loader
from .webhooks import webhooks_blueprint

# Unsubscribe links must keep working long after the send (CAN-SPAM: 30 days at least).
UNSUBSCRIBE_MAX_AGE = None
ONE_CLICK = ("List-Unsubscribe", "One-Click")  # RFC 8058's POST body, as a form field
# Public pages: inline styles only, no script, never framed, no Referer (token URLs).
PAGE_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
# The web version of an issue: the email's own HTML (inline styles, https images).
ISSUE_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; "
                "form-action 'none'; frame-ancestors 'none'; base-uri 'none'")


def page_policy(logo_url: str) -> str:
    """PAGE_POLICY, its images allowed from the [brand] logo's origin too (and no other)."""
    origin = logo_origin(logo_url)
    return PAGE_POLICY.replace("img-src 'self' data:", f"img-src 'self' data: {origin}") \
        if origin else PAGE_POLICY


TOKEN_PAGES = ("unsubscribe", "preferences", "signup.confirm")  # the URL holds a secret
PROXY_HOPS = "NEWSLETTER_PROXY_HOPS"  # app.config key: [web] proxy_hops, for the server


def create_app(config: Config, store: Store) -> Flask:
    """The web application for one newsletter."""
    app = Flask(__name__)
    app.jinja_loader = web_loader(config)  # one loader for every page: templating.py
    app.jinja_env.globals.update(web_globals(config))  # [brand]: the look of every page
    app.config[PROXY_HOPS] = config.web.proxy_hops
    tokens = Tokens(config.secret())
    offered = known_sections(config)
    language = config.newsletter.language
    site, links = Site(config, store, web_environment(config)), Links.live(config)
    policy = page_policy(brand_of(config).logo_url)  # the public pages show the logo

    def page(template: str, status: int = 200, lang: str | None = None,
             message_key: str | None = None, **context: Any) -> tuple[str, int]:
        """A page in the subscriber's language (``lang``), else the browser's, else ours."""
        chosen = page_language(language, lang)
        t = strings(chosen)
        if message_key:
            context["message"] = t[message_key]
        return render_template(template, t=t, language=chosen, name=config.newsletter.name,
                               **context), status

    @app.after_request
    def security_headers(response: Response) -> Response:
        """On every answer; the editor's desk has set its own first (its preview frame is
        framed by the desk itself), so only what is missing is added."""
        issue_page = request.endpoint == "issue"
        headers = response.headers
        headers.setdefault("Content-Security-Policy", ISSUE_POLICY if issue_page else policy)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        if request.endpoint in TOKEN_PAGES:
            headers["Cache-Control"] = "no-store"
        return response

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        store.count_stories()
        return {"status": "ok"}

    @app.get("/issues/<issue_date>")
    def issue(issue_date: str) -> Response:
        try:
            day = date.fromisoformat(issue_date)
        except ValueError:
            abort(404)
        # Drafts (built, edited, approved or not) are the desk's: public once the send has
        # begun, since the emails link here (moved stories, "view online"). The page carries
        # no personal link (unsubscribing needs the emailed one) but a call to subscribe.
        found = site.issue(links, day, request.args.get("lang", language))
        if found is None:
            abort(404)
        html, edition_language = found
        response = Response(html, mimetype="text/html")
        response.headers["Content-Language"] = edition_language
        return response

    @app.route("/unsubscribe/<token>", methods=["GET", "POST"])
    def unsubscribe(token: str) -> tuple[str, int]:
        try:
            subscriber_id = tokens.read(UNSUBSCRIBE, token, max_age=UNSUBSCRIBE_MAX_AGE)
        except TokenError:
            return page("error.html", 400, message_key="web_link_expired")
        subscriber = store.get_subscriber(subscriber_id)
        if subscriber is None:
            return page("error.html", 400, message_key="web_invalid_link")
        # Only a POST carrying RFC 8058's one-click body (the page's button sends it too)
        # changes anything: link scanners send GET and HEAD (Flask answers HEAD with this
        # view) and sometimes an empty POST.
        if request.method != "POST" or request.form.get(ONE_CLICK[0]) != ONE_CLICK[1]:
            return page("unsubscribe.html", 200 if request.method != "POST" else 400,
                        lang=subscriber.language, token=token, done=False, one_click=ONE_CLICK)
        if subscriber.status == "active":
            store.set_subscriber_status(subscriber.id, "unsubscribed", utc_now())
        return page("unsubscribe.html", lang=subscriber.language, token=token, done=True,
                    one_click=ONE_CLICK)

    def csrf_for(token: str) -> str:
        return hmac.new(config.secret(), f"csrf:{token}".encode(), hashlib.sha256).hexdigest()

    @app.route("/preferences/<token>", methods=["GET", "POST"])
    def preferences(token: str) -> tuple[str, int]:
        try:
            subscriber_id = tokens.read(PREFERENCES, token)
        except TokenError:
            return page("error.html", 400, message_key="web_link_expired")
        current = store.subscriber_preferences(subscriber_id)
        if current is None or current["status"] != "active":
            return page("error.html", 400, message_key="web_invalid_link")
        saved, problem = False, None
        if request.method == "POST":
            if not hmac.compare_digest(request.form.get("csrf", ""), csrf_for(token)):
                return page("error.html", 400, message_key="web_invalid_link")
            chosen = request.form.get("language") or None
            zone = (request.form.get("timezone") or "").strip() or None
            # Only sections the newsletter has (checkboxes): nothing made up is stored.
            sections = ",".join(p for p in request.form.getlist("sections") if p in offered)
            if chosen not in (None, *LANGUAGES):
                problem = "language"
            elif zone and not _known_zone(zone):
                problem = "timezone"
            else:
                store.set_preferences(subscriber_id, language=chosen, sections=sections,
                                      timezone=zone, now=utc_now())
                current = store.subscriber_preferences(subscriber_id) or current
                saved = True
        return page("preferences.html", 400 if problem else 200, lang=current["language"],
                    sections=offered, prefs=current, saved=saved,
                    problem=problem, csrf=csrf_for(token), languages=LANGUAGES)

    @app.get("/unsubscribe")
    def unsubscribe_help() -> tuple[str, int]:
        return page("error.html", 400, message_key="web_use_email_link")

    @app.errorhandler(404)
    def not_found(_error: Exception) -> tuple[Any, int]:
        """A page that does not exist, in the reader's language (Flask's own is English);
        the JSON API answers JSON."""
        if request.path.startswith("/api/"):
            return {"error": "not_found", "message": f"no such endpoint: {request.path}"}, 404
        return page("error.html", 404, message_key="web_not_found", archive_link=True)

    app.register_blueprint(site_blueprint(config, store))  # /, /archive/, /archive/atom.xml
    app.register_blueprint(signup_blueprint(config, store))  # /subscribe, /confirm/<token>
    app.register_blueprint(webhooks_blueprint(config, store))  # /webhooks/<provider>
    app.register_blueprint(editor_blueprint(config, store))  # /editor: the editor's desk
    app.register_blueprint(metrics_blueprint(config, store))  # /metrics (Prometheus)
    app.register_blueprint(clicks_blueprint(config, store))  # /r/<token>: story links
    return app


def waitress_options(app: Flask) -> dict[str, Any]:
    """waitress's proxy settings, from the app's ``[web] proxy_hops``.

    waitress deletes X-Forwarded-* headers from any peer it was not told to trust, so
    without these every visitor would share the proxy's address (one sign-up limit for
    all, consent records with the proxy's IP). With N hops it believes the last N entries
    of X-Forwarded-For (REMOTE_ADDR becomes the client's) and X-Forwarded-Proto; anything
    a client wrote further left is ignored. It trusts whatever peer connects, so listen
    only where the proxy alone can reach (docs/deploy.md).
    """
    hops = int(app.config.get(PROXY_HOPS, 0))
    if not hops:
        return {"clear_untrusted_proxy_headers": True}
    return {"trusted_proxy": "*", "trusted_proxy_count": hops,
            "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
            "clear_untrusted_proxy_headers": True}


def serve_app(app: Flask, host: str, port: int, *, echo: Callable[[str], None]) -> None:
    """Serve with waitress (a dependency: a production server, threads, proxy headers).

    SIGTERM stops it as Ctrl-C does: requests under way are answered, then the click
    counts still in memory are written (README "Readership").
    """
    echo(f"serving on http://{host}:{port}/ (Ctrl-C to stop)")
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop_serving)
    try:
        from waitress import serve

        serve(app, host=host, port=port, **waitress_options(app))
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM outside waitress's loop
        pass
    finally:
        close_counter(app)


def _stop_serving(signum: int, frame: object) -> None:
    raise SystemExit(0)  # waitress's loop stops on it, and lets its threads finish


def _known_zone(name: str) -> bool:
    """An IANA zone name (``Europe/Paris``); False for anything else, never an exception."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if len(name) > 64:  # the longest IANA name has 32 characters
        return False
    try:
        ZoneInfo(name)
    # A folder of the zone database ("Europe") is an IsADirectoryError, a name too long
    # for the file system an OSError: both are "not a zone" here.
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True
