"""Brevo transactional webhooks: hard_bounce, soft_bounce, spam, unsubscribed, delivered…

Brevo signs nothing; a webhook is secured with basic auth credentials in its URL
(``https://user:password@host/webhooks/brevo``) or a token sent as ``Authorization:
Bearer <token>`` (both set when the webhook is created). A secret last path part
(``/webhooks/brevo/<token>``) works too. A post is one event object, or an array of
them for batched webhooks. Events have no id of their own (``id`` is the webhook's), so
the key is the message id, the event, the address and the event time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..errors import WebhookPayloadError
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
    check_shared_secret,
    expect,
    from_unix,
    load_json,
)

NAME = "brevo"
KINDS = {"hard_bounce": HARD_BOUNCE, "invalid_email": HARD_BOUNCE, "soft_bounce": SOFT_BOUNCE,
         "spam": COMPLAINT, "unsubscribed": UNSUBSCRIBE, "delivered": DELIVERED}


class BrevoReceiver:
    """Checks the configured credentials, then reads the event(s)."""

    name = NAME

    def __init__(self, *, username: str, password: str, token: str) -> None:
        self.username, self._password, self._token = username, password, token

    def receive(self, request: WebhookRequest, now: datetime) -> Received:
        check_shared_secret(request, NAME, username=self.username, password=self._password,
                            token=self._token)
        payload = load_json(request.body, NAME)
        items = payload if isinstance(payload, list) else [payload]
        return Received([parse_event(expect(item, dict, "each event", NAME)) for item in items])


def parse_event(item: dict[str, Any]) -> WebhookEvent:
    """One Brevo event object as a neutral event."""
    name = str(item.get("event", ""))
    if not name:
        raise WebhookPayloadError(f"{NAME}: an event has no 'event' field")
    email = address(item.get("email"), NAME)
    stamp = item.get("ts_event") or item.get("ts") or item.get("date") or ""
    key = f"{item.get('message-id', '')}|{name}|{email}|{stamp}"
    detail = f"{name}: {item.get('reason') or ''}".strip().rstrip(":")
    when = from_unix(item.get("ts_event") or item.get("ts"))
    return WebhookEvent(NAME, key, KINDS.get(name, OTHER), email, when, detail)
