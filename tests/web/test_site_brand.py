"""The public site wears [brand]: its colours, font and logo on the home page, the archive, the
bar of an issue's web version and the sign-up pages, live and in the static copy (`archive
--out`), light and dark; without a brand, the colours the pages always had.

Colours are read as Chromium computes them. The logo's https address is answered by the test
itself (Playwright routes the request: nothing leaves the machine); that the image loads at all
shows the page's Content-Security-Policy allows its origin. With NEWSLETTER_SCREENSHOTS=1 the
branded demo's home page also goes to docs/site-home-branded-phone.png.
"""

from __future__ import annotations

import os
import shutil
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from newsletter.brand import Brand, contrast
from newsletter.errors import ConfigError
from newsletter.store import Store
from newsletter.web import create_app
from newsletter.web.app import PAGE_POLICY, page_policy
from newsletter.web.archive import write_archive
from tests.browser import chromium, served_on_loopback, skip_without_chromium
from tests.conftest import SECRET, make_config, run_cli
from tests.web.test_public_site import public_site

DOCS = Path(__file__).resolve().parent.parent.parent / "docs"
PHONE = {"width": 390, "height": 844}
DAY = "2026-11-29"
LOGO_URL = "https://static.maree.example/logo.png"
BRAND = {  # the brand of docs/branding.md
    "logo_url": LOGO_URL, "logo_width": 220, "logo_height": 48, "logo_alt": "Marée",
    "accent_color": "#0b6e4f", "text_color": "#1d2b24", "background_color": "#fbfaf5",
    "font_stack": "'Trebuchet MS', 'DejaVu Sans', sans-serif",
}
LOOK = Brand(**BRAND)  # type: ignore[arg-type]
LIGHT = {role: pair[0] for role, pair in LOOK.site_palette.items()}
DARK = {role: pair[1] for role, pair in LOOK.site_palette.items()}
WHITE, NAVY, RED, BEIGE = "#ffffff", "#1f2a44", "#b3261e", "#f3efe6"


def rgb(color: str) -> str:
    """'#0b6e4f' as getComputedStyle writes it."""
    return "rgb({}, {}, {})".format(*(int(color[i:i + 2], 16) for i in (1, 3, 5)))


