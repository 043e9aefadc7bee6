"""Amazon SES bounce and complaint notifications, delivered by SNS over HTTPS.

Each SNS post is a JSON document signed with RSA: SignatureVersion 1 over SHA-1, 2 over
SHA-256, of "name\\nvalue\\n" pairs of documented fields in byte order (see
``string_to_sign``). The signing certificate is fetched from ``SigningCertURL`` only
when that URL is https on a host matching ``[webhooks] ses_cert_host_pattern``
(``sns.<region>.amazonaws.com``), without redirects, and kept in memory afterwards.
Messages from topics not listed in ``ses_topic_arns`` are refused, and so are messages
whose ``Timestamp`` is older than ``ses_max_age_seconds`` (SNS keeps it on retries).

``SubscriptionConfirmation`` is answered by visiting ``SubscribeURL`` (same host rule)
once the message is verified. A ``Notification`` carries the SES event in ``Message``:
``notificationType`` (or ``eventType`` with event publishing) Bounce, Complaint or
Delivery, one event per recipient, keyed by SES's ``feedbackId`` and the address.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests

from ..errors import ConfigError, WebhookAuthError, WebhookError, WebhookPayloadError
from .base import (
    COMPLAINT,
    DELIVERED,
    HARD_BOUNCE,
    SOFT_BOUNCE,
    Received,
    WebhookEvent,
    WebhookRequest,
    address,
    expect,
    from_iso,
    load_json,
)

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

NAME = "ses"
NOTIFICATION_FIELDS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
CONFIRMATION_FIELDS = ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token",
                       "TopicArn", "Type")
MAX_CERT_BYTES = 64_000
HINT = "pip install 'newsletter[webhooks]'"


class SesReceiver:
    """Verifies SNS messages and reads the SES notifications they carry."""

    name = NAME

    def __init__(self, *, topic_arns: str, cert_host_pattern: str, max_age: int,
                 confirm: bool, timeout: tuple[float, float]) -> None:
        try:
            import cryptography  # noqa: F401  (checked now, used per request)
        except ImportError as exc:
            raise ConfigError("[webhooks] ses_topic_arns: verifying SNS signatures needs "
                              "cryptography", hint=HINT) from exc
        self.topics = {a.strip() for a in topic_arns.split(",") if a.strip()}
        self.host = re.compile(cert_host_pattern)
        self.max_age = timedelta(seconds=max_age)
        self.confirm = confirm
        self.timeout = timeout
        self._certificates: dict[str, RSAPublicKey] = {}
        self._lock = threading.Lock()

    def receive(self, request: WebhookRequest, now: datetime) -> Received:
        message = expect(load_json(request.body, NAME), dict, "the body", NAME)
        kind = str(message.get("Type", ""))
        if kind not in ("Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation"):
            raise WebhookPayloadError(f"{NAME}: not an SNS message (Type {kind!r})")
        if not message.get("Signature") or not message.get("SigningCertURL"):
            raise WebhookAuthError(f"{NAME}: the SNS message is not signed", missing=True)
        if message.get("TopicArn") not in self.topics:
            raise WebhookAuthError(f"{NAME}: topic {message.get('TopicArn')!r} is not in "
                                   "[webhooks] ses_topic_arns")
        self._verify(message)
        sent = from_iso(message.get("Timestamp"))
        if sent is None or abs(now - sent) > self.max_age:
            raise WebhookAuthError(f"{NAME}: the message Timestamp {message.get('Timestamp')!r} "
                                   f"is not within {self.max_age} of now (a replay?)")
        if kind == "SubscriptionConfirmation":
            return Received(note=self._confirm(message))
        if kind == "UnsubscribeConfirmation":
            return Received(note="unsubscribe confirmation: nothing to do")
        return Received(parse_notification(message))

    def _verify(self, message: dict[str, Any]) -> None:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        version = str(message.get("SignatureVersion", ""))
        algorithm = {"1": hashes.SHA1(), "2": hashes.SHA256()}.get(version)
        if algorithm is None:
            raise WebhookAuthError(f"{NAME}: unknown SignatureVersion {version!r}")
        key = self._certificate(str(message["SigningCertURL"]))
        try:
            signature = base64.b64decode(str(message["Signature"]), validate=True)
            key.verify(signature, string_to_sign(message), padding.PKCS1v15(), algorithm)
        except (binascii.Error, ValueError, InvalidSignature) as exc:
            raise WebhookAuthError(f"{NAME}: the SNS signature does not match") from exc

    def _allowed(self, url: str, what: str) -> str:
        parts = urlsplit(url)
        if parts.scheme != "https" or not self.host.fullmatch(parts.hostname or ""):
            raise WebhookAuthError(f"{NAME}: {what} {url!r} is not https on an allowed host "
                                   "([webhooks] ses_cert_host_pattern)")
        return url

    def _certificate(self, url: str) -> RSAPublicKey:
        from cryptography import x509
        from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

        with self._lock:
            cached = self._certificates.get(url)
        if cached is not None:
            return cached
        pem = self._get(self._allowed(url, "SigningCertURL"), "the signing certificate",
                        limit=MAX_CERT_BYTES)
        try:
            certificate = x509.load_pem_x509_certificate(pem)
        except ValueError as exc:
            raise WebhookAuthError(f"{NAME}: {url} is not a PEM certificate") from exc
        now = datetime.now(certificate.not_valid_after_utc.tzinfo)
        if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
            raise WebhookAuthError(f"{NAME}: the signing certificate at {url} is out of date")
        key = certificate.public_key()
        if not isinstance(key, RSAPublicKey):
            raise WebhookAuthError(f"{NAME}: the signing certificate holds no RSA key")
        with self._lock:
            self._certificates[url] = key
        return key

    def _confirm(self, message: dict[str, Any]) -> str:
        if not self.confirm:
            return "subscription confirmation received; confirm it in the AWS console"
        url = self._allowed(str(message.get("SubscribeURL", "")), "SubscribeURL")
        self._get(url, "the subscription confirmation", limit=MAX_CERT_BYTES)
        return f"subscription to {message.get('TopicArn')} confirmed"

    def _get(self, url: str, what: str, *, limit: int) -> bytes:
        try:
            with requests.get(url, timeout=self.timeout, allow_redirects=False,
                              stream=True) as answer:
                if answer.status_code != 200:
                    raise _upstream(f"{NAME}: {what} at {url}: HTTP {answer.status_code}")
                body = b""
                for chunk in answer.iter_content(16_384):
                    body += chunk
                    if len(body) > limit:
                        raise _upstream(f"{NAME}: {what} at {url} is larger than {limit} bytes")
                return body
        except requests.RequestException as exc:
            raise _upstream(f"{NAME}: cannot get {what} at {url}: {exc}") from exc


def _upstream(message: str) -> WebhookError:
    """A failure on AWS's side (or the network): 502, so that SNS tries again later."""
    error = WebhookError(message)
    error.status = 502
    return error


