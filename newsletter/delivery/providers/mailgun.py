"""Mailgun ``POST /v3/{domain}/messages``: batch sending with recipient-variables.

Batching: up to 1,000 ``to`` addresses a request, and ``recipient-variables`` is set
on every request, even for one recipient: without it Mailgun would show all the
batch's addresses in every ``To:`` (Mailgun's batch-sending documentation) (API-02).
With it each address gets an individual message.

Per-recipient content: the body is sent once per request with ``%recipient.sN%`` in
the places where the recipients' bodies differ (:mod:`.template`), and each header
that differs between recipients (List-Unsubscribe) is sent as
``h:List-Unsubscribe: %recipient.hN%`` with the value in that recipient's variables
(API-03). Mailgun substitutes recipient variables in ``h:`` headers as well as in the
body (as django-anymail relies on); check one real message's headers after setting up.

Mailgun documents no idempotency key: an unanswered request is UNKNOWN, never resent.
One ``id`` comes back for the whole request; refusals (400) are whole-request.
"""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Iterator
from email.utils import formataddr

from urllib3 import encode_multipart_formdata

from ...errors import DeliveryError
from ...models import DeliveryResult, DeliveryStatus, Message
from .http import HttpSender, ProviderSettings, Reply, Request
from .payload import parts_of, results
from .template import SharedGroup, grouped


def _tag(k: int) -> str:
    return f"%recipient.s{k}%"


class MailgunSender(HttpSender):
    """Sends through the Mailgun Messages API (``settings.mailgun_domain``)."""

    name = "mailgun"
    max_batch = 1000
    default_base_url = "https://api.mailgun.net"  # EU domains: https://api.eu.mailgun.net

    def check_settings(self, settings: ProviderSettings) -> None:
        # A "/" would make Mailgun answer 200 from another endpoint, sending nothing.
        if not settings.mailgun_domain or "/" in settings.mailgun_domain:
            raise DeliveryError(f"mailgun: invalid sending domain {settings.mailgun_domain!r}",
                                hint="set the Mailgun sending domain (e.g. mg.example.org)")

    def requests(self, messages: list[Message]) -> Iterator[list[DeliveryResult]]:
        for members, group, values in grouped(messages, _tag):
            build = functools.partial(self._request, group=group, values=values)
            yield self.deliver(members, build)

    def _request(self, messages: list[Message], group: SharedGroup,
                 values: dict[str, tuple[str, ...]]) -> Request:
        first = parts_of(messages[0])
        fields: list[tuple[str, str]] = [("from", first.sender), ("subject", first.subject)]
        fields += [("to", formataddr((parts_of(m).to_name, parts_of(m).to))) for m in messages]
        fields += [("text", group.bodies[0]), ("html", group.bodies[1])]
        variables: dict[str, dict[str, str]] = {
            parts_of(m).to: {"id": str(m.subscriber_id)} for m in messages}
        for m in messages:
            variables[parts_of(m).to].update(
                {f"s{k}": v for k, v in enumerate(values[m.message_id])})
        names = [name for name, _ in first.headers]
        for n, name in enumerate(names):
            own = {parts_of(m).to: dict(parts_of(m).headers).get(name, "") for m in messages}
            if len(set(own.values())) == 1:
                fields.append((f"h:{name}", next(iter(own.values()))))
            else:
                fields.append((f"h:{name}", f"%recipient.h{n}%"))
                for address, value in own.items():
                    variables[address][f"h{n}"] = value
        fields.append(("v:subscriber_id", "%recipient.id%"))  # reported back by webhooks
        fields.append(("recipient-variables", json.dumps(variables, ensure_ascii=False)))
        body, content_type = encode_multipart_formdata(fields)
        auth = "Basic " + base64.b64encode(f"api:{self.settings.api_key}".encode()).decode()
        return (f"/v3/{self.settings.mailgun_domain}/messages", body,
                {"Authorization": auth, "Content-Type": content_type})

    def accepted(self, messages: list[Message], reply: Reply) -> list[DeliveryResult]:
        body = reply.json()
        ident = body.get("id", "") if isinstance(body, dict) else ""
        return results(messages, DeliveryStatus.SENT, f"mailgun: queued {ident}".rstrip())

