"""Logging editors in and out: session cookie, CSRF tokens, throttled logins."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, g, make_response, redirect, request, url_for
from werkzeug.wrappers import Response

from ...config import Config
from ...desk.accounts import keyed, log_in, same, token_hash
from ...pipeline import utc_now
from ...store import Store
from ..client import client_ip

SESSION_COOKIE = "nl_editor"
LOGIN_COOKIE = "nl_editor_login"  # a nonce the login form's CSRF token is bound to
PATH = "/editor"


class Auth:
    """Sessions of one app: which editor a request comes from, and its CSRF token."""

    def __init__(self, config: Config, store: Store) -> None:
        self.config = config
        self.store = store
        self.secret = config.secret()
        self.secure = config.newsletter.public_url.startswith("https://")
        self.proxy_hops = config.web.proxy_hops

    def set_cookie(self, response: Response, name: str, value: str, max_age: int | None) -> None:
        response.set_cookie(name, value, max_age=max_age, path=PATH, secure=self.secure,
                            httponly=True, samesite="Lax")

    def current(self) -> dict[str, Any] | None:
        token = request.cookies.get(SESSION_COOKIE, "")
        return self.store.session_editor(token_hash(token), utc_now()) if token else None

    def csrf(self) -> str:
        return keyed(self.secret, "editor-csrf", request.cookies.get(SESSION_COOKIE, ""))

    def login_csrf(self, nonce: str) -> str:
        return keyed(self.secret, "editor-login-csrf", nonce)


def safe_next(target: str | None) -> str:
    """Only a path of the editor's area (never another site) after logging in.

    A target with control characters (a newline would split the Location header) is a
    damaged link: the login page answers 400 before it gets here (``damaged_next``).
    """
    if not target or damaged_next(target):
        return PATH + "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith(PATH + "/") or "\\" in target:
        return PATH + "/"
    return target


def damaged_next(target: str | None) -> bool:
    """True when ``next=`` holds control characters (CR, LF, NUL...): never a real path."""
    return bool(target) and any(ord(c) < 32 or ord(c) == 127 for c in str(target))


def login_required(auth: Auth) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Views for logged-in editors only; POSTs must carry the session's CSRF token."""
    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            editor = auth.current()
            if editor is None:
                if request.method == "POST":
                    abort(403)
                return redirect(url_for("editor.login", next=request.full_path.rstrip("?")))
            if request.method == "POST" and not same(request.form.get("csrf", ""), auth.csrf()):
                abort(400, "the form's security token is missing or wrong: reload the page")
            g.editor = editor
            return view(*args, **kwargs)
        return wrapped
    return decorate


def add_login_routes(bp: Blueprint, auth: Auth, page: Callable[..., Any]) -> None:
    """GET/POST /editor/login and POST /editor/logout."""

    @bp.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        if damaged_next(request.args.get("next")):
            abort(400, "this login link is damaged (its next= address holds control "
                       "characters): open /editor/ and log in from there")
        nonce = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)
        status, problem, until = 200, None, None
        if request.method == "POST":
            if not same(request.form.get("csrf", ""), auth.login_csrf(nonce)):
                status, problem = 400, "editor_login_expired"
            else:
                e = auth.config.editor
                result = log_in(auth.store, auth.secret, request.form.get("username", ""),
                                request.form.get("password", ""), client_ip(auth.proxy_hops),
                                now=utc_now(), session_hours=e.session_hours,
                                max_failures=e.max_login_failures)
                if result.token:
                    response = redirect(safe_next(request.args.get("next")))
                    auth.set_cookie(response, SESSION_COOKIE, result.token,
                                    int(e.session_hours * 3600))
                    response.delete_cookie(LOGIN_COOKIE, path=PATH)
                    return response
                if result.locked_until:
                    status, problem = 429, "editor_login_locked"
                    until = f"{result.locked_until.astimezone(auth.config.zone):%H:%M:%S}"
                else:
                    status, problem = 401, "editor_login_failed"
        response = make_response(page("editor/login.html", status, csrf=auth.login_csrf(nonce),
                                      problem=problem, until=until,
                                      username=request.form.get("username", "")))
        auth.set_cookie(response, LOGIN_COOKIE, nonce, 3600)
        return response

    @bp.post("/logout")
    @login_required(auth)
    def logout() -> Any:
        auth.store.end_editor_session(token_hash(request.cookies.get(SESSION_COOKIE, "")))
        response = redirect(url_for("editor.login"))
        response.delete_cookie(SESSION_COOKIE, path=PATH)
        return response
