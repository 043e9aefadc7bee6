from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from newsletter.config import Config
from newsletter.models import RenderedIssue
from newsletter.store import Store
from newsletter.tokens import CONFIRM, UNSUBSCRIBE, Tokens
from newsletter.web import create_app
from tests.conftest import SECRET, make_config

NOW = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)


@pytest.fixture
def setup(tmp_path: Path) -> tuple[FlaskClient, Store, Config]:
    config = make_config(tmp_path, sections={"Sport": 1.0, "Tech": 1.0})
    store = Store.open(config.database_url)
    store.add_subscriber("a@example.org", now=NOW)
    store.save_issue(RenderedIssue(date(2026, 11, 29), "fr", "S", "p",
                                   '<p>web <a href="NL__UNSUBSCRIBE_URL__NL">x</a></p>', "t"),
                     {}, NOW)
    return create_app(config, store).test_client(), store, config


def token(purpose: str = UNSUBSCRIBE, sid: int = 1) -> str:
    return Tokens(SECRET.encode()).make(purpose, sid)


def test_get_shows_a_button_and_changes_nothing(setup) -> None:  # type: ignore[no-untyped-def]
    client, store, _ = setup
    page = client.get(f"/unsubscribe/{token()}")
    assert page.status_code == 200
    assert b'<form method="post"' in page.data and b"<button" in page.data
    assert store.get_subscriber(1).status == "active"


@pytest.mark.parametrize("multipart", [False, True])
def test_one_click_post_unsubscribes_idempotently(setup, multipart: bool) -> None:  # type: ignore[no-untyped-def]
    client, store, _ = setup
    data = {"List-Unsubscribe": "One-Click"}
    kwargs = {"data": data, "content_type": "multipart/form-data"} if multipart else {"data": data}
    for _ in range(2):
        answer = client.post(f"/unsubscribe/{token()}", **kwargs)
        assert answer.status_code == 200 and "Location" not in answer.headers
    assert store.get_subscriber(1).status == "unsubscribed"


def test_tampered_or_foreign_tokens_are_refused(setup) -> None:  # type: ignore[no-untyped-def]
    client, store, _ = setup
    good = token()
    bad = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    for t in (bad, token(CONFIRM), "garbage"):
        answer = client.post(f"/unsubscribe/{t}")
        assert answer.status_code == 400
    assert store.get_subscriber(1).status == "active"


def test_web_version_has_no_personal_link(setup) -> None:  # type: ignore[no-untyped-def]
    client, store, config = setup
    store.set_issue_status(date(2026, 11, 29), "sent")
    page = client.get("/issues/2026-11-29")
    assert page.status_code == 200 and b"web" in page.data
    assert b"NL__UNSUBSCRIBE" not in page.data
    assert client.get("/issues/2026-11-30").status_code == 404
    assert client.get("/issues/not-a-date").status_code == 404
    assert client.get("/healthz").json == {"status": "ok"}


def test_preferences_page_changes_language_with_csrf(setup) -> None:  # type: ignore[no-untyped-def]
    client, store, _ = setup
    t = Tokens(SECRET.encode()).make("preferences", 1)
    page = client.get(f"/preferences/{t}")
    assert page.status_code == 200 and b'name="csrf"' in page.data
    import re as _re
    csrf = _re.search(rb'name="csrf" value="([0-9a-f]+)"', page.data).group(1).decode()  # type: ignore[union-attr]
    refused = client.post(f"/preferences/{t}", data={"language": "en", "csrf": "0" * 64})
    assert refused.status_code == 400 and store.get_subscriber(1).language is None
    bad = client.post(f"/preferences/{t}", data={"language": "en", "timezone": "Mars/Base",
                                                  "csrf": csrf})
    assert bad.status_code == 400 and store.get_subscriber(1).language is None
    ok = client.post(f"/preferences/{t}", data={"language": "en", "timezone": "Europe/Paris",
                                                 "sections": ["Sport", "Tech", "Made up"],
                                                 "csrf": csrf})
    assert ok.status_code == 200 and store.get_subscriber(1).language == "en"
    assert store.subscriber_preferences(1)["sections"] == "Sport,Tech"  # type: ignore[index]
    again = client.get(f"/preferences/{t}").data  # the choices show as ticked boxes
    assert b'value="Sport" checked' in again and b'value="Tech" checked' in again
    assert client.get(f"/preferences/{token()}").status_code == 400  # an unsubscribe token


def test_pages_speak_the_subscribers_language(setup) -> None:  # type: ignore[no-untyped-def]
    from newsletter.tokens import PREFERENCES

    client, store, _ = setup
    sid, _ = store.add_subscriber("en@example.org", language="en", now=NOW)
    unsubscribe = client.get(f"/unsubscribe/{token(sid=sid)}")
    assert b'lang="en"' in unsubscribe.data and b"Unsubscribe" in unsubscribe.data
    prefs = client.get(f"/preferences/{token(PREFERENCES, sid)}")
    assert b'lang="en"' in prefs.data
    french = client.get(f"/unsubscribe/{token()}")  # no language chosen: the newsletter's
    assert b'lang="fr"' in french.data
    bad = client.get("/unsubscribe/not-a-token", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert bad.status_code == 400 and b"Nothing was changed" in bad.data


@pytest.mark.parametrize("zone", ["Europe", "x" * 5000, "Europe/", "../../etc/passwd",
                                  "/etc/localtime", "a\x00b"])
def test_a_zone_that_is_not_one_gets_a_clear_400(setup, zone: str) -> None:  # type: ignore[no-untyped-def]
    from newsletter.tokens import PREFERENCES

    client, store, _ = setup
    path = f"/preferences/{token(PREFERENCES)}"
    import re as _re
    csrf = _re.search(r'name="csrf" value="([0-9a-f]+)"', client.get(path).text).group(1)  # type: ignore[union-attr]
    answer = client.post(path, data={"language": "en", "timezone": zone, "csrf": csrf},
                         headers={"Accept-Language": "en"})
    assert answer.status_code == 400 and 'role="alert"' in answer.text
    assert store.subscriber_preferences(1)["timezone"] is None  # type: ignore[index]


def test_only_issues_whose_send_began_are_public(setup) -> None:  # type: ignore[no-untyped-def]
    client, store, _ = setup
    day = date(2026, 11, 29)
    assert store.issue_status(day, "fr") == "draft"
    assert client.get("/issues/2026-11-29").status_code == 404  # built, not approved
    store.approve_issue(day, "fr", editor="amina", expected_revision=None, now=NOW)
    assert client.get("/issues/2026-11-29").status_code == 404  # approved, not sent yet
    assert client.get("/issues/2026-11-29?lang=fr").status_code == 404
    for status in ("sending", "sent"):  # the emails link here from then on
        store.set_issue_status(day, status)
        page = client.get("/issues/2026-11-29")
        assert page.status_code == 200 and b"web" in page.data, status
