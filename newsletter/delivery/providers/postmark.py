"""Postmark ``POST /email/batch``: one full message object per recipient.

Batching: at most 500 messages and 50 MB of JSON a request (API-02); each message
has one ``To`` and its own ``Headers`` (List-Unsubscribe…) and bodies, so nothing is
shared between recipients (API-03). Messages go to the ``broadcast`` message stream
by default: newsletters belong on Postmark's broadcast infrastructure, away from
transactional mail (API-10).

The batch answers 200 even when some messages fail: each item's ``ErrorCode`` is read
(API-05): 0 sent, 406 inactive recipient (bounced or complained: suppressed), others
failed; account-level codes (bad token, sender signature, sending not allowed) stop
the run. Postmark documents no idempotency key: an unanswered request is UNKNOWN.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ...errors import DeliveryError
from ...models import DeliveryResult, DeliveryStatus, Message
from .http import HttpSender, Reply, Request
from .payload import display_address, json_body, parts_of

MAX_BYTES = 50_000_000  # Postmark's 50 MB per batch request
INACTIVE_RECIPIENT = 406
STOP_CODES = {10: "bad or missing server token", 400: "sender signature not found",
              401: "sender signature not confirmed", 405: "not allowed to send",
              412: "account pending approval", 413: "account may not send"}


class PostmarkSender(HttpSender):
    """Sends through Postmark's batch endpoint (``settings.postmark_message_stream``)."""

    name = "postmark"
    max_batch = 500
    default_base_url = "https://api.postmarkapp.com"

    def requests(self, messages: list[Message]) -> Iterator[list[DeliveryResult]]:
        items = {m.message_id: json_body(self._item(m)) for m in messages}
        batch: list[Message] = []
        size = 2  # the brackets of the JSON array
        for message in messages:
            item = len(items[message.message_id]) + 1
            if batch and size + item > MAX_BYTES:
                yield self.deliver(batch, lambda s: self._request(s, items))
                batch, size = [], 2
            batch.append(message)
            size += item
        if batch:
            yield self.deliver(batch, lambda s: self._request(s, items))

    def _item(self, message: Message) -> dict[str, Any]:
        parts = parts_of(message)
        return {
            "From": parts.sender,
            "To": display_address(parts.to_name, parts.to),
            "Subject": parts.subject,
            "HtmlBody": parts.html,
            "TextBody": parts.text,
            "Headers": [{"Name": name, "Value": value} for name, value in parts.headers],
            "MessageStream": self.settings.postmark_message_stream,
            "Metadata": {"subscriber_id": str(message.subscriber_id)},
        }

    def _request(self, messages: list[Message], items: dict[str, bytes]) -> Request:
        body = b"[" + b",".join(items[m.message_id] for m in messages) + b"]"
        return "/email/batch", body, {"X-Postmark-Server-Token": self.settings.api_key,
                                      "Accept": "application/json",
                                      "Content-Type": "application/json"}

    def accepted(self, messages: list[Message], reply: Reply) -> list[DeliveryResult]:
        answers = reply.json()
        if not isinstance(answers, list) or len(answers) != len(messages):
            # Accepted, but unreadable: some may have failed, none may be resent.
            return [DeliveryResult(m.subscriber_id, DeliveryStatus.UNKNOWN,
                                   f"postmark: unreadable batch answer: {reply.text()}")
                    for m in messages]
        out: list[DeliveryResult] = []
        stop = ""
        for message, answer in zip(messages, answers, strict=True):
            answer = answer if isinstance(answer, dict) else {}
            code = answer.get("ErrorCode")
            text = f"postmark {code}: {answer.get('Message', '')}"
            if code == 0:
                out.append(DeliveryResult(message.subscriber_id, DeliveryStatus.SENT,
                                          f"postmark: {answer.get('MessageID', '')}"))
            elif code in STOP_CODES:
                stop = stop or text  # left pending: Postmark sent nothing for it
            else:
                out.append(DeliveryResult(message.subscriber_id, DeliveryStatus.FAILED, text,
                                          suppress=code == INACTIVE_RECIPIENT))
        if stop:  # the others of this batch were handled: record them, then stop
            raise DeliveryError(f"postmark refused the run: {stop}",
                                hint="fix the Postmark account or server (token, sender "
                                     "signature, sending permission), then run send again",
                                results=out)
        return out

    def refused(self, messages: list[Message], reply: Reply) -> list[DeliveryResult]:
        answer = reply.json()
        code = answer.get("ErrorCode") if isinstance(answer, dict) else None
        if code in STOP_CODES:
            raise DeliveryError(f"postmark refused the run: {code} {reply.text()}",
                                hint=f"{STOP_CODES[code]}: fix the Postmark account or server, "
                                     "then run send again")
        return super().refused(messages, reply)

