"""L'essentiel as people see it: headless Chromium, phone and desktop, French and Arabic."""

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


@pytest.fixture(scope="module")
def arabic_issue(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.conftest import run_cli

    out = tmp_path_factory.mktemp("ar-essentials") / "demo"
    run_cli("demo", "--out", str(out), "--date", "2026-11-27", "--language", "ar",
            cwd=out.parent, env={"NEWSLETTER_SECRET": ""})
    return out / "preview.html"


@pytest.mark.parametrize("width", [375, 1024])
def test_the_essentials_come_first_and_each_line_jumps_to_its_story(
        browser: Any, demo_run: tuple[Path, subprocess.CompletedProcess[str]], width: int) -> None:
    out, _ = demo_run
    page = browser.new_page(viewport={"width": width, "height": 700})
    page.goto((out / "preview.html").as_uri())
    box = page.locator("td.essentials").bounding_box()
    first_section = page.locator("td.section").first.bounding_box()
    assert box and first_section and box["y"] < first_section["y"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    assert page.get_by_text("L'essentiel", exact=True).is_visible()
    lines = page.locator("a.essential-link")
    assert lines.count() == 3
    third = lines.nth(2)
    target = third.get_attribute("href")
    assert target and target.startswith("#story-")
    headline = third.inner_text()
    third.click()
    page.wait_for_function("window.scrollY > 0")
    story = page.locator(target)
    assert headline in story.inner_text()
    landed = story.bounding_box()
    assert landed is not None and abs(landed["y"]) < 5  # the story is at the top of the screen
    page.close()


def test_the_arabic_essentials_read_right_to_left(browser: Any, arabic_issue: Path) -> None:
    page = browser.new_page(viewport={"width": 375, "height": 900})
    page.goto(arabic_issue.as_uri())
    assert page.get_by_text("الأهم", exact=True).is_visible()
    number = page.locator("span.essential-number").first.bounding_box()
    link = page.locator("a.essential-link").first.bounding_box()
    assert number and link and number["x"] > link["x"]  # the number stands on the right
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.close()
