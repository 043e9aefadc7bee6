"""Webhook requests as each provider sends them: documented shapes, our own values.

Each ``Provider`` builds the body of an event (hard bounce, soft bounce, complaint,
unsubscribe, delivery) for an address, and signs it the provider's way. The signing
code here is written from the providers' documentation, independently of the code
under test, so that a mistake in one is not mirrored in the other.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import ssl
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

MAILGUN_KEY = "mg-webhook-signing-key-for-tests-0001"
POSTMARK_PASSWORD = "pm-basic-password-for-tests"
POSTMARK_TOKEN = "pm-path-token-for-tests-0123456789"
BREVO_TOKEN = "brevo-bearer-token-for-tests-987"
BREVO_PASSWORD = "brevo-basic-password-for-tests"
RESEND_SECRET = "whsec_" + base64.b64encode(b"resend-svix-test-key-32-bytes!!!").decode()
TOPIC = "arn:aws:sns:eu-west-1:123456789012:brief-bounces"
SNS_HOST = "https://sns.eu-west-1.amazonaws.com"  # what SNS writes; tests connect elsewhere


@dataclass
class Signed:
    """One HTTP request: body, headers and the path under /webhooks/."""

    body: bytes
    headers: dict[str, str]
    path: str


def now_ts() -> int:
    return int(time.time())


class SendGrid:
    name = "sendgrid"

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        der = self.key.public_key().public_bytes(serialization.Encoding.DER,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)
        self.public_key = base64.b64encode(der).decode()

    def body(self, kind: str, email: str, ident: str) -> bytes:
        base = {"email": email, "timestamp": 1795000000, "smtp-id": f"<{ident}@brief.test>",
                "sg_event_id": f"ev-{ident}", "sg_message_id": f"msg-{ident}.filter-1"}
        extra = {
            "hard": {"event": "bounce", "type": "bounce", "status": "5.1.1",
                     "reason": "550 5.1.1 mailbox unknown at the receiving server"},
            "soft": {"event": "bounce", "type": "blocked", "status": "4.2.2",
                     "reason": "452 mailbox over quota for now"},
            "complaint": {"event": "spamreport"},
            "unsubscribe": {"event": "unsubscribe"},
            "delivered": {"event": "delivered", "response": "250 queued"},
            "open": {"event": "open", "useragent": "Reader/1.0", "ip": "192.0.2.7"},
        }[kind]
        return json.dumps([base | extra]).encode()

    def sign(self, body: bytes, *, at: int | None = None, secret: Any = None) -> Signed:
        stamp = str(at if at is not None else now_ts())
        key = secret or self.key
        signature = key.sign(stamp.encode() + body, ec.ECDSA(hashes.SHA256()))
        return Signed(body, {"X-Twilio-Email-Event-Webhook-Signature":
                             base64.b64encode(signature).decode(),
                             "X-Twilio-Email-Event-Webhook-Timestamp": stamp,
                             "Content-Type": "application/json"}, "sendgrid")

    def wrong_secret(self) -> Any:
        return ec.generate_private_key(ec.SECP256R1())


class Mailgun:
    name = "mailgun"

    def body(self, kind: str, email: str, ident: str) -> bytes:
        event = {
            "hard": {"event": "failed", "severity": "permanent", "reason": "bounce",
                     "delivery-status": {"code": 550, "message": "no such mailbox here",
                                         "description": ""}},
            "soft": {"event": "failed", "severity": "temporary", "reason": "generic",
                     "delivery-status": {"code": 452, "message": "try again later"}},
            "complaint": {"event": "complained"},
            "unsubscribe": {"event": "unsubscribed"},
            "delivered": {"event": "delivered", "delivery-status": {"code": 250}},
            "open": {"event": "opened"},
        }[kind]
        data = {"id": f"mg-{ident}", "timestamp": 1795000000.25, "recipient": email,
                "log-level": "error", "message": {"headers": {"message-id": f"{ident}@brief"}}}
        # The signature block is filled in by sign(): it signs timestamp + token only.
        return json.dumps({"event-data": data | event}).encode()

    def sign(self, body: bytes, *, at: int | None = None, secret: Any = None) -> Signed:
        payload = json.loads(body)
        stamp = str(at if at is not None else now_ts())
        token = uuid.uuid4().hex + uuid.uuid4().hex[:18]
        key = (secret or MAILGUN_KEY).encode()
        payload["signature"] = {"timestamp": stamp, "token": token, "signature": hmac.new(
            key, (stamp + token).encode(), hashlib.sha256).hexdigest()}
        return Signed(json.dumps(payload).encode(), {"Content-Type": "application/json"},
                      "mailgun")

    def wrong_secret(self) -> str:
        return "not-the-mailgun-key"


class Postmark:
    name = "postmark"

    def body(self, kind: str, email: str, ident: str) -> bytes:
        number = int(hashlib.sha256(ident.encode()).hexdigest()[:8], 16)
        bounce = {"RecordType": "Bounce", "ID": number, "MessageID": f"pm-{ident}",
                  "ServerID": 4242, "MessageStream": "broadcast", "Email": email,
                  "From": "brief@news.example.org", "BouncedAt": "2026-11-28T06:05:10.1234567Z",
                  "Inactive": True, "CanActivate": True, "Subject": "Le Brief",
                  "Description": "Our own words for a bounce.", "Details": "smtp; 550 no mailbox"}
        records = {
            "hard": bounce | {"Type": "HardBounce", "TypeCode": 1, "Name": "Hard bounce"},
            "soft": bounce | {"Type": "SoftBounce", "TypeCode": 4096, "Name": "Soft bounce",
                              "Inactive": False},
            "complaint": bounce | {"RecordType": "SpamComplaint", "Type": "SpamComplaint",
                                   "TypeCode": 512, "Name": "Spam complaint"},
            "unsubscribe": {"RecordType": "SubscriptionChange", "MessageID": f"pm-{ident}",
                            "ServerID": 4242, "MessageStream": "broadcast",
                            "ChangedAt": "2026-11-28T06:05:10Z", "Recipient": email,
                            "Origin": "Recipient", "SuppressSending": True,
                            "SuppressionReason": "ManualSuppression", "Tag": "",
                            "Metadata": {}},
            "delivered": {"RecordType": "Delivery", "MessageID": f"pm-{ident}",
                          "ServerID": 4242, "MessageStream": "broadcast", "Recipient": email,
                          "DeliveredAt": "2026-11-28T06:05:10Z", "Details": "250 ok"},
            "open": {"RecordType": "Open", "MessageID": f"pm-{ident}", "Recipient": email,
                     "FirstOpen": True},
        }
        return json.dumps(records[kind]).encode()

    def sign(self, body: bytes, *, at: int | None = None, secret: Any = None) -> Signed:
        password = secret or POSTMARK_PASSWORD
        basic = base64.b64encode(f"postmark:{password}".encode()).decode()
        return Signed(body, {"Authorization": f"Basic {basic}",
                             "Content-Type": "application/json"}, "postmark")

    def wrong_secret(self) -> str:
        return "not-the-postmark-password"


class Brevo:
    name = "brevo"

    def body(self, kind: str, email: str, ident: str) -> bytes:
        event = {"hard": "hard_bounce", "soft": "soft_bounce", "complaint": "spam",
                 "unsubscribe": "unsubscribed", "delivered": "delivered",
                 "open": "opened"}[kind]
        item = {"event": event, "email": email, "id": 310, "date": "2026-11-28 07:05:10",
                "ts": 1795000000, "message-id": f"<{ident}@relay.brief.test>",
                "ts_event": 1795000000, "subject": "Le Brief", "tag": "",
                "sending_ip": "192.0.2.10", "ts_epoch": 1795000000123}
        if kind in ("hard", "soft"):
            item["reason"] = "mailbox refused the message (our test wording)"
        return json.dumps(item).encode()

    def sign(self, body: bytes, *, at: int | None = None, secret: Any = None) -> Signed:
        return Signed(body, {"Authorization": f"Bearer {secret or BREVO_TOKEN}",
                             "Content-Type": "application/json"}, "brevo")

    def wrong_secret(self) -> str:
        return "not-the-brevo-token"


class Resend:
    name = "resend"

    def body(self, kind: str, email: str, ident: str) -> bytes:
        data = {"email_id": f"re-{ident}", "from": "Le Brief <brief@news.example.org>",
                "to": [email], "subject": "Le Brief", "created_at": "2026-11-28T06:05:10.000Z"}
        kinds = {
            "hard": ("email.bounced", {"bounce": {"type": "Permanent", "subType": "General",
                                                  "message": "The mailbox does not exist."}}),
            "soft": ("email.bounced", {"bounce": {"type": "Transient", "subType": "MailboxFull",
                                                  "message": "The mailbox is full."}}),
            "complaint": ("email.complained", {}),
            "unsubscribe": ("contact.updated", {"email": email, "unsubscribed": True,
                                                "id": f"contact-{ident}"}),
            "delivered": ("email.delivered", {}),
            "open": ("email.opened", {}),
        }
        name, extra = kinds[kind]
        return json.dumps({"type": name, "created_at": "2026-11-28T06:05:11.000Z",
                           "data": data | extra}).encode()

    def sign(self, body: bytes, *, at: int | None = None, secret: Any = None,
             ident: str | None = None) -> Signed:
        msg_id = ident or f"msg_{uuid.uuid4().hex}"
        stamp = str(at if at is not None else now_ts())
        key = base64.b64decode((secret or RESEND_SECRET).removeprefix("whsec_"))
        digest = hmac.new(key, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
        return Signed(body, {"svix-id": msg_id, "svix-timestamp": stamp,
                             "svix-signature": f"v1,{base64.b64encode(digest).decode()}",
                             "Content-Type": "application/json"}, "resend")

    def wrong_secret(self) -> str:
        return "whsec_" + base64.b64encode(b"some-other-resend-key-of-32-byte").decode()


@dataclass
class CertServer:
    """An HTTPS server on 127.0.0.1 serving an SNS-like signing certificate."""

    pem: bytes
    ca: trustme.CA
    hits: Counter[str] = field(default_factory=Counter)
    queries: list[str] = field(default_factory=list)

    def __enter__(self) -> CertServer:
        served = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                path, _, query = self.path.partition("?")
                served.hits[path] += 1
                served.queries.append(query)
                if path.endswith(".pem") and "missing" not in path:
                    body, kind = served.pem, "application/x-pem-file"
                elif path == "/" and query.startswith("Action=ConfirmSubscription&"):
                    body, kind = b"<ConfirmSubscriptionResponse/>", "text/xml"
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ca.issue_cert("127.0.0.1").configure_cert(context)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.base = f"https://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class ConnectionRecorder:
    """A real listening socket on 127.0.0.1 that counts the connections made to it.

    Each connection is accepted, counted, then closed at once, so a client that gets
    this far fails quickly, and only after it was counted.
    """

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.base = f"https://127.0.0.1:{self.port}"
        self.connections = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:  # closed by __exit__
                return
            self.connections += 1
            conn.close()

    def __enter__(self) -> ConnectionRecorder:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self.thread.join(timeout=10)


def signing_certificate() -> tuple[rsa.RSAPrivateKey, bytes]:
    """An RSA key and a self-signed certificate for it, valid around now."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.test.invalid")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
            .sign(key, hashes.SHA256()))
    return key, cert.public_bytes(serialization.Encoding.PEM)


