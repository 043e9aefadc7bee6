"""A re-branded issue as people see it: a real build with [brand], in headless Chromium.

The logo's https address is answered by the test itself (Playwright routes the request:
nothing leaves the machine). With NEWSLETTER_SCREENSHOTS=1 the phone screenshot also goes
to docs/email-branded-phone.png.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from tests.browser import chromium, skip_without_chromium
from tests.conftest import run_cli

skip_without_chromium()

DOCS = Path(__file__).parent.parent / "docs"
LOGO_URL = "https://static.maree.example/logo.png"
ACCENT = "#0b6e4f"
NAME = "Marée"
BRAND = {
    "logo_url": LOGO_URL, "logo_width": 220, "logo_height": 48, "logo_alt": NAME,
    "accent_color": ACCENT, "text_color": "#1d2b24", "background_color": "#fbfaf5",
    "font_stack": "'Trebuchet MS', 'DejaVu Sans', sans-serif",
    "footer_text": "Marée est préparée chaque matin à Tanger par trois journalistes. "
                   "Répondez à ce message : une personne le lit.",
}
# The wordmark, drawn by Chromium itself into a PNG twice the displayed size (sharp screens).
LOGO_SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="440" height="96" viewBox="0 0 220 48">
<rect x="0" y="4" width="40" height="40" rx="9" fill="#0b6e4f"/>
<path d="M6 30 q7 -7 14 0 t14 0" stroke="#fbfaf5" stroke-width="3" fill="none"/>
<path d="M6 21 q7 -7 14 0 t14 0" stroke="#fbfaf5" stroke-width="3" fill="none" opacity=".6"/>
<text x="50" y="30" font-family="DejaVu Sans, sans-serif" font-size="24" font-weight="bold"
 fill="#0b6e4f">Marée</text>
<text x="51" y="44" font-family="DejaVu Sans, sans-serif" font-size="9.5" letter-spacing=".4"
 fill="#1d2b24">L'ESSENTIEL DU MATIN</text>
</svg>"""


def rgb(color: str) -> str:
    return "rgb({}, {}, {})".format(*(int(color[i:i + 2], 16) for i in (1, 3, 5)))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def logo_png(browser: Any) -> bytes:
    return draw_logo(browser)


def draw_logo(browser: Any) -> bytes:
    """LOGO_SVG drawn into a PNG twice the displayed size (the logo's https image)."""
    page = browser.new_page(viewport={"width": 440, "height": 96})
    page.set_content(f"<body style='margin:0'>{LOGO_SVG}</body>")
    png: bytes = page.locator("svg").screenshot(omit_background=True)
    page.close()
    return png


@pytest.fixture(scope="module")
def branded(demo_run: tuple[Path, subprocess.CompletedProcess[str]],
            tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's next-day draft rebuilt with [brand], as `newsletter preview` writes it."""
    folder = tmp_path_factory.mktemp("branded") / "demo"
    shutil.copytree(demo_run[0], folder)
    config = folder / "newsletter.toml"
    raw = tomllib.loads(config.read_text(encoding="utf-8"))
    raw["brand"] = BRAND
    raw["newsletter"]["name"] = NAME
    config.write_text(tomli_w.dumps(raw), encoding="utf-8")
    for command in (["build", "--discard-edits"], ["preview", "--out", str(folder / "branded")]):
        result = run_cli(*command, "--config", str(config), cwd=folder)
        assert result.returncode == 0, result.stderr
    (html,) = (folder / "branded").glob("*.html")
    return html


def open_page(browser: Any, html: Path, logo_png: bytes, width: int, scheme: str = "light"
              ) -> Any:
    page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page.route(LOGO_URL, lambda route: route.fulfill(status=200, content_type="image/png",
                                                     body=logo_png))
    page.goto(html.as_uri())
    page.wait_for_function("document.querySelector('img.logo').complete")
    return page


@pytest.mark.parametrize("width", [375, 600, 1024])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_branded_issue_has_no_horizontal_scroll_and_every_link_visible(
        browser: Any, branded: Path, logo_png: bytes, width: int, scheme: str) -> None:
    page = open_page(browser, branded, logo_png, width, scheme)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    links = page.locator("a[href]")
    assert links.count() >= 10
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        assert box is not None and box["width"] > 0 and box["height"] > 0
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1
    assert page.get_by_text("Répondez à ce message : une personne le lit.").is_visible()
    assert page.get_by_text(f"Vous recevez {NAME} parce que", exact=False).is_visible()
    assert page.get_by_text("Se désabonner").is_visible()
    page.close()


@pytest.mark.parametrize("width", [375, 1024])
def test_the_logo_has_its_size_and_the_links_the_accent(
        browser: Any, branded: Path, logo_png: bytes, width: int) -> None:
    page = open_page(browser, branded, logo_png, width)
    logo = page.locator("img.logo")
    assert logo.evaluate("img => img.naturalWidth") == 440  # the PNG was served and decoded
    box = logo.bounding_box()
    assert box is not None and (box["width"], box["height"]) == (220, 48)
    assert logo.get_attribute("alt") == NAME
    for selector in ("a.headline-link", "a.brief-link", "a.essential-link"):
        color = page.evaluate(f"getComputedStyle(document.querySelector('{selector}')).color")
        assert color == rgb(ACCENT), selector
    family = page.evaluate("getComputedStyle(document.querySelector('h3.headline')).fontFamily")
    assert family.startswith('"Trebuchet MS", "DejaVu Sans"')
    card = page.evaluate(
        "getComputedStyle(document.querySelector('table.container')).backgroundColor")
    assert card == rgb("#fbfaf5")
    footer = page.evaluate("getComputedStyle(document.querySelector('td.footer')).backgroundColor")
    assert footer == rgb(ACCENT)
    if width == 375 and os.environ.get("NEWSLETTER_SCREENSHOTS"):
        page.screenshot(path=str(DOCS / "email-branded-phone.png"), full_page=True)
    page.close()


def test_in_dark_mode_the_logo_keeps_its_background(browser: Any, branded: Path,
                                                     logo_png: bytes) -> None:
    page = open_page(browser, branded, logo_png, 375, "dark")
    plate = page.evaluate("getComputedStyle(document.querySelector('img.logo')).backgroundColor")
    assert plate == rgb("#fbfaf5")
    container = page.evaluate(
        "getComputedStyle(document.querySelector('table.container')).backgroundColor")
    assert container == "rgb(27, 30, 37)"
    page.close()


def test_a_logo_wider_than_a_phone_shrinks_in_proportion(browser: Any, logo_png: bytes,
                                                         tmp_path: Path) -> None:
    from newsletter.brand import Brand
    from newsletter.compose import render_issue
    from tests.compose.test_render import briefing

    wide = Brand(logo_url=LOGO_URL, logo_width=536, logo_height=117, logo_alt=NAME)
    html = tmp_path / "wide.html"
    html.write_text(render_issue(briefing(), postal_address="12 rue Exemple",
                                 web_url="https://news.example/i", brand=wide).html,
                    encoding="utf-8")
    page = open_page(browser, html, logo_png, 375)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    box = page.locator("img.logo").bounding_box()
    assert box is not None and box["width"] <= 375 - 2 * 18
    assert box["height"] == pytest.approx(box["width"] * 117 / 536, abs=1)
    page.close()