def hex_of(computed: str) -> str:
    """'rgb(11, 110, 79)' as '#0b6e4f'."""
    r, g, b = (int(part) for part in computed[computed.index("(") + 1:-1].split(",")[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def style(page: Any, selector: str, prop: str) -> str:
    value: str = page.locator(selector).first.evaluate(
        f"e => getComputedStyle(e).getPropertyValue('{prop}')")
    return value


# -- the palette: every ink reads on what it is drawn on --------------------------------------

INKS = [  # (ink, on what): text and links on the page and the panels, inks on their fills
    *((ink, ground) for ink in ("text", "link", "heading", "highlight", "muted", "problem")
      for ground in ("page", "panel")),
    ("field-text", "field"), ("on-button", "button"), ("on-header", "header"), ("on-cta", "cta"),
]
BRANDS = [
    {},  # ours
    {k: v for k, v in BRAND.items() if not k.startswith("logo")},
    {"accent_color": "#0b6e4f"},  # an accent alone: our beige page and white panels
    {"accent_color": "#767676"},  # 4.54:1 on white: the page behind must not lower it
    {"text_color": "#767676", "accent_color": "#8a4b00", "background_color": "#ffffff"},
    {"text_color": "#e8e6e3", "accent_color": "#f2aa4c", "background_color": "#101820"},  # dark
    {"accent_color": "#ffe066", "text_color": "#f5f5f5", "background_color": "#1a1a2e"},
]


@pytest.mark.parametrize("values", BRANDS)
def test_every_ink_of_the_pages_reads_on_what_it_is_drawn_on(values: dict[str, str]) -> None:
    palette = Brand(**values).site_palette  # type: ignore[arg-type]
    for mode in (0, 1):  # light, dark
        for ink, ground in INKS:
            ratio = contrast(palette[ink][mode], palette[ground][mode])
            assert ratio >= 4.5, (values, mode, ink, ground, ratio)
        # What is not text needs 3:1 (WCAG 1.4.11): field borders, focus rings, the CTA.
        assert contrast(palette["field-border"][mode], palette["field"][mode]) >= 3
        assert contrast(palette["focus"][mode], palette["panel"][mode]) >= 3
        if values:
            assert contrast(palette["header-focus"][mode], palette["header"][mode]) >= 3
            assert contrast(palette["bar-focus"][mode], palette["header"][mode]) >= 3
            assert contrast(palette["cta"][mode], palette["header"][mode]) >= 3


def test_our_palette_is_the_colours_the_pages_always_had() -> None:
    palette = Brand().site_palette
    assert {role: palette[role] for role in (
        "page", "text", "link", "heading", "highlight", "muted", "panel", "header", "cta",
        "button", "on-button", "rule", "panel-rule", "field-border")} == {
        "page": (BEIGE, "#111318"), "text": ("#2b2f38", "#d5d8df"), "link": (NAVY, "#b9c7ee"),
        "heading": (NAVY, "#f1f2f5"), "highlight": (RED, "#ff8a80"),
        "muted": ("#5c6270", "#a9afbd"), "panel": (WHITE, "#1b1e25"),
        "header": (NAVY, "#0b0d11"), "cta": (RED, RED), "button": (NAVY, "#8ea2d8"),
        "on-button": (WHITE, "#111318"), "rule": ("#d9d3c4", "#343946"),
        "panel-rule": ("#e4dfd3", "#343946"), "field-border": ("#5b6170", "#9aa1b2")}


def test_a_brand_page_is_mixed_from_its_colours_and_its_panels_are_its_background() -> None:
    assert LIGHT["panel"] == "#fbfaf5" and LIGHT["page"] == LOOK.colors["page"] != BEIGE
    assert LIGHT["header"] == LIGHT["link"] == LIGHT["button"] == "#0b6e4f"
    assert LIGHT["cta"] == "#fbfaf5" and LIGHT["on-cta"] == "#0b6e4f"  # on the accent's header
    # An accent just readable on white keeps its 4.5:1 on the page behind the panels.
    barely = Brand(accent_color="#767676").site_palette
    assert contrast("#767676", barely["page"][0]) >= 4.5 and barely["page"][0] != BEIGE


# -- the logo's origin in the pages' Content-Security-Policy ----------------------------------

def test_the_pages_policy_allows_the_logos_origin_and_nothing_wider() -> None:
    assert page_policy("") == PAGE_POLICY
    assert page_policy("https://CDN.maree.example:8443/a/logo.png?v=2") == PAGE_POLICY.replace(
        "img-src 'self' data:", "img-src 'self' data: https://cdn.maree.example:8443")


@pytest.mark.parametrize("url", ["https://a.example;script-src/logo.png",
                                 "https://user@cdn.example/logo.png", "https://cdn..example/l.png",
                                 "https://:443/logo.png"])
def test_a_logo_address_without_a_plain_host_is_refused(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigError) as info:
        make_config(tmp_path, brand={**BRAND, "logo_url": url})
    assert "[brand] logo_url must name its host after https://" in info.value.message


def test_the_live_pages_send_the_policy_with_the_logo(tmp_path: Path) -> None:
    client, store, _ = public_site(tmp_path, brand=BRAND)
    for path in ("/", "/archive/", "/subscribe", "/unsubscribe"):
        csp = client.get(path).headers["Content-Security-Policy"]
        assert "img-src 'self' data: https://static.maree.example;" in csp, path
    assert "img-src https: data:" in client.get(f"/issues/{DAY}").headers[
        "Content-Security-Policy"]  # the email's own images, as before
    store.close()


# -- in Chromium --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    skip_without_chromium()
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def logo_png(browser: Any) -> bytes:
    """The wordmark of tests/test_visual_brand.py, drawn into a PNG twice the displayed size."""
    from tests.test_visual_brand import draw_logo

    return draw_logo(browser)


def serve(config: Any, store: Store) -> Iterator[str]:
    with served_on_loopback(create_app(config, store)) as base:
        yield base


@pytest.fixture(scope="module")
def branded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store, Any]]:
    """The site of tests/web/test_public_site.py with BRAND, under waitress on 127.0.0.1."""
    with pytest.MonkeyPatch.context() as env:  # the app signs its forms' tokens
        env.setenv("NEWSLETTER_SECRET", SECRET)
        _, store, config = public_site(tmp_path_factory.mktemp("branded"), brand=BRAND,
                                       newsletter={"name": "Marée"})
        for base in serve(config, store):
            yield base, store, config
        store.close()


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The same site without [brand]."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("NEWSLETTER_SECRET", SECRET)
        _, store, config = public_site(tmp_path_factory.mktemp("plain"))
        yield from serve(config, store)
        store.close()