def string_to_sign(message: dict[str, Any]) -> bytes:
    """The bytes SNS signed: each present documented field as "name\\nvalue\\n"."""
    names = NOTIFICATION_FIELDS if message.get("Type") == "Notification" else CONFIRMATION_FIELDS
    parts = []
    for name in names:
        value = message.get(name)
        if value is None:
            if name == "Subject":  # the only optional one
                continue
            raise WebhookPayloadError(f"{NAME}: the SNS message has no {name}")
        parts.append(f"{name}\n{value}\n")
    return "".join(parts).encode("utf-8")


def parse_notification(message: dict[str, Any]) -> list[WebhookEvent]:
    """The SES events inside an SNS Notification (its Message is JSON text)."""
    try:
        body = json.loads(str(message.get("Message", "")))
    except json.JSONDecodeError as exc:
        raise WebhookPayloadError(f"{NAME}: the notification Message is not JSON") from exc
    body = expect(body, dict, "the notification Message", NAME)
    kind = str(body.get("notificationType") or body.get("eventType") or "")
    fallback = str(message.get("MessageId", ""))
    if kind == "Bounce":
        return _bounces(expect(body.get("bounce"), dict, "bounce", NAME), fallback)
    if kind == "Complaint":
        return _complaints(expect(body.get("complaint"), dict, "complaint", NAME), fallback)
    if kind == "Delivery":
        mail = body.get("mail") if isinstance(body.get("mail"), dict) else {}
        delivery = expect(body.get("delivery"), dict, "delivery", NAME)
        ident = str(mail.get("messageId") if isinstance(mail, dict) else "") or fallback
        when = from_iso(delivery.get("timestamp"))
        return [WebhookEvent(NAME, f"delivery:{ident}:{email}", DELIVERED, email, when,
                             "delivered")
                for email in (address(r, NAME) for r in delivery.get("recipients") or [])]
    return []  # e.g. AmazonSnsSubscriptionSucceeded: nothing about an address


def _bounces(bounce: dict[str, Any], fallback: str) -> list[WebhookEvent]:
    bounce_type = str(bounce.get("bounceType", ""))
    kind = HARD_BOUNCE if bounce_type == "Permanent" else SOFT_BOUNCE
    ident = str(bounce.get("feedbackId") or fallback)
    when = from_iso(bounce.get("timestamp"))
    events = []
    for recipient in expect(bounce.get("bouncedRecipients"), list, "bouncedRecipients", NAME):
        recipient = expect(recipient, dict, "each bounced recipient", NAME)
        email = address(recipient.get("emailAddress"), NAME)
        detail = (f"{bounce_type}/{bounce.get('bounceSubType', '')}: "
                  f"{recipient.get('status') or ''} {recipient.get('diagnosticCode') or ''}")
        events.append(WebhookEvent(NAME, f"{ident}:{email}", kind, email, when, detail.strip()))
    return events


def _complaints(complaint: dict[str, Any], fallback: str) -> list[WebhookEvent]:
    ident = str(complaint.get("feedbackId") or fallback)
    when = from_iso(complaint.get("timestamp"))
    detail = f"complaint: {complaint.get('complaintFeedbackType') or 'unspecified'}"
    recipients = expect(complaint.get("complainedRecipients"), list, "complainedRecipients", NAME)
    events = []
    for recipient in recipients:
        recipient = expect(recipient, dict, "each complained recipient", NAME)
        email = address(recipient.get("emailAddress"), NAME)
        events.append(WebhookEvent(NAME, f"{ident}:{email}", COMPLAINT, email, when, detail))
    return events

