"""The public site on a real store: home page, live archive, the web version of an issue."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from newsletter import pipeline
from newsletter.config import Config
from newsletter.models import Briefing
from newsletter.store import Store
from newsletter.web import create_app, site
from tests.compose.test_checks import briefing, item
from tests.conftest import make_config

NOW = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)
FIRST = date(2026, 11, 21)
DAYS = 9  # 2026-11-21 .. 2026-11-29, all sent
DRAFT = date(2026, 11, 30)  # built, not sent: never public
HEADLINES = {
    "fr": "Le port de Tanger ouvre un quai numéro {n}",
    "en": "Tangier harbour opens berth number {n}",
    "ar": "ميناء طنجة يفتتح الرصيف رقم {n}",
}


def edition(day: date, language: str, **kw: Any) -> Briefing:
    """An issue of ``day`` in ``language``: its lead headline names the day."""
    lead = HEADLINES[language].format(n=day.day)
    items = (item(1, headline=lead, story_id=f"{language}{day.day}"), item(2), item(3))
    values: dict[str, Any] = dict(issue_date=day, language=language, title="Le Brief",
                                  subject=lead, preheader=f"{language} preheader {day.day}",
                                  items=items, reading_minutes=4)
    values.update(kw)
    return briefing(**values)


def store_issue(config: Config, store: Store, b: Briefing) -> None:
    store.save_issue(pipeline.render_briefing(config, b), pipeline.briefing_to_dict(b), NOW)


def public_site(tmp_path: Path, **sections: dict[str, Any]) -> tuple[FlaskClient, Store, Config]:
    """Nine sent dates in fr, en and ar (en missing on the first), and a draft."""
    newsletter = {"language": "fr", "name": "Le Brief", "public_url": "https://news.example.org",
                  "timezone": "Africa/Casablanca", **sections.pop("newsletter", {})}
    tables: dict[str, Any] = {"newsletter": newsletter, "schedule": {"send_at": "07:00"},
                              "sections": {"Sport": 1.0}, **sections}
    config = make_config(tmp_path, **tables)
    store = Store.open(config.database_url)
    for n in range(DAYS):
        day = FIRST + timedelta(days=n)
        for language in ("fr", "en", "ar"):
            if language == "en" and day == FIRST:
                continue
            store_issue(config, store, edition(day, language))
        store.set_issue_status(day, "sent")
    for language in ("fr", "ar"):
        store_issue(config, store, edition(DRAFT, language))
    return create_app(config, store).test_client(), store, config


@pytest.fixture
def web(tmp_path: Path) -> tuple[FlaskClient, Store, Config]:
    return public_site(tmp_path)


def test_home_page_names_the_newsletter_and_says_what_it_is(web: tuple[FlaskClient, Store, Config]
                                                           ) -> None:
    client, _, _ = web
    page = client.get("/?lang=fr")
    assert page.status_code == 200
    html = page.text
    assert "<h1>Le Brief</h1>" in html
    assert "Chaque matin, l’essentiel de l’actualité en 5 minutes, gratuitement." in html
    assert 'lang="fr" dir="ltr"' in html
    english = client.get("/", headers={"Accept-Language": "en"}).text
    assert "Every morning, the essentials of the news in 5 minutes" in english


def test_a_configured_description_is_shown(tmp_path: Path) -> None:
    client, _, _ = public_site(tmp_path, newsletter={"description": "Le port, la ville, la mer."})
    assert "Le port, la ville, la mer." in client.get("/").text


def cards(html: str) -> list[str]:
    return re.findall(r'<li class="card".*?</li>\n</ul>\n</li>', html, re.S)


def test_home_page_shows_the_latest_public_issues_as_cards(web: tuple[FlaskClient, Store, Config]
                                                          ) -> None:
    client, _, _ = web
    html = client.get("/?lang=fr").text
    shown = cards(html)
    assert len(shown) == site.HOME_DAYS
    first = shown[0]  # the newest sent issue, not the draft of the 30th
    assert "dimanche 29 novembre 2026" in first and "4 min de lecture" in first
    assert "Le port de Tanger ouvre un quai numéro 29" in first
    assert 'href="/issues/2026-11-29"' in first
    assert 'href="/issues/2026-11-29?lang=en"' in first and 'href="/issues/2026-11-29?lang=ar"' in first
    assert 'lang="ar" hreflang="ar" dir="rtl"' in first
    assert "2026-11-30" not in html and "numéro 30" not in html
    assert "numéro 23" not in html  # the seventh date is in the archive only
    assert 'href="/archive/"' in html


def test_cards_follow_the_readers_language_in_the_issues_own_language(
        web: tuple[FlaskClient, Store, Config]) -> None:
    client, _, _ = web
    arabic = cards(client.get("/?lang=ar").text)[0]
    assert arabic.startswith('<li class="card" lang="ar" dir="rtl">')
    assert "ميناء طنجة يفتتح الرصيف رقم 29" in arabic and "نوفمبر" in arabic
    assert "4 دقائق قراءة" in arabic


def test_the_home_page_form_signs_up_like_the_subscribe_page(
        web: tuple[FlaskClient, Store, Config]) -> None:
    client, store, _ = web
    home = client.get("/?lang=en")
    assert home.headers["Cache-Control"] == "no-store"  # it holds a single-use token
    assert '<form method="post" action="/subscribe"' in home.text
    assert 'name="website"' in home.text  # the honeypot
    csrf = re.search(r'name="csrf" value="([^"]+)"', home.text).group(1)  # type: ignore[union-attr]
    answer = client.post("/subscribe", data={"csrf": csrf, "email": "reader@example.org",
                                             "consent": "yes", "lang": "en", "language": "en"})
    assert answer.status_code == 303 and "/subscribe/thanks" in answer.headers["Location"]
    client.application.extensions["signup_queue"].wait()
    assert [r["status"] for r in store.list_subscribers()] == ["pending"]
    again = client.post("/subscribe", data={"csrf": csrf, "email": "other@example.org",
                                            "consent": "yes", "lang": "en"})
    assert again.status_code == 400  # the home page's token is single-use too


def test_without_sign_up_no_page_invites_to_subscribe(tmp_path: Path) -> None:
    client, _, _ = public_site(tmp_path, signup={"enabled": False})
    html = client.get("/").text
    assert "<form" not in html and len(cards(html)) == site.HOME_DAYS
    for path in ("/archive/", "/issues/2026-11-29", "/issues/2026-11-29?lang=ar"):
        page = client.get(path).text
        assert "/subscribe" not in page, path
        assert 'href="/archive/"' in page or path == "/archive/"


def test_an_empty_site_says_so(tmp_path: Path) -> None:
    config = make_config(tmp_path, newsletter={"language": "en"})
    client = create_app(config, Store.open(config.database_url)).test_client()
    assert "No issue yet." in client.get("/").text
    assert "No issue yet." in client.get("/archive/").text


def days_of(html: str) -> list[str]:
    return re.findall(r'<time datetime="([0-9-]+)">', html)


def test_the_archive_has_one_entry_per_date_with_its_editions_side_by_side(
        web: tuple[FlaskClient, Store, Config]) -> None:
    client, _, _ = web
    answer = client.get("/archive/?lang=fr")
    assert answer.status_code == 200
    html = answer.text
    assert days_of(html) == [str(FIRST + timedelta(days=n)) for n in reversed(range(DAYS))]
    entry = html.split('<time datetime="2026-11-29">')[1].split('<li class="day">')[0]
    assert "dimanche 29 novembre 2026" in entry
    links = re.findall(r'<li class="edition" lang="(\w+)" dir="(\w+)">.*?href="([^"]+)"', entry,
                       re.S)
    assert links == [("fr", "ltr", "/issues/2026-11-29"),
                     ("en", "ltr", "/issues/2026-11-29?lang=en"),
                     ("ar", "rtl", "/issues/2026-11-29?lang=ar")]
    assert "ميناء طنجة يفتتح الرصيف رقم 29" in entry
    first = html.split('<time datetime="2026-11-21">')[1]
    assert "?lang=en" not in first.split("</ul>")[0]  # no English edition that day
    assert "2026-11-30" not in html  # the draft
    assert '<h2 class="year">2026</h2>' in html
    assert 'href="/archive/atom.xml"' in html


def test_archive_without_its_slash_redirects(web: tuple[FlaskClient, Store, Config]) -> None:
    client, _, _ = web
    answer = client.get("/archive")
    assert answer.status_code in (301, 308)
    assert answer.headers["Location"].endswith("/archive/")


def test_a_long_archive_is_paged(web: tuple[FlaskClient, Store, Config],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    client, _, _ = web
    monkeypatch.setattr(site, "ARCHIVE_DAYS", 4)
    first = client.get("/archive/?lang=en").text
    assert days_of(first) == ["2026-11-29", "2026-11-28", "2026-11-27", "2026-11-26"]
    assert 'href="/archive/?page=2" rel="next"' in first and "Page 1 of 3" in first
    last = client.get("/archive/?page=3&lang=en").text
    assert days_of(last) == ["2026-11-21"] and 'href="/archive/?page=2" rel="prev"' in last
    for bad in ("4", "0", "x", "9" * 5000):
        assert client.get(f"/archive/?page={bad}").status_code == 404


def test_the_issue_page_has_no_subscriber_footer_but_a_call_to_subscribe(
        web: tuple[FlaskClient, Store, Config]) -> None:
    client, _, _ = web
    answer = client.get("/issues/2026-11-29")
    assert answer.status_code == 200 and answer.headers["Content-Language"] == "fr"
    html = answer.text
    assert "Le port de Tanger ouvre un quai numéro 29" in html
    for personal in ("/unsubscribe", "/preferences", "Se désabonner", "Préférences",
                     "parce que vous vous y êtes abonné", "NL__"):
        assert personal not in html, personal
    assert "personal-footer" not in html
    assert 'href="/subscribe?lang=fr"' in html and "Abonnez-vous" in html
    assert 'href="/issues/2026-11-29?lang=en"' in html and 'href="/issues/2026-11-29?lang=ar"' in html
    assert 'href="/archive/"' in html and 'href="/"' in html
    assert "12 rue Exemple, Casablanca, Maroc" in html  # the postal address stays (the law)
    csp = answer.headers["Content-Security-Policy"]
    assert "form-action 'none'" in csp and "script-src" not in csp and "<script" not in html


def test_the_arabic_edition_page_reads_right_to_left(web: tuple[FlaskClient, Store, Config]) -> None:
    client, _, _ = web
    html = client.get("/issues/2026-11-29?lang=ar").text
    assert re.search(r'<html[^>]*lang="ar"[^>]*dir="rtl"', html)
    assert '<div class="nlsite-bar" lang="ar" dir="rtl">' in html
    assert 'href="/subscribe?lang=ar"' in html and 'href="/issues/2026-11-29"' in html
    assert 'href="/issues/2026-11-29?lang=ar"' not in html  # no link to itself


def test_an_issue_stored_before_the_footer_was_marked_keeps_it_impersonal(
        tmp_path: Path) -> None:
    client, store, config = public_site(tmp_path)
    day = date(2026, 11, 29)
    old = store.get_issue(day, "fr")
    assert old is not None
    unmarked = re.sub(r"<!-- /?personal-footer -->", "", old.web_html or old.html)
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        db.execute("UPDATE issues SET web_html = ? WHERE issue_date = ? AND language = 'fr'",
                   (unmarked, day.isoformat()))
    html = client.get("/issues/2026-11-29").text
    assert "NL__" not in html and "/unsubscribe/" not in html  # the help page, not a token
    assert 'class="nlsite-bar"' in html and 'href="/subscribe?lang=fr"' in html


def test_drafts_and_unknown_editions(web: tuple[FlaskClient, Store, Config]) -> None:
    client, _, _ = web
    assert client.get("/issues/2026-11-30").status_code == 404
    assert client.get("/issues/2026-11-30?lang=ar").status_code == 404
    # No English edition on the 21st: the newsletter's own language is shown.
    answer = client.get("/issues/2026-11-21?lang=en")
    assert answer.status_code == 200 and answer.headers["Content-Language"] == "fr"


def test_a_sending_issue_is_public_in_the_languages_sent(tmp_path: Path) -> None:
    client, _, config = public_site(tmp_path)
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        db.execute("UPDATE issues SET status = 'sending' WHERE issue_date = '2026-11-30' "
                   "AND language = 'ar'")
    assert client.get("/issues/2026-11-30?lang=ar").status_code == 200
    assert "2026-11-30" in client.get("/archive/").text
    assert config.newsletter.language == "fr"


def test_the_web_version_keeps_every_story_moved_out_of_the_email(tmp_path: Path) -> None:
    client, store, config = public_site(tmp_path, render={"max_html_bytes": 30_000})
    many = tuple(item(n, summary="Une phrase assez longue pour peser. " * 12,
                      story_id=f"m{n}") for n in range(1, 40))
    b = replace(edition(DRAFT, "fr"), items=many)
    store_issue(config, store, b)
    store.set_issue_status(DRAFT, "sent")
    stored = store.get_issue(DRAFT, "fr")
    assert stored is not None and stored.moved_online > 0
    html = client.get(f"/issues/{DRAFT}").text
    assert all(f'id="story-m{n}"' in html for n in range(1, 40))


def test_the_atom_feed_is_served_live_with_every_edition(web: tuple[FlaskClient, Store, Config]
                                                          ) -> None:
    import xml.etree.ElementTree as ET

    client, _, _ = web
    answer = client.get("/archive/atom.xml")
    assert answer.status_code == 200 and answer.mimetype == "application/atom+xml"
    ns = {"a": "http://www.w3.org/2005/Atom"}
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    feed = ET.fromstring(answer.data)
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed" and feed.get(lang) == "fr"
    # RFC 4287: the feed's id, title, updated and author; a self link.
    for required in ("a:id", "a:title", "a:updated", "a:author/a:name"):
        assert feed.findtext(required, namespaces=ns), required
    links = {link.get("rel"): link.get("href") for link in feed.findall("a:link", ns)}
    assert links["self"] == "https://news.example.org/archive/atom.xml"
    assert links["alternate"] == "https://news.example.org/archive/"
    entries = feed.findall("a:entry", ns)
    assert len(entries) == 3 * DAYS - 1  # no English edition on the 21st, no draft
    ids = [e.findtext("a:id", namespaces=ns) for e in entries]
    assert len(set(ids)) == len(ids)
    for entry in entries:
        for required in ("a:id", "a:title", "a:updated", "a:published", "a:summary"):
            assert entry.findtext(required, namespaces=ns), required
    newest = {e.get(lang): e for e in entries[:3]}
    assert set(newest) == {"fr", "en", "ar"}
    assert newest["fr"].findtext("a:id", namespaces=ns) == "tag:news.example.org,2026-11-29:issue"
    assert newest["ar"].findtext("a:id", namespaces=ns) == "tag:news.example.org,2026-11-29:issue:ar"
    assert newest["ar"].findtext("a:title", namespaces=ns) == "ميناء طنجة يفتتح الرصيف رقم 29"
    # Dated by the issue's own day at [schedule] send_at, 07:00 in Casablanca (UTC+1).
    assert newest["en"].findtext("a:published", namespaces=ns) == "2026-11-29T06:00:00Z"
    assert feed.findtext("a:updated", namespaces=ns) == "2026-11-29T06:00:00Z"
    alternates = {(link.get("hreflang"), link.get("href"))
                  for link in newest["ar"].findall("a:link[@rel='alternate']", ns)}
    assert alternates == {("ar", "https://news.example.org/issues/2026-11-29?lang=ar"),
                          ("en", "https://news.example.org/issues/2026-11-29?lang=en"),
                          ("fr", "https://news.example.org/issues/2026-11-29")}
    assert newest["ar"].find("a:link", ns).get("hreflang") == "ar"  # type: ignore[union-attr]
    import feedparser

    parsed = feedparser.parse(answer.data)  # as a feed reader sees it
    assert not parsed.bozo and parsed.version == "atom10"
    assert len(parsed.entries) == len(entries)
    assert parsed.entries[2].title_detail.language == "ar"


def test_the_feed_keeps_the_latest_dates(web: tuple[FlaskClient, Store, Config],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    client, _, _ = web
    monkeypatch.setattr(site, "FEED_DAYS", 2)
    assert client.get("/archive/atom.xml").text.count("<entry") == 6


@pytest.mark.parametrize(("zone", "day", "expected"), [
    ("Europe/Paris", date(2026, 7, 14), "2026-07-14T05:00:00+00:00"),  # summer time
    ("Europe/Paris", date(2026, 12, 14), "2026-12-14T06:00:00+00:00"),
    ("America/New_York", date(2026, 3, 8), "2026-03-08T11:00:00+00:00"),  # the day clocks move
])
def test_an_issue_is_published_at_its_days_send_time(tmp_path: Path, zone: str, day: date,
                                                     expected: str) -> None:
    config = make_config(tmp_path, newsletter={"timezone": zone},
                         schedule={"send_at": "07:00"})
    assert site.published_at(config, day).isoformat() == expected


def test_a_page_that_does_not_exist_is_the_sites_own_in_the_readers_language(
        web: tuple[FlaskClient, Store, Config]) -> None:
    """Not Flask's English 404: the site's error page, localised, with the way to the archive;
    an unpublished date too; the JSON API answers JSON."""
    client, _, _ = web
    for path in ("/nope", "/issues/2031-01-01", f"/issues/{DRAFT}"):
        page = client.get(path, headers={"Accept-Language": "ar"})
        assert page.status_code == 404, path
        assert '<html lang="ar" dir="rtl">' in page.text and "هذه الصفحة غير موجودة" in page.text
        assert 'href="/archive/"' in page.text and "Not Found" not in page.text
        assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    french = client.get("/nope?lang=fr")
    assert "existe pas (ou plus)" in french.text and '<html lang="fr"' in french.text
    api = client.get("/api/nope")
    assert api.status_code == 404 and api.json == {"error": "not_found",
                                                   "message": "no such endpoint: /api/nope"}
