"""Mailgun webhooks: HMAC-SHA256 of ``timestamp + token`` with the webhook signing key.

The body is JSON: ``{"signature": {"timestamp", "token", "signature"}, "event-data":
{...}}``. ``signature`` (or, for a subaccount's domain, ``parent-signature``) is the hex
digest. The signature does not cover ``event-data``: so a token is remembered (for the
timestamp tolerance) with a digest of the event it came with, and the same token with
other event data is refused. A retry, identical, finds its ``event-data.id`` recorded.
The memory is per process: run one web process, or put the check in front of several.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import datetime, timedelta
from typing import Any

from ..errors import WebhookAuthError, WebhookPayloadError
from .base import (
    COMPLAINT,
    DELIVERED,
    HARD_BOUNCE,
    OTHER,
    SOFT_BOUNCE,
    UNSUBSCRIBE,
    Received,
    WebhookEvent,
    WebhookRequest,
    address,
    check_timestamp,
    expect,
    from_unix,
    load_json,
    same,
)

NAME = "mailgun"
# A permanent failure because Mailgun itself suppressed the address: keep its reason.
SUPPRESSED = {"suppress-complaint": COMPLAINT, "suppress-unsubscribe": UNSUBSCRIBE}


class MailgunReceiver:
    """Verifies Mailgun's signature block and reads the one event of each post."""

    name = NAME

    def __init__(self, signing_key: str, tolerance: int) -> None:
        self._key = signing_key.encode()
        self.tolerance = tolerance
        self._tokens: dict[str, tuple[str, datetime]] = {}  # token -> (event digest, expiry)
        self._lock = threading.Lock()

    def receive(self, request: WebhookRequest, now: datetime) -> Received:
        payload = expect(load_json(request.body, NAME), dict, "the body", NAME)
        block = payload.get("signature")
        if not isinstance(block, dict) or not block.get("signature"):
            raise WebhookAuthError(f"{NAME}: no signature block", missing=True)
        signed = f"{block.get('timestamp', '')}{block.get('token', '')}".encode()
        expected = hmac.new(self._key, signed, hashlib.sha256).hexdigest()
        offered = [str(block.get(k, "")) for k in ("signature", "parent-signature")]
        if not any([same(s.lower(), expected) for s in offered]):  # no short-circuit
            raise WebhookAuthError(f"{NAME}: the signature does not match")
        check_timestamp(block.get("timestamp"), now, self.tolerance, NAME)
        data = payload.get("event-data")
        if not isinstance(data, dict):
            raise WebhookPayloadError(f"{NAME}: no 'event-data' object")
        self._remember(str(block.get("token", "")), data, now)
        return Received([parse_event(data)])

    def _remember(self, token: str, data: dict[str, Any], now: datetime) -> None:
        """Refuse a signature block seen before with other event data (a forgery)."""
        digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
        with self._lock:
            for old in [t for t, (_, expiry) in self._tokens.items() if expiry < now]:
                del self._tokens[old]
            seen = self._tokens.get(token)
            if seen is not None and not same(seen[0], digest):
                raise WebhookAuthError(f"{NAME}: this signature was already used for another event")
            self._tokens[token] = (digest, now + timedelta(seconds=2 * self.tolerance))


def parse_event(data: dict[str, Any]) -> WebhookEvent:
    """One ``event-data`` object as a neutral event."""
    name = str(data.get("event", ""))
    ident = str(data.get("id", ""))
    if not name or not ident:
        raise WebhookPayloadError(f"{NAME}: event-data needs 'event' and 'id'")
    email = address(data.get("recipient"), NAME)
    status = data.get("delivery-status") if isinstance(data.get("delivery-status"), dict) else {}
    assert isinstance(status, dict)
    reason = str(data.get("reason", ""))
    detail = " ".join(str(status.get(k, "")) for k in ("code", "message", "description")
                      if status.get(k)) or reason
    if name == "failed":
        severity = str(data.get("severity", ""))
        kind = SUPPRESSED.get(reason, HARD_BOUNCE) if severity == "permanent" else SOFT_BOUNCE
        detail = f"{severity} {reason}: {detail}".strip()
    else:
        kind = {"complained": COMPLAINT, "unsubscribed": UNSUBSCRIBE,
                "delivered": DELIVERED}.get(name, OTHER)
        detail = detail or name
    return WebhookEvent(NAME, ident, kind, email, from_unix(data.get("timestamp")), detail)
