"""Headless Debian Chromium for the tests of pages people look at (driven by Playwright)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def skip_without_chromium() -> None:
    """Skip the calling module where Chromium is missing, except in CI (which installs it)."""
    if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
        pytest.skip("Debian chromium is not installed (.ci/run installs it)",
                    allow_module_level=True)


@contextmanager
def chromium() -> Iterator[Any]:
    """A launched browser, closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def served_on_loopback(app: Any, *, threads: int = 2) -> Iterator[str]:
    """``app`` (a WSGI app) under waitress on 127.0.0.1, a free port, for a browser to load;
    yields its base URL and stops the server on exit."""
    import threading

    from waitress.server import create_server  # type: ignore[import-untyped]

    server = create_server(app, host="127.0.0.1", port=0, threads=threads)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=10)
