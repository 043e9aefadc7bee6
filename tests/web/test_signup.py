"""Sign-up by double opt-in through Flask's test client, on a real SQLite store and outbox."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from newsletter.cli import main
from newsletter.config import Config
from newsletter.errors import ConfigError
from newsletter.people.lists import forget
from newsletter.pipeline import utc_now
from newsletter.store import Store
from newsletter.tokens import CONFIRM, UNSUBSCRIBE, Tokens
from newsletter.web import create_app
from tests.conftest import SECRET, make_config, parse_eml
from tests.pg import store_url


class Site:
    """One app on a fresh store, and helpers to walk its sign-up pages."""

    def __init__(self, tmp_path: Path, web: dict[str, Any] | None = None,
                 url: str = "sqlite:///db.sqlite3", **signup: Any) -> None:
        self.tmp_path = tmp_path
        self.config: Config = make_config(tmp_path, signup=signup, web=web or {},
                                          store={"url": url},
                                          sections={"Sport": 1.0, "Tech": 1.0})
        self.store = Store.open(self.config.database_url)
        self.app: Flask = create_app(self.config, self.store)
        self.client: FlaskClient = self.app.test_client()

    def form(self, client: FlaskClient | None = None, **headers: str) -> str:
        page = (client or self.client).get("/subscribe", headers=headers)
        assert page.status_code == 200
        return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]

    def subscribe(self, email: str, *, ip: str = "198.51.100.7", client: FlaskClient | None = None,
                  **fields: Any) -> Any:
        client = client or self.client
        data = {"csrf": self.form(client), "email": email, "name": "Ann Lee", "language": "en",
                "consent": "yes", "lang": "en", **fields}
        answer = client.post("/subscribe", data=data, environ_base={"REMOTE_ADDR": ip},
                             headers={"User-Agent": "TestBrowser/1.0"})
        client.application.extensions["signup_queue"].wait()  # finished after the answer
        return answer

    def emails(self) -> list[Path]:
        self.app.extensions["signup_queue"].wait()
        return sorted((self.tmp_path / "outbox").glob("confirm-*.eml"))

    def row(self, email: str) -> dict[str, Any]:
        rows = [r for r in self.store.list_subscribers() if r["email"] == email]
        assert len(rows) == 1
        return rows[0]

    def confirm_link(self, eml: Path) -> str:
        text = parse_eml(eml).get_body(("plain",)).get_content()  # type: ignore[union-attr]
        return re.search(r"https?://\S+/confirm/\S+", text).group(0)  # type: ignore[union-attr]


@pytest.fixture(params=["sqlite", "postgresql"])
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    """The sign-up pages on each backend (limits, pending rows and consent are queries)."""
    with store_url(request.param, tmp_path) as url:
        made = Site(tmp_path, url=url)
        yield made
        made.app.extensions["signup_queue"].wait()
        made.store.close()


def test_form_is_accessible_localised_and_has_no_prechecked_consent(site: Site) -> None:
    page = site.client.get("/subscribe")
    html = page.text
    assert page.status_code == 200 and '<html lang="fr" dir="ltr">' in html  # the newsroom's
    for field in ("email", "name", "language", "consent", "website", "section-1"):
        assert f'<label for="{field}">' in html and f'id="{field}"' in html, field
    consent = re.search(r'<input id="consent"[^>]*>', html).group(0)  # type: ignore[union-attr]
    assert "checked" not in consent
    honeypot = re.search(r'<input id="website"[^>]*>', html).group(0)  # type: ignore[union-attr]
    assert 'tabindex="-1"' in honeypot and "Laissez ce champ vide" in html
    assert "<script" not in html  # works without JavaScript
    assert "HttpOnly" in page.headers["Set-Cookie"] and "SameSite=Lax" in page.headers["Set-Cookie"]
    english = site.client.get("/subscribe", headers={"Accept-Language": "en-GB,en;q=0.8"}).text
    assert '<html lang="en"' in english and "Email address" in english
    assert '<html lang="fr"' in site.client.get("/subscribe?lang=fr",
                                                headers={"Accept-Language": "en"}).text
    # Every edition's language is offered, Arabic included (right to left).
    langs = re.search(r'<nav class="langs".*?</nav>', html, re.S).group(0)  # type: ignore[union-attr]
    assert 'href="?lang=en"' in langs and 'href="?lang=ar"' in langs and "?lang=fr" not in langs
    arabic = site.client.get("/subscribe?lang=ar").text
    assert '<html lang="ar" dir="rtl">' in arabic and 'href="?lang=fr"' in arabic


def test_sign_up_makes_a_pending_subscriber_and_one_confirmation_email(site: Site) -> None:
    answer = site.subscribe("Ann@Example.org", sections=["Tech"])
    assert answer.status_code == 303 and answer.headers["Location"] == "/subscribe/thanks?lang=en"
    row = site.row("ann@example.org")
    assert row["status"] == "pending" and row["consent_at"] is None
    assert row["sections"] == "Tech" and row["language"] == "en"
    assert list(site.store.active_subscribers()) == []  # the daily send skips it
    (eml,) = site.emails()
    message = parse_eml(eml)
    assert message["To"] == "Ann Lee <ann@example.org>"
    assert message["From"] == "Le Brief <brief@news.example.org>"
    assert message["Subject"] == "Confirm your subscription to Le Brief"
    assert message["Date"] and message["Message-ID"].endswith("@news.example.org>")
    assert message.get_content_type() == "multipart/alternative"
    assert b"\r\n" in eml.read_bytes()
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    link = site.confirm_link(eml)
    assert link.startswith("https://news.example.org/confirm/") and link in html
    assert 'lang="en"' in html
    token = link.rsplit("/", 1)[1]
    payload = base64.urlsafe_b64decode(token.split(".")[0] + "==")
    assert b"@" not in payload and b"ann" not in payload  # no readable address in the token


def test_confirm_by_get_changes_nothing_post_confirms_and_records_consent(site: Site) -> None:
    site.subscribe("ann@example.org", ip="203.0.113.9")
    path = site.confirm_link(site.emails()[0]).replace("https://news.example.org", "")
    page = site.client.get(path)
    assert page.status_code == 200 and "<button" in page.text and '<html lang="en"' in page.text
    assert site.row("ann@example.org")["status"] == "pending"
    assert site.client.post(path, data={}).status_code == 400
    assert site.client.post(path, data={"csrf": "0" * 64}).status_code == 400
    assert site.row("ann@example.org")["status"] == "pending"
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)  # type: ignore[union-attr]
    before = utc_now()
    done = site.client.post(path, data={"csrf": csrf})
    assert done.status_code == 200 and "/preferences/" in done.text and "/unsubscribe/" in done.text
    row = site.row("ann@example.org")
    assert row["status"] == "active" and row["consent_source"] == "form"
    assert row["consent_at"] >= before
    assert row["consent_ip"] == "203.0.113.9" and row["consent_user_agent"] == "TestBrowser/1.0"
    assert row["consent_text_version"] == "2026-01"
    assert [s.email for batch in site.store.active_subscribers() for s in batch] == ["ann@example.org"]
    again = site.client.post(path, data={"csrf": csrf})  # idempotent
    assert again.status_code == 200 and site.row("ann@example.org")["consent_at"] == row["consent_at"]


def _expired_confirm_token(subscriber_id: int) -> str:
    class PastSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 49 * 3600  # confirm_hours is 48

    return str(URLSafeTimedSerializer(SECRET.encode(), salt=f"newsletter.{CONFIRM}",
                                      signer=PastSigner,
                                      signer_kwargs={"digest_method": hashlib.sha256}
                                      ).dumps({"s": subscriber_id}))


def test_tampered_expired_and_foreign_tokens_get_a_localised_400(site: Site) -> None:
    site.subscribe("ann@example.org")
    good = site.confirm_link(site.emails()[0]).rsplit("/", 1)[1]
    sid = site.row("ann@example.org")["id"]
    tampered = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    tokens = Tokens(SECRET.encode())
    for token in (tampered, _expired_confirm_token(sid), tokens.make(UNSUBSCRIBE, sid), "junk"):
        for method in (site.client.get, site.client.post):
            page = method(f"/confirm/{token}", headers={"Accept-Language": "en"})
            assert page.status_code == 400, token
            assert "This confirmation link is invalid or has expired" in page.text
    french = site.client.get(f"/confirm/{tampered}", headers={"Accept-Language": "fr"})
    assert "Ce lien de confirmation" in french.text
    assert site.row("ann@example.org")["status"] == "pending"


def test_same_answer_for_new_pending_active_and_leaving_addresses(site: Site) -> None:
    now = utc_now()
    site.store.add_subscriber("active@example.org", now=now)
    left, _ = site.store.add_subscriber("left@example.org", now=now)
    site.store.set_subscriber_status(left, "unsubscribed", now)
    bounced, _ = site.store.add_subscriber("bounced@example.org", now=now)
    site.store.set_subscriber_status(bounced, "bounced", now)
    site.store.add_subscriber("gone@example.org", now=now)
    assert forget(site.store, SECRET.encode(), "gone@example.org", now)
    answers = []
    for i, email in enumerate(["new@example.org", "active@example.org", "left@example.org",
                               "bounced@example.org", "gone@example.org", "new@example.org"]):
        answer = site.subscribe(email, ip=f"192.0.2.{i}")
        followed = site.client.get(answer.headers["Location"])
        answers.append((answer.status_code, answer.headers["Location"], followed.status_code,
                        followed.text))
    assert len(set(answers)) == 1 and answers[0][0] == 303
    assert "new@example.org" not in answers[0][3]
    emails = site.emails()
    assert [parse_eml(e)["To"] for e in emails] == ["Ann Lee <new@example.org>"] * 2
    assert site.row("active@example.org")["status"] == "active"
    assert site.row("left@example.org")["status"] == "unsubscribed"
    assert site.row("bounced@example.org")["status"] == "bounced"
    assert "gone@example.org" not in [r["email"] for r in site.store.list_subscribers()]


def test_honeypot_gets_the_same_answer_and_nothing_happens(site: Site) -> None:
    human = site.subscribe("ann@example.org", ip="192.0.2.1")
    bot = site.subscribe("bot@example.org", ip="192.0.2.2", website="http://spam.example")
    assert (bot.status_code, bot.headers["Location"]) == (human.status_code,
                                                          human.headers["Location"])
    assert [r["email"] for r in site.store.list_subscribers()] == ["ann@example.org"]
    assert len(site.emails()) == 1


def test_csrf_missing_wrong_expired_or_without_cookie_is_refused(site: Site) -> None:
    data = {"email": "ann@example.org", "consent": "yes", "language": "en"}
    assert site.client.post("/subscribe", data=data).status_code == 400
    assert site.client.post("/subscribe", data={**data, "csrf": "forged"}).status_code == 400
    stranger = create_app(site.config, site.store).test_client()  # a form of another visitor
    foreign = site.form(stranger)
    site.form()
    assert site.client.post("/subscribe", data={**data, "csrf": foreign}).status_code == 400
    no_cookie = create_app(site.config, site.store).test_client(use_cookies=False)
    page = no_cookie.post("/subscribe", data={**data, "csrf": site.form()})
    assert page.status_code == 400 and "Ce formulaire a expiré" in page.text  # French default

    class PastSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 3 * 3600  # csrf_minutes is 120

    old = URLSafeTimedSerializer(SECRET.encode(), salt="newsletter.csrf.subscribe",
                                 signer=PastSigner, signer_kwargs={"digest_method": hashlib.sha256})
    cookie = site.client.get_cookie("nl_signup")
    assert cookie is not None
    expired = old.dumps([cookie.value, "an-id-never-used"])
    assert site.client.post("/subscribe", data={**data, "csrf": expired}).status_code == 400
    assert site.store.list_subscribers() == [] and site.emails() == []


def test_a_form_is_sent_once_its_token_is_refused_after(site: Site) -> None:
    csrf = site.form()
    data = {"csrf": csrf, "email": "ann@example.org", "consent": "yes", "lang": "en"}
    assert site.client.post("/subscribe", data=data).status_code == 303
    for email in ("ann@example.org", "bob@example.org"):  # the same form, sent again
        again = site.client.post("/subscribe", data={**data, "email": email})
        assert again.status_code == 400 and "This form has expired" in again.text
    site.app.extensions["signup_queue"].wait()
    assert [r["email"] for r in site.store.list_subscribers()] == ["ann@example.org"]
    assert len(site.emails()) == 1
    assert site.subscribe("bob@example.org").status_code == 303  # a new form: fine


def test_used_form_tokens_are_kept_until_they_expire(site: Site) -> None:
    now = utc_now()
    later = now + timedelta(minutes=120)
    assert site.store.use_signup_token("a" * 64, expires_at=later, now=now)
    assert not site.store.use_signup_token("a" * 64, expires_at=later, now=now)
    assert not site.store.use_signup_token("a" * 64, expires_at=later,
                                           now=later - timedelta(seconds=1))
    # Once expired it is forgotten (its signature is refused by then anyway).
    assert site.store.use_signup_token("a" * 64, expires_at=later + timedelta(hours=2),
                                       now=later + timedelta(seconds=1))


def test_invalid_fields_show_the_form_again_with_the_problem(site: Site) -> None:
    csrf = site.form()
    page = site.client.post("/subscribe", data={"csrf": csrf, "email": "not-an-address",
                                                "consent": "yes", "lang": "en"})
    assert page.status_code == 400 and 'aria-invalid="true"' in page.text
    assert "Enter a valid email address" in page.text and 'value="not-an-address"' in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    page = site.client.post("/subscribe", data={"csrf": csrf, "email": "ann@example.org",
                                                "lang": "en"})
    assert page.status_code == 400 and "Tick the box" in page.text
    assert site.store.list_subscribers() == []


def test_rate_limit_per_ip_is_shared_by_server_processes(tmp_path: Path) -> None:
    site = Site(tmp_path, per_ip=3)
    other = create_app(site.config, Store.open(site.config.database_url)).test_client()
    for i in range(2):
        assert site.subscribe(f"a{i}@example.org", ip="192.0.2.50").status_code == 303
    assert site.subscribe("a2@example.org", ip="192.0.2.50", client=other).status_code == 303
    limited = site.subscribe("a3@example.org", ip="192.0.2.50", client=other)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) == 3600
    assert "a3@example.org" not in limited.text and "Too many sign-ups" in limited.text
    assert site.subscribe("a3@example.org", ip="192.0.2.51").status_code == 303
    assert sorted(r["email"] for r in site.store.list_subscribers()) == [
        "a0@example.org", "a1@example.org", "a2@example.org", "a3@example.org"]


def test_rate_limit_per_address_stops_the_emails_not_the_answer(tmp_path: Path) -> None:
    site = Site(tmp_path, per_address=2)
    answers = {(a.status_code, a.headers["Location"]) for a in
               (site.subscribe("ann@example.org", ip=f"192.0.2.{i}") for i in range(4))}
    assert answers == {(303, "/subscribe/thanks?lang=en")}
    assert len(site.emails()) == 2


def test_pending_sign_up_again_refreshes_the_consent_evidence(site: Site) -> None:
    site.subscribe("ann@example.org", ip="192.0.2.1", name="Ann")
    site.subscribe("ann@example.org", ip="192.0.2.2", name="Annie", language="fr")
    row = site.row("ann@example.org")
    assert (row["status"], row["name"], row["language"], row["consent_ip"]) == (
        "pending", "Annie", "fr", "192.0.2.2")
    last = site.emails()[-1]
    assert parse_eml(last)["Subject"] == "Confirmez votre abonnement à Le Brief"


def test_forwarded_for_is_trusted_only_when_configured(tmp_path: Path) -> None:
    for hops, expected in ((0, "10.0.0.5"), (1, "203.0.113.77")):
        site = Site(tmp_path / str(hops), web={"proxy_hops": hops})
        csrf = site.form()
        site.client.post("/subscribe", environ_base={"REMOTE_ADDR": "10.0.0.5"},
                         headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.77"},
                         data={"csrf": csrf, "email": "ann@example.org", "consent": "yes"})
        site.app.extensions["signup_queue"].wait()
        assert site.row("ann@example.org")["consent_ip"] == expected


def test_old_pending_sign_ups_are_purged_at_sign_up_and_by_the_cli(site: Site) -> None:
    now = utc_now()
    site.store.add_pending_subscriber("old@example.org", name="", language=None, sections="",
                                      consent_ip="192.0.2.1", consent_user_agent="x",
                                      consent_text_version="1", now=now - timedelta(days=8))
    site.subscribe("ann@example.org")
    assert [r["email"] for r in site.store.list_subscribers()] == ["ann@example.org"]
    site.store.add_pending_subscriber("old2@example.org", name="", language=None, sections="",
                                      consent_ip="192.0.2.1", consent_user_agent="x",
                                      consent_text_version="1", now=now - timedelta(days=3))
    config = site.tmp_path / "newsletter.toml"
    config.write_text(f'[store]\nurl = "{site.config.database_url}"\n', encoding="utf-8")
    runner = CliRunner()
    refused = runner.invoke(main, ["subscribers", "purge-pending", "--older-than", "1",
                                   "--config", str(config)])
    assert refused.exit_code == 2 and "--older-than" in refused.output
    result = runner.invoke(main, ["subscribers", "purge-pending", "--older-than", "2", "--json",
                                  "--config", str(config)])
    assert result.exit_code == 0 and json.loads(result.output)["deleted"] == 1
    assert [r["email"] for r in site.store.list_subscribers()] == ["ann@example.org"]


@pytest.mark.parametrize(("values", "key"), [
    ({"per_ip": 0}, "[signup] per_ip"),
    ({"confirm_hours": 200, "pending_days": 7}, "[signup] pending_days"),
    ({"from_address": "nobody"}, "[signup] from_address"),
    ({"consent_text_version": " "}, "[signup] consent_text_version"),
    ({"per_adress": 3}, "per_adress"),
])
def test_wrong_signup_config_names_the_key(tmp_path: Path, values: dict[str, Any],
                                           key: str) -> None:
    with pytest.raises(ConfigError) as info:
        make_config(tmp_path, signup=values)
    assert key in info.value.message


def test_disabled_signup_has_no_pages(tmp_path: Path) -> None:
    site = Site(tmp_path, enabled=False)
    assert site.client.get("/subscribe").status_code == 404


def test_the_answer_costs_the_same_work_for_new_and_known_addresses(site: Site) -> None:
    """Before the answer, the same statements and one queued job, whatever the address;
    the work that differs (pending row, email) happens after, in the queue's thread."""
    import threading

    from sqlalchemy import event

    now = utc_now()
    site.store.add_subscriber("active@example.org", now=now)
    left, _ = site.store.add_subscriber("left@example.org", now=now)
    site.store.set_subscriber_status(left, "unsubscribed", now)
    site.store.add_subscriber("gone@example.org", now=now)
    assert forget(site.store, SECRET.encode(), "gone@example.org", now)
    site.subscribe("pending@example.org", ip="192.0.2.200")
    queue = site.app.extensions["signup_queue"]

    def before_the_answer(email: str, ip: str) -> tuple[int, list[str], int]:
        csrf = site.form()
        statements: list[str] = []
        me = threading.get_ident()

        def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if threading.get_ident() == me:  # this request, not the queue's thread
                statements.append(" ".join(statement.split()))

        queued = queue.queued
        event.listen(site.store.engine, "before_cursor_execute", seen)
        try:
            answer = site.client.post("/subscribe", environ_base={"REMOTE_ADDR": ip}, data={
                "csrf": csrf, "email": email, "consent": "yes", "lang": "en"})
        finally:
            event.remove(site.store.engine, "before_cursor_execute", seen)
        work = (answer.status_code, statements, queue.queued - queued)
        queue.wait()
        return work

    new = before_the_answer("new@example.org", "192.0.2.1")
    assert new[0] == 303 and new[2] == 1
    assert any(s.startswith("INSERT INTO signup_attempts") for s in new[1])
    for i, known in enumerate(["active@example.org", "left@example.org", "gone@example.org",
                               "pending@example.org", "new@example.org"]):
        assert before_the_answer(known, f"192.0.2.{10 + i}") == new, known
    emails = [parse_eml(e)["To"] for e in site.emails()]
    assert emails.count("new@example.org") == 2  # the work did happen, after the answer


