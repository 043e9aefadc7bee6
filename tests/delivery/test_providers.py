"""The HTTP provider senders against loopback imitations of their APIs (tests/provider_fakes.py)."""

from __future__ import annotations

import base64
import importlib
import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from email.utils import parseaddr
from typing import Any

import pytest
import requests

from newsletter.compose import MessageFactory
from newsletter.delivery.providers import (
    BrevoSender,
    HttpSender,
    MailgunSender,
    PostmarkSender,
    ProviderSettings,
    ResendSender,
    SendGridSender,
    SesSender,
)
from newsletter.delivery.providers.payload import batch_key, batch_uuid
from newsletter.delivery.providers.template import share
from newsletter.errors import DeliveryError
from newsletter.models import DeliveryStatus, Message, RenderedIssue, Subscriber
from newsletter.tokens import PREFERENCES, UNSUBSCRIBE, Tokens
from tests.provider_fakes import API_KEY, HANGUP, LIMITS, OK, SES_SECRET, Fail, ProviderFake

NOW = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)
SENDERS: dict[str, type[HttpSender]] = {
    "sendgrid": SendGridSender, "mailgun": MailgunSender, "postmark": PostmarkSender,
    "ses": SesSender, "brevo": BrevoSender, "resend": ResendSender}
IDEMPOTENT = {"resend", "brevo"}
ONE_PER_REQUEST = {"ses", "brevo", "mailgun"}  # what a batch would need is not documented
NAMES = ["Amina Bérrada", "", "Bob", "Jean-Pierre O'Neil", "Zoé", "Morning Star"]
STORIES = "".join(f'<tr><td class="story">Story {i}: the morning news &amp; Zoé\'s column</td></tr>\n'
                  for i in range(40))
ISSUE = RenderedIssue(
    issue_date=date(2026, 11, 29), language="fr", subject="Le Brief : l'été s'achève",
    preheader="p",
    html=(f'<!DOCTYPE html><html><body><p class="greeting">Bonjour NL__NAME__NL,</p>{STORIES}'
          '<p><a href="NL__UNSUBSCRIBE_URL__NL">Se désabonner</a> · '
          '<a href="NL__PREFERENCES_URL__NL">Préférences</a></p></body></html>'),
    text=("Bonjour NL__NAME__NL,\n\nStory 0: the morning news\n\n"
          "Se désabonner : NL__UNSUBSCRIBE_URL__NL\nPréférences : NL__PREFERENCES_URL__NL\n"))


def messages(n: int, start: int = 0, issue: RenderedIssue = ISSUE) -> list[Message]:
    """n personalised messages; tokens share a prefix, like the real signed ones do."""
    tokens = Tokens(b"k" * 32)
    factory = MessageFactory(
        issue, sender_address="Le Brief <brief@news.example.org>", list_name="Le Brief",
        domain="news.example.org",
        unsubscribe_url=lambda s: f"https://news.example.org/unsubscribe/{tokens.make(UNSUBSCRIBE, s.id)}",
        preferences_url=lambda s: f"https://news.example.org/preferences/{tokens.make(PREFERENCES, s.id)}")
    return [factory.build(Subscriber(i, f"reader{i}@example.org", NAMES[i % len(NAMES)]), NOW,
                          with_parts=True) for i in range(start, start + n)]


def batch_limit(provider: str) -> int:
    return 1 if provider in ONE_PER_REQUEST else LIMITS[provider]


class Waits(list[float]):
    """A fake sleep: records the waits instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture(params=list(SENDERS))
def provider(request: pytest.FixtureRequest) -> str:
    if request.param == "ses":
        pytest.importorskip("botocore")
    return str(request.param)


@pytest.fixture
def fake(provider: str) -> Iterator[ProviderFake]:
    with ProviderFake(provider) as server:
        yield server


class Clock:
    """A fake monotonic clock: ``step`` seconds pass between two readings."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def make(provider: str, url: str, waits: Waits | None = None, *, clock: Clock | None = None,
         **options: Any) -> HttpSender:
    """A sender for the fake; time passes quickly enough that pacing never waits."""
    settings = ProviderSettings(api_key=options.pop("api_key", API_KEY), base_url=url,
                                api_secret=SES_SECRET, mailgun_domain="mg.example.org", **options)
    return SENDERS[provider](settings, sleep=waits if waits is not None else Waits(),
                             clock=clock or Clock(step=60.0))