class Ses:
    """SES notifications wrapped in signed SNS messages."""

    name = "ses"

    def __init__(self, key: rsa.RSAPrivateKey, cert_url: str, version: str = "2") -> None:
        self.key, self.cert_url, self.version = key, cert_url, version

    def body(self, kind: str, email: str, ident: str) -> bytes:
        mail = {"timestamp": "2026-11-28T06:05:00.000Z", "messageId": f"ses-{ident}",
                "source": "brief@news.example.org", "destination": [email]}
        if kind in ("hard", "soft"):
            note = {"notificationType": "Bounce", "mail": mail, "bounce": {
                "bounceType": "Permanent" if kind == "hard" else "Transient",
                "bounceSubType": "General" if kind == "hard" else "MailboxFull",
                "bouncedRecipients": [{"emailAddress": email, "action": "failed",
                                       "status": "5.1.1" if kind == "hard" else "4.2.2",
                                       "diagnosticCode": "smtp; our own test wording"}],
                "timestamp": "2026-11-28T06:05:10.000Z", "feedbackId": f"fb-{ident}"}}
        elif kind == "complaint":
            note = {"notificationType": "Complaint", "mail": mail, "complaint": {
                "complainedRecipients": [{"emailAddress": email}],
                "timestamp": "2026-11-28T06:05:10.000Z", "feedbackId": f"fb-{ident}",
                "complaintFeedbackType": "abuse"}}
        elif kind == "delivered":
            note = {"notificationType": "Delivery", "mail": mail, "delivery": {
                "timestamp": "2026-11-28T06:05:10.000Z", "recipients": [email],
                "smtpResponse": "250 ok"}}
        else:
            raise ValueError(kind)  # SES reports no unsubscribes or opens this way
        return json.dumps(note).encode()

    def envelope(self, message: str, *, kind: str = "Notification", at: datetime | None = None,
                 topic: str = TOPIC, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {"Type": kind, "MessageId": str(uuid.uuid4()), "TopicArn": topic,
               "Message": message,
               "Timestamp": (at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
               "SignatureVersion": self.version, "SigningCertURL": self.cert_url,
               "UnsubscribeURL": "https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe"}
        env |= extra or {}
        return env

    def sign_envelope(self, env: dict[str, str], key: rsa.RSAPrivateKey | None = None) -> Signed:
        if env["Type"] == "Notification":
            names = ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
        else:
            names = ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn",
                     "Type"]
        text = "".join(f"{n}\n{env[n]}\n" for n in names if n in env)
        digest = hashes.SHA1() if env["SignatureVersion"] == "1" else hashes.SHA256()
        signature = (key or self.key).sign(text.encode(), padding.PKCS1v15(), digest)
        env = env | {"Signature": base64.b64encode(signature).decode()}
        return Signed(json.dumps(env).encode(), {
            "Content-Type": "text/plain; charset=UTF-8", "x-amz-sns-message-type": env["Type"],
            "x-amz-sns-message-id": env["MessageId"], "x-amz-sns-topic-arn": env["TopicArn"]},
            "ses")

    def sign(self, body: bytes, *, at: int | None = None, secret: Any = None) -> Signed:
        when = datetime.fromtimestamp(at, UTC) if at is not None else None
        return self.sign_envelope(self.envelope(body.decode(), at=when), key=secret)

    def wrong_secret(self) -> rsa.RSAPrivateKey:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