def open_page(browser: Any, url: str, logo_png: bytes, scheme: str = "light") -> Any:
    page = browser.new_page(viewport=PHONE, color_scheme=scheme)
    page.route(LOGO_URL, lambda route: route.fulfill(status=200, content_type="image/png",
                                                     body=logo_png))
    page.goto(url)
    return page


def assert_logo(page: Any, selector: str) -> None:
    logo = page.locator(selector)
    assert logo.count() == 1, selector
    page.wait_for_function(f"document.querySelector('{selector}').complete")
    assert logo.evaluate("img => img.naturalWidth") == 440  # loaded: the policy let it in
    assert logo.get_attribute("alt") == "Marée"
    box = logo.bounding_box()
    assert box is not None and (round(box["width"]), round(box["height"])) == (220, 48)


def assert_site_header(page: Any) -> None:
    assert style(page, ".site-header", "background-color") == rgb(LIGHT["header"])
    assert style(page, ".site-nav a", "color") == rgb(LIGHT["on-header"])
    assert style(page, ".site-name", "background-color") == rgb(BRAND["background_color"])
    assert_logo(page, ".site-header img.logo")  # the logo on a plate of the background


def test_the_home_page_wears_the_brand(browser: Any, logo_png: bytes,
                                       branded: tuple[str, Store, Any]) -> None:
    page = open_page(browser, branded[0] + "/", logo_png)
    assert style(page, "body", "background-color") == rgb(LIGHT["page"])
    assert "Trebuchet MS" in style(page, "body", "font-family")
    for panel in (".signup", ".card"):
        assert style(page, panel, "background-color") == rgb(BRAND["background_color"]), panel
    for link in (".more a", ".card .headline a", ".card .editions a"):
        assert style(page, link, "color") == rgb(BRAND["accent_color"]), link
    assert style(page, "h1", "color") == rgb(BRAND["accent_color"])
    assert style(page, ".signup button", "background-color") == rgb(BRAND["accent_color"])
    ink = hex_of(style(page, ".signup button", "color"))
    assert ink == WHITE and contrast(ink, BRAND["accent_color"]) >= 4.5
    assert style(page, ".card .meta", "color") == rgb(LIGHT["muted"])
    assert style(page, "#email", "border-top-color") == rgb(LIGHT["field-border"])
    assert_site_header(page)
    page.close()


def test_the_archive_and_the_issue_bar_wear_the_brand(browser: Any, logo_png: bytes,
                                                      branded: tuple[str, Store, Any]) -> None:
    page = open_page(browser, branded[0] + "/archive/", logo_png)
    assert style(page, "body", "background-color") == rgb(LIGHT["page"])
    assert style(page, ".edition", "background-color") == rgb(BRAND["background_color"])
    assert style(page, ".edition a", "color") == rgb(BRAND["accent_color"])
    assert style(page, ".edition", "border-inline-start-color") == rgb(BRAND["accent_color"])
    assert style(page, ".site-nav .cta", "background-color") == rgb(BRAND["background_color"])
    assert style(page, ".site-nav .cta", "color") == rgb(BRAND["accent_color"])
    assert_site_header(page)
    page.goto(branded[0] + f"/issues/{DAY}")
    assert style(page, ".nlsite-bar", "background-color") == rgb(BRAND["accent_color"])
    assert style(page, ".nlsite-name", "color") == rgb(WHITE)
    assert "Trebuchet MS" in style(page, ".nlsite-name", "font-family")
    assert style(page, ".nlsite-cta", "background-color") == rgb(BRAND["background_color"])
    assert style(page, ".nlsite-cta", "color") == rgb(BRAND["accent_color"])
    page.close()