def statuses(results: list[Any]) -> list[DeliveryStatus]:
    return [r.status for r in results]


def to_lists(payload: Any) -> Iterator[list[Any]]:
    """Every ``to``-like list in a request body (JSON providers)."""
    if isinstance(payload, dict):
        for key, value in payload.items():
            if key in ("to", "To", "ToAddresses"):
                yield value if isinstance(value, list) else [value]
            yield from to_lists(value)
    elif isinstance(payload, list):
        for item in payload:
            yield from to_lists(item)


# -- API-02: batch limits ----------------------------------------------------------------


def test_one_over_the_batch_limit_makes_two_requests(provider: str, fake: ProviderFake) -> None:
    batch = messages(batch_limit(provider) + 1)
    results = make(provider, fake.url).send_batch(batch)
    assert statuses(results) == [DeliveryStatus.SENT] * len(batch)
    assert [r.subscriber_id for r in results] == [m.subscriber_id for m in batch]
    assert len(fake.requests) == 2
    assert sorted(d.to for d in fake.delivered) == sorted(m.recipient for m in batch)


# -- API-03: one individual message per recipient ----------------------------------------


def test_each_recipient_gets_exactly_their_own_links_and_headers(provider: str,
                                                                 fake: ProviderFake) -> None:
    batch = messages(7)
    assert statuses(make(provider, fake.url).send_batch(batch)) == [DeliveryStatus.SENT] * 7
    delivered = {d.to: d for d in fake.delivered}
    assert len(fake.delivered) == len(delivered) == 7
    for message in batch:
        assert message.parts is not None
        got = delivered[message.recipient]
        own = dict(message.parts.headers)
        assert got.headers["List-Unsubscribe"] == own["List-Unsubscribe"]
        assert got.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        if provider == "ses":  # the raw message itself: its decoded parts
            assert message.parts.html.strip() == got.html.replace("\r\n", "\n").strip()
        else:
            assert (got.subject, got.html, got.text) == (message.parts.subject, message.parts.html,
                                                         message.parts.text)
    for record in fake.requests:
        if provider == "mailgun":  # a form: one "to" field
            assert [k for k, _ in record.payload].count("to") == 1
        else:
            lists = list(to_lists(record.payload))
            assert lists and all(len(addresses) == 1 for addresses in lists)
    if provider in ONE_PER_REQUEST:
        assert len(fake.requests) == 7


def test_shared_body_is_sent_once_per_request() -> None:
    with ProviderFake("sendgrid") as fake:
        make("sendgrid", fake.url).send_batch(messages(20))
    (record,) = fake.requests
    assert record.body.count(b"Story 39") <= 2  # html and text once, not once per recipient


# -- issue 15, point 6: only what Brevo's and Mailgun's documents promise ------------------


