"""A loopback imitation of the six email APIs, strict enough to catch wrong requests.

It checks what each provider documents (path, auth header, JSON or form shape,
required fields, batch limits: 400/413/422 when exceeded), records every request,
renders what each recipient would receive (substitutions applied only where the
provider documents them: Brevo refuses fields its reference does not list and fills
``params`` into stored templates only; Mailgun appends ``h:`` headers as they are and
fills ``%recipient.x%`` into batch bodies only) and can be told to
answer 429/500/401, refuse one address, or hang up after reading a request's body
(having accepted it, as a provider whose answer got lost would).
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

API_KEY = "test-key-123"
SES_SECRET = "test-secret-456"
HANGUP = "hangup"
OK = "ok"
LIMITS = {"sendgrid": 1000, "mailgun": 1000, "postmark": 500, "resend": 100, "brevo": 1000}
# Brevo sendTransacEmail: the request's fields, and those of a messageVersions item
# (https://developers.brevo.com/reference/sendtransacemail); anything else is refused.
BREVO_FIELDS = frozenset({"sender", "to", "bcc", "cc", "htmlContent", "textContent", "subject",
                          "replyTo", "attachment", "headers", "templateId", "params",
                          "messageVersions", "tags", "scheduledAt", "batchId"})
BREVO_VERSION_FIELDS = frozenset({"to", "params", "bcc", "cc", "replyTo", "subject",
                                  "htmlContent", "textContent"})
# Mailgun's Messages API form fields (besides the h:, v:, o: and t: families).
MAILGUN_FIELDS = frozenset({"from", "to", "cc", "bcc", "subject", "text", "html", "amp-html",
                            "attachment", "inline", "template", "recipient-variables"})
PATHS = {"sendgrid": "/v3/mail/send", "mailgun": "/v3/mg.example.org/messages",
         "postmark": "/email/batch", "ses": "/v2/email/outbound-emails",
         "brevo": "/v3/smtp/email", "resend": "/emails/batch"}


@dataclass(frozen=True)
class Fail:
    """An answer to give instead of processing the request."""

    status: int
    body: str = '{"message": "planned failure"}'
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    payload: Any = None  # parsed JSON, or form fields as a list of pairs


@dataclass(frozen=True)
class Delivered:
    """What one recipient would receive."""

    to: str
    subject: str
    html: str
    text: str
    headers: dict[str, str]


class Refusal(Exception):
    def __init__(self, status: int, body: object) -> None:
        super().__init__(status)
        self.status, self.body = status, body


class ProviderFake(ThreadingHTTPServer):
    """``with ProviderFake("postmark") as fake: ... fake.url ...``"""

    daemon_threads = True

    def __init__(self, provider: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.provider = provider
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self.requests: list[Recorded] = []
        self.delivered: list[Delivered] = []
        self.plan: list[str | Fail] = []  # consumed one per request; then normal answers
        self.reject: dict[str, str] = {}  # address -> reason, refused the provider's way
        self.answers: dict[str, tuple[int, bytes]] = {}  # idempotency key -> first answer
        self.bodies: dict[str, bytes] = {}  # idempotency key -> the body it came with
        self.lock = threading.Lock()
        self.delay = 0.0  # seconds each answer takes (requests then overlap when sent at once)
        self.in_flight = 0
        self.max_in_flight = 0
        # A short poll keeps shutdown() quick (it waits for the loop to notice).
        self._thread = threading.Thread(target=self.serve_forever, args=(0.02,), daemon=True)

    def __enter__(self) -> ProviderFake:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()

    def idempotency_keys(self) -> list[str | None]:
        """The key each recorded request carried (Resend header, Brevo body)."""
        if self.provider == "resend":
            return [r.headers.get("idempotency-key") for r in self.requests]
        return [json.loads(r.body).get("headers", {}).get("idempotencyKey") for r in self.requests]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ProviderFake

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802
        fake = self.server
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        record = Recorded(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        with fake.lock:
            fake.requests.append(record)
            step = fake.plan.pop(0) if fake.plan else OK
            fake.in_flight += 1
            fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
        try:
            if fake.delay:
                time.sleep(fake.delay)
            self.answer_step(fake, record, step)
        finally:
            with fake.lock:
                fake.in_flight -= 1

    def answer_step(self, fake: ProviderFake, record: Recorded, step: str | Fail) -> None:
        if isinstance(step, Fail):
            return self.answer(step.status, step.body.encode(), step.headers)
        try:
            status, answer = self.process(record)
        except Refusal as refusal:
            status, answer = refusal.status, json.dumps(refusal.body).encode()
        if step == HANGUP:  # accepted, but the answer never leaves
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.answer(status, answer, {"X-Message-Id": "sg-1"} if fake.provider == "sendgrid" else {})

    def answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response_only(status)
        if "Date" not in headers:  # a planned answer may bring its own clock
            self.send_header("Date", self.date_time_string())
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def process(self, record: Recorded) -> tuple[int, bytes]:
        fake = self.server
        if record.path != PATHS[fake.provider]:
            raise Refusal(404, {"message": f"no such endpoint {record.path}"})
        self.check_auth(record)
        key = self.parse(record)
        if key is not None and key in fake.answers:  # idempotent replay: no new sending
            if fake.provider == "resend" and fake.bodies[key] != record.body:
                # Resend refuses a key that comes back with another payload
                raise Refusal(409, {"name": "invalid_idempotent_request", "message":
                                    "same idempotency key used with a different payload"})
            return fake.answers[key]
        status, answer = getattr(self, "api_" + fake.provider)(record.payload)
        out = (status, json.dumps(answer).encode() if answer is not None else b"")
        if key is not None and status < 300:
            fake.answers[key] = out
            fake.bodies[key] = record.body
        return out

    def check_auth(self, record: Recorded) -> None:
        h, provider = record.headers, self.server.provider
        expected = {"sendgrid": ("authorization", f"Bearer {API_KEY}"),
                    "resend": ("authorization", f"Bearer {API_KEY}"),
                    "postmark": ("x-postmark-server-token", API_KEY),
                    "brevo": ("api-key", API_KEY),
                    "mailgun": ("authorization",
                                "Basic " + base64.b64encode(f"api:{API_KEY}".encode()).decode())}
        if provider == "ses":
            if not _ses_signature_ok(record, self.server.url):
                raise Refusal(403, {"message": "The request signature we calculated does not "
                                               "match the signature you provided."})
        elif h.get(expected[provider][0]) != expected[provider][1]:
            raise Refusal(401, {"message": "unauthorized", "ErrorCode": 10})

    def parse(self, record: Recorded) -> str | None:
        """Parse the body; return the idempotency key, if the provider has one."""
        if self.server.provider == "mailgun":
            kind = record.headers.get("content-type", "")
            if not kind.startswith("multipart/form-data"):
                raise Refusal(400, {"message": "expected multipart/form-data"})
            raw = b"Content-Type: " + kind.encode() + b"\r\n\r\n" + record.body
            parsed = message_from_bytes(raw, policy=policy.HTTP)
            record.payload = [(p.get_param("name", header="content-disposition"),
                               p.get_payload(decode=True).decode()) for p in parsed.iter_parts()]
            return None
        if record.headers.get("content-type") != "application/json":
            raise Refusal(415, {"message": "expected application/json"})
        record.payload = json.loads(record.body)
        if self.server.provider == "resend":
            return record.headers.get("idempotency-key")
        if self.server.provider == "brevo":
            key = record.payload.get("headers", {}).get("idempotencyKey")
            if key is not None:
                uuid.UUID(key)  # Brevo requires a UUID
            return key
        return None

    # -- one imitation per provider: validate, render per recipient, answer -----------

    def deliver(self, to: str, subject: str, html: str, text: str, headers: dict[str, str]) -> None:
        with self.server.lock:
            self.server.delivered.append(Delivered(to, subject, html, text, headers))

    def api_sendgrid(self, p: dict[str, Any]) -> tuple[int, Any]:
        items = p.get("personalizations") or []
        if not items or not p.get("from", {}).get("email") or not p.get("subject"):
            raise Refusal(400, {"errors": [{"message": "missing required field"}]})
        if len(items) > LIMITS["sendgrid"]:
            raise Refusal(400, {"errors": [{"field": "personalizations",
                                            "message": "too many personalizations"}]})
        types = [c["type"] for c in p.get("content", [])]
        if types[:1] != ["text/plain"]:
            raise Refusal(400, {"errors": [{"message": "text/plain must be first"}]})
        for i, item in enumerate(items):
            _one_address([t["email"] for t in item["to"]])
            if item["to"][0]["email"] in self.server.reject:
                raise Refusal(400, {"errors": [{"field": f"personalizations.{i}.to.0.email",
                                                "message": "Does not contain a valid address."}]})
        for item in items:
            subs = item.get("substitutions", {})
            text, html = (_replace(c["value"], subs) for c in p["content"])
            self.deliver(item["to"][0]["email"], p["subject"], html, text, item.get("headers", {}))
        return 202, None

    def api_mailgun(self, fields: list[tuple[str, str]]) -> tuple[int, Any]:
        """The Messages API as documented: ``h:`` headers are appended as they are;
        ``%recipient.x%`` is filled in the bodies only, for batch requests with
        ``recipient-variables``; ``v:`` data must be JSON."""
        one = {k: v for k, v in fields}
        tos = [v for k, v in fields if k == "to"]
        unknown = [k for k, _ in fields if k not in MAILGUN_FIELDS and k[:2] not in ("h:", "v:")
                   and k[:2] not in ("o:", "t:")]
        if unknown:
            raise Refusal(400, {"message": f"unknown parameter {unknown[0]!r}"})
        if not tos or not one.get("from") or not (one.get("text") or one.get("html")):
            raise Refusal(400, {"message": "from, to and text or html are required"})
        if len(tos) > LIMITS["mailgun"]:
            raise Refusal(400, {"message": "Too many recipients"})
        if len(tos) > 1 and "recipient-variables" not in one:  # every To: would show all
            raise Refusal(400, {"message": "batch without recipient-variables"})
        for key, value in fields:
            if key.startswith("v:"):
                try:
                    json.loads(value)
                except ValueError:
                    raise Refusal(400, {"message": f"{key} is not JSON"}) from None
        variables = json.loads(one.get("recipient-variables", "{}"))
        for to in tos:
            address = getaddresses([to])[0][1]
            if address in self.server.reject:
                raise Refusal(400, {"message": f"'to' parameter is not a valid address: {address}"})
            if len(tos) > 1 and address not in variables:
                raise Refusal(400, {"message": f"no recipient-variables for {address}"})
        for to in tos:
            address = getaddresses([to])[0][1]
            subs = {f"%recipient.{k}%": v for k, v in variables.get(address, {}).items()}
            headers = {k[2:]: v for k, v in fields if k.startswith("h:")}  # never substituted
            data = {k[2:]: json.loads(v) for k, v in fields if k.startswith("v:")}
            if data:
                headers["X-Mailgun-Variables"] = json.dumps(data)
            self.deliver(address, one["subject"], _replace(one.get("html", ""), subs),
                         _replace(one.get("text", ""), subs), headers)
        return 200, {"id": "<batch@mg.example.org>", "message": "Queued. Thank you."}

    def api_postmark(self, items: list[dict[str, Any]]) -> tuple[int, Any]:
        if len(items) > LIMITS["postmark"]:
            raise Refusal(422, {"ErrorCode": 410, "Message": "Too many batch messages"})
        out = []
        for n, item in enumerate(items):
            if not (item.get("From") and item.get("To") and (item.get("HtmlBody") or item.get("TextBody"))):
                raise Refusal(422, {"ErrorCode": 300, "Message": "Invalid email request"})
            _one_address([a for _, a in getaddresses([item["To"]])])
            address = getaddresses([item["To"]])[0][1]
            if address in self.server.reject:
                out.append({"ErrorCode": 406, "Message": self.server.reject[address], "To": address})
                continue
            headers = {h["Name"]: h["Value"] for h in item.get("Headers", [])}
            self.deliver(address, item["Subject"], item["HtmlBody"], item["TextBody"], headers)
            out.append({"ErrorCode": 0, "Message": "OK", "MessageID": f"pm-{n}", "To": address})
        return 200, out

    def api_resend(self, items: list[dict[str, Any]]) -> tuple[int, Any]:
        if len(items) > LIMITS["resend"]:
            raise Refusal(422, {"name": "validation_error", "message": "Too many emails"})
        data, errors = [], []
        for n, item in enumerate(items):
            _one_address([a for _, a in getaddresses(item["to"])])
            address = getaddresses(item["to"])[0][1]
            if address in self.server.reject:
                errors.append({"index": n, "message": self.server.reject[address]})
                continue
            self.deliver(address, item["subject"], item["html"], item["text"], item["headers"])
            data.append({"id": f"re-{n}"})
        return 200, {"data": data, **({"errors": errors} if errors else {})}

    def api_brevo(self, p: dict[str, Any]) -> tuple[int, Any]:
        """sendTransacEmail as documented: only documented fields, ``params`` only for
        a stored template (none here), ``headers`` only at the top level."""
        unknown = sorted(set(p) - BREVO_FIELDS)
        versions = p.get("messageVersions") or []
        unknown += [f"messageVersions[{i}].{k}" for i, v in enumerate(versions)
                    for k in sorted(set(v) - BREVO_VERSION_FIELDS)]
        if unknown:
            raise Refusal(400, {"code": "invalid_parameter", "message": f"unknown {unknown[0]}"})
        if "templateId" in p:
            raise Refusal(404, {"code": "document_not_found", "message": "Template not found"})
        if not p.get("sender") or not p.get("subject") or not p.get("htmlContent"):
            raise Refusal(400, {"code": "missing_parameter", "message": "sender, subject, htmlContent"})
        if not versions and not p.get("to"):
            raise Refusal(400, {"code": "missing_parameter", "message": "to"})
        if len(versions) > LIMITS["brevo"]:
            raise Refusal(400, {"code": "invalid_parameter", "message": "too many messageVersions"})
        for v in versions or [p]:
            _one_address([t["email"] for t in v["to"]])
            if v["to"][0]["email"] in self.server.reject:
                raise Refusal(400, {"code": "invalid_parameter",
                                    "message": f"email is not valid in to: {v['to'][0]['email']}"})
        headers = {_this_case(k): val for k, val in p.get("headers", {}).items()
                   if k not in ("idempotencyKey", "sender.ip")}
        for v in versions or [p]:  # bodies as given: params fill templates only
            self.deliver(v["to"][0]["email"], v.get("subject", p["subject"]),
                         v.get("htmlContent", p["htmlContent"]),
                         v.get("textContent", p.get("textContent", "")), headers)
        if not versions:
            return 201, {"messageId": "<br-0@smtp-relay>"}
        return 201, {"messageIds": [f"<br-{n}@smtp-relay>" for n in range(len(versions))]}

    def api_ses(self, p: dict[str, Any]) -> tuple[int, Any]:
        to = p.get("Destination", {}).get("ToAddresses", [])
        _one_address(to)
        if to[0] in self.server.reject:
            raise Refusal(400, {"message": f"Email address is not verified: {to[0]}",
                                "__type": "MessageRejected"})
        raw = base64.b64decode(p["Content"]["Raw"]["Data"])
        msg = message_from_bytes(raw, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        bodies = {part.get_content_type(): part.get_content() for part in msg.walk()
                  if not part.is_multipart()}
        self.deliver(to[0], str(msg["Subject"]), bodies.get("text/html", ""),
                     bodies.get("text/plain", ""), {k: str(v) for k, v in msg.items()})
        return 200, {"MessageId": f"ses-{len(self.server.delivered)}"}


def _this_case(name: str) -> str:
    """Brevo sends custom headers in This-Case (words between hyphens capitalised)."""
    return "-".join(word[:1].upper() + word[1:].lower() for word in name.split("-"))


def _one_address(addresses: list[str]) -> None:
    """API-03: a recipient never shares a ``to`` with another one."""
    if len(addresses) != 1:
        raise Refusal(400, {"message": f"expected one address in to, got {len(addresses)}"})


def _replace(text: str, subs: dict[str, str]) -> str:
    for key, value in subs.items():
        text = text.replace(key, value)
    return text


def _ses_signature_ok(record: Recorded, url: str) -> bool:
    """Recompute the SigV4 signature with botocore from what was received."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    given = record.headers.get("authorization", "")
    prefix = f"AWS4-HMAC-SHA256 Credential={API_KEY}/"
    if not given.startswith(prefix):
        return False
    fields = dict(part.strip().split("=", 1) for part in given[len("AWS4-HMAC-SHA256 "):].split(","))
    _, day, region, service, _ = fields["Credential"].split("/")
    signed = fields["SignedHeaders"].split(";")
    request = AWSRequest(method="POST", url=url + record.path, data=record.body,
                         headers={k: v for k, v in record.headers.items() if k in signed})
    request.context["timestamp"] = record.headers.get("x-amz-date", "")
    if service != "ses" or not request.context["timestamp"].startswith(day):
        return False
    auth = SigV4Auth(Credentials(API_KEY, SES_SECRET), "ses", region)
    expected = auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request)
    return bool(fields["Signature"] == expected)