def test_the_sign_up_pages_wear_the_brand_and_its_logo(browser: Any, logo_png: bytes,
                                                       branded: tuple[str, Store, Any]) -> None:
    page = open_page(browser, branded[0] + "/subscribe", logo_png)
    assert style(page, "body", "background-color") == rgb(LIGHT["page"])
    assert style(page, "main", "background-color") == rgb(BRAND["background_color"])
    assert style(page, "main", "border-top-color") == rgb(BRAND["accent_color"])
    assert style(page, ".langs a", "color") == rgb(BRAND["accent_color"])
    assert style(page, "button", "background-color") == rgb(BRAND["accent_color"])
    assert style(page, "button", "color") == rgb(WHITE)
    assert_logo(page, "h1 img.logo")  # the logo is the heading, as in the email
    page.goto(branded[0] + "/unsubscribe")  # the error page of a link without its token
    assert style(page, "main", "border-top-color") == rgb(BRAND["accent_color"])
    assert_logo(page, "h1 img.logo")
    page.close()


def test_dark_mode_keeps_the_header_and_lifts_the_accent(browser: Any, logo_png: bytes,
                                                         branded: tuple[str, Store, Any]) -> None:
    page = open_page(browser, branded[0] + "/", logo_png, scheme="dark")
    assert style(page, "body", "background-color") == rgb("#111318")
    link = hex_of(style(page, ".more a", "color"))
    assert link == DARK["link"] != BRAND["accent_color"] and contrast(link, "#111318") >= 4.5
    assert style(page, ".site-header", "background-color") == rgb(BRAND["accent_color"])
    assert style(page, ".site-name", "background-color") == rgb(BRAND["background_color"])
    page.goto(branded[0] + "/subscribe")
    assert style(page, "h1 img.logo", "background-color") == rgb(BRAND["background_color"])
    page.close()


SAME = [  # (selector, property) compared between the live pages and their static copies
    ("body", "background-color"), ("body", "font-family"), (".site-header", "background-color"),
    (".site-nav a", "color"), ("h1", "color"), ("main a", "color"), (".site-name", "background-color")]


def test_the_static_copy_wears_the_brand_as_the_live_site(
        browser: Any, logo_png: bytes, branded: tuple[str, Store, Any], tmp_path: Path) -> None:
    base, store, config = branded
    out = tmp_path / "static"
    write_archive(config, store, out)
    for live, static in (("/", "index.html"), ("/archive/", "archive/index.html"),
                         (f"/issues/{DAY}", f"issues/{DAY}.html")):
        page = open_page(browser, base + live, logo_png)
        if live.startswith("/issues/"):
            wanted = [(".nlsite-bar", "background-color"), (".nlsite-name", "font-family"),
                      (".nlsite-cta", "background-color"), (".nlsite-cta", "color")]
        else:
            wanted = SAME
            assert_logo(page, ".site-header img.logo")
        seen = [style(page, *pair) for pair in wanted]
        page.goto((out / static).as_uri())
        assert [style(page, *pair) for pair in wanted] == seen, static
        if not live.startswith("/issues/"):
            assert_logo(page, ".site-header img.logo")
        page.close()
    assert rgb(BRAND["accent_color"]) in seen


