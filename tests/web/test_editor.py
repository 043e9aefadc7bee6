"""The editor's desk through Flask's test client: login, CSRF, logout, permissions, edits."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from newsletter import pipeline
from newsletter.config import Config
from newsletter.desk.accounts import add_editor
from newsletter.models import DeliveryStatus
from newsletter.store import Store
from newsletter.web import create_app
from tests.compose.test_checks import briefing
from tests.conftest import make_config, parse_eml
from tests.pg import store_url

DAY = date(2026, 11, 29)
NOW = datetime(2026, 11, 29, 5, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"


_URL: list[str] = []  # this test's store, on the backend of its parameter


@pytest.fixture(autouse=True, params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Every desk test on each backend (edits, approvals, sessions are store queries)."""
    with store_url(request.param, tmp_path) as url:
        _URL[:] = [url]
        yield url


def desk(tmp_path: Path, **editor: Any) -> tuple[Config, Store, FlaskClient]:
    config = make_config(tmp_path, store={"url": _URL[0]},
                         newsletter={"language": "en", "public_url": "http://localhost"},
                         editor={"test_addresses": "qa1@example.org, qa2@example.org", **editor})
    store = Store.open(config.database_url)
    b = briefing()
    store.save_issue(pipeline.render_briefing(config, b), pipeline.briefing_to_dict(b), NOW)
    add_editor(store, "amina", PASSWORD, "amina@example.org", NOW)
    return config, store, create_app(config, store).test_client()


def csrf_of(page: bytes) -> str:
    found = re.search(rb'name="csrf" value="([0-9a-f]+)"', page)
    assert found, page[:500]
    return found.group(1).decode()


def login(client: FlaskClient, password: str = PASSWORD, name: str = "amina") -> Any:
    token = csrf_of(client.get("/editor/login").data)
    return client.post("/editor/login", data={"username": name, "password": password,
                                              "csrf": token})


def page(client: FlaskClient) -> tuple[bytes, str, str]:
    answer = client.get(f"/editor/issue/{DAY}")
    assert answer.status_code == 200
    revision = re.search(rb'name="revision" value="(\d+)"', answer.data)
    assert revision
    return answer.data, csrf_of(answer.data), revision.group(1).decode()


def test_pages_need_a_login_and_posts_are_refused(tmp_path: Path) -> None:
    _, store, client = desk(tmp_path)
    answer = client.get(f"/editor/issue/{DAY}")
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith(f"/editor/login?next=/editor/issue/{DAY}")
    assert client.get("/editor/issues").status_code == 302
    assert client.get(f"/editor/issue/{DAY}/frame").status_code == 302
    refused = client.post(f"/editor/issue/{DAY}/story", data={"action": "drop", "story": "s1"})
    assert refused.status_code == 403
    assert store.issue_revision(DAY, "en") == 0


