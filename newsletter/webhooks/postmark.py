"""Postmark webhooks: Bounce, SpamComplaint, SubscriptionChange (and Delivery).

Postmark signs nothing: the webhook URL carries HTTP basic auth credentials
(``https://user:password@host/webhooks/postmark``) and/or a secret last path part
(``/webhooks/postmark/<token>``). Each post is one JSON object whose ``RecordType`` says
what it is; bounce records carry a numeric ``ID`` unique per bounce.
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
    from_iso,
    load_json,
)

NAME = "postmark"
BOUNCE_KINDS = {"HardBounce": HARD_BOUNCE, "BadEmailAddress": HARD_BOUNCE,
                "SpamComplaint": COMPLAINT, "Unsubscribe": UNSUBSCRIBE,
                "Transient": SOFT_BOUNCE, "SoftBounce": SOFT_BOUNCE, "DnsError": SOFT_BOUNCE}
SUPPRESSION_KINDS = {"HardBounce": HARD_BOUNCE, "SpamComplaint": COMPLAINT,
                     "ManualSuppression": UNSUBSCRIBE}


class PostmarkReceiver:
    """Checks the configured credentials, then reads the record."""

    name = NAME

    def __init__(self, *, username: str, password: str, token: str) -> None:
        self.username, self._password, self._token = username, password, token

    def receive(self, request: WebhookRequest, now: datetime) -> Received:
        check_shared_secret(request, NAME, username=self.username, password=self._password,
                            token=self._token)
        record = expect(load_json(request.body, NAME), dict, "the body", NAME)
        return Received([parse_record(record)])


def parse_record(record: dict[str, Any]) -> WebhookEvent:
    """One Postmark webhook record as a neutral event."""
    kind_of_record = str(record.get("RecordType", ""))
    if kind_of_record in ("Bounce", "SpamComplaint"):
        ident = record.get("ID")
        if ident in (None, ""):
            raise WebhookPayloadError(f"{NAME}: a {kind_of_record} record has no ID")
        bounce_type = str(record.get("Type", kind_of_record))
        kind = BOUNCE_KINDS.get(bounce_type, OTHER)
        detail = f"{bounce_type}: {record.get('Description') or ''} {record.get('Details') or ''}"
        return WebhookEvent(NAME, f"{kind_of_record}:{ident}", kind,
                            address(record.get("Email"), NAME),
                            from_iso(record.get("BouncedAt")), detail.strip())
    if kind_of_record == "SubscriptionChange":
        email = address(record.get("Recipient"), NAME)
        reason = str(record.get("SuppressionReason") or "")
        suppress = record.get("SuppressSending") is True
        kind = SUPPRESSION_KINDS.get(reason, UNSUBSCRIBE) if suppress else OTHER
        ident = f"SubscriptionChange:{record.get('MessageID', '')}:{email}:{record.get('ChangedAt', '')}"
        return WebhookEvent(NAME, ident, kind, email, from_iso(record.get("ChangedAt")),
                            f"suppress sending: {suppress} ({reason or 'no reason'})")
    if kind_of_record == "Delivery":
        email = address(record.get("Recipient"), NAME)
        return WebhookEvent(NAME, f"Delivery:{record.get('MessageID', '')}:{email}", DELIVERED,
                            email, from_iso(record.get("DeliveredAt")), "delivered")
    if not kind_of_record:
        raise WebhookPayloadError(f"{NAME}: the record has no RecordType")
    email = address(record.get("Recipient") or record.get("Email"), NAME)
    return WebhookEvent(NAME, f"{kind_of_record}:{record.get('MessageID', '')}:{email}", OTHER,
                        email, None, kind_of_record)
