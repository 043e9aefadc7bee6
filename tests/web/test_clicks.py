"""/r/<token> (issue 19): a redirect only to the stored article URL, counted per story and
hour, robots apart, nothing about the reader; the rules tested on recorded request shapes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from newsletter.models import ClickCount, DeliveryStatus, RenderedIssue
from newsletter.store import Store
from newsletter.tokens import StoryLinks
from newsletter.web import create_app
from newsletter.web.clicks import close_counter, counter_of
from newsletter.web.robots import BURST_SECONDS, HOLD_SECONDS
from tests.conftest import SECRET, make_config
from tests.web.click_requests import READERS, ROBOTS, SANDBOX, Shape

DAY = date(2026, 12, 3)
STORIES = {f"{n:032x}": f"https://www.journal-{n}.example/2026/12/03/article-{n}.html"
           for n in range(1, 6)}
BRIEF = "feedfacefeedfacefeedfacefeedface"  # an in-brief story
BRIEF_URL = "https://news.example.net/brief/feed.html"


def briefing() -> dict[str, Any]:
    items = [{"story_id": sid, "url": url, "headline": f"H {n}", "section": "Monde", "rank": n}
             for n, (sid, url) in enumerate(STORIES.items(), 1)]
    return {"items": items, "in_brief": [{"story_id": BRIEF, "url": BRIEF_URL, "rank": 9}]}


def save(store: Store, day: date = DAY, language: str = "fr", status: str = "sent") -> None:
    store.save_issue(RenderedIssue(day, language, "S", "p", "<p>h</p>", "t"), briefing(),
                     datetime(2026, 12, 3, 5, tzinfo=UTC))
    store.set_issue_status(day, status)


def link(story: str, day: date = DAY, language: str = "fr") -> str:
    return "/r/" + StoryLinks(SECRET.encode()).make(day, language, story)


def make_app(tmp_path: Path, **readership: Any) -> tuple[Flask, Store]:
    config = make_config(tmp_path, readership={"clicks": True, **readership})
    store = Store.open(config.database_url)
    return create_app(config, store), store


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Flask, Store]]:
    app, store = make_app(tmp_path, robot_networks=["192.0.2.192/26"])
    save(store)
    yield app, store
    close_counter(app)
    store.close()


def open_link(client: FlaskClient, url: str, shape: Shape) -> Any:
    method, headers, ip = shape
    headers = {"User-Agent": "", **headers}  # the test client would add its own
    return client.open(url, method=method, headers=headers, environ_base={"REMOTE_ADDR": ip})


def counts(store: Store, kind: str | None = None) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for c in store.click_counts(kind=kind):
        out[(c.story_id, c.kind)] = out.get((c.story_id, c.kind), 0) + c.clicks
    return out


def written(app: Flask, store: Store, kind: str | None = None) -> dict[tuple[str, str], int]:
    counter = counter_of(app)
    assert counter is not None
    counter.flush(everything=True)
    return counts(store, kind)


# -- the redirect ---------------------------------------------------------------------------


def test_a_click_redirects_to_the_stored_url_and_is_counted_per_story_and_hour(site) -> None:  # type: ignore[no-untyped-def]
    app, store = site
    client = app.test_client()
    sid, url = next(iter(STORIES.items()))
    before = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    answer = open_link(client, link(sid), READERS["chrome_desktop"])
    assert answer.status_code == 302 and answer.headers["Location"] == url
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert "Set-Cookie" not in answer.headers
    brief = open_link(client, link(BRIEF), READERS["safari_iphone"])
    assert brief.headers["Location"] == BRIEF_URL
    assert store.click_counts() == []  # nothing written while the request is answered
    assert written(app, store) == {(sid, "reader"): 1, (BRIEF, "reader"): 1}
    (row, *_) = store.click_counts()
    assert row.issue_date == DAY and row.language == "fr"
    assert row.hour in (before, before + timedelta(hours=1))  # the hour, never the minute


def test_the_target_is_never_taken_from_the_request(site) -> None:  # type: ignore[no-untyped-def]
    app, store = site
    client = app.test_client()
    sid, url = next(iter(STORIES.items()))
    for extra in ("?url=https://evil.example/", "?next=//evil.example", "/..%2F..%2Fevil"):
        answer = client.get(link(sid) + extra, headers=READERS["chrome_desktop"][1])
        assert answer.status_code in (302, 404)
        assert answer.headers.get("Location") in (url, None)


def test_forged_unknown_and_removed_links_are_404_pages(site) -> None:  # type: ignore[no-untyped-def]
    app, store = site
    client = app.test_client()
    sid = next(iter(STORIES))
    good = link(sid)
    forged = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    for url in (forged, "/r/not-a-token", link("0" * 32),  # a story not in the issue
                link(sid, day=date(2026, 12, 4)), link(sid, language="en")):  # no such issue
        answer = open_link(client, url, READERS["chrome_desktop"])
        assert answer.status_code == 404 and "Location" not in answer.headers
        assert answer.headers["Cache-Control"] == "no-store"
        assert "text/html" in answer.headers["Content-Type"]
    assert written(app, store, kind=None) == {}


def test_a_drafts_links_redirect_but_test_sends_are_not_counted(tmp_path: Path) -> None:
    app, store = make_app(tmp_path)
    save(store, status="draft")
    sid, url = next(iter(STORIES.items()))
    try:
        answer = open_link(app.test_client(), link(sid), READERS["chrome_desktop"])
        assert answer.status_code == 302 and answer.headers["Location"] == url
        assert written(app, store, kind=None) == {}
    finally:
        close_counter(app)


def test_with_clicks_off_old_links_still_redirect_and_nothing_is_counted(tmp_path: Path) -> None:
    app, store = make_app(tmp_path, clicks=False)
    save(store)
    sid, url = next(iter(STORIES.items()))
    answer = open_link(app.test_client(), link(sid), READERS["chrome_desktop"])
    assert answer.status_code == 302 and answer.headers["Location"] == url
    assert counter_of(app) is None
    close_counter(app)
    assert store.click_counts(kind=None) == []


# -- robots -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(READERS))
def test_readers_are_readers(site, name: str) -> None:  # type: ignore[no-untyped-def]
    app, store = site
    sid = next(iter(STORIES))
    assert open_link(app.test_client(), link(sid), READERS[name]).status_code == 302
    assert written(app, store, kind=None) == {(sid, "reader"): 1}


@pytest.mark.parametrize("name", sorted(ROBOTS))
def test_scanners_are_counted_apart_and_still_redirected(site, name: str) -> None:  # type: ignore[no-untyped-def]
    app, store = site
    counter = counter_of(app)
    assert counter is not None
    sid, url = next(iter(STORIES.items()))
    shape, reason = ROBOTS[name]
    assert counter.rules.reason(_request(shape), scanning=False).startswith(reason)  # type: ignore[union-attr]
    answer = open_link(app.test_client(), link(sid), shape)
    assert answer.status_code == 302 and answer.headers["Location"] == url
    assert written(app, store, kind=None) == {(sid, "robot"): 1}
    assert store.click_counts() == []  # the figures shown are readers'


def test_configured_agents_and_networks_are_robots(tmp_path: Path) -> None:
    app, store = make_app(tmp_path, robot_user_agents=["ExampleGateway/"],
                          robot_networks=["192.0.2.192/26", "2001:db8:5::/48"])
    save(store)
    client = app.test_client()
    sid = next(iter(STORIES))
    agent = dict(READERS["chrome_desktop"][1], **{"User-Agent": "ExampleGATEWAY/2.1"})
    try:
        open_link(client, link(sid), ("GET", agent, "203.0.113.1"))
        open_link(client, link(sid), SANDBOX)  # 192.0.2.200: in the first range
        open_link(client, link(sid), ("GET", READERS["chrome_desktop"][1], "2001:db8:5::17"))
        open_link(client, link(sid), READERS["chrome_desktop"])  # elsewhere: a reader
        assert written(app, store, kind=None) == {(sid, "robot"): 3, (sid, "reader"): 1}
    finally:
        close_counter(app)


def test_a_burst_of_stories_from_one_client_is_a_robot_even_the_clicks_before(site) -> None:  # type: ignore[no-untyped-def]
    app, store = site
    counter = counter_of(app)
    assert counter is not None
    t = [1_800_000_000.0]
    counter.clock = lambda: t[0]
    client = app.test_client()
    ids = list(STORIES)
    prefetcher = ("GET", READERS["chrome_desktop"][1], "198.51.100.5")  # looks like a person
    for n, sid in enumerate(ids[:3]):  # three stories within 2 seconds
        t[0] += 1.0 if n else 0.0
        open_link(client, link(sid), prefetcher)
    t[0] += 60  # a minute later, the same client again: still held as a robot
    open_link(client, link(ids[3]), prefetcher)
    t[0] += HOLD_SECONDS + 1  # after the hold, one story: a reader again
    open_link(client, link(ids[4]), prefetcher)
    # Meanwhile a person opened two stories within the burst window: a reader.
    person = READERS["safari_iphone"]
    open_link(client, link(ids[0]), person)
    t[0] += 3
    open_link(client, link(ids[1]), person)
    t[0] += BURST_SECONDS + 1
    counter.flush()  # settled by time, not at shutdown
    assert counts(store, kind=None) == {
        (ids[0], "robot"): 1, (ids[1], "robot"): 1, (ids[2], "robot"): 1, (ids[3], "robot"): 1,
        (ids[4], "reader"): 1, (ids[0], "reader"): 1, (ids[1], "reader"): 1}


def test_clicks_wait_for_the_burst_window_before_counting_as_readers(site) -> None:  # type: ignore[no-untyped-def]
    app, store = site
    counter = counter_of(app)
    assert counter is not None
    t = [1_800_000_000.0]
    counter.clock = lambda: t[0]
    sid = next(iter(STORIES))
    open_link(app.test_client(), link(sid), READERS["firefox_linux"])
    t[0] += BURST_SECONDS / 2
    assert counter.flush() == 0 and counter.waiting == 1  # could still join a burst
    t[0] += BURST_SECONDS
    assert counter.flush() == 1 and counter.waiting == 0
    assert counts(store) == {(sid, "reader"): 1}


def deliver(store: Store, at: datetime, n: int = 3) -> None:
    """n messages of the issue handed over at ``at`` (the ledger, as a send writes it)."""
    ids = [store.add_subscriber(f"r{k}@example.org", now=at)[0] for k in range(n)]
    store.claim_deliveries(DAY, [(i, f"<m{i}@x>") for i in ids], at)
    store.record_deliveries(DAY, [(i, DeliveryStatus.SENT, "250 ok") for i in ids], at)


def test_during_delivery_automated_looking_clicks_are_robots_and_early_readers_are_not(
        tmp_path: Path) -> None:
    app, store = make_app(tmp_path, scan_seconds=120)
    save(store)
    counter = counter_of(app)
    assert counter is not None
    sent = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)
    deliver(store, sent)
    t = [sent.timestamp() + 20]  # 20 s after the messages went
    counter.clock = lambda: t[0]
    client = app.test_client()
    ids = list(STORIES)
    try:
        open_link(client, link(ids[0]), SANDBOX)  # no Accept-Language: a robot now
        open_link(client, link(ids[0]), ("GET", {"User-Agent": "Go-Browser/1.0 (fetch)",
                                                 "Accept-Language": "en"}, "203.0.113.7"))
        open_link(client, link(ids[0]), READERS["gmail_app_webview"])  # an early reader
        other = ("GET", READERS["firefox_linux"][1], "198.51.100.9")
        open_link(client, link(ids[1]), other)
        t[0] += 4
        open_link(client, link(ids[2]), other)  # two stories in 4 s during delivery: robot
        t[0] += HOLD_SECONDS + 1  # window and hold over: the same client, once, is a reader
        open_link(client, link(ids[3]), other)
        open_link(client, link(ids[3]), SANDBOX)  # and the sandbox shape too, this late
        assert written(app, store, kind=None) == {
            (ids[0], "robot"): 2, (ids[0], "reader"): 1, (ids[1], "robot"): 1,
            (ids[2], "robot"): 1, (ids[3], "reader"): 2}
    finally:
        close_counter(app)


def test_counts_add_up_across_batches_and_hours(site) -> None:  # type: ignore[no-untyped-def]
    app, store = site
    counter = counter_of(app)
    assert counter is not None
    start = datetime(2026, 12, 3, 9, 59, 50, tzinfo=UTC).timestamp()
    t = [start]
    counter.clock = lambda: t[0]
    client = app.test_client()
    sid = next(iter(STORIES))
    for n in range(6):  # different readers, one click each, across 10:00
        t[0] = start + 5 * n
        shape = ("GET", READERS["chrome_desktop"][1], f"203.0.113.{n + 20}")
        open_link(client, link(sid), shape)
        if n == 2:
            counter.flush(everything=True)
    counter.flush(everything=True)
    rows = store.click_counts()
    assert rows == [ClickCount(DAY, "fr", sid, datetime(2026, 12, 3, 9, tzinfo=UTC), "reader", 2),
                    ClickCount(DAY, "fr", sid, datetime(2026, 12, 3, 10, tzinfo=UTC), "reader", 4)]
    assert counter.flushes == 2


def _request(shape: Shape) -> Any:
    from werkzeug.test import EnvironBuilder

    from newsletter.web.robots import ClickRequest

    method, headers, ip = shape
    environ = EnvironBuilder(method=method, headers={"User-Agent": "", **headers}).get_environ()
    return ClickRequest.from_environ(environ, ip)


def test_the_fast_path_answers_exactly_as_the_flask_route_does(site) -> None:  # type: ignore[no-untyped-def]
    from newsletter.web.clicks import FastRedirects

    app, store = site
    fast = app.wsgi_app
    assert isinstance(fast, FastRedirects) and fast.headers is None
    client = app.test_client()
    ids = list(STORIES)
    first = open_link(client, link(ids[0]), READERS["chrome_desktop"])  # through Flask
    assert fast.headers is not None  # learnt from that answer
    again = open_link(client, link(ids[0]), READERS["safari_iphone"])  # without Flask
    assert sorted(again.headers.items()) == sorted(first.headers.items())
    assert again.status_code == 302 and again.headers["Content-Security-Policy"]
    head = open_link(client, link(ids[1]), ROBOTS["gateway_head"][0])
    assert head.status_code == 302 and head.headers["Location"] == STORIES[ids[1]]
    forged = open_link(client, link(ids[0])[:-2] + "zz", READERS["chrome_desktop"])
    assert forged.status_code == 404  # the page, from Flask
    assert written(app, store, kind=None) == {(ids[0], "reader"): 2, (ids[1], "robot"): 1}


def test_an_edition_is_read_again_until_final_then_kept(tmp_path: Path) -> None:
    from newsletter.web.clicks import REFRESH_SECONDS, Editions

    config = make_config(tmp_path)
    store = Store.open(config.database_url)
    save(store, status="draft")
    t = [1000.0]
    editions = Editions(store, 120, clock=lambda: t[0], wall=lambda: 1_900_000_000.0)
    first = editions.get((DAY, "fr"))
    assert first is not None and not first.counted and not first.final
    store.set_issue_status(DAY, "sent")
    assert editions.get((DAY, "fr")) is first  # cached for a while: no store work per click
    t[0] += REFRESH_SECONDS
    sent = editions.get((DAY, "fr"))
    assert sent is not None and sent.counted and sent.final
    store.set_issue_status(DAY, "draft")  # (never happens: a sent issue stays sent)
    t[0] += 10 * REFRESH_SECONDS
    assert editions.get((DAY, "fr")) is sent  # final: never read again
    assert editions.get((date(2026, 12, 9), "fr")) is None


def test_a_failed_write_keeps_its_counts_for_the_next(site) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from newsletter.errors import StoreError

    app, store = site
    counter = counter_of(app)
    assert counter is not None
    sid = next(iter(STORIES))
    client = app.test_client()
    for k in range(3):
        open_link(client, link(sid), ("HEAD", {}, f"192.0.2.{k + 1}"))
    with store.engine.begin() as conn:  # the table is out of reach for a moment
        conn.execute(text("ALTER TABLE story_clicks RENAME TO story_clicks_away"))
    with pytest.raises(StoreError):
        counter.flush()
    open_link(client, link(sid), ("HEAD", {}, "192.0.2.9"))
    with store.engine.begin() as conn:
        conn.execute(text("ALTER TABLE story_clicks_away RENAME TO story_clicks"))
    assert counter.flush() == 4
    assert counts(store, kind="robot") == {(sid, "robot"): 4}
