"""Provider webhooks through the real Flask app and a real SQLite store.

SES's signing certificate and subscription URL are served over HTTPS on 127.0.0.1
(trustme CA, trusted through REQUESTS_CA_BUNDLE): the messages name
sns.eu-west-1.amazonaws.com, as SNS's do, and ``[webhooks] ses_sns_endpoint`` sends
the requests to the local server instead.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import trustme
from flask.testing import FlaskClient

from newsletter.errors import ConfigError
from newsletter.people.lists import address_hash, import_csv
from newsletter.store import Store
from newsletter.web import create_app
from tests.conftest import SECRET, make_config
from tests.pg import store_url
from tests.web.webhook_fixtures import (
    BREVO_PASSWORD,
    BREVO_TOKEN,
    MAILGUN_KEY,
    POSTMARK_PASSWORD,
    POSTMARK_TOKEN,
    RESEND_SECRET,
    SNS_HOST,
    TOPIC,
    Brevo,
    CertServer,
    ConnectionRecorder,
    Mailgun,
    Postmark,
    Resend,
    SendGrid,
    Ses,
    Signed,
    signing_certificate,
)

READER = "reader@example.org"
OTHER_READER = "other@example.org"
NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
ALL = ("sendgrid", "mailgun", "postmark", "ses", "brevo", "resend")
SIGNED_BODIES = ("sendgrid", "resend", "ses")  # the signature covers the whole body
TIMESTAMPED = ("sendgrid", "mailgun", "resend", "ses")
CERT_PATH = "/SimpleNotificationService-0123abcd.pem"


@pytest.fixture(scope="module")
def sns_key() -> tuple[Any, bytes]:
    return signing_certificate()


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def cert_server(sns_key: tuple[Any, bytes], ca: trustme.CA, tmp_path: Path,
                monkeypatch: pytest.MonkeyPatch) -> Iterator[CertServer]:
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    with CertServer(sns_key[1], ca) as server:
        yield server


@dataclass
class Harness:
    client: FlaskClient
    store: Store
    signers: dict[str, Any]
    cert: CertServer

    def post(self, request: Signed, path: str | None = None) -> Any:
        return self.client.post(f"/webhooks/{path or request.path}", data=request.body,
                                headers=request.headers)

    def send(self, provider: str, kind: str, email: str = READER, ident: str = "e1") -> Any:
        signer = self.signers[provider]
        return self.post(signer.sign(signer.body(kind, email, ident)))

    def status(self, email: str = READER) -> str | None:
        return self.store.subscriber_status(email)

    def events(self) -> list[dict[str, Any]]:
        return self.store.webhook_events()


def build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cert: CertServer, sns_key: Any,
          url: str = "sqlite:///db.sqlite3", **webhooks: Any) -> Harness:
    sendgrid = SendGrid()
    for name, value in {"SENDGRID_WEBHOOK_PUBLIC_KEY": sendgrid.public_key,
                        "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY,
                        "POSTMARK_WEBHOOK_PASSWORD": POSTMARK_PASSWORD,
                        "POSTMARK_WEBHOOK_TOKEN": POSTMARK_TOKEN,
                        "BREVO_WEBHOOK_TOKEN": BREVO_TOKEN,
                        "BREVO_WEBHOOK_PASSWORD": BREVO_PASSWORD,
                        "RESEND_WEBHOOK_SECRET": RESEND_SECRET}.items():
        monkeypatch.setenv(name, value)
    config = make_config(tmp_path, store={"url": url}, webhooks={"ses_topic_arns": TOPIC,
                                             "ses_sns_endpoint": cert.base,
                                             "soft_bounce_limit": 2} | webhooks)
    store = Store.open(config.database_url)
    for email in (READER, OTHER_READER):
        store.add_subscriber(email, now=NOW)
    signers = {"sendgrid": sendgrid, "mailgun": Mailgun(), "postmark": Postmark(),
               "brevo": Brevo(), "resend": Resend(),
               "ses": Ses(sns_key[0], SNS_HOST + CERT_PATH)}
    return Harness(create_app(config, store).test_client(), store, signers, cert)


@pytest.fixture(params=["sqlite", "postgresql"])
def h(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
      cert_server: CertServer, sns_key: Any) -> Iterator[Harness]:
    """The webhook endpoints on each backend (their queries run in one transaction each)."""
    with store_url(request.param, tmp_path) as url:
        harness = build(tmp_path, monkeypatch, cert_server, sns_key, url=url)
        yield harness
        harness.store.close()


# -- each provider: the effects ------------------------------------------------------


@pytest.mark.parametrize("provider", ALL)
def test_a_signed_hard_bounce_suppresses_the_address(h: Harness, provider: str) -> None:
    answer = h.send(provider, "hard")
    assert answer.status_code == 200, answer.json
    assert answer.json["accepted"] == 1 and answer.json["effects"] == {"suppressed": 1}
    assert h.status() == "bounced"
    assert h.status(OTHER_READER) == "active"
    (event,) = h.events()
    assert (event["provider"], event["kind"], event["effect"]) == (provider, "hard_bounce",
                                                                  "suppressed")
    assert event["address_hash"] == address_hash(SECRET.encode(), READER)


@pytest.mark.parametrize("provider", ALL)
def test_a_complaint_suppresses_and_keeps_the_keyed_hash(h: Harness, provider: str) -> None:
    assert h.send(provider, "complaint").status_code == 200
    assert h.status() == "complained"
    assert h.store.is_suppressed(address_hash(SECRET.encode(), READER))


@pytest.mark.parametrize("provider", [p for p in ALL if p != "ses"])
def test_an_unsubscribe_event_unsubscribes(h: Harness, provider: str) -> None:
    answer = h.send(provider, "unsubscribe")
    assert answer.status_code == 200 and answer.json["effects"] == {"unsubscribed": 1}
    assert h.status() == "unsubscribed"
    assert not h.store.is_suppressed(address_hash(SECRET.encode(), READER))


@pytest.mark.parametrize("provider", ALL)
def test_the_same_event_twice_has_one_effect(h: Harness, provider: str) -> None:
    signer = h.signers[provider]
    body = signer.body("complaint", READER, "dup")
    if provider == "resend":  # Svix keeps the message id on retries, and signs again
        first, again = signer.sign(body, ident="msg_dup"), signer.sign(body, ident="msg_dup")
    else:
        first, again = signer.sign(body), signer.sign(body)
    assert h.post(first).json["accepted"] == 1
    h.store.set_subscriber_status(h.store.find_subscriber(READER).id, "active", NOW)
    retry = h.post(again)
    assert retry.status_code == 200 and retry.json == {"accepted": 0, "duplicates": 1,
                                                        "effects": {}}
    assert h.status() == "active"  # the retry did not complain a second time
    assert len(h.events()) == 1


@pytest.mark.parametrize("provider", ALL)
def test_an_event_for_an_unknown_address_is_recorded(h: Harness, provider: str) -> None:
    answer = h.send(provider, "hard", email="stranger@example.net")
    label = "unknown address: suppressed"  # a dead address is kept off any later import
    assert answer.status_code == 200 and answer.json["effects"] == {label: 1}
    assert [e["effect"] for e in h.events()] == [label]
    assert h.status() == "active"


def test_a_hard_bounce_for_an_unknown_address_blocks_a_later_import(
        h: Harness, tmp_path: Path) -> None:
    assert h.send("mailgun", "hard", email="Gone@Example.net").status_code == 200
    csv = tmp_path / "list.csv"
    csv.write_text("email,name\ngone@example.net,Gone\nnew@example.net,New\n", encoding="utf-8")
    report = import_csv(h.store, csv, now=NOW, secret=SECRET.encode())
    assert report.added == ["new@example.net"]
    assert [email for email, _ in report.refused] == ["gone@example.net"]


@pytest.mark.parametrize("provider", [p for p in ALL if p != "ses"])
def test_ignored_kinds_are_accepted_and_change_nothing(h: Harness, provider: str) -> None:
    answer = h.send(provider, "open")
    assert answer.status_code == 200 and answer.json["accepted"] == 1
    assert h.events()[0]["kind"] == "other" and h.status() == "active"


# -- each provider: refusals change nothing --------------------------------------------


def assert_nothing_changed(h: Harness) -> None:
    assert h.status() == "active" and h.status(OTHER_READER) == "active"
    assert h.events() == []


@pytest.mark.parametrize("provider", SIGNED_BODIES)
def test_a_tampered_body_is_refused(h: Harness, provider: str) -> None:
    signer = h.signers[provider]
    signed = signer.sign(signer.body("hard", READER, "t1"))
    if provider == "ses":  # the signed Message is inside the envelope
        envelope = json.loads(signed.body)
        envelope["Message"] = envelope["Message"].replace(READER, OTHER_READER)
        signed.body = json.dumps(envelope).encode()
    else:
        signed.body = signed.body.replace(READER.encode(), OTHER_READER.encode())
    answer = h.post(signed)
    assert answer.status_code == 403, answer.json
    assert_nothing_changed(h)


def test_mailgun_refuses_a_signature_reused_for_another_event(h: Harness) -> None:
    signer = h.signers["mailgun"]
    signed = signer.sign(signer.body("soft", READER, "m1"))
    assert h.post(signed).status_code == 200
    forged = json.loads(signed.body)
    forged["event-data"] |= {"id": "mg-forged", "recipient": OTHER_READER,
                             "severity": "permanent"}
    answer = h.post(Signed(json.dumps(forged).encode(), signed.headers, "mailgun"))
    assert answer.status_code == 403
    assert h.status(OTHER_READER) == "active" and len(h.events()) == 1


@pytest.mark.parametrize("provider", ALL)
def test_a_wrong_signature_or_secret_is_refused(h: Harness, provider: str) -> None:
    signer = h.signers[provider]
    answer = h.post(signer.sign(signer.body("hard", READER, "w1"), secret=signer.wrong_secret()))
    assert answer.status_code == 403, answer.json
    assert_nothing_changed(h)


@pytest.mark.parametrize("provider", [p for p in ALL if p != "ses"])
def test_missing_credentials_get_401(h: Harness, provider: str) -> None:
    signer = h.signers[provider]
    signed = signer.sign(signer.body("hard", READER, "n1"))
    if provider == "mailgun":
        payload = json.loads(signed.body)
        del payload["signature"]
        signed.body = json.dumps(payload).encode()
    signed.headers = {"Content-Type": "application/json"}
    answer = h.post(signed)
    assert answer.status_code == 401, answer.json
    assert_nothing_changed(h)


@pytest.mark.parametrize("provider", TIMESTAMPED)
def test_a_stale_timestamp_is_refused(h: Harness, provider: str) -> None:
    signer = h.signers[provider]
    two_hours_ago = int(time.time()) - 7200
    answer = h.post(signer.sign(signer.body("hard", READER, "s1"), at=two_hours_ago))
    assert answer.status_code == 403 and "now" in answer.json["error"]
    assert_nothing_changed(h)


@pytest.mark.parametrize("provider", ALL)
def test_a_body_that_is_not_json_gets_400(h: Harness, provider: str) -> None:
    signer = h.signers[provider]
    if provider == "mailgun":  # the signature block lives in the body
        request = Signed(b'{"signature": {"token": ', {"Content-Type": "application/json"},
                         provider)
    elif provider == "ses":
        request = Signed(b"Type=Notification&not=json", {}, provider)
    else:
        request = signer.sign(b"[{not json")
    answer = h.post(request)
    assert answer.status_code == 400 and "JSON" in answer.json["error"]
    assert_nothing_changed(h)


DEEP = b"[" * 100_000 + b"]" * 100_000  # json.loads alone raises RecursionError on it


def deep_request(h: Harness, provider: str) -> Signed:
    """A correctly signed (or authenticated) request carrying deeply nested JSON."""
    signer = h.signers[provider]
    if provider == "mailgun":  # the signature block lives in the body, beside the nesting
        signed = signer.sign(signer.body("hard", READER, "d1"))
        return Signed(b'{"deep": ' + DEEP + b", " + signed.body[1:], signed.headers, provider)
    if provider == "ses":  # inside the signed Message
        message = b'{"notificationType": "Bounce", "bounce": ' + DEEP + b"}"
        return signer.sign(message)
    return signer.sign(b'{"deep": ' + DEEP + b"}")


@pytest.mark.parametrize("provider", ALL)
def test_deeply_nested_json_gets_a_clear_400(h: Harness, provider: str) -> None:
    answer = h.post(deep_request(h, provider))
    assert answer.status_code == 400, answer.data[:200]
    assert "nested more than 32 levels deep" in answer.json["error"]
    assert answer.json["error"].startswith(provider)
    assert_nothing_changed(h)


def test_deep_json_in_the_sns_envelope_is_refused_before_any_fetch(h: Harness) -> None:
    ses = h.signers["ses"]
    signed = ses.sign(ses.body("hard", READER, "d2"))
    answer = h.post(Signed(b'{"deep": ' + DEEP + b", " + signed.body[1:], signed.headers, "ses"))
    assert answer.status_code == 400 and "nested" in answer.json["error"]
    assert sum(h.cert.hits.values()) == 0


@pytest.mark.parametrize("provider", ["sendgrid", "resend", "postmark", "brevo"])
def test_deep_json_with_a_wrong_signature_is_refused_unread(h: Harness, provider: str) -> None:
    signer = h.signers[provider]
    answer = h.post(signer.sign(b'{"deep": ' + DEEP + b"}", secret=signer.wrong_secret()))
    assert answer.status_code == 403  # the signature is checked before the body is parsed


def test_json_nested_within_the_limit_is_read(h: Harness) -> None:
    signer = h.signers["brevo"]
    item = json.loads(signer.body("hard", READER, "n1"))
    item["extra"] = json.loads("[" * 30 + "]" * 30)  # 32 levels with the list and the item
    answer = h.post(signer.sign(json.dumps([item]).encode()))
    assert answer.status_code == 200 and h.status() == "bounced"


def test_unconfigured_providers_answer_404(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    for name in ("SENDGRID_WEBHOOK_PUBLIC_KEY", "MAILGUN_WEBHOOK_SIGNING_KEY",
                 "POSTMARK_WEBHOOK_PASSWORD", "POSTMARK_WEBHOOK_TOKEN", "BREVO_WEBHOOK_TOKEN",
                 "BREVO_WEBHOOK_PASSWORD", "RESEND_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    config = make_config(tmp_path)
    store = Store.open(config.database_url)
    client = create_app(config, store).test_client()
    for provider in (*ALL, "pigeon"):
        assert client.post(f"/webhooks/{provider}", data=b"[]").status_code == 404
    assert client.get("/webhooks/sendgrid").status_code == 405
    store.close()


# -- shared-secret providers: the other ways in --------------------------------------------


def test_postmark_accepts_a_secret_url_token(h: Harness) -> None:
    body = h.signers["postmark"].body("hard", READER, "p1")
    plain = {"Content-Type": "application/json"}
    wrong = h.post(Signed(body, plain, "postmark"), path="postmark/not-the-token")
    assert wrong.status_code == 403 and h.status() == "active"
    right = h.post(Signed(body, plain, "postmark"), path=f"postmark/{POSTMARK_TOKEN}")
    assert right.status_code == 200 and h.status() == "bounced"


def test_brevo_accepts_basic_auth_from_the_url(h: Harness) -> None:
    import base64

    body = h.signers["brevo"].body("hard", READER, "b1")
    creds = base64.b64encode(f"brevo:{BREVO_PASSWORD}".encode()).decode()
    answer = h.post(Signed(body, {"Authorization": f"Basic {creds}"}, "brevo"))
    assert answer.status_code == 200 and h.status() == "bounced"


def test_brevo_batched_posts_are_read_whole(h: Harness) -> None:
    signer = h.signers["brevo"]
    items = [json.loads(signer.body("hard", READER, "x1")),
             json.loads(signer.body("unsubscribe", OTHER_READER, "x2"))]
    answer = h.post(signer.sign(json.dumps(items).encode()))
    assert answer.json["accepted"] == 2
    assert (h.status(), h.status(OTHER_READER)) == ("bounced", "unsubscribed")


# -- soft bounces ---------------------------------------------------------------------------


def brevo_event(h: Harness, kind: str, ident: str, day: int) -> Any:
    signer = h.signers["brevo"]
    item = json.loads(signer.body(kind, READER, ident))
    item["ts_event"] = int((NOW + timedelta(days=day)).timestamp())
    return h.post(signer.sign(json.dumps(item).encode()))


def test_soft_bounces_on_two_days_in_a_row_suppress(h: Harness) -> None:
    assert brevo_event(h, "soft", "s1", 0).json["effects"] == {"recorded": 1}
    assert brevo_event(h, "soft", "s1b", 0).json["effects"] == {"recorded": 1}  # same day
    assert h.status() == "active"
    assert brevo_event(h, "soft", "s2", 1).json["effects"] == {"suppressed": 1}
    assert h.status() == "bounced"


def test_a_delivery_between_soft_bounces_resets_the_count(h: Harness) -> None:
    brevo_event(h, "soft", "s1", 0)
    brevo_event(h, "delivered", "d1", 1)
    brevo_event(h, "soft", "s2", 2)
    assert h.status() == "active"
    brevo_event(h, "soft", "s3", 3)
    assert h.status() == "bounced"


def test_soft_bounces_only_recorded_when_the_limit_is_zero(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cert_server: CertServer,
        sns_key: Any) -> None:
    h = build(tmp_path, monkeypatch, cert_server, sns_key, soft_bounce_limit=0)
    for day in range(5):
        brevo_event(h, "soft", f"s{day}", day)
    assert h.status() == "active" and len(h.events()) == 5


# -- what a complaint keeps ----------------------------------------------------------------


def test_a_complaint_about_an_unknown_address_blocks_a_later_import(
        h: Harness, tmp_path: Path) -> None:
    assert h.send("sendgrid", "complaint", email="Later@Example.net").status_code == 200
    csv = tmp_path / "list.csv"
    csv.write_text("email,name\nlater@example.net,Later\nnew@example.net,New\n", encoding="utf-8")
    report = import_csv(h.store, csv, now=NOW, secret=SECRET.encode())
    assert report.added == ["new@example.net"]
    assert [email for email, _ in report.refused] == ["later@example.net"]


def test_the_event_log_keeps_no_readable_address(h: Harness) -> None:
    signer = h.signers["sendgrid"]
    (item,) = json.loads(signer.body("hard", READER, "r1"))
    item["reason"] = f"550 5.1.1 <{READER}>: unknown here (sent by brief@news.example.org)"
    assert h.post(signer.sign(json.dumps([item]).encode())).status_code == 200
    (event,) = h.events()
    assert "@" not in json.dumps(event, default=str)
    assert "550 5.1.1 <<address>>: unknown here" in event["detail"]


def test_a_status_someone_chose_is_not_overwritten(h: Harness) -> None:
    h.send("postmark", "unsubscribe", ident="u1")
    assert h.send("postmark", "hard", ident="h1").json["effects"] == {"already unsubscribed": 1}
    assert h.status() == "unsubscribed"
    assert h.send("postmark", "complaint", ident="c1").json["effects"] == {"suppressed": 1}
    assert h.status() == "complained"  # a complaint is stronger than an unsubscribe


# -- SES through SNS --------------------------------------------------------------------------


def test_sns_certificate_is_fetched_once_and_cached(h: Harness) -> None:
    h.send("ses", "hard", ident="c1")
    h.send("ses", "complaint", email=OTHER_READER, ident="c2")
    assert (h.status(), h.status(OTHER_READER)) == ("bounced", "complained")
    assert h.cert.hits[CERT_PATH] == 1


def test_sns_signature_version_1_is_verified(h: Harness) -> None:
    ses = h.signers["ses"]
    ses.version = "1"
    assert h.send("ses", "hard").status_code == 200 and h.status() == "bounced"
    ses.version = "3"
    assert h.send("ses", "hard", email=OTHER_READER, ident="v3").status_code == 403


SUBSCRIBE = (f"{SNS_HOST}/?Action=ConfirmSubscription&TopicArn={TOPIC}"
             "&Token=2336412f37fb687f5d51e6e2425c464de257e5e9d0")


def confirmation(ses: Ses, url: str = SUBSCRIBE, topic: str = TOPIC) -> Signed:
    token = "2336412f37fb687f5d51e6e2425c464de257e5e9d0"
    env = ses.envelope("You asked to receive this topic's messages (test wording).",
                       kind="SubscriptionConfirmation", topic=topic,
                       extra={"Token": token, "SubscribeURL": url})
    return ses.sign_envelope(env)


def test_sns_subscription_confirmation_calls_confirm_subscription(h: Harness) -> None:
    answer = h.post(confirmation(h.signers["ses"]))
    assert answer.status_code == 200 and "confirmed" in answer.json["note"]
    assert h.cert.hits["/"] == 1 and h.events() == []
    assert h.cert.queries[-1] == SUBSCRIBE.partition("?")[2].replace(":", "%3A")


@pytest.mark.parametrize("url", [
    "https://attacker.example/?Action=ConfirmSubscription",
    SUBSCRIBE.replace("eu-west-1.amazonaws.com", "us-east-1.amazonaws.com"),  # not the topic's
    SUBSCRIBE.replace("brief-bounces", "other-topic"),
    SUBSCRIBE.replace("Token=2336", "Token=9999"),
    SUBSCRIBE.replace("ConfirmSubscription", "Unsubscribe"),
    SUBSCRIBE + "&Extra=1",
])
def test_sns_subscribe_urls_that_say_something_else_are_refused(h: Harness, url: str) -> None:
    assert h.post(confirmation(h.signers["ses"], url)).status_code == 403
    assert h.cert.hits["/"] == 0


HOSTILE_CERT_URLS = [
    "https://127.0.0.1:{port}\\@sns.eu-west-1.amazonaws.com/SimpleNotificationService-a.pem",
    "https://sns.eu-west-1.amazonaws.com\\@127.0.0.1:{port}/SimpleNotificationService-a.pem",
    "https://sns.eu-west-1.amazonaws.com@127.0.0.1:{port}/SimpleNotificationService-a.pem",
    "https://user:secret@sns.eu-west-1.amazonaws.com/SimpleNotificationService-a.pem",
    "https://127.0.0.1:{port}/SimpleNotificationService-a.pem",
    "https://[::ffff:127.0.0.1]:{port}/SimpleNotificationService-a.pem",
    "https://2130706433:{port}/SimpleNotificationService-a.pem",
    "https://sns.eu-west-1.amazonaws.com:{port}/SimpleNotificationService-a.pem",
    "https://sns.eu-west-1.amazonaws.com%2F@127.0.0.1:{port}/SimpleNotificationService-a.pem",
    "https://sns.eu-west-1.amazonaws.com%40127.0.0.1:{port}/SimpleNotificationService-a.pem",
    "https://sns.eu-west-1.amazonaws.com/%2e%2e/SimpleNotificationService-a.pem",
    "https://sns.eu-west-1.amazonaws.com/a/../SimpleNotificationService-a.pem",
    "https://sns.eu-west-1.amazonaws.com.127.0.0.1.nip.io/SimpleNotificationService-a.pem",
    "https://sns.eu-west-1.amazonaws.com\uff0e127.0.0.1/SimpleNotificationService-a.pem",
    "https://sns.evil.amazonaws.com/SimpleNotificationService-a.pem",
    "https://sns.EU-WEST-1.amazonaws.com/SimpleNotificationService-a.pem",
    "https://sns.eu-west-1.amazonaws.com.evil.example/SimpleNotificationService-a.pem",
    "http://sns.eu-west-1.amazonaws.com/SimpleNotificationService-a.pem",
    "HTTPS://sns.eu-west-1.amazonaws.com/SimpleNotificationService-a.pem",
    "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-a.pem?x=1",
    "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-a.pem#x",
    "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-a.pem\n",
    " https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-a.pem",
    "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-a.txt",
    "//sns.eu-west-1.amazonaws.com/SimpleNotificationService-a.pem",
]


def test_sns_certificate_urls_of_any_other_shape_never_connect(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cert_server: CertServer,
        sns_key: Any) -> None:
    """Every hostile shape is refused before any connection, in the same words.

    The requests that would be made go to a real socket that counts connections, both
    through ``ses_sns_endpoint`` and through the port the hostile URLs name.
    """
    with ConnectionRecorder() as recorder:
        h = build(tmp_path, monkeypatch, cert_server, sns_key, ses_sns_endpoint=recorder.base)
        ses = h.signers["ses"]
        answers = set()
        for url in HOSTILE_CERT_URLS:
            ses.cert_url = url.format(port=recorder.port)
            answer = h.send("ses", "hard")
            answers.add((answer.status_code, answer.json["error"]))
        assert answers == {(403, "ses: the SNS message could not be verified")}
        assert recorder.connections == 0
        assert_nothing_changed(h)
        ses.cert_url = SNS_HOST + CERT_PATH  # the control: a good URL does connect
        assert h.send("ses", "hard").status_code == 502
        assert recorder.connections == 1
        assert sum(cert_server.hits.values()) == 0


def test_sns_nothing_is_fetched_for_an_unknown_topic_or_a_stale_message(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cert_server: CertServer,
        sns_key: Any) -> None:
    with ConnectionRecorder() as recorder:
        h = build(tmp_path, monkeypatch, cert_server, sns_key, ses_sns_endpoint=recorder.base)
        ses = h.signers["ses"]
        body = ses.body("hard", READER, "t9").decode()
        other = h.post(ses.sign_envelope(ses.envelope(body, topic=TOPIC + "-other")))
        assert other.status_code == 403 and "ses_topic_arns" in other.json["error"]
        stale = h.post(ses.sign(body.encode(), at=int(time.time()) - 7200))
        assert stale.status_code == 403
        assert h.post(confirmation(ses, topic=TOPIC + "-other")).status_code == 403
        assert recorder.connections == 0
        assert_nothing_changed(h)


def test_sns_every_verification_failure_answers_the_same_words(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cert_server: CertServer,
        sns_key: Any) -> None:
    """A closed port, a 404, a wrong signature and a refused URL cannot be told apart."""
    with ConnectionRecorder() as closed:
        port = closed.port
    h = build(tmp_path, monkeypatch, cert_server, sns_key)
    ses = h.signers["ses"]
    ses.cert_url = SNS_HOST + "/missing-certificate.pem"  # a 404
    not_found = h.send("ses", "hard")
    ses.cert_url = SNS_HOST + CERT_PATH
    wrong_key = h.post(ses.sign(ses.body("hard", READER, "k1"), secret=ses.wrong_secret()))
    ses.cert_url = f"https://127.0.0.1:{port}\\@sns.eu-west-1.amazonaws.com/c.pem"
    refused_url = h.send("ses", "hard")
    (tmp_path / "closed").mkdir()
    h_closed = build(tmp_path / "closed", monkeypatch, cert_server, sns_key,
                     ses_sns_endpoint=f"https://127.0.0.1:{port}")
    h_closed.signers["ses"].cert_url = SNS_HOST + CERT_PATH
    closed_port = h_closed.send("ses", "hard")
    statuses = [a.status_code for a in (not_found, wrong_key, refused_url, closed_port)]
    assert statuses == [502, 403, 403, 502]  # 502: SNS tries again later
    assert {a.json["error"] for a in (not_found, wrong_key, refused_url, closed_port)} == {
        "ses: the SNS message could not be verified"}
    assert_nothing_changed(h)


def test_a_wrong_sns_endpoint_setting_names_the_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cert_server: CertServer,
        sns_key: Any) -> None:
    with pytest.raises(ConfigError) as info:
        build(tmp_path, monkeypatch, cert_server, sns_key,
              ses_sns_endpoint="https://127.0.0.1:1/path?x")
    assert "[webhooks] ses_sns_endpoint" in info.value.message


def test_sns_messages_from_another_topic_are_refused(h: Harness) -> None:
    ses = h.signers["ses"]
    body = ses.body("hard", READER, "t9").decode()
    answer = h.post(ses.sign_envelope(ses.envelope(body, topic=TOPIC + "-other")))
    assert answer.status_code == 403 and "ses_topic_arns" in answer.json["error"]
    assert_nothing_changed(h)


# -- configuration ----------------------------------------------------------------------------


@pytest.mark.parametrize(("values", "needle"), [
    ({"tolerance_seconds": 1}, "[webhooks] tolerance_seconds"),
    ({"soft_bounce_limit": -1}, "[webhooks] soft_bounce_limit"),
    ({"ses_cert_host_pattern": "sns"}, "'ses_cert_host_pattern'"),  # removed: unknown key
    ({"ses_topic_arns": "my-topic"}, "[webhooks] ses_topic_arns"),
    ({"sendgrid_public_key": "x"}, "'sendgrid_public_key'"),
])
def test_wrong_webhook_settings_name_the_key(tmp_path: Path, values: dict[str, Any],
                                             needle: str) -> None:
    with pytest.raises(ConfigError) as info:
        make_config(tmp_path, webhooks=values)
    assert needle in info.value.message


def test_a_malformed_key_stops_the_app_naming_its_variable(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENDGRID_WEBHOOK_PUBLIC_KEY", "bm90IGEga2V5")
    config = make_config(tmp_path)
    store = Store.open(config.database_url)
    with pytest.raises(ConfigError) as info:
        create_app(config, store)
    assert "SENDGRID_WEBHOOK_PUBLIC_KEY" in info.value.message
    store.close()


# -- over real HTTP -----------------------------------------------------------------------------


def test_webhooks_under_waitress_over_http(h: Harness) -> None:
    import threading

    import requests
    from waitress.server import create_server

    server = create_server(h.client.application, host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.effective_port}/webhooks/"
        signer = h.signers["resend"]
        signed = signer.sign(signer.body("hard", READER, "w1"))
        close = {"Connection": "close"}  # no idle channel keeps the server loop alive
        answer = requests.post(base + "resend", data=signed.body,
                               headers=signed.headers | close, timeout=10)
        assert answer.status_code == 200 and answer.json()["accepted"] == 1
        assert requests.post(base + "resend", data=b"{}", headers=close,
                             timeout=10).status_code == 401
    finally:
        server.close()
        thread.join(timeout=10)
    assert h.status() == "bounced"
