"""Resend webhooks, signed the Svix way.

Headers ``svix-id``, ``svix-timestamp`` (Unix seconds) and ``svix-signature`` (a
space-separated list of ``v1,<base64>``, several during a secret rotation). The
signature is HMAC-SHA256 of ``"{id}.{timestamp}.{raw body}"`` keyed with the base64
part of the ``whsec_…`` secret. ``svix-id`` stays the same when a message is retried,
so it is the de-duplication key (with the address, for events with several).

Body: ``{"type": "email.bounced", "created_at": …, "data": {"email_id", "to": [...],
"bounce": {"type": "Permanent" | "Transient" | "Undetermined", "subType", "message"}}}``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import datetime
from typing import Any

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
    from_iso,
    load_json,
    same,
)

NAME = "resend"


class ResendReceiver:
    """Verifies Svix signatures and reads Resend's event envelope."""

    name = NAME

    def __init__(self, secret: str, tolerance: int, *, where: str = "") -> None:
        self._key = svix_key(secret, where)
        self.tolerance = tolerance

    def receive(self, request: WebhookRequest, now: datetime) -> Received:
        ident = request.headers.get("svix-id", "")
        stamp = request.headers.get("svix-timestamp", "")
        offered = request.headers.get("svix-signature", "")
        if not ident or not stamp or not offered:
            raise WebhookAuthError(f"{NAME}: no svix-id, svix-timestamp or svix-signature",
                                   missing=True)
        signed = ident.encode() + b"." + stamp.encode() + b"." + request.body
        expected = base64.b64encode(hmac.new(self._key, signed, hashlib.sha256).digest())
        versions = [part.partition(",") for part in offered.split()]
        if not any([same(sig.encode(), expected) for v, _, sig in versions if v == "v1"]):
            raise WebhookAuthError(f"{NAME}: the signature does not match")
        check_timestamp(stamp, now, self.tolerance, NAME)
        payload = expect(load_json(request.body, NAME), dict, "the body", NAME)
        return Received(parse(ident, payload))


def svix_key(secret: str, where: str = "") -> bytes:
    """The HMAC key of a ``whsec_…`` secret (its base64 part)."""
    try:
        return base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except binascii.Error as exc:
        raise ConfigError(f"{where}: not a Resend signing secret (whsec_ and base64)") from exc


def parse(ident: str, payload: dict[str, Any]) -> list[WebhookEvent]:
    """The events of one Resend post (one per recipient)."""
    kind_name = str(payload.get("type", ""))
    data = payload.get("data")
    if not kind_name or not isinstance(data, dict):
        raise WebhookPayloadError(f"{NAME}: the body needs 'type' and a 'data' object")
    when = from_iso(payload.get("created_at"))
    if kind_name.startswith("contact."):
        unsubscribed = kind_name == "contact.updated" and data.get("unsubscribed") is True
        email = address(data.get("email"), NAME)
        return [WebhookEvent(NAME, f"{ident}:{email}", UNSUBSCRIBE if unsubscribed else OTHER,
                             email, when, kind_name)]
    kind, detail = _kind(kind_name, data)
    recipients = data.get("to")
    recipients = [recipients] if isinstance(recipients, str) else recipients
    recipients = expect(recipients, list, "data.to", NAME)
    return [WebhookEvent(NAME, f"{ident}:{email}", kind, email, when, detail)
            for email in (address(r, NAME) for r in recipients)]


def _kind(name: str, data: dict[str, Any]) -> tuple[str, str]:
    if name == "email.bounced":
        bounce = data.get("bounce") if isinstance(data.get("bounce"), dict) else {}
        assert isinstance(bounce, dict)
        bounce_type = str(bounce.get("type", ""))
        detail = f"{bounce_type} {bounce.get('subType', '')}: {bounce.get('message', '')}"
        return (HARD_BOUNCE if bounce_type == "Permanent" else SOFT_BOUNCE), detail.strip()
    if name == "email.complained":
        return COMPLAINT, "complaint"
    if name == "email.delivered":
        return DELIVERED, "delivered"
    return OTHER, name
