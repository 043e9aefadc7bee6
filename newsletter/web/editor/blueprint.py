"""The /editor Blueprint: its pages, their strings and the headers every answer carries."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request
from werkzeug.exceptions import HTTPException

from ...compose import strings
from ...config import Config
from ...store import Store
from .auth import Auth, add_login_routes
from .readership import add_readership_routes
from .views import add_desk_routes

# Pages (not the preview frame): only our own styles and frames, no script at all.
PAGE_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
               "frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def editor_blueprint(config: Config, store: Store) -> Blueprint:
    """The editor's desk of one newsletter (accounts: `newsletter editors add`)."""
    bp = Blueprint("editor", __name__, url_prefix="/editor")
    auth = Auth(config, store)
    language = config.newsletter.language

    def page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
        t = strings(language)
        return render_template(template, t=t, language=language, name=config.newsletter.name,
                               zone=config.zone, **context), status

    @bp.after_request
    def headers(response: Response) -> Response:
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Content-Type-Options"] = "nosniff"
        if request.endpoint != "editor.frame":
            response.headers["Content-Security-Policy"] = PAGE_POLICY
            response.headers["X-Frame-Options"] = "DENY"
        return response

    @bp.errorhandler(400)
    def bad_request(error: HTTPException) -> tuple[str, int]:
        """A damaged form or link: a page of the desk that says what was wrong."""
        shown: tuple[str, int] = page("editor/error.html", 400, message=error.description,
                                      editor=None)
        return shown

    add_login_routes(bp, auth, page)
    add_desk_routes(bp, auth, page)
    add_readership_routes(bp, auth, page)
    return bp
