"""/metrics answers only the scraper that sends the bearer token; without a token set, 404."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsletter.errors import ConfigError
from newsletter.store import Store
from newsletter.web import create_app
from tests.conftest import make_config

TOKEN = "a-long-metrics-token-0123456789"


def client(tmp_path: Path, **web: str) -> object:
    config = make_config(tmp_path, web=web)
    return create_app(config, Store.open(config.database_url)).test_client()


def test_no_token_set_means_no_metrics(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSLETTER_METRICS_TOKEN", raising=False)
    web = client(tmp_path)
    for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": f"Bearer {TOKEN}"}):
        answer = web.get("/metrics", headers=headers)  # type: ignore[attr-defined]
        assert answer.status_code == 404 and b"newsletter_" not in answer.data
    monkeypatch.setenv("NEWSLETTER_METRICS_TOKEN", TOKEN)  # [web] metrics_token_env = "": off
    assert client(tmp_path / "off", metrics_token_env="").get(  # type: ignore[attr-defined]
        "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 404


def test_only_the_bearer_token_opens_metrics(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    monkeypatch.setenv("SCRAPE_TOKEN", TOKEN)
    web = client(tmp_path, metrics_token_env="SCRAPE_TOKEN")
    for headers in ({}, {"Authorization": "Bearer wrong-token-0123456789"},
                    {"Authorization": f"Basic {TOKEN}"}, {"Authorization": TOKEN},
                    {"Authorization": f"Bearer {TOKEN}x"}):
        answer = web.get("/metrics", headers=headers)  # type: ignore[attr-defined]
        assert answer.status_code == 401, headers
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
        assert b"newsletter_" not in answer.data
    ok = web.get("/metrics", headers={"Authorization": f"bearer  {TOKEN}"})  # type: ignore[attr-defined]
    assert ok.status_code == 200 and b"newsletter_subscribers" in ok.data


def test_a_short_token_is_refused_at_start_naming_the_variable(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSLETTER_METRICS_TOKEN", "short")
    with pytest.raises(ConfigError, match="NEWSLETTER_METRICS_TOKEN .* 5 characters"):
        client(tmp_path)
