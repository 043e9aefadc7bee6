"""The public sign-up pages: /subscribe (form, POST) and /confirm/<token> (button, POST).

CSRF on the subscribe form: its URL carries no secret, so the form holds a signed,
timestamped token (itsdangerous, own salt) of a random nonce that is also set in a
SameSite=Lax, HttpOnly cookie, and of a random id of its own. A POST is accepted only when
the token is genuine, younger than [signup] csrf_minutes, matches the cookie and was never
sent before (the store keeps the SHA-256 of each used id until it would have expired): a
page elsewhere cannot read our form and its cross-site POST carries no cookie, so it
cannot make visitors' browsers sign up addresses from many IPs, and a script that loaded
the form once cannot send it again and again. The confirm form is bound to its secret link by an HMAC, like
the preferences form.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, make_response, redirect, render_template, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response as BaseResponse

from ..compose import strings
from ..config import LANGUAGES, Config
from ..delivery.confirmations import ConfirmationMailer
from ..errors import TokenError
from ..people.signup import (
    HONEYPOT_FIELD,
    Signups,
    Visitor,
    accepts_utf8_mailbox,
    known_sections,
    read_form,
)
from ..pipeline import utc_now
from ..store import Store
from ..tokens import PREFERENCES, UNSUBSCRIBE
from .background import Background
from .client import client_ip
from .embed import allowed_origins, api_view, page_origin
from .site import description, signup_form

COOKIE = "nl_signup"
_NONCE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def page_language(default: str, preferred: str | None = None) -> str:
    """?lang= (or the form's lang), else ``preferred``, else Accept-Language, else default."""
    wanted = request.values.get("lang")
    if wanted in LANGUAGES:
        return wanted
    if preferred in LANGUAGES:
        return preferred
    return request.accept_languages.best_match(LANGUAGES) or default


class FormTokens:
    """The subscribe form's single-use CSRF token and its cookie (see the module docstring):
    one per form shown (/subscribe, the home page), checked once when it is sent."""

    def __init__(self, config: Config, store: Store) -> None:
        self.store = store
        self.minutes = config.signup.csrf_minutes
        self.serializer = URLSafeTimedSerializer(config.secret(), salt="newsletter.csrf.subscribe",
                                                 signer_kwargs={"digest_method": hashlib.sha256})
        # Behind a TLS-terminating proxy the request looks like http: the public URL decides.
        self.secure = config.newsletter.public_url.startswith("https://")

    def new(self) -> tuple[str, str]:
        """(the visitor's nonce, a fresh token for one form): set_cookie(nonce) on the answer."""
        nonce = request.cookies.get(COOKIE, "")
        if not _NONCE.match(nonce):
            nonce = secrets.token_urlsafe(24)
        form_id = secrets.token_urlsafe(16)  # single use: recorded when the form is sent
        return nonce, self.serializer.dumps([nonce, form_id])

    def set_cookie(self, response: BaseResponse, nonce: str) -> None:
        response.set_cookie(COOKIE, nonce, max_age=self.minutes * 60, path="/",
                            secure=self.secure, httponly=True, samesite="Lax")

    def accepts(self) -> bool:
        """A genuine, fresh token of this visitor's form, sent for the first time."""
        nonce = request.cookies.get(COOKIE, "")
        try:
            signed, issued = self.serializer.loads(request.form.get("csrf", ""),
                                                   max_age=self.minutes * 60,
                                                   return_timestamp=True)
        except BadSignature:  # SignatureExpired is one too
            return False
        if not (nonce and isinstance(signed, list) and len(signed) == 2
                and all(isinstance(part, str) for part in signed)
                and hmac.compare_digest(signed[0], nonce)):
            return False
        used = hashlib.sha256(f"signup-form:{signed[1]}".encode()).hexdigest()
        return self.store.use_signup_token(used, now=utc_now(),
                                           expires_at=issued + timedelta(minutes=self.minutes))


def signup_blueprint(config: Config, store: Store,
                     mailer: ConfirmationMailer | None = None) -> Blueprint:
    """Routes of the sign-up pages.

    app.extensions["signup_queue"] finishes sign-ups after the answer (its ``wait()`` also
    waits for the emails), app.extensions["signup_mailer"] sends the emails.
    """
    bp = Blueprint("signup", __name__)
    if not config.signup.enabled:
        return bp
    mail = mailer or ConfirmationMailer(config)
    # Sign-ups are finished by a background thread, emails sent by the mailer's.
    work = Background("signups", then=mail.wait)
    bp.record_once(lambda state: state.app.extensions.update(signup_mailer=mail,
                                                            signup_queue=work))
    signups = Signups(config, store, mail, later=work)
    secret = config.secret()
    csrf = FormTokens(config, store)
    sections = known_sections(config)
    utf8_mailbox = accepts_utf8_mailbox(config)
    s = config.signup
    default = config.newsletter.language
    embedders = allowed_origins(config)

    def page(template: str, language: str, status: int = 200, **context: Any) -> Response:
        html = render_template(template, t=strings(language), language=language,
                               name=config.newsletter.name, **context)
        response = make_response(html, status)
        response.headers["Cache-Control"] = "no-store"
        return response

    def notice(language: str, message: str, status: int = 200, back: bool = True) -> Response:
        return page("signup_notice.html", language, status, message=message, back=back,
                    error=status >= 400)

    def form_page(language: str, status: int = 200, values: dict[str, Any] | None = None,
                  problems: dict[str, str] | None = None) -> Response:
        nonce, token = csrf.new()
        form = signup_form(config, language, action="/subscribe", csrf=token, values=values,
                           problems=problems)
        response = page("subscribe.html", language, status, form=form,
                        intro=description(config, language))
        csrf.set_cookie(response, nonce)
        return response

    @bp.get("/subscribe")
    def subscribe_form() -> Response:
        return form_page(page_language(default))

    @bp.post("/subscribe")
    def subscribe() -> BaseResponse:
        language = page_language(default)
        t = strings(language)
        # Our forms carry a single-use token; a form embedded in the publisher's own pages
        # cannot, and is taken from the origins they allow (web/embed.py).
        embedded = "csrf" not in request.form and page_origin() in embedders
        if not embedded and not csrf.accepts():
            return notice(language, t["signup_bad_form"], 400)
        visitor = Visitor(client_ip(config.web.proxy_hops), request.user_agent.string[:500])
        if request.form.get(HONEYPOT_FIELD):
            accepted = signups.submit(None, visitor, utc_now())
        else:
            chosen = request.form.getlist("sections")
            form, problems = read_form(request.form, sections, language, chosen,
                                       utf8_mailbox=utf8_mailbox)
            if form is None:
                values = {**request.form.to_dict(), "sections": chosen}
                return form_page(language, 400, values, problems)
            accepted = signups.submit(form, visitor, utc_now())
        if not accepted:
            answer = notice(language, t["signup_too_many"], 429)
            answer.headers["Retry-After"] = str(s.window_minutes * 60)
            return answer
        # Post/redirect/get: the same answer for every address, and no resubmission on reload.
        return redirect(f"/subscribe/thanks?lang={language}", 303)

    # JSON sign-ups from the publisher's pages (CORS for [web] allowed_origins only).
    bp.add_url_rule("/api/subscribe", "api_subscribe",
                    api_view(config, signups, sections, utf8_mailbox),
                    methods=["POST", "OPTIONS"], provide_automatic_options=False)

    @bp.get("/subscribe/thanks")
    def thanks() -> Response:
        language = page_language(default)
        t = strings(language)
        message = t["signup_check_inbox"].format(name=config.newsletter.name,
                                                 hours=s.confirm_hours)
        return page("signup_notice.html", language, message=message,
                    extra=t["signup_check_spam"], back=False, error=False)

    def confirm_csrf(token: str) -> str:
        return hmac.new(secret, f"csrf-confirm:{token}".encode(), hashlib.sha256).hexdigest()

    @bp.route("/confirm/<token>", methods=["GET", "POST"])
    def confirm(token: str) -> Response:
        try:
            subscriber_id = signups.read_token(token)
        except TokenError:
            subscriber_id = None
        subscriber = store.get_subscriber(subscriber_id) if subscriber_id is not None else None
        language = page_language(default, subscriber.language if subscriber else None)
        t = strings(language)
        if subscriber is None or subscriber.status not in ("pending", "active"):
            return notice(language, t["confirm_invalid"], 400)
        status = subscriber.status
        if request.method == "POST":
            if not hmac.compare_digest(request.form.get("csrf", ""), confirm_csrf(token)):
                return notice(language, t["signup_bad_form"], 400, back=False)
            status = store.confirm_subscriber(subscriber.id, utc_now()) or status
        if status != "active":  # GET never confirms: mail scanners follow links
            return page("confirm.html", language, done=False, csrf=confirm_csrf(token))
        base = config.newsletter.public_url.rstrip("/")
        return page("confirm.html", language, done=True,
                    preferences_url=f"{base}/preferences/"
                                    f"{signups.tokens.make(PREFERENCES, subscriber.id)}",
                    unsubscribe_url=f"{base}/unsubscribe/"
                                    f"{signups.tokens.make(UNSUBSCRIBE, subscriber.id)}")

    return bp
