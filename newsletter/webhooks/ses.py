"""Amazon SES bounce and complaint notifications, delivered by SNS over HTTPS.

Each SNS post is a JSON document signed with RSA: SignatureVersion 1 over SHA-1, 2 over
SHA-256, of "name\\nvalue\\n" pairs of documented fields in byte order (see
``string_to_sign``). Messages from topics not listed in ``ses_topic_arns``, and messages
whose ``Timestamp`` is older than ``ses_max_age_seconds`` (SNS keeps it on retries), are
refused before anything is fetched.

The signing certificate comes only from a ``SigningCertURL`` that is exactly
``https://sns.<region>.amazonaws.com/<name>.pem`` (a region like ``eu-west-1``, a name of
letters, digits, ``-`` and ``_``): no user info, port, IP address, backslash, percent
escape, query or anything else. The URL is matched as a whole string, never parsed by
one library and fetched by another: the request goes to a URL rebuilt from the matched
region and name alone (or to ``[webhooks] ses_sns_endpoint`` with the same path, for a
test server), without redirects, and the key is kept in memory afterwards. Every
failure to get or use the certificate answers the same words (details go to the log),
so the answers tell nothing about hosts or ports.

``SubscriptionConfirmation`` is answered, once the message is verified, by calling
``ConfirmSubscription`` on ``sns.<topic's region>.amazonaws.com`` with the signed
``TopicArn`` and ``Token`` (``SubscribeURL`` must say the same). A ``Notification``
carries the SES event in ``Message``: ``notificationType`` (or ``eventType`` with event
publishing) Bounce, Complaint or Delivery, one event per recipient, keyed by SES's
``feedbackId`` and the address.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
import threading
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

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
MAX_CACHED = 64  # certificates kept (SNS rotates them rarely)
HINT = "pip install 'newsletter[webhooks]'"
REGION = r"[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}"  # eu-west-1, us-gov-west-1, ap-southeast-3
CERT_URL = re.compile(rf"https://sns\.(?P<region>{REGION})\.amazonaws\.com"
                      r"(?P<path>/[A-Za-z0-9_-]{1,128}\.pem)", re.ASCII)
SUBSCRIBE_URL = re.compile(rf"https://sns\.(?P<region>{REGION})\.amazonaws\.com/\?"
                           r"(?P<query>[A-Za-z0-9=&%:._~+-]{1,4096})", re.ASCII)
TOPIC_ARN = re.compile(rf"arn:aws(?:-us-gov)?:sns:(?P<region>{REGION}):[0-9]{{12}}:[A-Za-z0-9_.-]{{1,256}}",
                       re.ASCII)
ENDPOINT = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?|https?://\[[0-9A-Fa-f:.]+\]"
                      r"(?::[0-9]{1,5})?", re.ASCII)
UNVERIFIED = f"{NAME}: the SNS message could not be verified"
log = logging.getLogger(__name__)


class SesReceiver:
    """Verifies SNS messages and reads the SES notifications they carry."""

    name = NAME

    def __init__(self, *, topic_arns: str, max_age: int, confirm: bool,
                 timeout: tuple[float, float], endpoint: str = "") -> None:
        try:
            import cryptography  # noqa: F401  (checked now, used per request)
        except ImportError as exc:
            raise ConfigError("[webhooks] ses_topic_arns: verifying SNS signatures needs "
                              "cryptography", hint=HINT) from exc
        if endpoint and not ENDPOINT.fullmatch(endpoint):
            raise ConfigError(f"[webhooks] ses_sns_endpoint: {endpoint!r} must be a scheme, a "
                              "host and an optional port, nothing else (e.g. "
                              "https://127.0.0.1:8443), or empty for AWS itself")
        self.topics = {a.strip() for a in topic_arns.split(",") if a.strip()}
        self.max_age = timedelta(seconds=max_age)
        self.confirm = confirm
        self.timeout = timeout
        self.endpoint = endpoint
        self._certificates: dict[tuple[str, str], RSAPublicKey] = {}
        self._lock = threading.Lock()

    def receive(self, request: WebhookRequest, now: datetime) -> Received:
        message = expect(load_json(request.body, NAME), dict, "the body", NAME)
        kind = str(message.get("Type", ""))
        if kind not in ("Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation"):
            raise WebhookPayloadError(f"{NAME}: not an SNS message (Type {kind!r})")
        if not message.get("Signature") or not message.get("SigningCertURL"):
            raise WebhookAuthError(f"{NAME}: the SNS message is not signed", missing=True)
        # Everything that needs no certificate is checked first: nothing is fetched for
        # a topic we do not know or a message too old to act on.
        if message.get("TopicArn") not in self.topics:
            raise WebhookAuthError(f"{NAME}: topic {message.get('TopicArn')!r} is not in "
                                   "[webhooks] ses_topic_arns")
        sent = from_iso(message.get("Timestamp"))
        if sent is None or abs(now - sent) > self.max_age:
            raise WebhookAuthError(f"{NAME}: the message Timestamp {message.get('Timestamp')!r} "
                                   f"is not within {self.max_age} of now (a replay?)")
        self._verify(message)
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
        signed = string_to_sign(message)  # a missing field is a 400, before any fetch
        key = self._certificate(message["SigningCertURL"])
        try:
            signature = base64.b64decode(str(message["Signature"]), validate=True)
            key.verify(signature, signed, padding.PKCS1v15(), algorithm)
        except (binascii.Error, ValueError, InvalidSignature) as exc:
            raise _unverified("the signature does not match") from exc

    def _url(self, region: str, path_and_query: str) -> str:
        """The URL fetched: rebuilt from checked parts only, never the one received."""
        base = self.endpoint or f"https://sns.{region}.amazonaws.com"
        return base + path_and_query

    def _certificate(self, given: Any) -> RSAPublicKey:
        from cryptography import x509
        from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

        found = CERT_URL.fullmatch(given) if isinstance(given, str) else None
        if found is None:
            raise _unverified(f"SigningCertURL {given!r} is not "
                              "https://sns.<region>.amazonaws.com/<name>.pem")
        where = (found["region"], found["path"])
        with self._lock:
            cached = self._certificates.get(where)
        if cached is not None:
            return cached
        pem = self._get(self._url(*where), "the signing certificate")
        try:
            certificate = x509.load_pem_x509_certificate(pem)
        except ValueError as exc:
            raise _unverified(f"{given} is not a PEM certificate") from exc
        now = datetime.now(certificate.not_valid_after_utc.tzinfo)
        if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
            raise _unverified(f"the signing certificate at {given} is out of date")
        key = certificate.public_key()
        if not isinstance(key, RSAPublicKey):
            raise _unverified(f"the signing certificate at {given} holds no RSA key")
        with self._lock:
            if len(self._certificates) >= MAX_CACHED:
                self._certificates.clear()
            self._certificates[where] = key
        return key

    def _confirm(self, message: dict[str, Any]) -> str:
        if not self.confirm:
            return "subscription confirmation received; confirm it in the AWS console"
        topic, token = str(message["TopicArn"]), str(message.get("Token", ""))
        given = message.get("SubscribeURL")
        found = SUBSCRIBE_URL.fullmatch(given) if isinstance(given, str) else None
        arn = TOPIC_ARN.fullmatch(topic)
        query = dict(parse_qsl(found["query"], strict_parsing=True)) if found else {}
        if (found is None or arn is None or found["region"] != arn["region"] or not token
                or query != {"Action": "ConfirmSubscription", "TopicArn": topic,
                             "Token": token}):
            raise _unverified(f"SubscribeURL {given!r} is not ConfirmSubscription for this "
                              "topic and token on sns.<region>.amazonaws.com")
        self._get(self._url(arn["region"], "/?" + urlencode(
            [("Action", "ConfirmSubscription"), ("TopicArn", topic), ("Token", token)])),
            "the subscription confirmation")
        return f"subscription to {topic} confirmed"

    def _get(self, url: str, what: str) -> bytes:
        try:
            with requests.get(url, timeout=self.timeout, allow_redirects=False,
                              stream=True) as answer:
                if answer.status_code != 200:
                    raise _upstream(f"{what} at {url}: HTTP {answer.status_code}")
                body = b""
                for chunk in answer.iter_content(16_384):
                    body += chunk
                    if len(body) > MAX_CERT_BYTES:
                        raise _upstream(f"{what} at {url} is larger than {MAX_CERT_BYTES} bytes")
                return body
        except requests.RequestException as exc:
            raise _upstream(f"cannot get {what} at {url}: {exc}") from exc


def _unverified(detail: str) -> WebhookError:
    """A 403 in the same words whatever went wrong (the detail goes to the log only)."""
    log.warning("%s: %s", NAME, detail)
    return WebhookAuthError(UNVERIFIED)


def _upstream(detail: str) -> WebhookError:
    """A failure on AWS's side (or the network): 502, so that SNS tries again later.

    In the same words as every other verification failure: the detail is logged only.
    """
    log.warning("%s: %s", NAME, detail)
    error = WebhookError(UNVERIFIED)
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
    body = load_json(str(message.get("Message", "")), NAME, "the notification Message")
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

