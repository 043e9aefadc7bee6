"""Flask app factory: config and store passed in, no globals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Flask, Response, abort, render_template, request

from ..compose import strings
from ..config import Config
from ..errors import TokenError
from ..pipeline import utc_now
from ..resources import resource_dir
from ..store import Store
from ..tokens import UNSUBSCRIBE, Tokens

# Unsubscribe links must keep working long after the send (CAN-SPAM: 30 days at least).
UNSUBSCRIBE_MAX_AGE = None


def create_app(config: Config, store: Store) -> Flask:
    """The web application for one newsletter."""
    app = Flask(__name__, template_folder=str(resource_dir("templates") / "web"))
    tokens = Tokens(config.secret())
    language = config.newsletter.language

    def page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
        t = strings(language)
        return render_template(template, t=t, language=language, name=config.newsletter.name,
                               **context), status

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
        wanted = request.args.get("lang", language)
        stored = store.get_issue(day, wanted) or store.get_issue(day, language)
        if stored is None:
            abort(404)
        # The web version carries no personal link: unsubscribing needs the emailed link.
        html = (stored.web_html or stored.html).replace("NL__UNSUBSCRIBE_URL__NL",
                                   f"{config.newsletter.public_url.rstrip('/')}/unsubscribe")
        return Response(html, mimetype="text/html")

    @app.route("/unsubscribe/<token>", methods=["GET", "POST"])
    def unsubscribe(token: str) -> tuple[str, int]:
        try:
            subscriber_id = tokens.read(UNSUBSCRIBE, token, max_age=UNSUBSCRIBE_MAX_AGE)
        except TokenError as exc:
            return page("error.html", 400, message=exc.message)
        subscriber = store.get_subscriber(subscriber_id)
        if subscriber is None:
            return page("error.html", 400, message=strings(language)["web_invalid_link"])
        if request.method == "GET":  # never changes state: mail scanners follow links
            return page("unsubscribe.html", token=token, done=False)
        if subscriber.status == "active":
            store.set_subscriber_status(subscriber.id, "unsubscribed", utc_now())
        return page("unsubscribe.html", token=token, done=True)

    @app.get("/unsubscribe")
    def unsubscribe_help() -> tuple[str, int]:
        return page("error.html", 400, message=strings(language)["web_use_email_link"])

    return app


def serve_app(app: Flask, host: str, port: int, *, echo: Callable[[str], None]) -> None:
    """Serve with waitress when installed (production), else Flask's development server."""
    echo(f"serving on http://{host}:{port}/ (Ctrl-C to stop)")
    try:
        from waitress import serve
    except ImportError:
        app.run(host=host, port=port)
        return
    serve(app, host=host, port=port)
