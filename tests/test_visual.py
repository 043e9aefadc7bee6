"""The email as people see it: headless Chromium at phone and desktop widths."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import chromium, skip_without_chromium

skip_without_chromium()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.mark.parametrize("width", [375, 600, 1024])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_horizontal_scroll_and_every_link_visible(
        browser: Any, demo_run: tuple[Path, subprocess.CompletedProcess[str]], width: int,
        scheme: str) -> None:
    out, _ = demo_run
    page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page.goto((out / "preview.html").as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    links = page.locator("a[href]")
    assert links.count() >= 10
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        assert box is not None and box["width"] > 0 and box["height"] > 0
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1
    unsubscribe = page.get_by_text("Se désabonner")
    assert unsubscribe.is_visible()
    background = page.evaluate(
        "getComputedStyle(document.querySelector('table.container')).backgroundColor")
    assert (background == "rgb(27, 30, 37)") == (scheme == "dark")
    page.close()


@pytest.fixture(scope="module")
def arabic_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.conftest import run_cli

    out = tmp_path_factory.mktemp("ar") / "demo"
    result = run_cli("demo", "--out", str(out), "--date", "2026-11-27", "--language", "ar",
                     cwd=out.parent, env={"NEWSLETTER_SECRET": ""})
    assert result.returncode == 1, result.stderr  # the broken feed
    return out


@pytest.mark.parametrize("width", [375, 600])
def test_arabic_edition_is_right_to_left(browser: Any, arabic_demo: Path, width: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto((arabic_demo / "preview.html").as_uri())
    assert page.evaluate("getComputedStyle(document.querySelector('table.container')).direction"
                         ) == "rtl"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    headline = page.locator("h3.headline").first.bounding_box()
    assert headline is not None and headline["x"] + headline["width"] > width * 0.8  # starts right
    assert page.get_by_text("إلغاء الاشتراك").is_visible()
    page.close()
