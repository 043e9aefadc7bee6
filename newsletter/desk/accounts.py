"""Editor accounts: password hashes, sessions, CSRF tokens and login throttling.

Passwords are hashed with werkzeug.security (scrypt, a memory-hard KDF from the
standard library's hashlib, salted per password): Flask already brings werkzeug, so no
new dependency. Sessions are random tokens; the store keeps only their SHA-256.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import NewsletterError
from ..store import Store

MIN_PASSWORD = 10
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
# Compared against when the name is unknown, so both answers take as long.
_DUMMY_HASH = generate_password_hash(secrets.token_urlsafe(16))


class AccountError(NewsletterError):
    """A bad editor name, password or address (exit code 2: bad usage)."""

    exit_code = 2


@dataclass(frozen=True)
class LoginResult:
    """The outcome of a login attempt: a session token, or why not (and until when)."""

    token: str | None = None
    locked_until: datetime | None = None


def check_username(username: str) -> str:
    name = username.strip().lower()
    if not USERNAME.match(name):
        raise AccountError(f"editor name {username!r} must be 2-64 characters: lowercase letters, "
                           "digits, '.', '_' or '-'")
    return name


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
    return generate_password_hash(password, method="scrypt")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def keyed(secret: bytes, purpose: str, value: str) -> str:
    """An HMAC of a value for one purpose (CSRF tokens, throttling keys)."""
    return hmac.new(secret, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def add_editor(store: Store, username: str, password: str, email: str, now: datetime) -> str:
    """Create an account; returns the (normalised) name."""
    name = check_username(username)
    if email and "@" not in email:
        raise AccountError(f"{email!r} is not an email address")
    if not store.add_editor(name, hash_password(password), email.strip(), now):
        raise AccountError(f"there is already an editor called {name!r}",
                           hint=f"newsletter editors passwd {name} changes the password")
    return name


def log_in(store: Store, secret: bytes, username: str, password: str, client: str, *,
           now: datetime, session_hours: float, max_failures: int) -> LoginResult:
    """Check the password (unless throttled) and open a session.

    Failures are counted per (client address, name) and per client address; from
    ``max_failures`` on, each key is locked for a delay that doubles with every further
    failure. Never per name alone: strangers could then lock an editor out on their own
    (the real editor, from another address, is never slowed by someone else's guesses).
    """
    name = username.strip().lower()
    keys = [keyed(secret, "login-client-name", f"{client}\n{name}"),
            keyed(secret, "login-ip", client)]
    locked = store.login_locked_until(keys, now)
    if locked is not None:
        return LoginResult(locked_until=locked)
    editor = store.get_editor(name) if USERNAME.match(name) else None
    stored = editor["password_hash"] if editor else _DUMMY_HASH
    good = check_password_hash(stored, password) and editor is not None
    if not good or editor is None or editor["disabled_at"] is not None:
        for key in keys:
            store.note_login_failure(key, now, allowed=max_failures)
        return LoginResult(locked_until=store.login_locked_until(keys, now))
    for key in keys:
        store.clear_login_failures(key)
    token = secrets.token_urlsafe(32)
    store.start_editor_session(token_hash(token), name, now,
                               now + timedelta(hours=session_hours))
    return LoginResult(token=token)
