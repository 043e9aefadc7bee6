"""The Readership page in headless Chromium, served by waitress on 127.0.0.1: an editor
goes from the sent issue's page to its readers, and the tables fit the page (desktop and
phone). With NEWSLETTER_SCREENSHOTS=1 the screenshot also goes to docs/editor-readership.png.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from newsletter import pipeline
from newsletter.desk.accounts import add_editor
from newsletter.models import ClickCount, DeliveryStatus
from newsletter.store import Store
from newsletter.web import create_app
from tests.browser import chromium, served_on_loopback, skip_without_chromium
from tests.compose.test_checks import briefing, item
from tests.conftest import make_config

skip_without_chromium()

DAY = date(2026, 11, 29)
NOW = datetime(2026, 11, 29, 5, 0, tzinfo=UTC)
PASSWORD = "a long editor password"
DOCS = Path(__file__).parent.parent.parent / "docs"
# (headline, section, source, reader clicks, robot clicks): written for this test
STORIES = [
    ("Harbour reopens to container ships after the storm", "World", "Coastal Times", 212, 14),
    ("Parliament passes the water-sharing bill at second reading", "Politics", "The Ledger", 148, 9),
    ("Central bank holds its rate and signals a cut in spring", "Economy", "The Ledger", 96, 9),
    ("Rail strike called off after a late-night agreement", "Politics", "Daily Wire", 171, 8),
    ("Drought plan: three regions ration irrigation water", "World", "Coastal Times", 64, 7),
    ("City derby ends level after a stoppage-time penalty", "Sport", "Daily Wire", 305, 9),
    ("New wing of the national museum opens to visitors", "Culture", "Arts Weekly", 41, 6),
    ("Start-up fund doubles its seed grants for rural firms", "Economy", "Daily Wire", 7, 5),
    ("Ferry timetable changes for the winter season", "World", "Coastal Times", 23, 4),
    ("Chess prodigy, 12, wins the national open", "Sport", "Arts Weekly", 88, 6),
    ("Review: a quiet, patient novel about lighthouse keepers", "Culture", "Arts Weekly", 3, 4),
]


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[str]:
    config = make_config(tmp_path, newsletter={"language": "en", "public_url": "http://localhost"},
                         readership={"clicks": True})
    store = Store.open(config.database_url)
    made = [item(n, headline=h, section=s, source=src, story_id=f"s{n}")
            for n, (h, s, src, _, _) in enumerate(STORIES, 1)]
    b = briefing(issue_date=DAY, items=tuple(made[:8]), in_brief=tuple(made[8:]))
    store.save_issue(pipeline.render_briefing(config, b), pipeline.briefing_to_dict(b), NOW)
    store.add_subscribers([{"email": f"r{i}@example.org"} for i in range(2340)], NOW)
    ids = [r["id"] for r in store.list_subscribers()]
    sent = NOW + timedelta(hours=2)
    store.claim_deliveries(DAY, [(i, f"<{i}@x.example>") for i in ids], sent)
    store.record_deliveries(DAY, [(i, DeliveryStatus.SENT, "") for i in ids[12:]], sent)
    store.record_deliveries(DAY, [(i, DeliveryStatus.FAILED, "") for i in ids[:12]], sent)
    store.set_issue_status(DAY, "sent")
    store.add_clicks([c for n, (_, _, _, readers, robots) in enumerate(STORIES, 1)
                      for c in (ClickCount(DAY, "en", f"s{n}", sent, "reader", readers),
                                ClickCount(DAY, "en", f"s{n}", sent, "robot", robots))])
    add_editor(store, "amina", PASSWORD, "amina@example.org", NOW)
    try:
        with served_on_loopback(create_app(config, store)) as base:
            yield base
    finally:
        store.close()


def test_the_readership_page_reads_well_on_desktop_and_phone(desk: str, tmp_path: Path) -> None:
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 1500})
        page.goto(f"{desk}/editor/login")
        page.fill("input[name=username]", "amina")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.goto(f"{desk}/editor/issue/{DAY}")
        page.click("text=Readership")
        assert page.url.endswith(f"/editor/issue/{DAY}/readership?lang=en")
        assert page.locator("h1").inner_text() == "Readership of the 2026-11-29 issue"
        figures = page.locator(".figure").all_inner_texts()
        assert figures[0].startswith("2\u202f328") and figures[1].startswith("1\u202f158")
        rows = page.locator("table.list").first.locator("tbody tr")
        assert rows.count() == len(STORIES)
        first = rows.nth(0).locator("td").all_inner_texts()
        assert first[:3] == ["1", "6", "▲ 5"] and first[3].startswith("City derby")
        last = rows.nth(len(STORIES) - 1).locator("td").all_inner_texts()
        assert last[0] == "—" and last[6] == "fewer than 10"
        assert "81 automated clicks excluded" in page.inner_text("main")
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 1280  # no sideways scrolling on a desktop
        shot = page.screenshot(full_page=True)
        (tmp_path / "readership.png").write_bytes(shot)
        if os.environ.get("NEWSLETTER_SCREENSHOTS"):
            (DOCS / "editor-readership.png").write_bytes(page.screenshot(full_page=False))
        phone = browser.new_page(viewport={"width": 390, "height": 844})
        phone.context.add_cookies(page.context.cookies())
        phone.goto(page.url)
        assert phone.locator("h1").inner_text() == "Readership of the 2026-11-29 issue"
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # fits a phone
        assert not phone.locator("th.wide").first.is_visible()  # the source and comparison go
        assert phone.locator("table.list tbody tr").first.locator("td").nth(3).is_visible()
        (tmp_path / "readership-phone.png").write_bytes(phone.screenshot(full_page=True))
