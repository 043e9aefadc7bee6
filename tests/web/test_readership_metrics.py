"""/metrics counts story clicks, readers and robots apart, from the store."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from newsletter.models import ClickCount
from newsletter.store import Store
from newsletter.web import create_app
from tests.conftest import make_config

TOKEN = "a-long-metrics-token-0123456789"
HOUR = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


def scrape(client: object) -> dict[str, float]:
    answer = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})  # type: ignore[attr-defined]
    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    assert "# TYPE newsletter_story_clicks_total counter" in text
    return {line.split(" ")[0]: float(line.split(" ")[1]) for line in text.splitlines()
            if line.startswith("newsletter_story_clicks_total")}


def test_story_clicks_are_counters_by_kind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSLETTER_METRICS_TOKEN", TOKEN)
    config = make_config(tmp_path)
    store = Store.open(config.database_url)
    client = create_app(config, store).test_client()
    assert scrape(client) == {'newsletter_story_clicks_total{kind="reader"}': 0.0,
                              'newsletter_story_clicks_total{kind="robot"}': 0.0}
    day = date(2026, 11, 29)
    store.add_clicks([ClickCount(day, "fr", "s1", HOUR, "reader", 7),
                      ClickCount(day, "en", "s2", HOUR, "reader", 5),
                      ClickCount(day, "fr", "s1", HOUR, "robot", 3)])
    store.add_clicks([ClickCount(day, "fr", "s1", HOUR, "reader", 1)])
    assert scrape(client) == {'newsletter_story_clicks_total{kind="reader"}': 13.0,
                              'newsletter_story_clicks_total{kind="robot"}': 3.0}
