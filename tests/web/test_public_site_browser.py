"""The public site in headless Chromium at phone width: no page scrolls sideways, and the
Arabic editions read right to left (computed direction), live and in the static copy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newsletter.store import Store
from newsletter.web import create_app
from newsletter.web.archive import write_archive
from tests.browser import chromium, served_on_loopback, skip_without_chromium
from tests.web.test_public_site import public_site

skip_without_chromium()

PHONE = {"width": 390, "height": 844}
PAGES = ["/", "/?lang=ar", "/archive/", "/archive/?lang=ar", "/issues/2026-11-29",
         "/issues/2026-11-29?lang=ar", "/subscribe"]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Store, Any]]:
    """The public site of tests/web/test_public_site.py under waitress on 127.0.0.1."""
    client, store, config = public_site(tmp_path)
    with served_on_loopback(create_app(config, store)) as base:
        yield base, store, config
    del client


def overflow(page: Any) -> int:
    """How far the page reaches past the viewport's width, in CSS pixels."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_pages_fit_a_phone_and_arabic_reads_right_to_left(
        served: tuple[str, Store, Any]) -> None:
    base, _, _ = served
    with chromium() as browser:
        page = browser.new_page(viewport=PHONE)
        for path in PAGES:
            page.goto(base + path)
            assert overflow(page) <= 0, path
        page.goto(base + "/archive/")
        directions = page.eval_on_selector_all(
            "li.edition", "els => els.map(e => [e.lang, getComputedStyle(e).direction])")
        assert ["ar", "rtl"] in directions and ["fr", "ltr"] in directions
        # The Arabic subject itself, not only its box, lays out right to left.
        link = page.locator('li.edition[lang="ar"] a').first
        assert link.evaluate("e => getComputedStyle(e).direction") == "rtl"
        page.goto(base + "/issues/2026-11-29?lang=ar")
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
        assert page.locator(".nlsite-bar").evaluate("e => getComputedStyle(e).direction") == "rtl"
        story = page.locator(".headline").first
        assert story.evaluate("e => getComputedStyle(e).direction") == "rtl"
        page.goto(base + "/?lang=ar")
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
        card = page.locator('li.card[lang="ar"]').first
        assert card.evaluate("e => getComputedStyle(e).direction") == "rtl"


def test_the_static_copy_fits_a_phone_too(served: tuple[str, Store, Any], tmp_path: Path) -> None:
    _, store, config = served
    out = tmp_path / "static"
    write_archive(config, store, out)
    with chromium() as browser:
        page = browser.new_page(viewport=PHONE)
        for name in ("index.html", "archive/index.html", "issues/2026-11-29.ar.html"):
            page.goto((out / name).as_uri())
            assert overflow(page) <= 0, name
        page.goto((out / "archive" / "index.html").as_uri())
        page.locator('li.edition[lang="ar"] a').first.click()  # relative links work from disk
        assert page.url.endswith("/issues/2026-11-29.ar.html")
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"


DOCS = Path(__file__).resolve().parent.parent.parent / "docs"
SHOTS = {  # file in docs/ -> (path, width, whole page)
    "site-home-phone.png": ("/", 390, True),
    "site-home-desktop.png": ("/", 1280, True),
    "site-archive-phone.png": ("/archive/", 390, True),
    "site-archive-desktop.png": ("/archive/", 1280, True),
    "site-issue-phone.png": ("/issues/{day}", 390, False),
    "site-issue-arabic-phone.png": ("/issues/{day}?lang=ar", 390, False),
    "site-issue-desktop.png": ("/issues/{day}", 1280, False),
}


def test_screenshots_of_the_demo_site(demo_run: tuple[Path, Any], tmp_path: Path) -> None:
    """Home, archive and an issue of the demo, its draft approved and sent as the demo
    suggests, at phone and desktop widths; with NEWSLETTER_SCREENSHOTS=1 they go to docs/."""
    import os
    import shutil

    from newsletter.config import load_config
    from tests.conftest import run_cli

    demo = tmp_path / "demo"
    shutil.copytree(demo_run[0], demo)
    env = {"NEWSLETTER_CONFIG": str(demo / "newsletter.toml"), "NEWSLETTER_SECRET": ""}
    for command in (["approve", "--as", "editor"], ["send"]):
        done = run_cli(*command, cwd=demo, env=env)
        assert done.returncode == 0, done.stderr
    config = load_config(demo / "newsletter.toml")
    store = Store.open(config.database_url)
    days = [row["issue_date"] for row in store.list_issues() if row["status"] == "sent"]
    assert len(set(days)) == 2
    folders = [tmp_path] + ([DOCS] if os.environ.get("NEWSLETTER_SCREENSHOTS") else [])
    try:
        with served_on_loopback(create_app(config, store)) as base, chromium() as browser:
            for name, (path, width, whole) in SHOTS.items():
                page = browser.new_page(viewport={"width": width, "height": 844 if width < 600
                                                  else 900}, locale="en-US")
                page.goto(base + path.format(day=max(days)))
                assert overflow(page) <= 0, name
                picture = page.screenshot(full_page=whole)
                page.close()
                for folder in folders:
                    (folder / name).write_bytes(picture)
    finally:
        store.close()
    assert all((tmp_path / name).stat().st_size > 10_000 for name in SHOTS)
