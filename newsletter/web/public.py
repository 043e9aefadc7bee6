"""The public site's routes: the home page (/), the archive (/archive/) and its Atom feed.

The pages themselves are built by ``site.Site``, as in the static copy.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, make_response, request

from ..config import Config
from ..store import Store
from .signup import FormTokens, page_language
from .site import Links, Site, signup_form
from .templating import web_environment


def site_blueprint(config: Config, store: Store) -> Blueprint:
    """Routes of the public pages anyone may read."""
    bp = Blueprint("site", __name__)
    site = Site(config, store, web_environment(config))
    links = Links.live(config)
    tokens = FormTokens(config, store) if config.signup.enabled else None
    default = config.newsletter.language

    @bp.get("/")
    def home() -> Response:
        language = page_language(default)
        form, nonce = None, ""
        if tokens is not None:
            nonce, csrf = tokens.new()
            form = signup_form(config, language, action=links.subscribe, csrf=csrf)
        response = make_response(site.home(links, language, form))
        if tokens is not None:
            tokens.set_cookie(response, nonce)
            response.headers["Cache-Control"] = "no-store"  # a single-use form token
        return response

    @bp.get("/archive/")
    def archive() -> Response:
        page = request.args.get("page", "1")
        wanted = int(page) if page.isdigit() and len(page) <= 6 else 0
        html = site.archive(links, page_language(default), wanted)
        if html is None:
            abort(404)
        return make_response(html)

    @bp.get("/archive/atom.xml")
    def atom() -> Response:
        return Response(site.atom(links), mimetype="application/atom+xml")

    return bp