def test_login_sets_a_hardened_cookie_and_logout_ends_the_session(tmp_path: Path) -> None:
    config, store, client = desk(tmp_path)
    no_csrf = client.post("/editor/login", data={"username": "amina", "password": PASSWORD})
    assert no_csrf.status_code == 400
    assert login(client, "wrong password").status_code == 401
    answer = login(client)
    assert answer.status_code == 302 and answer.headers["Location"] == "/editor/"
    cookie = next(c for c in answer.headers.getlist("Set-Cookie") if c.startswith("nl_editor="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/editor" in cookie
    assert "Secure" not in cookie  # public_url is http here
    session = cookie.split(";")[0].split("=", 1)[1]
    body, csrf, _ = page(client)
    assert b"Signed in as amina" in body
    assert client.post("/editor/logout", data={}).status_code == 400  # CSRF on logout too
    assert client.post("/editor/logout", data={"csrf": csrf}).status_code == 302
    client.set_cookie("nl_editor", session, path="/editor")  # the old cookie, replayed
    assert client.get(f"/editor/issue/{DAY}").status_code == 302
    https = create_app(config.__class__(**{**vars(config), "newsletter": type(config.newsletter)(
        **{**vars(config.newsletter), "public_url": "https://news.example.org"})}), store)
    secure = login(https.test_client())
    assert any("Secure" in c for c in secure.headers.getlist("Set-Cookie"))


def test_next_never_leaves_the_editor_area(tmp_path: Path) -> None:
    _, _, client = desk(tmp_path)
    token = csrf_of(client.get("/editor/login").data)
    answer = client.post("/editor/login?next=https://evil.example/x",
                         data={"username": "amina", "password": PASSWORD, "csrf": token})
    assert answer.headers["Location"] == "/editor/"


def test_failed_logins_lock_the_name_even_with_the_right_password(tmp_path: Path) -> None:
    _, _, client = desk(tmp_path, max_login_failures=2)
    assert login(client, "nope nope nope").status_code == 401
    assert login(client, "nope nope nope").status_code == 429
    locked = login(client)
    assert locked.status_code == 429 and b"try again after" in locked.data
    assert login(client, name="ghost").status_code == 429  # the client address is locked too


def test_edits_need_the_csrf_token_and_are_logged(tmp_path: Path) -> None:
    _, store, client = desk(tmp_path)
    login(client)
    _, csrf, revision = page(client)
    forged = client.post(f"/editor/issue/{DAY}/story",
                         data={"action": "drop", "story": "s2", "revision": revision})
    assert forged.status_code == 400 and store.issue_revision(DAY, "en") == 0
    done = client.post(f"/editor/issue/{DAY}/story", data={
        "action": "drop", "story": "s2", "revision": revision, "csrf": csrf})
    assert done.status_code == 303 and done.headers["Location"].endswith("#story-s2")
    issue = store.get_issue(DAY, "en")
    assert issue is not None and "https://news.example/2" not in issue.html + issue.text
    again = client.post(f"/editor/issue/{DAY}/story", data={  # the same, stale form
        "action": "drop", "story": "s3", "revision": revision, "csrf": csrf})
    assert again.status_code == 409 and b"changed since this page was loaded" in again.data
    body, csrf, revision = page(client)
    client.post(f"/editor/issue/{DAY}/story", data={
        "action": "rewrite", "story": "s3", "revision": revision, "csrf": csrf,
        "headline": "Headline number 3 about the harbour", "summary": "The cranes are here."})
    body, _, _ = page(client)
    assert b"The cranes are here." in body
    assert [(e["editor"], e["action"]) for e in store.issue_log(DAY, "en")] == [
        ("amina", "summary"), ("amina", "drop")]


def test_approval_is_withdrawn_by_an_edit_and_a_sent_issue_is_locked(tmp_path: Path) -> None:
    _, store, client = desk(tmp_path)
    login(client)
    _, csrf, revision = page(client)
    client.post(f"/editor/issue/{DAY}/approve", data={"action": "approve", "csrf": csrf,
                                                      "revision": revision})
    body, csrf, revision = page(client)
    assert b"Approved by amina" in body and store.approval(DAY, "en")
    client.post(f"/editor/issue/{DAY}/story", data={"action": "pin", "story": "s3",
                                                    "revision": revision, "csrf": csrf})
    assert store.approval(DAY, "en") is None
    store.set_issue_status(DAY, "sent")
    body, csrf, revision = page(client)
    assert b"can no longer be edited" in body and b'value="drop"' not in body
    refused = client.post(f"/editor/issue/{DAY}/story", data={
        "action": "drop", "story": "s1", "revision": revision, "csrf": csrf})
    assert refused.status_code == 409 and store.get_issue(DAY, "en").html.count("news.example/1")  # type: ignore[union-attr]


def test_test_sends_go_through_the_sender_but_not_the_ledger(tmp_path: Path) -> None:
    config, store, client = desk(tmp_path)
    login(client)
    _, csrf, revision = page(client)
    expected = {"test-me": ["amina@example.org"],
                "test-list": ["qa1@example.org", "qa2@example.org"]}
    for action, addresses in expected.items():
        answer = client.post(f"/editor/issue/{DAY}/test", data={
            "action": action, "csrf": csrf, "revision": revision})
        assert answer.status_code == 303
        messages = [parse_eml(p) for p in sorted(config.path("outbox").glob("*-test-*.eml"),
                                                 key=lambda p: p.stat().st_mtime_ns)]
        assert sorted(m["To"] for m in messages[-len(addresses):]) == addresses
        assert all(m["Subject"].startswith("[TEST] Headline number 1") for m in messages)
    assert len(list(config.path("outbox").glob("*-test-*.eml"))) == 3  # none overwritten
    assert store.delivery_counts(DAY) == {}
    assert [e["action"] for e in store.issue_log(DAY, "en")] == ["test", "test"]


def test_past_issues_list_status_counts_and_web_link(tmp_path: Path) -> None:
    _, store, client = desk(tmp_path)
    store.add_subscriber("a@example.org", now=NOW)
    store.claim_deliveries(DAY, [(1, "<m@x>")], NOW)
    login(client)
    listing = client.get("/editor/issues")
    assert listing.status_code == 200
    row = re.search(rb"<tr>\s*<td><a href=\"/editor/issue/2026-11-29\?lang=en\">.*?</tr>",
                    listing.data, re.S)
    assert row, listing.data
    cells = re.findall(rb"<td>(.*?)</td>", row.group(0), re.S)
    assert b"draft" in cells[2] and cells[3:6] == [b"0", b"0", b"1"]
    assert b'href="/issues/' not in row.group(0)  # a draft has no public web version
    store.set_issue_status(DAY, "sent")
    assert b'href="/issues/2026-11-29"' in client.get("/editor/issues").data


def test_preview_frame_forces_the_scheme_and_is_locked_down(tmp_path: Path) -> None:
    _, _, client = desk(tmp_path)
    login(client)
    dark = client.get(f"/editor/issue/{DAY}/frame?scheme=dark&lang=en")
    light = client.get(f"/editor/issue/{DAY}/frame?scheme=light&lang=en")
    assert b"@media all" in dark.data and b"prefers-color-scheme: dark" not in dark.data
    assert b"@media not all" in light.data
    assert b"NL__UNSUBSCRIBE" not in dark.data
    assert "default-src 'none'" in dark.headers["Content-Security-Policy"]
    assert client.get(f"/editor/issue/{DAY}").headers["X-Frame-Options"] == "DENY"


def test_behind_a_proxy_one_visitors_failures_do_not_lock_out_the_others(tmp_path: Path) -> None:
    config = make_config(tmp_path, store={"url": _URL[0]},
                         newsletter={"language": "en", "public_url": "http://localhost"},
                         editor={"max_login_failures": 2}, web={"proxy_hops": 1})
    store = Store.open(config.database_url)
    add_editor(store, "amina", PASSWORD, "amina@example.org", NOW)
    client = create_app(config, store).test_client()

    def attempt(password: str, name: str, ip: str) -> int:
        token = csrf_of(client.get("/editor/login").data)
        return client.post("/editor/login", environ_base={"REMOTE_ADDR": "10.0.0.1"},
                           headers={"X-Forwarded-For": ip},
                           data={"username": name, "password": password, "csrf": token}
                           ).status_code

    for ghost in ("ghost1", "ghost2", "ghost3"):  # an attacker guessing names, one address
        attempt("wrong wrong", ghost, "203.0.113.9")
    assert attempt(PASSWORD, "amina", "203.0.113.9") == 429  # the attacker's address is locked
    assert attempt(PASSWORD, "amina", "198.51.100.7") == 302  # the editor, same proxy: logs in


def test_past_issues_count_each_edition_on_its_own_row(tmp_path: Path) -> None:
    config, store, client = desk(tmp_path)  # the newsletter's language: en
    fr = briefing(language="fr")
    store.save_issue(pipeline.render_briefing(config, fr), pipeline.briefing_to_dict(fr), NOW)
    ids = [store.add_subscriber(f"{who}@example.org", language=lang, now=NOW)[0]
           for who, lang in (("f1", "fr"), ("f2", "fr"), ("e1", "en"), ("n1", None),
                             ("a1", "ar"))]  # no Arabic edition: they get the English one
    store.claim_deliveries(DAY, [(i, f"<{i}@x>") for i in ids], NOW)
    store.record_deliveries(DAY, [(i, DeliveryStatus.SENT, "ok") for i in ids], NOW)
    login(client)
    listing = client.get("/editor/issues").data
    sent = {}
    for lang in ("en", "fr"):
        row = re.search(rb"<tr>\s*<td><a href=\"/editor/issue/2026-11-29\?lang=" +
                        lang.encode() + rb"\">.*?</tr>", listing, re.S)
        assert row, listing
        sent[lang] = re.findall(rb"<td>(.*?)</td>", row.group(0), re.S)[3]
    assert sent == {"en": b"3", "fr": b"2"}


def test_failures_from_one_address_do_not_lock_the_name_from_another(tmp_path: Path) -> None:
    _, _, client = desk(tmp_path, max_login_failures=2)

    def attempt(password: str, ip: str) -> int:
        token = csrf_of(client.get("/editor/login").data)
        return client.post("/editor/login", environ_base={"REMOTE_ADDR": ip},
                           data={"username": "amina", "password": password, "csrf": token}
                           ).status_code

    assert [attempt("nope nope nope", "203.0.113.9") for _ in range(3)] == [401, 429, 429]
    assert attempt(PASSWORD, "203.0.113.9") == 429  # that address, for that name: locked
    assert attempt(PASSWORD, "198.51.100.7") == 302  # the editor elsewhere: not locked out


def test_a_newline_in_next_gets_a_clear_400_not_a_500(tmp_path: Path) -> None:
    _, _, client = desk(tmp_path)
    for target in ("/editor/issues\r\nSet-Cookie: x=1", "/editor/\nX", "/editor/\x00"):
        page = client.get("/editor/login", query_string={"next": target})
        assert page.status_code == 400 and b"login link is damaged" in page.data
        token = csrf_of(client.get("/editor/login").data)
        answer = client.post("/editor/login", query_string={"next": target},
                             data={"username": "amina", "password": PASSWORD, "csrf": token})
        assert answer.status_code == 400 and "Set-Cookie: x" not in str(answer.headers)
    assert client.get(f"/editor/issue/{DAY}").status_code == 302  # not logged in by it


def test_a_revision_that_is_not_a_number_gets_a_clear_400(tmp_path: Path) -> None:
    _, store, client = desk(tmp_path)
    login(client)
    _, csrf, _ = page(client)
    for revision in ("abc", "1e9", "", "9" * 40):
        answer = client.post(f"/editor/issue/{DAY}/story", data={
            "action": "drop", "story": "s2", "revision": revision, "csrf": csrf})
        assert answer.status_code == 400, revision
        assert b"is not a number: reload the page" in answer.data
        assert b'role="alert"' in answer.data
    assert store.issue_revision(DAY, "en") == 0
