"""Sign-ups from the publisher's own pages: the embedded form and ``POST /api/subscribe``.

A form on another site cannot carry our single-use form token (web/signup.py), so its
posts are accepted by where they come from instead: the page's origin, which browsers
send in Origin (or, failing that, in Referer), must be one of ``[web] allowed_origins``.
A page elsewhere cannot make a visitor's browser send another site's origin, so it cannot
sign up addresses through them; scripts can claim any origin, as they could fetch our own
form's token, and meet the same per-IP and per-address limits. Everything else is the
same as on our page: the honeypot, the limits, the consent record and the double opt-in.

The JSON endpoint answers CORS for those origins only (the Origin echoed, ``Vary:
Origin``, never credentials) and refuses any other caller with a JSON error. Its answer
is the same whatever the list knows of the address (no enumeration).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Response, request
from werkzeug.exceptions import RequestEntityTooLarge

from ..compose import strings
from ..config import LANGUAGES, Config
from ..people.signup import HONEYPOT_FIELD, Signups, Visitor, read_form
from ..pipeline import utc_now
from ..urls import web_origin
from .client import client_ip

API_MAX_BYTES = 16_384  # a sign-up is a few hundred bytes
PREFLIGHT_SECONDS = 600


def allowed_origins(config: Config) -> frozenset[str]:
    """[web] allowed_origins as browsers write them (lower case, no default port)."""
    return frozenset(o for o in map(web_origin, config.web.allowed_origins) if o)


def page_origin() -> str | None:
    """The origin of the page a form was posted from: Origin, else Referer's."""
    origin = request.headers.get("Origin", "")
    if origin and origin != "null":  # "null": an opaque origin, which proves nothing
        return web_origin(origin)
    referer = urlsplit(request.headers.get("Referer", ""))
    return web_origin(f"{referer.scheme}://{referer.netloc}") if referer.netloc else None


def api_view(config: Config, signups: Signups, sections: list[str],
             utf8_mailbox: bool) -> Callable[[], Response]:
    """The view of ``/api/subscribe`` (POST and its OPTIONS preflight)."""
    allowed = allowed_origins(config)
    default = config.newsletter.language
    s = config.signup

    def answer(status: int, body: dict[str, Any], origin: str | None) -> Response:
        response = Response(json.dumps(body, ensure_ascii=False), status=status,
                            mimetype="application/json")
        response.headers["Vary"] = "Origin"
        response.headers["Cache-Control"] = "no-store"
        if origin:
            response.headers["Access-Control-Allow-Origin"] = origin
        return response

    def refuse(status: int, error: str, message: str, origin: str | None = None) -> Response:
        return answer(status, {"error": error, "message": message}, origin)

    def view() -> Response:
        raw = request.headers.get("Origin", "")
        origin = web_origin(raw) if raw else None
        if origin is None or origin not in allowed:
            return refuse(403, "origin_not_allowed",
                          f"this endpoint answers pages of [web] allowed_origins only; "
                          f"Origin was {raw[:200]!r}")
        if request.method == "OPTIONS":
            response = answer(204, {}, origin)
            response.headers["Access-Control-Allow-Methods"] = "POST"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type"
            response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_SECONDS)
            response.set_data(b"")
            return response
        if request.mimetype != "application/json":
            return refuse(415, "json_expected",
                          "send the fields as JSON (Content-Type: application/json)", origin)
        request.max_content_length = API_MAX_BYTES
        try:
            body = request.get_json(silent=True)
        except RequestEntityTooLarge:
            return refuse(413, "too_large", f"at most {API_MAX_BYTES} bytes", origin)
        if not isinstance(body, dict):
            return refuse(400, "bad_json", "the body must be one JSON object: "
                                           '{"email": ..., "consent": true, ...}', origin)
        language = _choice(body.get("language"), default)
        lang = _choice(body.get("lang"), language)
        t = strings(lang)
        visitor = Visitor(client_ip(config.web.proxy_hops), request.user_agent.string[:500])
        if body.get(HONEYPOT_FIELD):
            accepted = signups.submit(None, visitor, utc_now())
        else:
            chosen = body.get("sections", [])
            chosen = [c for c in chosen if isinstance(c, str)] if isinstance(chosen, list) else []
            fields = {"email": _text(body.get("email")), "name": _text(body.get("name")),
                      "language": language,
                      "consent": "yes" if body.get("consent") in (True, "yes") else ""}
            form, problems = read_form(fields, sections, language, chosen,
                                       utf8_mailbox=utf8_mailbox)
            if form is None:
                return answer(422, {"error": "invalid", "message": t["signup_fix"],
                                    "problems": {field: {"code": key, "message": t[key]}
                                                 for field, key in problems.items()}}, origin)
            accepted = signups.submit(form, visitor, utc_now())
        if not accepted:
            response = refuse(429, "too_many", t["signup_too_many"], origin)
            response.headers["Retry-After"] = str(s.window_minutes * 60)
            return response
        message = t["signup_check_inbox"].format(name=config.newsletter.name,
                                                 hours=s.confirm_hours)
        return answer(202, {"status": "check_inbox", "message": message}, origin)

    return view


def _choice(value: object, default: str) -> str:
    return value if isinstance(value, str) and value in LANGUAGES else default


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
