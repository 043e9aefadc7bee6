"""Mailgun ``POST /v3/{domain}/messages``: one message per request, documented fields only.

What Mailgun documents (the Messages API reference, and the user manual's "Batch
Sending", https://documentation.mailgun.com/docs/mailgun/user-manual/sending-messages/batch-sending):

- ``h:X-My-Header`` "allows to append a custom MIME header to the message": its value
  is sent as it is — nothing says that recipient variables are substituted there;
- ``%recipient.x%`` recipient variables are referenced "within your email" (the body)
  when one request has several ``to`` addresses, and without ``recipient-variables``
  such a request shows every address in every ``To:``;
- ``v:`` variables attach custom JSON data to the message (reported back by webhooks,
  and visible to the recipient in ``X-Mailgun-Variables``).

Each subscriber's message carries its own List-Unsubscribe (RFC 8058 one-click, a
signed link per subscriber), and a header cannot take recipient variables by anything
Mailgun promises. So every message is its own request with exactly one ``to``, its
literal bodies and its literal ``h:`` headers: no ``recipient-variables`` (API-03). The
cost, measured by ``benchmarks/send.py --http-providers mailgun``, is one request per
recipient; run several ``send --worker`` processes for large lists.

Mailgun documents no idempotency key: an unanswered request is UNKNOWN, never resent.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from email.utils import formataddr

from urllib3 import encode_multipart_formdata

from ...errors import DeliveryError
from ...models import DeliveryResult, DeliveryStatus, Message
from .http import HttpSender, ProviderSettings, Reply, Request
from .payload import parts_of, results


class MailgunSender(HttpSender):
    """Sends through the Mailgun Messages API (``settings.mailgun_domain``)."""

    name = "mailgun"
    in_flight = 8
    max_batch = 50  # what the ledger claims at once; each message is its own request
    default_base_url = "https://api.mailgun.net"  # EU domains: https://api.eu.mailgun.net

    def check_settings(self, settings: ProviderSettings) -> None:
        # A "/" would make Mailgun answer 200 from another endpoint, sending nothing.
        if not settings.mailgun_domain or "/" in settings.mailgun_domain:
            raise DeliveryError(f"mailgun: invalid sending domain {settings.mailgun_domain!r}",
                                hint="set the Mailgun sending domain (e.g. mg.example.org)")

    def requests(self, messages: list[Message]) -> Iterator[list[DeliveryResult]]:
        yield from self.one_per_request(messages, self._request)

    def _request(self, messages: list[Message]) -> Request:
        (message,) = messages
        parts = parts_of(message)
        fields: list[tuple[str, str]] = [
            ("from", parts.sender), ("to", formataddr((parts.to_name, parts.to))),
            ("subject", parts.subject), ("text", parts.text), ("html", parts.html)]
        fields += [(f"h:{name}", value) for name, value in parts.headers]
        fields.append(("v:subscriber_id", str(message.subscriber_id)))  # JSON: a number
        body, content_type = encode_multipart_formdata(fields)
        auth = "Basic " + base64.b64encode(f"api:{self.settings.api_key}".encode()).decode()
        return (f"/v3/{self.settings.mailgun_domain}/messages", body,
                {"Authorization": auth, "Content-Type": content_type})

    def accepted(self, messages: list[Message], reply: Reply) -> list[DeliveryResult]:
        body = reply.json()
        ident = body.get("id", "") if isinstance(body, dict) else ""
        return results(messages, DeliveryStatus.SENT, f"mailgun: queued {ident}".rstrip())
