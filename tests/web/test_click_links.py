"""Story links in the issue (issue 19, point 2): with [readership] clicks, every story link
of the email and its web version goes through /r/<token>; the stored briefing keeps the
article URLs; the footer says what is counted; the pre-send checks pass as before."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from newsletter import pipeline
from newsletter.config import Config
from newsletter.demo import SampleFeedServer
from newsletter.desk import service
from newsletter.store import Store
from newsletter.tokens import StoryLinks
from newsletter.web import create_app
from newsletter.web.clicks import close_counter, counter_of
from tests.conftest import DEMO_DATE, SECRET, make_config, parse_eml

NOTES = {"en": "Clicks on story links are counted per story, never per reader; no tracking pixel.",
         "fr": "Les clics sur les liens des articles sont comptés par article, jamais par lecteur",
         "ar": "تُحصى النقرات على روابط المقالات لكل مقال"}


def built(folder: Path, base_url: str, clicks: bool) -> tuple[Config, Store]:
    folder.mkdir()
    config = make_config(folder, base_url, readership={"clicks": clicks})
    store = Store.open(config.database_url)
    pipeline.collect_stage(config, store, issue_date=DEMO_DATE)
    pipeline.build_stage(config, store, DEMO_DATE)
    return config, store


def hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', html)


def test_story_links_go_through_the_redirect_and_the_briefing_keeps_the_articles(
        tmp_path: Path, feed_server: SampleFeedServer) -> None:
    config, store = built(tmp_path / "on", feed_server.base_url, clicks=True)
    data = store.issue_briefing(DEMO_DATE, "fr")
    assert data is not None
    stories = {i["story_id"]: i["url"] for i in (*data["items"], *data["in_brief"])}
    assert stories and not any("/r/" in url for url in stories.values())  # the articles
    issue = store.get_issue(DEMO_DATE, "fr")
    assert issue is not None
    links = StoryLinks(SECRET.encode())
    counted: dict[str, int] = {}
    for html in (issue.html, issue.web_html):
        for href in hrefs(html):
            if href.startswith("https://news.example.org/r/"):
                day, language, story = links.read(href.rsplit("/", 1)[1])
                assert (day, language) == (DEMO_DATE, "fr") and story in stories
                counted[story] = counted.get(story, 0) + 1
            # No story's own link is left (other sources' "also in" links stay direct).
            assert href not in stories.values() or href in also_in(data)
    assert set(counted) == set(stories)  # every story, items and in brief
    assert all(n >= 2 for n in counted.values())  # the email and its web version at least
    text_links = re.findall(r"https://news\.example\.org/r/\S+", issue.text)
    assert {links.read(u.rsplit("/", 1)[1])[2] for u in text_links} <= set(stories)
    assert NOTES["fr"] in issue.html and NOTES["fr"] in " ".join(issue.text.split())
    # Following one: the stored URL, counted once the send has begun.
    store.set_issue_status(DEMO_DATE, "sent")
    app = create_app(config, store)
    story, url = next(iter(stories.items()))
    token = links.make(DEMO_DATE, "fr", story)
    try:
        answer = app.test_client().get(f"/r/{token}", headers={
            "User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
            "Accept-Language": "fr"})
        assert answer.status_code == 302 and answer.headers["Location"] == url
        counter = counter_of(app)
        assert counter is not None and counter.flush(everything=True) == 1
    finally:
        close_counter(app)
    assert [(c.story_id, c.clicks) for c in store.click_counts()] == [(story, 1)]


def also_in(data: dict[str, Any]) -> set[str]:
    return {ref["url"] for item in (*data["items"], *data["in_brief"])
            for ref in item.get("also_in", ())}


def test_the_checks_and_the_sent_message_are_as_good_with_clicks_on(
        tmp_path: Path, feed_server: SampleFeedServer) -> None:
    results = {}
    for clicks in (False, True):
        config, store = built(tmp_path / str(clicks), feed_server.base_url, clicks=clicks)
        draft = service.load_draft(config, store, DEMO_DATE, "fr")
        assert draft is not None
        results[clicks] = {c.name: c.ok for c in service.checks(config, draft)}
        store.add_subscriber("reader@example.org", now=pipeline.utc_now())
        pipeline.send_stage(config, store, DEMO_DATE)
        (eml,) = (tmp_path / str(clicks) / "outbox").glob("*.eml")
        html = parse_eml(eml).get_body(("html",)).get_content()  # type: ignore[union-attr]
        assert ("/r/" in html) is clicks
        assert (NOTES["fr"] in html) is clicks
    assert results[True] == results[False]  # the redirect links pass every check links did
    assert results[True]["text_part"] and results[True]["unsubscribe"]


def test_the_note_reads_in_each_language() -> None:
    from newsletter.compose import render_issue
    from tests.compose.test_render import briefing

    for language, note in NOTES.items():
        issue = render_issue(briefing(language), postal_address="1 rue X", web_url="https://x.example/",
                             clicks_counted=True)
        assert note in issue.html
        assert note.split()[0] in issue.text
        plain = render_issue(briefing(language), postal_address="1 rue X", web_url="https://x.example/")
        assert note not in plain.html
