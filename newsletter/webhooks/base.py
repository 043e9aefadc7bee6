"""What every provider webhook shares: the neutral event, the receiver shape, checks.

A receiver turns one HTTP request (raw body, lower-case headers, optional secret path
part) into neutral events, after checking that the request really comes from the
provider. It raises ``WebhookAuthError`` (401/403) or ``WebhookPayloadError`` (400); it
never touches the store.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from ..errors import SubscriberError, WebhookAuthError, WebhookPayloadError
from ..models import normalise_email

HARD_BOUNCE = "hard_bounce"
SOFT_BOUNCE = "soft_bounce"
COMPLAINT = "complaint"
UNSUBSCRIBE = "unsubscribe"
DELIVERED = "delivered"  # only resets the soft-bounce count
OTHER = "other"
KINDS = (HARD_BOUNCE, SOFT_BOUNCE, COMPLAINT, UNSUBSCRIBE, DELIVERED, OTHER)
MAX_JSON_BYTES = 5_000_000  # as the web endpoint's own limit (SendGrid batches are the largest)
MAX_DEPTH = 32  # providers' events nest five or six levels; json.loads recurses per level
_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")


@dataclass(frozen=True)
class WebhookEvent:
    """One provider event about one address, in our words."""

    provider: str
    event_id: str  # unique per provider: the key that makes retries harmless
    kind: str  # one of KINDS
    address: str  # normalised like subscriber addresses
    when: datetime | None
    detail: str = ""


@dataclass(frozen=True)
class WebhookRequest:
    """The parts of an HTTP request a receiver may look at."""

    body: bytes
    headers: Mapping[str, str]  # lower-case names
    path_token: str | None = None  # /webhooks/<provider>/<token>


@dataclass
class Received:
    """What a request carried: events, and a note for requests that carry none."""

    events: list[WebhookEvent] = field(default_factory=list)
    note: str = ""


class Receiver(Protocol):
    """Checks and parses one provider's webhook requests."""

    name: str

    def receive(self, request: WebhookRequest, now: datetime) -> Received: ...


def load_json(body: bytes | str, provider: str, what: str = "the body") -> Any:
    """The parsed JSON, or a 400 naming the provider: not JSON, too large or too deep.

    Called only once the request is authenticated, except where the signature lives
    in the body itself (Mailgun, SNS): the bounds below make that first read cheap.
    """
    if len(body) > MAX_JSON_BYTES:
        raise WebhookPayloadError(f"{provider}: {what} is larger than {MAX_JSON_BYTES} bytes")
    try:
        text = body.decode(json.detect_encoding(body)) if isinstance(body, bytes) else body
    except (UnicodeDecodeError, LookupError) as exc:
        raise WebhookPayloadError(f"{provider}: {what} is not JSON: {exc}") from exc
    if nesting_depth(text, MAX_DEPTH) > MAX_DEPTH:
        raise WebhookPayloadError(f"{provider}: {what} is nested more than {MAX_DEPTH} levels "
                                  "deep (no provider sends that)")
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise WebhookPayloadError(f"{provider}: {what} is not JSON: {exc}") from exc


def nesting_depth(text: str, limit: int) -> int:
    """How deep arrays and objects nest in JSON ``text``, counted up to ``limit + 1``.

    Strings are removed first, so brackets inside them do not count; the count stops as
    soon as the limit is passed, so a hostile body costs a few characters' work.
    """
    brackets = _NOT_BRACKETS.sub("", _STRINGS.sub("", text))
    depth = 0
    for char in brackets:
        if char in "[{":
            depth += 1
            if depth > limit:
                return depth
        else:
            depth -= 1
    return depth if depth > 0 else 0


def expect(value: Any, kind: type, what: str, provider: str) -> Any:
    """``value`` if it is of ``kind``, else a 400 naming the field."""
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise WebhookPayloadError(f"{provider}: {what} must be {kind.__name__}, "
                                  f"got {type(value).__name__}")
    return value


def check_timestamp(value: str | int | float | None, now: datetime, tolerance: int,
                    provider: str) -> datetime:
    """A Unix timestamp close enough to now; older or further ahead is a replay (403)."""
    if value is None or value == "":
        raise WebhookAuthError(f"{provider}: no signature timestamp", missing=True)
    try:
        moment = datetime.fromtimestamp(float(value), UTC)
    except (TypeError, ValueError, OverflowError, OSError) as exc:
        raise WebhookAuthError(f"{provider}: the signature timestamp is not a number") from exc
    if abs((now - moment).total_seconds()) > tolerance:
        raise WebhookAuthError(f"{provider}: the signature timestamp {moment:%Y-%m-%d %H:%M:%S}"
                               f" is more than {tolerance} s from now (a replay?)")
    return moment


def same(given: str | bytes, expected: str | bytes) -> bool:
    """Constant-time comparison of two secrets or signatures."""
    a = given.encode() if isinstance(given, str) else given
    b = expected.encode() if isinstance(expected, str) else expected
    return hmac.compare_digest(a, b)


def check_shared_secret(request: WebhookRequest, provider: str, *, username: str,
                        password: str, token: str) -> None:
    """For providers without signatures: basic auth, a bearer token or a secret URL part.

    Any one configured credential that matches is enough; every comparison is
    constant-time.
    """
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    offered = bool(auth) or request.path_token is not None
    if password and scheme.lower() == "basic":
        try:
            user, _, secret = base64.b64decode(value.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            user, secret = "", ""
        if same(user, username) & same(secret, password):
            return
    if token and scheme.lower() == "bearer" and same(value.strip(), token):
        return
    if token and request.path_token is not None and same(request.path_token, token):
        return
    raise WebhookAuthError(f"{provider}: wrong credentials" if offered else
                           f"{provider}: no credentials (basic auth or token)", missing=not offered)


def address(value: Any, provider: str) -> str:
    """A recipient address, normalised like the subscribers' (lower-case when ASCII)."""
    text = str(expect(value, str, "the recipient address", provider)).strip()
    if not text:
        raise WebhookPayloadError(f"{provider}: an event has an empty recipient address")
    try:
        return normalise_email(text)
    except SubscriberError:  # still recorded; it simply matches no subscriber
        return text.lower()


def from_unix(value: Any) -> datetime | None:
    """A Unix timestamp (seconds, maybe fractional) as aware UTC, None if absent or bad."""
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def from_iso(value: Any) -> datetime | None:
    """An ISO 8601 time as aware UTC (naive ones are taken as UTC), None if absent or bad."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    if "." in text:  # .NET-style seven fraction digits: keep six for fromisoformat
        head, _, rest = text.partition(".")
        digits = "".join(c for c in rest if c.isdigit())
        text = f"{head}.{digits[:6]}{rest[len(digits):]}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def secret_from_env(variable: str) -> str:
    """The value of an environment variable holding a webhook secret ("" when unset)."""
    import os

    return os.environ.get(variable, "").strip() if variable else ""
