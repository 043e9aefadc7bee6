"""Brevo ``POST /v3/smtp/email``: one message per request, with documented fields only.

What Brevo documents for this call (API reference "Send a transactional email",
https://developers.brevo.com/reference/sendtransacemail, and the guide "Batch send
transactional emails", https://developers.brevo.com/docs/batch-send-transactional-emails):

- top level: ``sender``, ``to``, ``subject``, ``htmlContent``, ``textContent`` and
  ``headers`` ("custom headers ... sent along the mail headers", which also carries
  ``idempotencyKey``);
- a ``messageVersions[]`` item: ``to``, ``params``, ``bcc``, ``cc``, ``replyTo``,
  ``subject``, ``htmlContent``, ``textContent`` — no ``headers``;
- ``params`` "customize the template ... only if template is in New Template Language
  format": they apply to a stored template (``templateId``), not to ``htmlContent``.

Each subscriber's message carries its own List-Unsubscribe (RFC 8058 one-click, a
signed link per subscriber), which a message version cannot carry. So every message
is its own request with its own ``to``, its literal bodies and its own ``headers``: no
``messageVersions``, no ``params`` (API-03). The cost, measured by
``benchmarks/send.py --http-providers brevo``, is one request per recipient; run
several ``send --worker`` processes for large lists.

Idempotency (API-07): ``headers.idempotencyKey`` is a UUID (version 5) of
``newsletter/<sha256 of the message id>``; a retry carries the same key, so an
unanswered request is sent again. Brevo keeps keys for 30 minutes ("Idempotency for
batch emails"), far longer than our retries (capped at 2 minutes a wait).

Pace: Brevo's rate-limit page (https://developers.brevo.com/docs/api-limits) allows
1,000 requests a second (3,600,000 an hour) on this endpoint for every plan; the limit
of 100 calls a minute is for batch calls with ``messageVersions``, which are not made.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from email.utils import parseaddr
from typing import Any

from ...errors import DeliveryError
from ...models import DeliveryResult, DeliveryStatus, Message
from .http import HttpSender, Reply, Request
from .payload import batch_uuid, json_body, parts_of, results


class BrevoSender(HttpSender):
    """Sends through Brevo's transactional email API, one message per request."""

    name = "brevo"
    max_batch = 50  # what the ledger claims at once; each message is its own request
    default_base_url = "https://api.brevo.com"
    default_rps = 1000.0
    in_flight = 8
    reset_header = "x-sib-ratelimit-reset"  # seconds until the window resets
    idempotency_window = timedelta(minutes=25)  # keys live 30 min: a stopped run's replay

    def requests(self, messages: list[Message]) -> Iterator[list[DeliveryResult]]:
        yield from self.one_per_request(messages, self._request, idempotent=True)

    def _request(self, messages: list[Message]) -> Request:
        (message,) = messages
        parts = parts_of(message)
        name, address = parseaddr(parts.sender)
        headers: dict[str, str] = {"idempotencyKey": batch_uuid(messages)}
        headers.update(parts.headers)
        payload: dict[str, Any] = {
            "sender": {"email": address, **({"name": name} if name else {})},
            "to": [{"email": parts.to, **({"name": parts.to_name} if parts.to_name else {})}],
            "subject": parts.subject,
            "htmlContent": parts.html,
            "textContent": parts.text,
            "headers": headers,
        }
        return "/v3/smtp/email", json_body(payload), {"api-key": self.settings.api_key,
                                                      "Accept": "application/json",
                                                      "Content-Type": "application/json"}

    def accepted(self, messages: list[Message], reply: Reply) -> list[DeliveryResult]:
        answer = reply.json()
        ident = answer.get("messageId", "") if isinstance(answer, dict) else ""
        return results(messages, DeliveryStatus.SENT, f"brevo: {ident}".rstrip())

    def refused(self, messages: list[Message], reply: Reply) -> list[DeliveryResult]:
        if reply.status == 402:  # no credits left: nothing more can be sent today
            raise DeliveryError(f"brevo refused the run: HTTP 402 {reply.text()}",
                                hint="the Brevo account has no email credits left")
        if "idempotency" in reply.text().lower():
            # The key was seen before: the first request may have been accepted.
            return results(messages, DeliveryStatus.UNKNOWN, f"brevo: {reply.text()}")
        return super().refused(messages, reply)