def test_without_a_brand_the_pages_keep_their_colours(browser: Any, logo_png: bytes,
                                                      plain: str) -> None:
    expected = {  # page -> (selector, property, colour): the colours before [brand] reached them
        "/": [("body", "background-color", BEIGE), (".site-header", "background-color", NAVY),
              (".site-nav a", "color", WHITE), (".more a", "color", NAVY),
              ("h1", "color", NAVY), ("#latest-title", "color", RED), (".card", "background-color", WHITE),
              (".card", "border-top-color", RED), (".signup", "border-top-color", NAVY),
              (".signup button", "background-color", NAVY), (".signup button", "color", WHITE),
              (".card .meta", "color", "#5c6270"), ("#email", "border-top-color", "#5b6170"),
              (".card .editions", "border-top-color", "#e4dfd3")],
        "/archive/": [(".day", "border-top-color", "#d9d3c4"),
                      (".edition", "border-inline-start-color", NAVY),
                      (".edition .lang", "color", RED), (".site-nav .cta", "background-color", RED),
                      (".site-nav .cta", "color", WHITE)],
        f"/issues/{DAY}": [(".nlsite-bar", "background-color", NAVY),
                           (".nlsite-cta", "background-color", RED), (".nlsite-cta", "color", WHITE)],
        "/subscribe": [("body", "background-color", BEIGE), ("main", "background-color", WHITE),
                       ("main", "border-top-color", NAVY), ("button", "background-color", NAVY),
                       (".langs a", "color", NAVY)],
    }
    dark = {
        "/": [("body", "background-color", "#111318"),
              (".site-header", "background-color", "#0b0d11"), (".more a", "color", "#b9c7ee"),
              ("h1", "color", "#f1f2f5"), ("#latest-title", "color", "#ff8a80"),
              (".card", "background-color", "#1b1e25"), (".signup", "border-top-color", NAVY),
              (".signup button", "background-color", "#8ea2d8"),
              (".signup button", "color", "#111318"), ("#email", "border-top-color", "#9aa1b2")],
        f"/issues/{DAY}": [(".nlsite-bar", "background-color", "#0b0d11")],
        "/subscribe": [("main", "background-color", "#1b1e25"),
                       ("main", "border-top-color", "#8ea2d8"), (".langs a", "color", "#b9c7ee")],
    }
    for scheme, pages in (("light", expected), ("dark", dark)):
        page = open_page(browser, plain + "/", logo_png, scheme)
        assert page.locator("img.logo").count() == 0 and "Georgia" in style(page, "body",
                                                                              "font-family")
        for path, checks in pages.items():
            page.goto(plain + path)
            for selector, prop, color in checks:
                assert style(page, selector, prop) == rgb(color), (scheme, path, selector, prop)
        page.close()


def test_screenshot_of_the_branded_demo_home(browser: Any, logo_png: bytes,
                                             demo_run: tuple[Path, Any], tmp_path: Path) -> None:
    """The demo with BRAND and its name Marée, its draft approved and sent: the home page at
    phone width in French; with NEWSLETTER_SCREENSHOTS=1 it goes to docs/."""
    from newsletter.config import load_config

    demo = tmp_path / "demo"
    shutil.copytree(demo_run[0], demo)
    path = demo / "newsletter.toml"
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    raw["brand"] = BRAND
    raw["newsletter"]["name"] = "Marée"
    path.write_text(tomli_w.dumps(raw), encoding="utf-8")
    env = {"NEWSLETTER_CONFIG": str(path), "NEWSLETTER_SECRET": ""}
    for command in (["approve", "--as", "editor"], ["send"]):
        done = run_cli(*command, cwd=demo, env=env)
        assert done.returncode == 0, done.stderr
    config = load_config(path)
    store = Store.open(config.database_url)
    folders = [tmp_path] + ([DOCS] if os.environ.get("NEWSLETTER_SCREENSHOTS") else [])
    for base in serve(config, store):
        page = browser.new_page(viewport=PHONE, locale="fr-FR")
        page.route(LOGO_URL, lambda route: route.fulfill(status=200, content_type="image/png",
                                                         body=logo_png))
        page.goto(base + "/")
        assert_logo(page, ".site-header img.logo")
        assert page.locator(".card").count() == 2
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        picture = page.screenshot(full_page=True)
        page.close()
        for folder in folders:
            (folder / "site-home-branded-phone.png").write_bytes(picture)
    store.close()
    assert (tmp_path / "site-home-branded-phone.png").stat().st_size > 10_000
