"""SendGrid Event Webhook, signed (ECDSA P-256 over SHA-256).

SendGrid signs ``timestamp + raw body`` with its private key; the signature (base64 DER)
comes in ``X-Twilio-Email-Event-Webhook-Signature`` and the timestamp in
``X-Twilio-Email-Event-Webhook-Timestamp``. The verification key is the one shown under
Mail Settings → Signed Event Webhook (base64 DER; PEM is accepted too).

The body is a JSON array of events. ``sg_event_id`` has been reported to change when
SendGrid posts a batch again (sendgrid-nodejs#1435), so the de-duplication key is the
message, the event, its timestamp and the address instead.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError, WebhookAuthError, WebhookPayloadError
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
)

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey

NAME = "sendgrid"
SIGNATURE = "x-twilio-email-event-webhook-signature"
TIMESTAMP = "x-twilio-email-event-webhook-timestamp"
HINT = "pip install 'newsletter[webhooks]'"
# SendGrid drops messages to addresses on its own suppression lists: mirror them here.
DROP_REASONS = {"bounced address": HARD_BOUNCE, "spam reporting address": COMPLAINT,
                "unsubscribed address": UNSUBSCRIBE}


class SendGridReceiver:
    """Verifies signed Event Webhook posts and reads their events."""

    name = NAME

    def __init__(self, public_key: str, tolerance: int, *, where: str = "") -> None:
        self.tolerance = tolerance
        self._key = load_public_key(public_key, where)

    def receive(self, request: WebhookRequest, now: datetime) -> Received:
        signature = request.headers.get(SIGNATURE, "")
        stamp = request.headers.get(TIMESTAMP, "")
        if not signature or not stamp:
            raise WebhookAuthError(f"{NAME}: no signature headers", missing=True)
        self._verify(signature, stamp.encode() + request.body)
        check_timestamp(stamp, now, self.tolerance, NAME)
        return Received(parse(request.body))

    def _verify(self, signature: str, signed: bytes) -> None:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        try:
            raw = base64.b64decode(signature, validate=True)
            self._key.verify(raw, signed, ec.ECDSA(hashes.SHA256()))
        except (binascii.Error, ValueError, InvalidSignature) as exc:
            raise WebhookAuthError(f"{NAME}: the signature does not match the body") from exc


def load_public_key(text: str, where: str = "") -> EllipticCurvePublicKey:
    """The ECDSA verification key, from base64 DER or PEM; a ConfigError names ``where``."""
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec
    except ImportError as exc:
        raise ConfigError(f"{where}: verifying SendGrid signatures needs cryptography",
                          hint=HINT) from exc
    try:
        if "BEGIN PUBLIC KEY" in text:
            key = serialization.load_pem_public_key(text.encode())
        else:
            key = serialization.load_der_public_key(base64.b64decode("".join(text.split())))
    except (binascii.Error, ValueError, TypeError) as exc:
        raise ConfigError(f"{where}: not a SendGrid verification key (base64 DER or PEM)") from exc
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ConfigError(f"{where}: the SendGrid verification key must be an ECDSA key")
    return key


def parse(body: bytes) -> list[WebhookEvent]:
    """The events of a SendGrid post (a JSON array)."""
    items = expect(load_json(body, NAME), list, "the body", NAME)
    return [_event(expect(item, dict, "each event", NAME)) for item in items]


def _event(item: dict[str, Any]) -> WebhookEvent:
    name = str(item.get("event", ""))
    if not name:
        raise WebhookPayloadError(f"{NAME}: an event has no 'event' field")
    email = address(item.get("email"), NAME)
    kind, detail = _kind(name, item)
    message = item.get("sg_message_id") or item.get("smtp-id") or item.get("sg_event_id") or ""
    key = f"{message}|{name}|{item.get('timestamp', '')}|{email}"
    return WebhookEvent(NAME, key, kind, email, from_unix(item.get("timestamp")), detail)


def _kind(name: str, item: dict[str, Any]) -> tuple[str, str]:
    reason = str(item.get("reason") or item.get("response") or "")
    if name == "bounce":
        bounce_type = str(item.get("type", "bounce"))
        kind = SOFT_BOUNCE if bounce_type == "blocked" else HARD_BOUNCE
        return kind, f"{bounce_type}: {item.get('status', '')} {reason}".strip()
    if name == "dropped":
        return DROP_REASONS.get(reason.strip().lower(), OTHER), f"dropped: {reason}"
    if name == "spamreport":
        return COMPLAINT, "spam report"
    if name in ("unsubscribe", "group_unsubscribe"):
        return UNSUBSCRIBE, name
    if name == "delivered":
        return DELIVERED, reason
    return OTHER, name
