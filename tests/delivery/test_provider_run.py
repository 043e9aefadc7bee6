"""The configured HTTP provider, end to end: config, environment key, ledger, re-run."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsletter import pipeline
from newsletter.errors import ConfigError
from newsletter.store import Store
from tests.conftest import make_config
from tests.delivery.test_send_rules import DAY, ISSUE
from tests.provider_fakes import API_KEY, ProviderFake


@pytest.mark.parametrize("provider", ["postmark", "resend", "sendgrid"])
def test_send_through_a_provider_then_rerun(tmp_path: Path, provider: str,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_PROVIDER_KEY", API_KEY)
    with ProviderFake(provider) as fake:
        config = make_config(tmp_path, delivery={"sender": provider},
                             **{provider: {"api_key_env": "TEST_PROVIDER_KEY",
                                           "base_url": fake.url, "requests_per_second": 100.0}})
        store = Store.open(config.database_url)
        for i in range(7):
            store.add_subscriber(f"s{i}@example.org", now=datetime(2026, 11, 27, tzinfo=UTC))
        store.save_issue(ISSUE, {}, datetime(2026, 11, 27, tzinfo=UTC))
        first = pipeline.send_stage(config, store, DAY)
        again = pipeline.send_stage(config, store, DAY)
    assert first.sent == 7 and again.attempted == 0
    copies = Counter(d.to for d in fake.delivered)
    assert sorted(copies) == [f"s{i}@example.org" for i in range(7)] and set(copies.values()) == {1}
    assert all("/unsubscribe/" in d.headers.get("List-Unsubscribe", "") for d in fake.delivered)


def test_missing_key_names_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RESEND_API_KEY", raising=False)
    config = make_config(tmp_path, delivery={"sender": "resend"})
    store = Store.open(config.database_url)
    store.save_issue(ISSUE, {}, datetime(2026, 11, 27, tzinfo=UTC))
    with pytest.raises(ConfigError, match="RESEND_API_KEY"):
        pipeline.send_stage(config, store, DAY)
