"""Sign-ups from the publisher's own pages: the embedded form, POST /api/subscribe (CORS),
the snippet printed by `newsletter signup snippet`, and [web] allowed_origins' checks."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from newsletter.cli import main
from newsletter.errors import ConfigError
from newsletter.pipeline import utc_now
from tests.conftest import make_config, parse_eml
from tests.web.test_signup import Site

PUBLISHER = "https://www.example.org"
ELSEWHERE = "https://attacker.example"
FORM = {"email": "ann@example.org", "name": "Ann", "language": "en", "consent": "yes",
        "lang": "en"}


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return Site(tmp_path, web={"allowed_origins": [PUBLISHER, "http://127.0.0.1:8090"]})


def post_form(site: Site, data: dict[str, Any], ip: str = "198.51.100.7",
              **headers: str) -> Any:
    answer = site.client.post("/subscribe", data=data, headers=headers,
                              environ_base={"REMOTE_ADDR": ip})
    site.app.extensions["signup_queue"].wait()
    return answer


def api(site: Site, body: Any, origin: str | None = PUBLISHER, ip: str = "198.51.100.7",
        method: str = "POST", **headers: str) -> Any:
    if origin is not None:
        headers["Origin"] = origin
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    answer = site.client.open("/api/subscribe", method=method, data=data, headers=headers,
                              content_type=headers.pop("content_type", "application/json"),
                              environ_base={"REMOTE_ADDR": ip})
    site.app.extensions["signup_queue"].wait()
    return answer


# -- the embedded form -------------------------------------------------------------------


def test_a_form_of_an_allowed_origin_signs_up_without_our_token(site: Site) -> None:
    answer = post_form(site, FORM, Origin=PUBLISHER, **{"User-Agent": "Embedder/1.0"})
    assert answer.status_code == 303 and answer.headers["Location"] == "/subscribe/thanks?lang=en"
    row = site.row("ann@example.org")
    assert row["status"] == "pending" and row["consent_ip"] == "198.51.100.7"
    assert row["consent_user_agent"] == "Embedder/1.0" and row["consent_text_version"] == "2026-01"
    (eml,) = site.emails()  # the double opt-in, as from our own page
    assert parse_eml(eml)["To"] == "Ann <ann@example.org>"


def test_the_referer_stands_in_for_a_missing_origin(site: Site) -> None:
    answer = post_form(site, FORM, Referer=f"{PUBLISHER}/about/newsletter?x=1")
    assert answer.status_code == 303 and site.row("ann@example.org")["status"] == "pending"


@pytest.mark.parametrize("headers", [
    {},  # neither Origin nor Referer
    {"Origin": ELSEWHERE},
    {"Origin": "null", "Referer": f"{ELSEWHERE}/page"},
    {"Referer": f"{ELSEWHERE}/page"},
    {"Origin": "https://www.example.org.attacker.example"},
    {"Origin": "http://www.example.org"},  # another scheme is another origin
])
def test_a_form_from_anywhere_else_is_refused(site: Site, headers: dict[str, str]) -> None:
    answer = post_form(site, FORM, **headers)
    assert answer.status_code == 400 and "did not come from our page" in answer.text
    assert site.store.list_subscribers() == []


def test_an_allowed_origin_does_not_excuse_a_bad_token_of_our_own_form(site: Site) -> None:
    answer = post_form(site, {**FORM, "csrf": "forged"}, Origin=PUBLISHER)
    assert answer.status_code == 400 and site.store.list_subscribers() == []


def test_embedded_posts_keep_the_honeypot_the_checks_and_the_limits(tmp_path: Path) -> None:
    site = Site(tmp_path, web={"allowed_origins": [PUBLISHER]}, per_ip=2)
    bot = post_form(site, {**FORM, "website": "http://spam.example"}, Origin=PUBLISHER)
    assert bot.status_code == 303 and site.store.list_subscribers() == []
    bad = post_form(site, {**FORM, "email": "not-an-address", "consent": ""}, Origin=PUBLISHER)
    # Our own page, with a token of its own, shows what to fix.
    assert bad.status_code == 400 and "Enter a valid email address" in bad.text
    assert 'name="csrf"' in bad.text and 'value="not-an-address"' in bad.text
    assert post_form(site, FORM, Origin=PUBLISHER).status_code == 303  # the bot counted too
    limited = post_form(site, {**FORM, "email": "bea@example.org"}, Origin=PUBLISHER)
    assert limited.status_code == 429
    assert [r["email"] for r in site.store.list_subscribers()] == ["ann@example.org"]


# -- POST /api/subscribe -----------------------------------------------------------------


def test_the_api_signs_up_with_double_opt_in_and_answers_cors(site: Site) -> None:
    answer = api(site, {"email": "Ann@Example.org", "name": "Ann", "language": "fr",
                        "sections": ["Tech", "Made up"], "consent": True},
                 **{"User-Agent": "Browser/2.0"})
    assert answer.status_code == 202, answer.text
    assert answer.headers["Access-Control-Allow-Origin"] == PUBLISHER
    assert answer.headers["Vary"] == "Origin"
    assert "Access-Control-Allow-Credentials" not in answer.headers
    body = answer.get_json()
    assert body["status"] == "check_inbox" and "confirmez" in body["message"]  # in French
    row = site.row("ann@example.org")
    assert (row["status"], row["language"], row["sections"]) == ("pending", "fr", "Tech")
    assert row["consent_ip"] == "198.51.100.7" and row["consent_user_agent"] == "Browser/2.0"
    assert len(site.emails()) == 1


def test_the_api_gives_the_same_answer_whatever_the_list_knows(site: Site) -> None:
    now = utc_now()
    site.store.add_subscriber("active@example.org", now=now)
    answers = set()
    for i, email in enumerate(["new@example.org", "active@example.org", "new@example.org"]):
        answer = api(site, {"email": email, "consent": "yes", "language": "en"},
                     ip=f"192.0.2.{i}")
        answers.add((answer.status_code, answer.text))
    bot = api(site, {"email": "bot@example.org", "consent": True, "language": "en",
                     "website": "x"},
              ip="192.0.2.9")
    answers.add((bot.status_code, bot.text))
    assert len(answers) == 1 and next(iter(answers))[0] == 202
    assert "bot@example.org" not in [r["email"] for r in site.store.list_subscribers()]
    assert [parse_eml(e)["To"] for e in site.emails()] == ["new@example.org"] * 2


def test_the_api_says_what_to_fix(site: Site) -> None:
    answer = api(site, {"email": "nope", "language": "en"})
    assert answer.status_code == 422
    body = answer.get_json()
    assert body["error"] == "invalid"
    assert set(body["problems"]) == {"email", "consent"}
    assert body["problems"]["email"]["code"] == "signup_invalid_email"
    assert "valid email address" in body["problems"]["email"]["message"]
    assert answer.headers["Access-Control-Allow-Origin"] == PUBLISHER
    odd = api(site, {"email": 42, "name": ["x"], "consent": True, "sections": "Tech"})
    assert odd.status_code == 422 and set(odd.get_json()["problems"]) == {"email"}
    assert site.store.list_subscribers() == []


def test_the_api_keeps_the_per_ip_limit(tmp_path: Path) -> None:
    site = Site(tmp_path, web={"allowed_origins": [PUBLISHER]}, per_ip=1)
    assert api(site, {"email": "a@example.org", "consent": True}).status_code == 202
    limited = api(site, {"email": "b@example.org", "consent": True})
    assert limited.status_code == 429 and limited.get_json()["error"] == "too_many"
    assert limited.headers["Retry-After"] == "3600"


@pytest.mark.parametrize("origin", [None, ELSEWHERE, "null", f"{PUBLISHER}/", "garbage"])
def test_the_api_refuses_other_origins_without_cors(site: Site, origin: str | None) -> None:
    for method in ("POST", "OPTIONS"):
        answer = api(site, {"email": "ann@example.org", "consent": True}, origin=origin,
                     method=method)
        assert answer.status_code == 403 and answer.get_json()["error"] == "origin_not_allowed"
        assert "Access-Control-Allow-Origin" not in answer.headers
    assert site.store.list_subscribers() == []


def test_the_preflight_is_answered_for_an_allowed_origin(site: Site) -> None:
    answer = api(site, "", origin="http://127.0.0.1:8090", method="OPTIONS",
                 **{"Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "content-type"})
    assert answer.status_code == 204 and answer.data == b""
    assert answer.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:8090"
    assert answer.headers["Access-Control-Allow-Methods"] == "POST"
    assert answer.headers["Access-Control-Allow-Headers"].lower() == "content-type"
    assert answer.headers["Vary"] == "Origin"
    assert "Access-Control-Allow-Credentials" not in answer.headers


@pytest.mark.parametrize(("body", "content_type", "status", "error"), [
    ("email=ann%40example.org&consent=yes", "application/x-www-form-urlencoded", 415,
     "json_expected"),
    ("{not json", "application/json", 400, "bad_json"),
    ('["ann@example.org"]', "application/json", 400, "bad_json"),
    ('{"email": "' + "a" * 20_000 + '@example.org"}', "application/json", 413, "too_large"),
])
def test_the_api_refuses_what_is_not_one_json_object(site: Site, body: str, content_type: str,
                                                     status: int, error: str) -> None:
    answer = api(site, body, content_type=content_type)
    assert answer.status_code == status and answer.get_json()["error"] == error
    assert answer.headers["Access-Control-Allow-Origin"] == PUBLISHER  # readable by the page
    assert site.store.list_subscribers() == []


def test_the_api_is_off_with_sign_up(tmp_path: Path) -> None:
    site = Site(tmp_path, web={"allowed_origins": [PUBLISHER]}, enabled=False)
    assert site.client.post("/api/subscribe", json={"email": "a@example.org"},
                            headers={"Origin": PUBLISHER}).status_code == 404


# -- the snippet and the configuration --------------------------------------------------


def test_the_snippet_posts_to_the_public_site_and_signs_up_from_there(site: Site,
                                                                      tmp_path: Path) -> None:
    config = tmp_path / "newsletter.toml"
    config.write_text(f'[web]\nallowed_origins = ["{PUBLISHER}"]\n[[feeds]]\n'
                      f'url = "https://news.example.net/rss"\nsection = "Tech"\n',
                      encoding="utf-8")
    result = CliRunner().invoke(main, ["signup", "snippet", "--language", "en", "--config",
                                       str(config)])
    assert result.exit_code == 0, result.output
    html = result.stdout
    assert '<form method="post" action="https://news.example.org/subscribe"' in html
    assert 'name="csrf"' not in html and "<script" not in html and "<style" not in html
    assert "I agree to receive Le Brief by email every morning" in html
    assert re.search(r'<p aria-hidden="true" style="position:absolute[^"]*"><label for="nl-website"',
                     html)  # the honeypot, hidden without our stylesheet
    fields = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', html))
    assert fields == {"lang": "en", "sections": "Tech", "consent": "yes", "website": ""}
    # What the form sends, from the publisher's page, is a sign-up.
    answer = post_form(site, {**fields, "email": "reader@example.org", "name": "",
                              "language": "en", "website": ""}, Origin=PUBLISHER)
    assert answer.status_code == 303 and site.row("reader@example.org")["status"] == "pending"


def test_the_snippet_warns_when_no_origin_is_allowed(tmp_path: Path) -> None:
    config = tmp_path / "newsletter.toml"
    config.write_text("[newsletter]\nlanguage = \"ar\"\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["signup", "snippet", "--config", str(config)])
    assert result.exit_code == 0
    assert 'lang="ar" dir="rtl"' in result.stdout
    assert "allowed_origins is empty" in result.stderr


@pytest.mark.parametrize("origin", ["https://www.example.org/", "https://www.example.org/news",
                                    "www.example.org", "ftp://www.example.org",
                                    "https://user@www.example.org", "https://x.org:99999"])
def test_allowed_origins_are_origins(tmp_path: Path, origin: str) -> None:
    with pytest.raises(ConfigError) as caught:
        make_config(tmp_path, web={"allowed_origins": ["https://ok.example", origin]})
    assert "[web] allowed_origins" in str(caught.value) and repr(origin) in str(caught.value)
    assert "test.toml" in str(caught.value)


def test_an_allowed_origin_matches_as_browsers_write_it(tmp_path: Path) -> None:
    site = Site(tmp_path, web={"allowed_origins": ["HTTPS://WWW.Example.org:443"]})
    assert post_form(site, FORM, Origin=PUBLISHER).status_code == 303


def test_a_long_description_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[newsletter\] description"):
        make_config(tmp_path, newsletter={"description": "x" * 301})
