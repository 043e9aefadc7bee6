"""Brevo ``POST /v3/smtp/email`` with ``messageVersions``: one version per recipient.

Batching: at most 1,000 versions a request (API-02), each with a one-address ``to``.
The body is sent once per request with ``{{ params.sN }}`` where the recipients'
bodies differ (:mod:`.template`); each version carries its recipient's ``params`` and
own ``headers`` (List-Unsubscribe…) (API-03). Versions with headers are what
django-anymail sends for per-recipient headers; Brevo's reference lists ``to``,
``params``, ``subject``, ``htmlContent`` and ``textContent`` for a version: check one
real message's headers after setting up. A message that shares no body with the
others is sent as its own request with its literal body.

Idempotency (API-07): ``headers.idempotencyKey`` is a UUID (version 5) of
``newsletter/<sha256 of the batch's sorted message ids>``; the same request retried
carries the same key, so an unanswered request is sent again. Brevo keeps keys for
30 minutes, far longer than our retries (capped at 2 minutes a wait).

Pace: the batch endpoint is limited to 100 calls a minute, the default pace here.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import timedelta
from email.utils import parseaddr
from typing import Any

from ...errors import DeliveryError
from ...models import DeliveryResult, DeliveryStatus, Message
from .http import HttpSender, Reply, Request
from .payload import batch_uuid, json_body, parts_of, results
from .template import SharedGroup, grouped


def _tag(k: int) -> str:
    return "{{ params.s" + str(k) + " }}"


class BrevoSender(HttpSender):
    """Sends through Brevo's transactional email API."""

    name = "brevo"
    max_batch = 1000
    default_base_url = "https://api.brevo.com"
    default_rps = 100 / 60
    reset_header = "x-sib-ratelimit-reset"  # seconds until the window resets
    idempotency_window = timedelta(minutes=25)  # keys live 30 min: a stopped run's replay

    def requests(self, messages: list[Message]) -> Iterator[list[DeliveryResult]]:
        for members, group, values in grouped(messages, _tag):
            build = functools.partial(self._request, group=group, values=values)
            yield self.deliver(members, build, idempotent=True)

    def _request(self, messages: list[Message], group: SharedGroup,
                 values: dict[str, tuple[str, ...]]) -> Request:
        first = parts_of(messages[0])
        name, address = parseaddr(first.sender)
        payload: dict[str, Any] = {
            "sender": {"email": address, **({"name": name} if name else {})},
            "subject": first.subject,
            "textContent": group.bodies[0],
            "htmlContent": group.bodies[1],
            "headers": {"idempotencyKey": batch_uuid(messages)},
            "messageVersions": [self._version(m, values[m.message_id]) for m in messages],
        }
        return "/v3/smtp/email", json_body(payload), {"api-key": self.settings.api_key,
                                                      "Accept": "application/json",
                                                      "Content-Type": "application/json"}

    def _version(self, message: Message, values: tuple[str, ...]) -> dict[str, Any]:
        parts = parts_of(message)
        to = {"email": parts.to, **({"name": parts.to_name} if parts.to_name else {})}
        version: dict[str, Any] = {"to": [to], "headers": dict(parts.headers)}
        if values:
            version["params"] = {f"s{k}": v for k, v in enumerate(values)}
        return version

    def accepted(self, messages: list[Message], reply: Reply) -> list[DeliveryResult]:
        answer = reply.json()
        ids = answer.get("messageIds") if isinstance(answer, dict) else None
        if not isinstance(ids, list) or len(ids) != len(messages):
            ident = answer.get("messageId", "") if isinstance(answer, dict) else ""
            return results(messages, DeliveryStatus.SENT, f"brevo: {ident}".rstrip())
        return [DeliveryResult(m.subscriber_id, DeliveryStatus.SENT, f"brevo: {i}")
                for m, i in zip(messages, ids, strict=True)]

    def refused(self, messages: list[Message], reply: Reply) -> list[DeliveryResult]:
        if reply.status == 402:  # no credits left: nothing more can be sent today
            raise DeliveryError(f"brevo refused the run: HTTP 402 {reply.text()}",
                                hint="the Brevo account has no email credits left")
        if "idempotency" in reply.text().lower():
            # The key was seen before: the first request may have been accepted.
            return results(messages, DeliveryStatus.UNKNOWN, f"brevo: {reply.text()}")
        return super().refused(messages, reply)
