"""The brand in the rendered email: logo, colours, font stack, footer text; ours by default."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from newsletter import brand as looks
from newsletter.brand import Brand, contrast, hex_color, luminance
from newsletter.compose import render_issue
from newsletter.compose.checks import Limits, presend_checks
from newsletter.models import RenderedIssue
from tests.compose.test_render import briefing

HARBOUR = Brand(logo_url="https://cdn.harbour.example/logo.png", logo_width=220, logo_height=48,
                logo_alt="Harbour Notes", accent_color="#0B6E4F", text_color="#1d2b24",
                background_color="#fbfaf5",
                font_stack="'Trebuchet MS', \"Helvetica Neue\", Arial, sans-serif",
                footer_text="Written in Tangier by <b>three</b> people &\nfriends.")
LIMITS = Limits(public_url="https://news.example", max_html_bytes=90_000, reading_minutes=5)


def render(brand: Brand | None = None, language: str = "fr") -> RenderedIssue:
    return render_issue(briefing(language), postal_address="12 rue Exemple, Casablanca",
                        web_url="https://news.example/issues/2026-11-29", brand=brand)


def test_wcag_relative_luminance_and_contrast_ratio() -> None:
    assert luminance("#000") == 0 and luminance("#FFFFFF") == 1
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # the classic miss
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the classic pass
    assert contrast("#ffcc00", "#ffffff") == contrast("#ffffff", "#ffcc00")
    assert looks.ratio_text(4.4999) == "4.4:1"  # never shown as passing when it does not


def test_colours_are_normalised_and_anything_else_refused() -> None:
    assert hex_color("#AbC") == "#aabbcc" and hex_color("#0B6E4F") == "#0b6e4f"
    for bad in ("red", "#abcd", "0b6e4f", "#0b6e4g", "#fff;}", ""):
        with pytest.raises(ValueError):
            hex_color(bad)


@pytest.mark.parametrize("stack", [
    "Arial; } body { display:none", "Arial, url(https://x.example/f.woff)",
    "expression(alert(1))", "'Open Sans\", Arial", "\"Open Sans", "</style><script>",
    "Arial,, serif", "Arial\\3b", "", "a" * 201,
])
def test_a_font_stack_that_could_leave_the_css_value_is_refused(stack: str) -> None:
    assert looks.font_stack_problem(stack) is not None
    with pytest.raises(ValueError):
        Brand(font_stack=stack)


def test_ordinary_font_stacks_pass() -> None:
    for stack in ("Georgia, Times, serif", "'Source Serif Pro', Georgia, serif",
                  '"Helvetica Neue", Helvetica, Arial, sans-serif', "system-ui, sans-serif"):
        assert looks.font_stack_problem(stack) is None


def test_the_default_brand_is_the_house_look_byte_for_byte() -> None:
    ours = render()
    assert render(Brand()) == ours
    for color in ("#1f2a44", "#2b2f38", "#ffffff", "#b3261e", "#5c6270", "#f7f3ea", "#f3efe6",
                  "#d9dce3", "#8ea2d8", "#ff8a80"):
        assert color in ours.html, color
    assert "Georgia, Times, serif" in ours.html
    assert "<img" not in ours.html and '<h1 class="brand"' in ours.html


def test_a_brand_shows_its_logo_colours_font_and_footer_text() -> None:
    issue = render(HARBOUR)
    html, text = issue.html, issue.text
    imgs = re.findall(r"<img[^>]*>", html)
    assert len(imgs) == 1
    img = imgs[0]
    for attribute in ('src="https://cdn.harbour.example/logo.png"', 'width="220"',
                      'height="48"', 'alt="Harbour Notes"'):
        assert attribute in img
    assert "display:block" in img and "border:0" in img and "max-width:100%" in img
    assert re.search(r'<h1 class="brand"[^>]*><img', html)  # the logo is the heading
    headline = re.search(r'<a class="headline-link"[^>]*style="([^"]*)"', html)
    assert headline is not None and "#0b6e4f" in headline.group(1)
    assert "#1f2a44" not in html and "#b3261e" not in html  # none of the house colours left
    assert re.search(r"font-family:\s*\"Trebuchet MS\", \"Helvetica Neue\", Arial, sans-serif",
                     html.replace("&quot;", '"').replace("'", '"'))
    # Plain text, escaped, one paragraph, in both parts above the postal address.
    assert "Written in Tangier by &lt;b&gt;three&lt;/b&gt; people &amp; friends." in html
    assert "<b>three</b>" not in html
    assert html.index("Written in Tangier") < html.index("12 rue Exemple")
    assert "Written in Tangier by <b>three</b> people & friends." in " ".join(text.split())
    assert text.index("Written in Tangier") < text.index("12 rue Exemple")
    # Dark mode: the logo keeps a plate of the brand's background.
    assert re.search(r"\.logo \{\s*background-color: #fbfaf5 !important", html)


def test_a_branded_issue_passes_every_presend_check() -> None:
    b = briefing()
    checks = presend_checks(render(HARBOUR), b, LIMITS)
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]
    alt = next(c for c in checks if c.name == "alt_text")
    assert alt.detail == "1 images"


def test_a_logo_needs_alt_text_and_an_image_without_it_fails_the_check() -> None:
    with pytest.raises(ValueError):
        Brand(logo_url="https://x.example/l.png", logo_width=100, logo_height=20, logo_alt=" ")
    b = briefing()
    issue = render(HARBOUR)
    no_alt = replace(issue, html=re.sub(r'alt="[^"]*"', "", issue.html))
    result = {c.name: c for c in presend_checks(no_alt, b, LIMITS)}
    assert result["alt_text"].ok is False and "logo.png" in result["alt_text"].detail


@pytest.mark.parametrize("accent, text, background", [
    ("#0b6e4f", "#1d2b24", "#fbfaf5"),  # green on cream
    ("#6b21a8", "#111111", "#ffffff"),  # purple
    ("#c2410c", "#1c1917", "#fff7ed"),  # orange, just dark enough for white on it
    ("#7dd3fc", "#e5e7eb", "#0f172a"),  # light text and accent on a dark card
    ("#000000", "#000000", "#ffffff"),  # black everything
])
def test_derived_tints_stay_readable(accent: str, text: str, background: str) -> None:
    brand = Brand(accent_color=accent, text_color=text, background_color=background)
    assert looks.contrast_failures(brand.accent_color, brand.text_color,
                                   brand.background_color) == []
    c = brand.colors
    assert contrast(c["muted"], c["background"]) >= 4.5
    for color in (c["accent"], c["text"], c["highlight"]):
        assert contrast(color, c["tint"]) >= 4.5
    assert contrast(c["footer_text"], c["accent"]) >= 4.5
    for dark in looks.DARK_BACKGROUNDS:
        assert contrast(c["dark_highlight"], dark) >= 4.5


def test_contrast_failures_name_each_pair() -> None:
    failures = looks.contrast_failures("#ffcc00", "#999999", "#ffffff")
    assert [(f[0], f[2]) for f in failures] == [
        ("text_color", "background_color"), ("accent_color", "background_color")]


@pytest.mark.parametrize("accent, ink", [("#1f2a44", "#ffffff"), ("#0b6e4f", "#ffffff"),
                                         ("#7dd3fc", "#000000"), ("#ffcc00", "#000000")])
def test_text_on_the_accent_is_white_or_black_whichever_reads(accent: str, ink: str) -> None:
    brand = Brand(accent_color=accent)
    assert brand.colors["on_accent"] == ink
    assert contrast(ink, accent) >= 4.5 and contrast(brand.colors["footer_text"], accent) >= 4.5


def test_a_light_accent_gets_a_dark_footer_ink_that_dark_mode_turns_white() -> None:
    html = render(Brand(accent_color="#7dd3fc", text_color="#e5e7eb",
                        background_color="#0f172a")).html
    link = re.search(r'<a class="footer-link"[^>]*style="([^"]*)"', html)
    assert link is not None and "color:#000000" in link.group(1).replace(" ", "")
    dark = html[html.index("prefers-color-scheme: dark"):]
    assert re.search(r"\.footer-link \{\s*color: #ffffff !important", dark)


def test_a_branded_arabic_issue_keeps_right_to_left() -> None:
    issue = render(HARBOUR, "ar")
    assert '<html lang="ar" dir="rtl"' in issue.html and 'alt="Harbour Notes"' in issue.html
    assert "إلغاء الاشتراك" in issue.html
