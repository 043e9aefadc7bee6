"""Building request bodies: message fields, addresses, idempotency keys, shared outcomes."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence

from ...errors import DeliveryError
from ...models import DeliveryResult, DeliveryStatus, Message, MessageParts


def batch_key(messages: Sequence[Message]) -> str:
    """The idempotency key of a request: sha256 of its messages' sorted message ids.

    Message ids are unique per issue and subscriber, so the key names exactly this
    batch and every retry of the request carries it. They are minted when messages are
    built, so tomorrow's issue (or a rebuild) never collides with a key the provider
    still remembers (Resend keeps them 24 h), and kept in the ledger: a run that stopped
    mid-request is replayed with the same ids, hence the same keys (delivery/recovery.py).
    """
    digest = hashlib.sha256("\n".join(sorted(m.message_id for m in messages)).encode())
    return f"newsletter/{digest.hexdigest()}"


def batch_uuid(messages: Sequence[Message]) -> str:
    """The same key as a UUID (version 5), for providers that require one (Brevo)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, batch_key(messages)))


def parts_of(message: Message) -> MessageParts:
    """The message as fields; senders that want parts get them (``wants_parts``)."""
    if message.parts is None:
        raise DeliveryError(f"message for subscriber {message.subscriber_id} has no parts",
                            hint="build messages with with_parts=True for HTTP providers")
    return message.parts


def display_address(name: str, address: str) -> str:
    """``"Name" <address>``, the name quoted so punctuation in it cannot split it."""
    if not name:
        return address
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{quoted}" <{address}>'


def results(messages: Sequence[Message], status: DeliveryStatus, detail: str,
            *, suppress: bool = False) -> list[DeliveryResult]:
    """The same outcome for every message of a request."""
    return [DeliveryResult(m.subscriber_id, status, detail, suppress=suppress) for m in messages]


def json_body(payload: object) -> bytes:
    """Compact UTF-8 JSON, serialised once so every retry sends identical bytes."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