@pytest.mark.parametrize("provider", ["brevo", "mailgun"])
def test_brevo_and_mailgun_send_each_message_literally_in_its_own_request(provider: str) -> None:
    """No messageVersions, params or recipient variables: literal bodies and headers."""
    batch = messages(5)
    with ProviderFake(provider) as fake:
        assert statuses(make(provider, fake.url).send_batch(batch)) == [DeliveryStatus.SENT] * 5
    assert len(fake.requests) == 5
    # Up to `in_flight` requests go at once: match each request to its message by address.
    by_address = {(r.payload["to"][0]["email"] if provider == "brevo"
                   else parseaddr(dict(r.payload)["to"])[1]): r for r in fake.requests}
    for message in batch:
        record = by_address[message.recipient]
        assert message.parts is not None
        text = record.body.decode()
        assert "%recipient" not in text and "params" not in text and "{{" not in text
        if provider == "brevo":
            payload = record.payload
            assert "messageVersions" not in payload and "params" not in payload
            assert payload["to"] == [{"email": message.recipient, **(
                {"name": message.parts.to_name} if message.parts.to_name else {})}]
            assert (payload["htmlContent"], payload["textContent"]) == (message.parts.html,
                                                                        message.parts.text)
            assert {k: v for k, v in payload["headers"].items() if k != "idempotencyKey"} == dict(
                message.parts.headers)
        else:
            fields = record.payload
            assert "recipient-variables" not in dict(fields)
            assert dict(fields)["html"] == message.parts.html
            assert [(k[2:], v) for k, v in fields if k.startswith("h:")] == list(
                message.parts.headers)
            assert dict(fields)["v:subscriber_id"] == str(message.subscriber_id)


def test_the_brevo_fake_refuses_headers_in_a_message_version_and_fills_no_params() -> None:
    """The fake holds Brevo to its reference: what it does not list is not relied on."""
    version = {"to": [{"email": "a@example.org"}], "params": {"s0": "Amina"},
               "headers": {"List-Unsubscribe": "<https://x.example/u/a>"}}
    body = {"sender": {"email": "brief@news.example.org"}, "subject": "Le Brief",
            "htmlContent": "<p>Bonjour {{ params.s0 }}</p>", "messageVersions": [version]}
    auth = {"api-key": API_KEY, "Content-Type": "application/json"}
    with ProviderFake("brevo") as fake:
        refused = requests.post(fake.url + "/v3/smtp/email", json=body, headers=auth, timeout=10)
        del version["headers"]
        accepted = requests.post(fake.url + "/v3/smtp/email", json=body, headers=auth, timeout=10)
    assert refused.status_code == 400 and "messageVersions[0].headers" in refused.text
    assert accepted.status_code == 201
    assert [d.html for d in fake.delivered] == ["<p>Bonjour {{ params.s0 }}</p>"]


def test_the_mailgun_fake_fills_recipient_variables_in_bodies_only() -> None:
    from urllib3 import encode_multipart_formdata

    variables = {"a@example.org": {"u": "https://x.example/u/a"},
                 "b@example.org": {"u": "https://x.example/u/b"}}
    body, kind = encode_multipart_formdata([
        ("from", "brief@news.example.org"), ("to", "a@example.org"), ("to", "b@example.org"),
        ("subject", "Le Brief"), ("text", "Leave: %recipient.u%"),
        ("h:List-Unsubscribe", "<%recipient.u%>"),
        ("recipient-variables", json.dumps(variables))])
    auth = "Basic " + base64.b64encode(f"api:{API_KEY}".encode()).decode()
    with ProviderFake("mailgun") as fake:
        answer = requests.post(fake.url + "/v3/mg.example.org/messages", data=body, timeout=10,
                               headers={"Authorization": auth, "Content-Type": kind})
    assert answer.status_code == 200
    got = {d.to: d for d in fake.delivered}
    assert got["b@example.org"].text == "Leave: https://x.example/u/b"
    assert got["b@example.org"].headers["List-Unsubscribe"] == "<%recipient.u%>"


# -- API-04: retries ---------------------------------------------------------------------


def test_429_then_success_honours_retry_after(provider: str, fake: ProviderFake) -> None:
    fake.plan = [Fail(429, headers={"Retry-After": "7"})]
    waits = Waits()
    sender = make(provider, fake.url, waits)
    assert statuses(sender.send_batch(messages(3))) == [DeliveryStatus.SENT] * 3
    assert waits == [7.0]
    assert len(fake.requests) == (4 if provider in ONE_PER_REQUEST else 2)
    before = sender.default_rps or 2.0  # no pace at first: a 429 starts one at 1/s
    assert sender.bucket.rate == pytest.approx(before / 2)
    if provider in IDEMPOTENT:  # the retry carries the first request's key
        keys = fake.idempotency_keys()
        assert keys[0] is not None and keys.count(keys[0]) == 2