def test_a_mailbox_no_sender_here_can_reach_is_refused_in_the_form(site: Site) -> None:
    page = site.subscribe("üser@example.org")
    assert page.status_code == 400 and 'aria-invalid="true"' in page.text
    assert "accented or non-Latin letters before the @" in page.text
    assert 'value="üser@example.org"' in page.text  # kept, to be corrected
    assert site.store.list_subscribers() == [] and site.emails() == []
    # An internationalised domain is fine: stored and emailed in its ASCII form.
    assert site.subscribe("Ann@Bücher.example").status_code == 303
    assert site.row("ann@xn--bcher-kva.example")["status"] == "pending"
    (eml,) = site.emails()
    assert parse_eml(eml)["To"] == "Ann Lee <ann@xn--bcher-kva.example>"


def test_why_non_ascii_mailboxes_are_refused_no_sender_can_build_their_email() -> None:
    """When this starts failing, confirmations can reach them: list the sender in
    people.signup.SMTPUTF8_SENDERS (and test its delivery) to accept them in the form."""
    from newsletter.compose.confirmation import ConfirmationRequest, confirmation_message
    from newsletter.people.signup import SMTPUTF8_SENDERS

    assert not SMTPUTF8_SENDERS
    with pytest.raises(Exception, match="non-ASCII"):
        confirmation_message(ConfirmationRequest(1, "üser@example.org", "", "en",
                                                 "https://news.example.org/confirm/x"),
                             sender_address="Le Brief <brief@news.example.org>",
                             list_name="Le Brief", postal_address="1 rue", hours=48,
                             now=utc_now())
