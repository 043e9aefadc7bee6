"""SendGrid v3 ``POST /v3/mail/send``: one personalization per recipient.

Batching: up to 1,000 personalizations a request, each with exactly one ``to``
address, so the 1,000-recipient limit holds too (API-02). The body is sent once per
request; what differs between recipients (their unsubscribe and preferences links,
the greeting's name) becomes SendGrid ``substitutions`` in each personalization,
found by :mod:`.template`. Each personalization also carries its recipient's own
``headers`` (List-Unsubscribe…), so every recipient gets an individual message (API-03).

SendGrid documents no idempotency key: an unanswered request is UNKNOWN, never resent.
Success is ``202 Accepted`` for the whole request; a 400 names the faulty
personalization by index (``personalizations.3.to.0.email``), which is failed alone.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from email.utils import parseaddr
from typing import Any

from ...models import DeliveryResult, DeliveryStatus, Message
from .http import HttpSender, Reply, Request
from .payload import json_body, parts_of, results
from .template import SharedGroup, grouped

SUBSTITUTIONS_MAX_BYTES = 10_000  # SendGrid's limit per personalization
_FIELD = re.compile(r"personalizations\.(\d+)\.")


def _tag(k: int) -> str:
    return f"-nl{k}-"


class SendGridSender(HttpSender):
    """Sends through the SendGrid v3 Mail Send API."""

    name = "sendgrid"
    max_batch = 1000
    default_base_url = "https://api.sendgrid.com"  # EU accounts: https://api.eu.sendgrid.com
    reset_header = "X-RateLimit-Reset"
    reset_is_epoch = True  # SendGrid gives the reset as a Unix time

    def requests(self, messages: list[Message]) -> Iterator[list[DeliveryResult]]:
        for members, group, values in grouped(messages, _tag, SUBSTITUTIONS_MAX_BYTES):
            build = functools.partial(self._request, group=group, values=values)
            yield self.deliver(members, build)

    def _request(self, messages: list[Message], group: SharedGroup,
                 values: dict[str, tuple[str, ...]]) -> Request:
        first = parts_of(messages[0])
        name, address = parseaddr(first.sender)
        payload: dict[str, Any] = {
            "personalizations": [self._personalization(m, values[m.message_id])
                                 for m in messages],
            "from": {"email": address, **({"name": name} if name else {})},
            "subject": first.subject,
            # text/plain must come first (SendGrid refuses another order).
            "content": [{"type": "text/plain", "value": group.bodies[0]},
                        {"type": "text/html", "value": group.bodies[1]}],
        }
        headers = {"Authorization": f"Bearer {self.settings.api_key}",
                   "Content-Type": "application/json"}
        return "/v3/mail/send", json_body(payload), headers

    def _personalization(self, message: Message, values: tuple[str, ...]) -> dict[str, Any]:
        parts = parts_of(message)
        to: dict[str, str] = {"email": parts.to, **({"name": parts.to_name} if parts.to_name else {})}
        item: dict[str, Any] = {
            "to": [to],
            "headers": dict(parts.headers),
            "custom_args": {"subscriber_id": str(message.subscriber_id)},
        }
        if values:
            item["substitutions"] = {_tag(k): v for k, v in enumerate(values)}
        return item

    def accepted(self, messages: list[Message], reply: Reply) -> list[DeliveryResult]:
        ident = reply.headers.get("X-Message-Id", "")
        return results(messages, DeliveryStatus.SENT,
                       f"sendgrid: {reply.status} accepted {ident}".rstrip())

    def blame(self, messages: list[Message], reply: Reply) -> set[int]:
        body = reply.json()
        errors = body.get("errors", []) if isinstance(body, dict) else []
        named = {int(match.group(1)) for e in errors if isinstance(e, dict)
                 if (match := _FIELD.match(str(e.get("field") or "")))}
        return {messages[i].subscriber_id for i in named if i < len(messages)} or \
            super().blame(messages, reply)