def test_500_is_retried_then_deferred(provider: str, fake: ProviderFake) -> None:
    fake.plan = [Fail(500)] * 3
    waits = Waits()
    results = make(provider, fake.url, waits, max_attempts=3, backoff_base=2.0).send_batch(messages(1))
    assert statuses(results) == [DeliveryStatus.DEFERRED]
    assert "500" in results[0].detail
    assert len(fake.requests) == 3
    assert len(waits) == 2 and waits[0] <= 2.0 and waits[1] <= 4.0  # full jitter, doubling


def test_unreachable_provider_is_retried_then_deferred(provider: str) -> None:
    with ProviderFake(provider) as closed:
        url = closed.url  # nothing listens there any more
    waits = Waits()
    results = make(provider, url, waits, max_attempts=2).send_batch(messages(1))
    assert statuses(results) == [DeliveryStatus.DEFERRED]
    assert "cannot connect" in results[0].detail


def test_a_refusal_is_not_retried(provider: str, fake: ProviderFake) -> None:
    fake.plan = [Fail(400 if provider != "postmark" else 422,
                      '{"message": "bad request", "ErrorCode": 300}')]
    results = make(provider, fake.url).send_batch(messages(1))
    assert statuses(results) == [DeliveryStatus.FAILED]
    assert len(fake.requests) == 1


def test_401_stops_the_run_with_the_earlier_batches_results(provider: str,
                                                            fake: ProviderFake) -> None:
    batch = messages(batch_limit(provider) + 1)
    fake.plan = [OK, Fail(401, '{"message": "invalid key", "ErrorCode": 10}')]
    with pytest.raises(DeliveryError) as caught:
        make(provider, fake.url).send_batch(batch)
    assert provider in caught.value.message and "401" in caught.value.message
    done = caught.value.results
    if provider in ("brevo", "mailgun"):  # requests in flight at once: either may be refused
        assert len({r.subscriber_id for r in done}) == batch_limit(provider)
    else:
        assert [r.subscriber_id for r in done] == [m.subscriber_id
                                                   for m in batch[:batch_limit(provider)]]
    assert statuses(done) == [DeliveryStatus.SENT] * batch_limit(provider)


def test_a_wrong_key_is_refused_by_the_fake_and_stops(provider: str, fake: ProviderFake) -> None:
    with pytest.raises(DeliveryError, match=provider):
        make(provider, fake.url, api_key="wrong").send_batch(messages(1))


# -- API-05: partial failures ------------------------------------------------------------


def test_partial_failure_is_recorded_per_recipient(provider: str, fake: ProviderFake) -> None:
    batch = messages(4)
    fake.reject[batch[1].recipient] = "inactive recipient"
    results = make(provider, fake.url).send_batch(batch)
    assert statuses(results) == [DeliveryStatus.SENT, DeliveryStatus.FAILED,
                                 DeliveryStatus.SENT, DeliveryStatus.SENT]
    assert results[1].detail
    assert sorted(d.to for d in fake.delivered) == sorted(m.recipient for m in batch if m is not batch[1])
    if provider == "postmark":
        assert results[1].suppress  # 406: bounced or complained, take it off the list


# -- ambiguous outcomes and idempotency (API-07) -----------------------------------------


