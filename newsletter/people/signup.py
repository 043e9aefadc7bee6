"""Sign-up by double opt-in: a form makes a pending subscriber, only the confirmation activates.

Every sign-up gets the same answer whatever the list knows of the address (new, pending,
active, unsubscribed, bounced, forgotten): only a new or pending address is emailed. The
answer comes after the same work for all of them (the limits); what differs is done
afterwards (``later``), so response times tell nothing either.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..compose.confirmation import ConfirmationRequest
from ..config import LANGUAGES, Config
from ..errors import SubscriberError
from ..models import normalise_email
from ..store import Store
from ..tokens import CONFIRM, Tokens
from .lists import address_hash

HONEYPOT_FIELD = "website"  # a field people never see; bots fill every field they find


@dataclass(frozen=True)
class SignupForm:
    """A checked subscribe form."""

    email: str
    name: str
    language: str
    sections: tuple[str, ...]


def known_sections(config: Config) -> list[str]:
    """Section names a subscriber may choose: the weighted ones, then those of the feeds."""
    names = [name for name, _ in config.sections]
    names += [f.section for f in config.feeds if f.section]
    return list(dict.fromkeys(names))


# Senders that can deliver to a mailbox whose local part is not ASCII (RFC 6531 SMTPUTF8):
# none yet. The confirmation is built by email.policy.SMTP, which refuses such an address,
# and the SMTP sender sends MAIL FROM without the SMTPUTF8 parameter; the HTTP providers
# take the address as built. A sender that gains it (the SMTP one, for a server that
# advertises SMTPUTF8) is added here; until then the form refuses such addresses.
SMTPUTF8_SENDERS: frozenset[str] = frozenset()


def accepts_utf8_mailbox(config: Config) -> bool:
    """Whether the configured sender can email ``üser@example.org`` (see SMTPUTF8_SENDERS)."""
    return config.delivery.sender in SMTPUTF8_SENDERS


def form_email(value: str, *, utf8_mailbox: bool) -> tuple[str, str | None]:
    """(the address as stored, the locale key of its problem or None).

    An internationalised domain is kept in its ASCII form (``xn--``), which every sender
    and mail server takes; a non-ASCII local part only when ``utf8_mailbox``.
    """
    try:
        email = normalise_email(value[:320])
    except SubscriberError:
        return "", "signup_invalid_email"
    if email.isascii():
        return email, None
    from email_validator import validate_email  # loaded by its users only

    ascii_form = validate_email(email, check_deliverability=False).ascii_email
    if ascii_form:
        return ascii_form.lower(), None
    return (email, None) if utf8_mailbox else ("", "signup_ascii_email")


def read_form(form: Mapping[str, str], sections: list[str], default_language: str,
              chosen_sections: list[str], *, utf8_mailbox: bool = False
              ) -> tuple[SignupForm | None, dict[str, str]]:
    """The form's values, or the problems found: {field: locale key of the message}."""
    problems: dict[str, str] = {}
    email, problem = form_email(form.get("email", ""), utf8_mailbox=utf8_mailbox)
    if problem:
        problems["email"] = problem
    name = " ".join(form.get("name", "").split())
    if len(name) > 200:
        problems["name"] = "signup_invalid_name"
    language = form.get("language", "")
    if language not in LANGUAGES:
        language = default_language
    if form.get("consent") != "yes":
        problems["consent"] = "signup_need_consent"
    chosen = tuple(s for s in sections if s in chosen_sections)
    if problems:
        return None, problems
    return SignupForm(email, name, language, chosen), {}


@dataclass(frozen=True)
class Visitor:
    """Where a sign-up came from (kept as consent evidence once confirmed)."""

    ip: str
    user_agent: str


def run_now(job: Callable[[], None]) -> None:
    """No queue: the work is done before the answer (the CLI, scripts)."""
    job()


class Signups:
    """The sign-up rules; emails go out through ``mail`` (a queue in the web app).

    ``later`` runs the part that depends on what the list knows of the address (the web
    app: a background thread), so the answer costs the same whatever the address.
    """

    def __init__(self, config: Config, store: Store,
                 mail: Callable[[ConfirmationRequest], None],
                 later: Callable[[Callable[[], None]], None] = run_now) -> None:
        self.config = config
        self.store = store
        self.secret = config.secret()
        self.tokens = Tokens(self.secret)
        self.mail = mail
        self.later = later

    def _key(self, kind: str, value: str) -> str:
        return hmac.new(self.secret, f"signup-{kind}:{value}".encode(), hashlib.sha256).hexdigest()

    def submit(self, form: SignupForm | None, visitor: Visitor, now: datetime) -> bool:
        """Handle one sign-up; False when the visitor's IP is over its limit (answer 429).

        Before the answer: the limits (the same queries for every address), then one job
        for ``later``. ``form`` is None for a bot caught by the honeypot: counted, nothing
        else.
        """
        s = self.config.signup
        window = timedelta(minutes=s.window_minutes)
        address_key = self._key("address", form.email) if form else None
        count = self.store.signup_attempt(self._key("ip", visitor.ip), address_key, now=now,
                                          since=now - window, per_ip=s.per_ip)
        if count is None:
            return False
        self.later(lambda: self.record(form, visitor, now, count))
        return True

    def record(self, form: SignupForm | None, visitor: Visitor, now: datetime,
               count: int) -> None:
        """After the answer: tidy old rows, then a pending row and an email, if due."""
        s = self.config.signup
        self.store.purge_signup_attempts(now - timedelta(minutes=s.window_minutes))
        self.store.purge_pending(now - timedelta(days=s.pending_days))
        if form is None or count > s.per_address:
            return
        if self.store.is_suppressed(address_hash(self.secret, form.email)):
            return  # forgotten, bounced or complained: never again, and never say so
        subscriber_id = self.store.add_pending_subscriber(
            form.email, name=form.name, language=form.language, sections=",".join(form.sections),
            consent_ip=visitor.ip, consent_user_agent=visitor.user_agent,
            consent_text_version=s.consent_text_version, now=now)
        if subscriber_id is not None:
            self.mail(ConfirmationRequest(subscriber_id, form.email, form.name, form.language,
                                          self.confirm_url(subscriber_id)))

    def confirm_url(self, subscriber_id: int) -> str:
        base = self.config.newsletter.public_url.rstrip("/")
        return f"{base}/confirm/{self.tokens.make(CONFIRM, subscriber_id)}"

    def read_token(self, token: str) -> int:
        """The subscriber id of a confirm token; TokenError when invalid or expired."""
        return self.tokens.read(CONFIRM, token, max_age=self.config.signup.confirm_hours * 3600)


def purge_pending(store: Store, older_than: timedelta, now: datetime) -> int:
    """Delete sign-ups never confirmed in ``older_than``; returns how many."""
    return store.purge_pending(now - older_than)
