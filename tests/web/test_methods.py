"""Only POST changes anything: every other method on every state-changing route is harmless.

Link scanners and prefetchers send HEAD and GET to every link of an email; some send
OPTIONS, PUT or an empty POST. Each route that can change state is tried with every
method carrying a form that *would* change state if it were POSTed, and the state is
checked after each. A last test makes sure no route that takes POST escapes this list.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from newsletter import pipeline
from newsletter.desk.accounts import add_editor
from newsletter.store import Store
from newsletter.tokens import CONFIRM, PREFERENCES, UNSUBSCRIBE, Tokens
from newsletter.web import create_app
from tests.compose.test_checks import briefing
from tests.conftest import SECRET, make_config

NOW = datetime(2026, 11, 29, 5, 0, tzinfo=UTC)
DAY = date(2026, 11, 29)
PASSWORD = "correct horse battery"
NOT_POST = ("HEAD", "GET", "OPTIONS", "PUT", "PATCH", "DELETE")

# Every route that accepts POST, and the test below that shows nothing else changes it.
AUDITED = {
    "/unsubscribe/<token>", "/preferences/<token>", "/confirm/<token>", "/subscribe",
    "/editor/login", "/editor/logout", "/editor/issue/<day>/story", "/editor/issue/<day>/add",
    "/editor/issue/<day>/subject", "/editor/issue/<day>/approve", "/editor/issue/<day>/test",
    "/webhooks/<provider>", "/webhooks/<provider>/<token>", "/api/subscribe",
}


@pytest.fixture
def site(tmp_path: Path) -> tuple[FlaskClient, Store]:
    config = make_config(tmp_path, newsletter={"language": "en", "public_url": "http://localhost"},
                         editor={"test_addresses": "qa@example.org"},
                         web={"allowed_origins": ["https://www.example.org"]},
                         sections={"Sport": 1.0})
    store = Store.open(config.database_url)
    store.add_subscriber("a@example.org", now=NOW)
    b = briefing()
    store.save_issue(pipeline.render_briefing(config, b), pipeline.briefing_to_dict(b), NOW)
    add_editor(store, "amina", PASSWORD, "amina@example.org", NOW)
    return create_app(config, store).test_client(), store


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:300]
    return found.group(1)


def token(purpose: str, sid: int = 1) -> str:
    return Tokens(SECRET.encode()).make(purpose, sid)


@pytest.mark.parametrize("method", NOT_POST)
def test_unsubscribe_only_by_one_click_post(site: tuple[FlaskClient, Store], method: str) -> None:
    client, store = site
    answer = client.open(f"/unsubscribe/{token(UNSUBSCRIBE)}", method=method,
                         data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code in (200, 405), answer.status_code
    assert store.get_subscriber(1).status == "active"  # type: ignore[union-attr]


def test_a_post_without_the_one_click_body_changes_nothing(site: tuple[FlaskClient, Store]
                                                           ) -> None:
    client, store = site
    path = f"/unsubscribe/{token(UNSUBSCRIBE)}"
    for data in ({}, {"List-Unsubscribe": "yes"}):
        answer = client.post(path, data=data)
        assert answer.status_code == 400 and b"<button" in answer.data
        assert store.get_subscriber(1).status == "active"  # type: ignore[union-attr]
    button = client.get(path).text  # the page's own form sends the one-click body
    assert '<input type="hidden" name="List-Unsubscribe" value="One-Click">' in button
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert store.get_subscriber(1).status == "unsubscribed"  # type: ignore[union-attr]


@pytest.mark.parametrize("method", NOT_POST)
def test_preferences_change_only_by_post(site: tuple[FlaskClient, Store], method: str) -> None:
    client, store = site
    path = f"/preferences/{token(PREFERENCES)}"
    csrf = csrf_of(client.get(path).text)
    client.open(path, method=method, data={"language": "fr", "timezone": "Europe/Paris",
                                           "sections": "Sport", "csrf": csrf})
    assert store.subscriber_preferences(1)["language"] is None  # type: ignore[index]
    assert client.post(path, data={"language": "fr", "csrf": csrf}).status_code == 200
    assert store.subscriber_preferences(1)["language"] == "fr"  # type: ignore[index]


@pytest.mark.parametrize("method", NOT_POST)
def test_confirm_only_by_post(site: tuple[FlaskClient, Store], method: str) -> None:
    client, store = site
    sid = store.add_pending_subscriber("p@example.org", name="", language="en", sections="",
                                       consent_ip="192.0.2.1", consent_user_agent="x",
                                       consent_text_version="1", now=NOW)
    assert sid is not None
    path = f"/confirm/{token(CONFIRM, sid)}"
    csrf = csrf_of(client.get(path).text)
    client.open(path, method=method, data={"csrf": csrf})
    assert store.get_subscriber(sid).status == "pending"  # type: ignore[union-attr]
    assert client.post(path, data={"csrf": csrf}).status_code == 200
    assert store.get_subscriber(sid).status == "active"  # type: ignore[union-attr]


@pytest.mark.parametrize("method", NOT_POST)
def test_sign_up_only_by_post(site: tuple[FlaskClient, Store], method: str) -> None:
    client, store = site
    csrf = csrf_of(client.get("/subscribe").text)
    client.open("/subscribe", method=method, data={"csrf": csrf, "email": "new@example.org",
                                                    "consent": "yes"})
    client.application.extensions["signup_queue"].wait()
    assert "new@example.org" not in [r["email"] for r in store.list_subscribers()]


@pytest.mark.parametrize("method", NOT_POST)
def test_api_sign_up_only_by_post(site: tuple[FlaskClient, Store], method: str) -> None:
    client, store = site
    answer = client.open("/api/subscribe", method=method, headers={
        "Origin": "https://www.example.org", "Content-Type": "application/json"},
        data='{"email": "api@example.org", "consent": true}')
    # OPTIONS is the CORS preflight: an answer, nothing done.
    assert answer.status_code == (204 if method == "OPTIONS" else 405), (method, answer.status_code)
    client.application.extensions["signup_queue"].wait()
    assert "api@example.org" not in [r["email"] for r in store.list_subscribers()]


@pytest.mark.parametrize("method", NOT_POST)
def test_editor_login_only_by_post(site: tuple[FlaskClient, Store], method: str) -> None:
    client, _ = site
    csrf = csrf_of(client.get("/editor/login").text)
    answer = client.open("/editor/login", method=method,
                         data={"username": "amina", "password": PASSWORD, "csrf": csrf})
    assert answer.status_code in (200, 405)
    assert client.get_cookie("nl_editor", path="/editor") is None


@pytest.mark.parametrize("method", NOT_POST)
def test_editor_changes_only_by_post(site: tuple[FlaskClient, Store], method: str) -> None:
    client, store = site
    csrf = csrf_of(client.get("/editor/login").text)
    client.post("/editor/login", data={"username": "amina", "password": PASSWORD, "csrf": csrf})
    page = client.get(f"/editor/issue/{DAY}").text
    csrf = csrf_of(page)
    revision = re.search(r'name="revision" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    forms = {
        "story": {"action": "drop", "story": "s2"},
        "add": {"url": "https://news.example/1", "place": "brief"},
        "subject": {"subject": "A subject by hand", "preheader": ""},
        "approve": {"action": "approve"},
        "test": {"action": "test-me"},
    }
    for path, form in forms.items():
        answer = client.open(f"/editor/issue/{DAY}/{path}", method=method,
                             data={**form, "csrf": csrf, "revision": revision})
        assert answer.status_code == (200 if method == "OPTIONS" else 405), (path, method)
    client.open("/editor/logout", method=method, data={"csrf": csrf})
    assert store.issue_revision(DAY, "en") == 0 and store.approval(DAY, "en") is None
    assert store.issue_log(DAY, "en") == []  # no test send either
    assert client.get(f"/editor/issue/{DAY}").status_code == 200  # still logged in


@pytest.mark.parametrize("method", NOT_POST)
def test_webhooks_take_only_post(site: tuple[FlaskClient, Store], method: str) -> None:
    client, _ = site
    answer = client.open("/webhooks/resend", method=method, data="{}")
    assert answer.status_code == 405 or (
        method == "OPTIONS" and set(answer.headers["Allow"].split(", ")) == {"OPTIONS", "POST"})


def test_every_route_that_takes_post_is_audited(site: tuple[FlaskClient, Store]) -> None:
    app = site[0].application
    taking_post = {rule.rule for rule in app.url_map.iter_rules()
                   if set(rule.methods or ()) - {"GET", "HEAD", "OPTIONS"}}
    assert taking_post == AUDITED
