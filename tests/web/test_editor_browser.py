"""The editor's desk in headless Chromium against a real waitress server on 127.0.0.1.

An editor logs in, drops a story, rewrites a summary and approves; `newsletter send`
(require_approval on) then delivers the edited issue. With NEWSLETTER_SCREENSHOTS=1 the
screenshots also go to docs/ (editor-desk.png, editor-desk-phone.png).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newsletter import pipeline
from newsletter.config import load_config
from newsletter.demo import SampleFeedServer, sample_feeds
from newsletter.desk.accounts import add_editor
from newsletter.web import create_app
from tests.conftest import DEMO_DATE, parse_eml, run_cli

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "a long editor password"
DOCS = Path(__file__).parent.parent.parent / "docs"

if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
    pytest.skip("Debian chromium is not installed (.ci/run installs it)", allow_module_level=True)


@pytest.fixture
def newsroom(tmp_path: Path, feed_server: SampleFeedServer) -> Iterator[tuple[Path, str]]:
    """A config file, the day's draft built from the sample feeds, and the desk served."""
    import tomli_w

    feeds = [{k: v for k, v in vars(f).items() if v is not None}
             for f in sample_feeds(feed_server.base_url)]
    path = tmp_path / "newsletter.toml"
    path.write_text(tomli_w.dumps({
        "newsletter": {"public_url": "https://news.example.org"},
        "store": {"url": "sqlite:///db.sqlite3"},
        "delivery": {"outbox_dir": "outbox", "send_window_hours": 0},
        "editor": {"require_approval": True},
        "feeds": feeds,
    }), encoding="utf-8")
    config = load_config(path)
    store = pipeline.open_store(config)
    pipeline.collect_stage(config, store, issue_date=DEMO_DATE)
    pipeline.build_stage(config, store, DEMO_DATE)
    store.add_subscriber("reader@example.org", now=pipeline.utc_now())
    add_editor(store, "amina", PASSWORD, "amina@example.org", pipeline.utc_now())
    from waitress import create_server

    server: Any = create_server(create_app(config, store), host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield path, f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=10)
        store.close()


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def test_edit_approve_then_send_delivers_the_edited_issue(
        newsroom: tuple[Path, str], browser: Any, tmp_path: Path) -> None:
    path, base = newsroom
    day = DEMO_DATE.isoformat()
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    page.goto(f"{base}/editor/issue/{day}")
    assert "/editor/login" in page.url  # not logged in: sent to the login page
    page.fill("#username", "amina")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/editor/issue/{day}")

    stories = page.locator("article.story")
    dropped = stories.nth(1).locator(".headline").inner_text()
    submit(page, stories.nth(1).get_by_role("button", name="Retirer"), "drop")
    assert dropped not in page.locator("section[aria-labelledby=stories-title]").inner_text()

    first = page.locator("article.story").first
    kept = first.locator(".headline").inner_text()
    first.locator("details summary").click()
    new_summary = "Résumé réécrit par la rédaction : trois phrases courtes, vérifiées."
    first.locator("textarea[name=summary]").fill(new_summary)
    submit(page, first.get_by_role("button", name="Enregistrer"), "rewrite")
    assert new_summary in page.locator("article.story").first.inner_text()
    frame = page.frame_locator("iframe.preview")
    # The preview is the stored issue (French typography: a no-break space before « : »).
    assert new_summary in _spaces(frame.locator("body").inner_text())
    history = page.locator("section[aria-labelledby=log-title]").inner_text()
    assert "amina" in history and "retiré" in history and "résumé réécrit" in history

    checks = page.locator("ul.checks li")
    assert checks.count() == 9  # postal address included (issue 18, point 7)
    submit(page, page.get_by_role("button", name="Valider cette édition"), "approve")
    assert "Validée par amina" in page.content()
    _screenshots(page, base, day, tmp_path)
    page.close()

    result = run_cli("send", "--date", day, "--config", str(path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (sent,) = sorted((tmp_path / "outbox").glob(f"{day}-0*.eml"))
    message = parse_eml(sent)
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert new_summary in _spaces(html) and new_summary in " ".join(text.split())
    assert kept in html
    assert dropped not in html and dropped not in " ".join(text.split())


def submit(page: Any, button: Any, action: str) -> None:
    """Press a form's button from the keyboard; wait for the page it redirects to (PRG).

    The keyboard, not a mouse click: after a change the page jumps back to the story
    (#story-…), and Chromium may scroll there again while a click is under way.
    """
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**ok={action}*")
    page.wait_for_load_state("load")


def _screenshots(page: Any, base: str, day: str, tmp_path: Path) -> None:
    """The desk at desktop size, and with the draft at phone width (dark), looked at."""
    folders = [tmp_path] + ([DOCS] if os.environ.get("NEWSLETTER_SCREENSHOTS") else [])
    page.goto(f"{base}/editor/issue/{day}?view=desktop&scheme=light")
    desktop = page.screenshot(full_page=False)
    page.goto(f"{base}/editor/issue/{day}?view=phone&scheme=dark")
    width = page.evaluate("document.querySelector('iframe.preview').getBoundingClientRect().width")
    assert width == 375
    phone = page.screenshot(full_page=False)
    for folder in folders:
        (folder / "editor-desk.png").write_bytes(desktop)
        (folder / "editor-desk-phone.png").write_bytes(phone)


def _spaces(text: str) -> str:
    """No-break spaces (French typography) as plain ones, for comparing with typed text."""
    return text.replace("&nbsp;", " ").replace("&#160;", " ").replace("\xa0", " ").replace(
        "\u202f", " ")