def test_hang_up_after_the_body_was_sent(provider: str, fake: ProviderFake) -> None:
    fake.plan = [HANGUP]
    batch = messages(3)
    results = make(provider, fake.url).send_batch(batch)
    if provider in IDEMPOTENT:  # same request, same key: the provider sends nothing twice
        assert statuses(results) == [DeliveryStatus.SENT] * 3
        keys = fake.idempotency_keys()
        assert len(keys) == (4 if provider in ONE_PER_REQUEST else 2)
        # One key twice (the retry of the request hung up on; with several requests in
        # flight it may not follow it directly), every other once.
        assert None not in keys and sorted(Counter(keys).values()) == [1] * (len(keys) - 2) + [2]
    else:  # the provider took it: resending would send twice
        if provider in ONE_PER_REQUEST:  # whichever request arrived first was hung up on
            assert sorted(statuses(results)) == sorted([DeliveryStatus.UNKNOWN]
                                                       + [DeliveryStatus.SENT] * 2)
        else:
            assert statuses(results) == [DeliveryStatus.UNKNOWN] * 3
        assert len(fake.requests) == (3 if provider in ONE_PER_REQUEST else 1)
    assert sorted(d.to for d in fake.delivered) == sorted(m.recipient for m in batch)


def test_idempotency_keys_are_deterministic() -> None:
    batch = messages(3)
    assert batch_key(batch) == batch_key(list(reversed(batch)))
    assert batch_key(batch) != batch_key(batch[:2])
    assert len(batch_key(batch)) <= 256  # Resend's limit
    assert batch_uuid(batch) == batch_uuid(list(reversed(batch)))


# -- API-01, API-09: timeouts and pacing -------------------------------------------------


