"""Sign-up by double opt-in: a form makes a pending subscriber, only the confirmation activates.

Every sign-up gets the same answer whatever the list knows of the address (new, pending,
active, unsubscribed, bounced, forgotten): only a new or pending address is emailed.
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


def read_form(form: Mapping[str, str], sections: list[str], default_language: str,
              chosen_sections: list[str]) -> tuple[SignupForm | None, dict[str, str]]:
    """The form's values, or the problems found: {field: locale key of the message}."""
    problems: dict[str, str] = {}
    email = ""
    try:
        email = normalise_email(form.get("email", "")[:320])
    except SubscriberError:
        problems["email"] = "signup_invalid_email"
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


class Signups:
    """The sign-up rules; emails go out through ``mail`` (a queue in the web app)."""

    def __init__(self, config: Config, store: Store,
                 mail: Callable[[ConfirmationRequest], None]) -> None:
        self.config = config
        self.store = store
        self.secret = config.secret()
        self.tokens = Tokens(self.secret)
        self.mail = mail

    def _key(self, kind: str, value: str) -> str:
        return hmac.new(self.secret, f"signup-{kind}:{value}".encode(), hashlib.sha256).hexdigest()

    def submit(self, form: SignupForm | None, visitor: Visitor, now: datetime) -> bool:
        """Handle one sign-up; False when the visitor's IP is over its limit (answer 429).

        ``form`` is None for a bot caught by the honeypot: it is counted, nothing else.
        """
        s = self.config.signup
        window = timedelta(minutes=s.window_minutes)
        self.store.purge_signup_attempts(now - window)
        self.store.purge_pending(now - timedelta(days=s.pending_days))
        address_key = self._key("address", form.email) if form else None
        count = self.store.signup_attempt(self._key("ip", visitor.ip), address_key, now=now,
                                          since=now - window, per_ip=s.per_ip)
        if count is None:
            return False
        if form is None or count > s.per_address:
            return True
        if self.store.is_suppressed(address_hash(self.secret, form.email)):
            return True  # forgotten, bounced or complained: never again, and never say so
        subscriber_id = self.store.add_pending_subscriber(
            form.email, name=form.name, language=form.language, sections=",".join(form.sections),
            consent_ip=visitor.ip, consent_user_agent=visitor.user_agent,
            consent_text_version=s.consent_text_version, now=now)
        if subscriber_id is not None:
            self.mail(ConfirmationRequest(subscriber_id, form.email, form.name, form.language,
                                          self.confirm_url(subscriber_id)))
        return True

    def confirm_url(self, subscriber_id: int) -> str:
        base = self.config.newsletter.public_url.rstrip("/")
        return f"{base}/confirm/{self.tokens.make(CONFIRM, subscriber_id)}"

    def read_token(self, token: str) -> int:
        """The subscriber id of a confirm token; TokenError when invalid or expired."""
        return self.tokens.read(CONFIRM, token, max_age=self.config.signup.confirm_hours * 3600)


def purge_pending(store: Store, older_than: timedelta, now: datetime) -> int:
    """Delete sign-ups never confirmed in ``older_than``; returns how many."""
    return store.purge_pending(now - older_than)
