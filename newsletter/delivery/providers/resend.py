"""Resend ``POST /emails/batch``: one full email object per recipient, idempotent.

Batching: at most 100 emails a request (API-02), each with a one-address ``to``, its
own ``headers`` (List-Unsubscribe…) and bodies (API-03). The batch is sent in
permissive validation mode (``x-batch-validation: permissive``), so one invalid
email fails alone and the answer lists it by index in ``errors`` (API-05).

Idempotency (API-07): every request carries ``Idempotency-Key: newsletter/<sha256 of
the batch's sorted message ids>``. The key is the same on every retry of the request,
so a request that timed out after it was sent is safely sent again; Resend keeps keys
24 h, so a run stopped mid-request is replayed by the next one within 23 h (a margin for
clocks), with the same message ids and byte-identical bodies. A 409 means the key is
held by another request or payload: the first one may have been accepted, so the emails
are UNKNOWN.

Resend's default limit is 2 requests a second per team: that is the default pace.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from ...models import DeliveryResult, DeliveryStatus, Message
from .http import HttpSender, Reply, Request
from .payload import batch_key, display_address, json_body, parts_of, results


class ResendSender(HttpSender):
    """Sends through Resend's batch endpoint."""

    name = "resend"
    max_batch = 100
    default_base_url = "https://api.resend.com"
    default_rps = 2.0
    reset_header = "ratelimit-reset"  # seconds until the window resets
    idempotency_window = timedelta(hours=23)  # Resend keeps keys 24 h

    def requests(self, messages: list[Message]) -> Iterator[list[DeliveryResult]]:
        yield self.deliver(messages, self._request, idempotent=True)

    def _request(self, messages: list[Message]) -> Request:
        body = json_body([self._email(m) for m in messages])
        return "/emails/batch", body, {"Authorization": f"Bearer {self.settings.api_key}",
                                       "Content-Type": "application/json",
                                       "Idempotency-Key": batch_key(messages),
                                       "x-batch-validation": "permissive"}

    def _email(self, message: Message) -> dict[str, Any]:
        parts = parts_of(message)
        return {"from": parts.sender, "to": [display_address(parts.to_name, parts.to)],
                "subject": parts.subject, "html": parts.html, "text": parts.text,
                "headers": dict(parts.headers)}

    def accepted(self, messages: list[Message], reply: Reply) -> list[DeliveryResult]:
        answer = reply.json()
        answer = answer if isinstance(answer, dict) else {}
        data = answer.get("data")
        data = data if isinstance(data, list) else []
        errors = {e.get("index"): str(e.get("message", "")) for e in answer.get("errors") or []
                  if isinstance(e, dict)}
        good = [m for i, m in enumerate(messages) if i not in errors]
        if len(data) != len(good):
            return results(messages, DeliveryStatus.UNKNOWN,
                           f"resend: unreadable batch answer: {reply.text()}")
        ids = iter(data)  # the accepted emails, in request order
        out: list[DeliveryResult] = []
        for i, message in enumerate(messages):
            if i in errors:
                out.append(DeliveryResult(message.subscriber_id, DeliveryStatus.FAILED,
                                          f"resend refused: {errors[i]}"))
            else:
                item = next(ids)
                ident = item.get("id", "") if isinstance(item, dict) else ""
                out.append(DeliveryResult(message.subscriber_id, DeliveryStatus.SENT,
                                          f"resend: {ident}"))
        return out

    def refused(self, messages: list[Message], reply: Reply) -> list[DeliveryResult]:
        if reply.status == 409:
            return results(messages, DeliveryStatus.UNKNOWN,
                           f"resend: idempotency key conflict, the batch may have been "
                           f"accepted: {reply.text()}")
        return super().refused(messages, reply)