class RecordingSession(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        self.timeouts: list[Any] = []

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.timeouts.append(kwargs.get("timeout"))
        return super().request(*args, **kwargs)


def test_every_request_has_an_explicit_connect_and_read_timeout(provider: str,
                                                                fake: ProviderFake) -> None:
    session = RecordingSession()
    settings = ProviderSettings(api_key=API_KEY, base_url=fake.url, api_secret=SES_SECRET,
                                mailgun_domain="mg.example.org", timeout=(3.0, 20.0))
    fake.plan = [Fail(503)]
    SENDERS[provider](settings, session=session, sleep=Waits()).send_batch(messages(2))
    assert session.timeouts and all(t == (3.0, 20.0) for t in session.timeouts)


def test_resend_is_paced_at_its_default_and_slows_down_after_a_429() -> None:
    with ProviderFake("resend") as fake:
        waits = Waits()
        sender = make("resend", fake.url, waits, clock=Clock(step=0.0))  # frozen
        sender.send_batch(messages(1))
        sender.send_batch(messages(1, start=1))
        assert waits == [0.5]  # 2 requests a second
        fake.plan = [Fail(429, headers={"Retry-After": "0"})]
        sender.send_batch(messages(1, start=2))
        assert waits[-2:] == [0.0, 1.0]  # the wait asked for, then the halved pace


def test_sendgrid_reset_header_is_a_unix_time_read_against_the_reply_date() -> None:
    with ProviderFake("sendgrid") as fake:
        date_header = "Sun, 29 Nov 2026 06:00:00 GMT"
        reset = int(datetime(2026, 11, 29, 6, 0, 30, tzinfo=UTC).timestamp())
        fake.plan = [Fail(429, headers={"Date": date_header, "X-RateLimit-Reset": str(reset)})]
        waits = Waits()
        assert statuses(make("sendgrid", fake.url, waits).send_batch(messages(1))) == [
            DeliveryStatus.SENT]
        assert waits == [30.0]


def test_a_wait_longer_than_the_cap_defers_at_once() -> None:
    with ProviderFake("postmark") as fake:
        fake.plan = [Fail(429, headers={"Retry-After": "3600"})]
        results = make("postmark", fake.url, backoff_cap=120.0).send_batch(messages(1))
        assert statuses(results) == [DeliveryStatus.DEFERRED]
        assert "3600" in results[0].detail and len(fake.requests) == 1


# -- shared bodies -----------------------------------------------------------------------


def test_messages_that_share_no_body_go_in_their_own_request() -> None:
    other = RenderedIssue(ISSUE.issue_date, "en", "The Brief", "p",
                          "<p>Good morningNL__NAME__NL, <a href='NL__UNSUBSCRIBE_URL__NL'>x</a></p>",
                          "NL__UNSUBSCRIBE_URL__NL\n")
    batch = messages(3) + messages(2, start=3, issue=other)
    with ProviderFake("sendgrid") as fake:
        make("sendgrid", fake.url).send_batch(batch)
        assert len(fake.requests) == 2
        got = {d.to: d for d in fake.delivered}
        for m in batch:
            assert m.parts is not None and got[m.recipient].html == m.parts.html


def test_share_rebuilds_every_member_exactly() -> None:
    bodies = [("<p>Hello, see https://x.example/u/abc1 and ok</p>",),
              ("<p>Hello Amina, see https://x.example/u/abd2 and ok</p>",),
              ("<p>Hello Bob, see https://x.example/u/zzz3 and ok</p>",),
              ("<p>Something else entirely" + "!" * 5000 + "</p>",)]
    groups = share(bodies, [0, 0, 0, 0], lambda k: f"[{k}]")
    assert sorted(len(g.members) for g in groups) == [1, 3]
    for group in groups:
        for i, position in enumerate(group.members):
            assert group.literal(i) == bodies[position]


def test_ses_without_botocore_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.import_module

    def no_botocore(name: str, *args: Any) -> Any:
        if name.startswith("botocore"):
            raise ImportError(name)
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", no_botocore)
    with pytest.raises(DeliveryError) as caught:
        SesSender(ProviderSettings(api_key="AKID", api_secret="s"))
    assert caught.value.hint == "pip install 'newsletter[ses]'"


def test_413_splits_the_batch_in_two() -> None:
    with ProviderFake("postmark") as fake:
        fake.plan = [Fail(413, '{"ErrorCode": 300, "Message": "Request too large"}')]
        batch = messages(6)
        assert statuses(make("postmark", fake.url).send_batch(batch)) == [DeliveryStatus.SENT] * 6
        assert [len(r.payload or []) for r in fake.requests] == [0, 3, 3]


def test_ses_throttling_is_retried_and_message_rejected_is_not() -> None:
    pytest.importorskip("botocore")
    with ProviderFake("ses") as fake:
        fake.plan = [Fail(400, '{"message": "Maximum sending rate exceeded."}',
                          {"x-amzn-ErrorType": "Throttling:http://internal.amazon.com/"})]
        fake.reject["reader1@example.org"] = "rejected"
        waits = Waits()
        results = make("ses", fake.url, waits).send_batch(messages(2))
        assert statuses(results) == [DeliveryStatus.SENT, DeliveryStatus.FAILED]
        assert "MessageRejected" in results[1].detail
        assert len(fake.requests) == 3 and len(waits) == 1


def test_ses_account_problems_stop_the_run() -> None:
    pytest.importorskip("botocore")
    with ProviderFake("ses") as fake:
        fake.plan = [OK, Fail(400, '{"message": "Sending paused for this account."}',
                              {"x-amzn-ErrorType": "SendingPausedException"})]
        with pytest.raises(DeliveryError) as caught:
            make("ses", fake.url).send_batch(messages(3))
        assert statuses(caught.value.results) == [DeliveryStatus.SENT]
        assert len(fake.requests) == 2


def test_sendgrid_sends_a_recipient_with_oversized_substitutions_alone() -> None:
    long_name = "Amina" + "x" * 12_000  # beyond SendGrid's 10,000 bytes of substitutions
    batch = messages(3)
    assert batch[0].parts is not None
    parts = batch[0].parts
    batch[0] = Message(batch[0].subscriber_id, batch[0].recipient, batch[0].message_id,
                       batch[0].data, type(parts)(parts.sender, parts.to, long_name, parts.subject,
                                                  parts.text.replace("Amina", long_name),
                                                  parts.html.replace("Amina", long_name),
                                                  parts.headers))
    with ProviderFake("sendgrid") as fake:
        make("sendgrid", fake.url).send_batch(batch)
        assert sorted(len(r.payload["personalizations"]) for r in fake.requests) == [1, 2]
        got = {d.to: d for d in fake.delivered}
        for m in batch:
            assert m.parts is not None and got[m.recipient].html == m.parts.html


def test_a_body_that_already_contains_a_tag_is_never_substituted() -> None:
    middle = " price [1] for you." + " news" * 600  # long: the two differences make two slots
    bodies = [("Hi Ann," + middle + " https://x.example/u/a1",),
              ("Hi Bob," + middle + " https://x.example/u/b2",)]
    groups = share(bodies, [0, 0], lambda k: f"[{k}]")
    assert [g.members for g in groups] == [(0,), (1,)]  # each sent as its literal body
    assert [g.bodies for g in groups] == bodies


@pytest.mark.parametrize("shared", ["sendgrid", "mailgun", "brevo"])
def test_text_that_looks_like_a_tag_reaches_the_reader_as_it_is(shared: str) -> None:
    tags = {"sendgrid": "-nl0-", "mailgun": "%recipient.v0%", "brevo": "{{ params.v0 }}"}
    issue = RenderedIssue(
        issue_date=ISSUE.issue_date, language="fr", subject=ISSUE.subject, preheader="p",
        html=ISSUE.html.replace("Story 3:", f"Story 3 {tags[shared]}:"),
        text=ISSUE.text + f"\nA literal {tags[shared]} in the text.\n")
    batch = messages(5, issue=issue)
    with ProviderFake(shared) as fake:
        assert statuses(make(shared, fake.url).send_batch(batch)) == [DeliveryStatus.SENT] * 5
        got = {d.to: d for d in fake.delivered}
    for m in batch:
        assert m.parts is not None
        assert (got[m.recipient].html, got[m.recipient].text) == (m.parts.html, m.parts.text)
        assert tags[shared] in got[m.recipient].text


def test_parts_only_messages_share_the_issue_body_and_carry_no_mime() -> None:
    tokens = Tokens(b"k" * 32)
    factory = MessageFactory(
        ISSUE, sender_address="Le Brief <brief@news.example.org>", list_name="Le Brief",
        domain="news.example.org",
        unsubscribe_url=lambda s: f"https://news.example.org/u/{tokens.make(UNSUBSCRIBE, s.id)}")
    a, b = (factory.build(Subscriber(i, f"r{i}@example.org", "Zoé <b>"), NOW, with_parts=True,
                          mime=False) for i in (1, 2))
    assert a.data == b.data == b""
    assert a.parts is not None and b.parts is not None
    assert a.parts.template is b.parts.template  # one copy of the issue for the whole batch
    assert " Zoé," in a.parts.text and " Zoé," in a.parts.html and "<b>" not in a.parts.html
    assert "/u/" in a.parts.html and a.parts.html != b.parts.html


@pytest.mark.parametrize("provider", ["brevo", "mailgun"])  # SES: kept at its own quota's pace
def test_one_message_per_request_keeps_several_requests_in_flight(provider: str) -> None:
    """Latency, not CPU, bounds one-message-per-request providers: requests overlap."""
    batch = messages(24)
    with ProviderFake(provider) as fake:
        fake.delay = 0.05
        assert statuses(make(provider, fake.url).send_batch(batch)) == [DeliveryStatus.SENT] * 24
    assert len(fake.requests) == 24
    assert 2 <= fake.max_in_flight <= 8
    assert sorted(d.to for d in fake.delivered) == sorted(m.recipient for m in batch)


@pytest.mark.parametrize("provider", ["brevo", "mailgun"])
def test_refused_credentials_stop_the_requests_not_yet_started(provider: str) -> None:
    batch = messages(40)
    with ProviderFake(provider) as fake:
        fake.delay = 0.02
        fake.plan = [Fail(401)]
        with pytest.raises(DeliveryError, match="refused our credentials") as caught:
            make(provider, fake.url).send_batch(batch)
    assert len(fake.requests) < 40  # the rest never started
    assert all(r.status == DeliveryStatus.SENT for r in caught.value.results)
    assert len(caught.value.results) == len(fake.requests) - 1
