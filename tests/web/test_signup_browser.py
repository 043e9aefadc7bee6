"""Subscribe → confirm → preferences → unsubscribe in headless Chromium, JavaScript off,
against waitress on 127.0.0.1; then `newsletter send` leaves the address out."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from newsletter.config import load_config
from newsletter.models import RenderedIssue
from newsletter.pipeline import utc_now
from newsletter.store import Store
from newsletter.web import create_app
from tests.conftest import parse_eml, run_cli

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DAY = date(2026, 11, 30)

if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
    pytest.skip("Debian chromium is not installed (.ci/run installs it)", allow_module_level=True)


class Server:
    """waitress in a thread on an ephemeral port; the app is plugged in once the port is known."""

    def __init__(self) -> None:
        from waitress.server import create_server  # type: ignore[import-untyped]

        self.app: Any = None

        def wsgi(environ: Any, start: Any) -> Any:
            return self.app(environ, start)

        self.server = create_server(wsgi, host="127.0.0.1", port=0, threads=2)
        self.base = f"http://127.0.0.1:{self.server.effective_port}"
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def close(self) -> None:
        self.server.close()
        self.thread.join(timeout=10)


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server()
    s.thread.start()
    yield s
    s.close()


def _luminance(rgb: str) -> float:
    channels = [int(c) / 255 for c in re.findall(r"\d+", rgb)[:3]]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(fg: str, bg: str) -> float:
    a, b = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def test_subscribe_confirm_preferences_unsubscribe_then_send_skips(
        tmp_path: Path, server: Server) -> None:
    from playwright.sync_api import sync_playwright

    config_path = tmp_path / "newsletter.toml"
    config_path.write_text(f"""
[newsletter]
public_url = "{server.base}"
[store]
url = "sqlite:///db.sqlite3"
[delivery]
outbox_dir = "outbox"
send_window_hours = 0
[sections]
Sport = 1.0
Tech = 1.0
""", encoding="utf-8")
    config = load_config(config_path)
    store = Store.open(config.database_url)
    now = utc_now()
    others = [store.add_subscriber(f"reader{i}@example.org", now=now)[0] for i in range(2)]
    store.save_issue(RenderedIssue(DAY, "fr", "Le Brief du 30", "p",
                                   '<p>Bonjour NL__NAME__NL <a href="NL__UNSUBSCRIBE_URL__NL">x</a>'
                                   '<a href="NL__PREFERENCES_URL__NL">p</a></p>',
                                   "Bonjour\nNL__UNSUBSCRIBE_URL__NL\n"), {}, now)
    app = create_app(config, store)
    server.app = app
    shots = tmp_path / "shots"

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(java_script_enabled=False, locale="en-GB",
                                      viewport={"width": 420, "height": 900})
        page = context.new_page()
        page.goto(f"{server.base}/subscribe")
        assert page.locator("html").get_attribute("lang") == "en"
        page.screenshot(path=str(shots / "subscribe.png"), full_page=True)

        # Keyboard order follows the form; the honeypot is never reached.
        # The two other languages' links (fr, ar) come first, then the form.
        order = []
        for _ in range(10):
            page.keyboard.press("Tab")
            order.append(page.evaluate("document.activeElement.id || document.activeElement.tagName"))
        assert order[:9] == ["A", "A", "email", "name", "language", "section-1", "section-2",
                             "consent", "BUTTON"], order
        page.locator("#email").focus()
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline == "solid"  # a visible focus ring
        for selector in ("label[for=email]", "main p", "button", "nav a"):
            colours = page.evaluate(
                f"(() => {{ const e = document.querySelector({selector!r});"
                "return [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]; })()")
            background = colours[1] if "0, 0, 0, 0" not in colours[1] else "rgb(255, 255, 255)"
            assert contrast(colours[0], background) >= 4.5, selector
        trap = page.locator("p.hp").bounding_box()  # the honeypot: clipped to one pixel
        assert trap is not None and trap["width"] <= 1 and trap["height"] <= 1
        assert page.evaluate("document.documentElement.scrollWidth") <= 420

        page.get_by_label("Email address").fill("Reader.New@Example.org")
        page.get_by_label("First name (optional)").fill("Nour")
        page.get_by_label("Language of the newsletter").select_option("en")
        page.get_by_label("Tech").check()
        page.get_by_label("I agree to receive Le Brief").check()
        page.get_by_role("button", name="Subscribe").click()
        assert "a message is on its way" in page.locator("main").inner_text()

        app.extensions["signup_queue"].wait()
        (eml,) = sorted((tmp_path / "outbox").glob("confirm-*.eml"))
        text = parse_eml(eml).get_body(("plain",)).get_content()  # type: ignore[union-attr]
        link = re.search(r"http://\S+/confirm/\S+", text).group(0)  # type: ignore[union-attr]
        page.goto(link)
        page.screenshot(path=str(shots / "confirm.png"), full_page=True)
        assert store.find_subscriber("reader.new@example.org").status == "pending"  # type: ignore[union-attr]
        page.get_by_role("button", name="Confirm my subscription").click()
        assert "is confirmed" in page.locator("main").inner_text()
        subscriber = store.find_subscriber("reader.new@example.org")
        assert subscriber is not None and subscriber.status == "active"
        unsubscribe_url = page.get_by_role("link", name="Unsubscribe").get_attribute("href")

        page.get_by_role("link", name="Choose your sections and language").click()
        page.locator("#language").select_option("fr")
        page.locator("button[type=submit]").click()
        assert store.subscriber_preferences(subscriber.id)["language"] == "fr"  # type: ignore[index]

        assert unsubscribe_url is not None
        page.goto(unsubscribe_url)
        page.locator("button[type=submit]").click()
        assert store.find_subscriber("reader.new@example.org").status == "unsubscribed"  # type: ignore[union-attr]

        page.goto(f"{server.base}/subscribe?lang=ar")  # right to left, still no sideways scroll
        assert page.locator("html").get_attribute("dir") == "rtl"
        assert page.evaluate("document.documentElement.scrollWidth") <= 420
        browser.close()

    result = run_cli("send", "--date", DAY.isoformat(), "--config", str(config_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    sent = {path.name for path in (tmp_path / "outbox").glob(f"{DAY}-*.eml")}
    assert sent == {f"{DAY}-{sid:06d}.eml" for sid in others}
    assert subscriber.id not in others
