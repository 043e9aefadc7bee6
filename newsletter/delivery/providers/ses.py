"""Amazon SES v2 ``SendEmail`` with raw content: one request per message.

Why ``SendEmail`` (Raw) and not ``SendBulkEmail``: bulk sending needs a template
(stored or inline) into which SES substitutes per-destination data, and each
recipient's own List-Unsubscribe header would travel as ``ReplacementHeaders``. Our
messages are already complete RFC 5322 messages, each with its own List-Unsubscribe,
List-Unsubscribe-Post, Message-ID and (when configured) our DKIM signature: sending
those exact bytes gives every recipient exactly their own headers and links with no
templating step to get wrong, and the bytes are the ones preview and SMTP use. SES
quotas count recipients, not requests, so the cost is only more (pooled, keep-alive)
requests; pace them with ``requests_per_second`` at the account's maximum send rate.

Signing is SigV4 by botocore (optional: ``pip install 'newsletter[ses]'``), imported
only when an SES sender is made. SES documents no idempotency key: an unanswered
request is UNKNOWN. ``max_batch`` is 50 (what the ledger claims at once, and SES's
bulk limit); each message of it is its own request with its own result.
"""

from __future__ import annotations

import base64
import importlib
from collections.abc import Iterator
from typing import Any

from ...errors import DeliveryError
from ...models import DeliveryResult, DeliveryStatus, Message
from .http import HttpSender, ProviderSettings, Reply, Request
from .payload import json_body, results

# Errors that concern the whole account or configuration: stop, leave the rest pending.
STOP_ERRORS = ("AccountSuspended", "SendingPaused", "MailFromDomainNotVerified",
               "LimitExceeded", "NotFound")
HINT = "pip install 'newsletter[ses]'"


class SesSender(HttpSender):
    """Sends raw messages through Amazon SES v2 (``settings.region``)."""

    name = "ses"
    wants_parts = False  # the raw MIME message (message.data) is sent as it is
    max_batch = 50
    default_base_url = ""  # per region, see default_url

    def default_url(self, settings: ProviderSettings) -> str:
        return f"https://email.{settings.region}.amazonaws.com"

    def check_settings(self, settings: ProviderSettings) -> None:
        try:  # botocore is optional: only SES users need it
            auth = importlib.import_module("botocore.auth")
            credentials = importlib.import_module("botocore.credentials")
            self._request_class = importlib.import_module("botocore.awsrequest").AWSRequest
        except ImportError as exc:
            raise DeliveryError("ses: botocore is needed to sign requests to Amazon SES",
                                hint=HINT) from exc
        if not settings.api_key or not settings.api_secret:
            raise DeliveryError("ses: an access key id and a secret access key are needed",
                                hint="set both SES credentials (api_key and api_secret)")
        self._auth = auth.SigV4Auth(credentials.Credentials(
            settings.api_key, settings.api_secret, settings.session_token or None),
            "ses", settings.region)

    def _sign(self, url: str, body: bytes, headers: dict[str, str]) -> dict[str, str]:
        """SigV4 headers for this attempt (signatures carry the time: one per attempt)."""
        request = self._request_class(method="POST", url=url, data=body, headers=dict(headers))
        self._auth.add_auth(request)
        return {str(k): str(v) for k, v in request.headers.items()}

    def requests(self, messages: list[Message]) -> Iterator[list[DeliveryResult]]:
        for message in messages:
            yield self.deliver([message], self._request, sign=self._sign)

    def _request(self, messages: list[Message]) -> Request:
        (message,) = messages
        payload: dict[str, Any] = {
            "Destination": {"ToAddresses": [message.recipient]},
            "Content": {"Raw": {"Data": base64.b64encode(message.data).decode("ascii")}},
            "EmailTags": [{"Name": "subscriber_id", "Value": str(message.subscriber_id)}],
        }
        if self.settings.ses_configuration_set:
            payload["ConfigurationSetName"] = self.settings.ses_configuration_set
        return "/v2/email/outbound-emails", json_body(payload), {
            "Content-Type": "application/json"}

    def retryable(self, reply: Reply) -> bool:
        # v1-style throttling answers 400 "Throttling": retriable, unlike MessageRejected.
        return super().retryable(reply) or "Throttling" in _error_type(reply)

    def accepted(self, messages: list[Message], reply: Reply) -> list[DeliveryResult]:
        answer = reply.json()
        ident = answer.get("MessageId", "") if isinstance(answer, dict) else ""
        return results(messages, DeliveryStatus.SENT, f"ses: {ident}".rstrip())

    def blame(self, messages: list[Message], reply: Reply) -> set[int]:
        return set()  # one message a request: the refusal is about it

    def refused(self, messages: list[Message], reply: Reply) -> list[DeliveryResult]:
        kind = _error_type(reply)
        detail = f"ses refused: HTTP {reply.status} {kind}: {_error_message(reply)}"
        if any(stop in kind for stop in STOP_ERRORS):
            raise DeliveryError(detail, hint="an account or configuration problem at SES: fix "
                                             "it in the SES console, then run send again")
        return results(messages, DeliveryStatus.FAILED, detail)


def _error_type(reply: Reply) -> str:
    """The SES error code, from ``x-amzn-ErrorType`` or the body's ``__type``."""
    raw = reply.headers.get("x-amzn-ErrorType", "")
    if not raw:
        answer = reply.json()
        raw = str(answer.get("__type", "")) if isinstance(answer, dict) else ""
    return raw.split(":", 1)[0].rsplit("#", 1)[-1]


def _error_message(reply: Reply) -> str:
    answer = reply.json()
    if isinstance(answer, dict):
        return str(answer.get("message") or answer.get("Message") or "")
    return reply.text()
