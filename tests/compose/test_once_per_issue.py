"""Per-subscriber work is substitution only: jinja2 + premailer run once per issue."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from newsletter import pipeline
from newsletter.compose import render
from newsletter.demo import SampleFeedServer
from newsletter.store import Store
from tests.conftest import DEMO_DATE, make_config


def test_inliner_runs_once_for_many_subscribers(tmp_path: Path, feed_server: SampleFeedServer,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = render.inline_css

    def counting(html: str, backend: str = "premailer") -> Any:
        calls.append(len(html))
        return real(html, backend)

    monkeypatch.setattr(render, "inline_css", counting)
    config = make_config(tmp_path, feed_server.base_url)
    store = Store.open(config.database_url)
    for i in range(40):
        store.add_subscriber(f"reader{i}@example.org", now=pipeline.utc_now())
    report = pipeline.run(config, store, DEMO_DATE)
    assert report.messages_sent == 40
    assert len(calls) == 1
