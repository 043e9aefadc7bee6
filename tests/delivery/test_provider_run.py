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
from tests.crash import kill_then_resume
from tests.delivery.test_send_rules import DAY, ISSUE
from tests.provider_fakes import API_KEY, ProviderFake


@pytest.mark.parametrize("provider", ["postmark", "resend", "sendgrid", "brevo", "mailgun"])
def test_send_through_a_provider_then_rerun(tmp_path: Path, provider: str,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_PROVIDER_KEY", API_KEY)
    with ProviderFake(provider) as fake:
        config = make_config(tmp_path, delivery={"sender": provider},
                             **{provider: {"api_key_env": "TEST_PROVIDER_KEY",
                                           "base_url": fake.url, "requests_per_second": 100.0}
                                | ({"domain": "mg.example.org"} if provider == "mailgun" else {})})
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


def test_killed_mid_send_through_a_provider_then_resumed(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    import tomli_w

    from newsletter.config import config_to_dict
    from tests import provider_fakes

    real_answer = provider_fakes._Handler.answer

    def slow_answer(self: provider_fakes._Handler, status: int, body: bytes,
                    headers: dict[str, str]) -> None:
        time.sleep(0.3)  # a distant API: the sender waits after each accepted batch
        real_answer(self, status, body, headers)

    monkeypatch.setattr(provider_fakes._Handler, "answer", slow_answer)
    with ProviderFake("resend") as fake:
        config = make_config(tmp_path, delivery={"sender": "resend", "batch_size": 500},
                             resend={"api_key_env": "TEST_PROVIDER_KEY", "base_url": fake.url,
                                     "requests_per_second": 100.0})
        store = Store.open(config.database_url)
        for i in range(450):  # five Resend batches of at most 100
            store.add_subscriber(f"s{i}@example.org", now=datetime(2026, 11, 27, tzinfo=UTC))
        store.save_issue(ISSUE, {}, datetime(2026, 11, 27, tzinfo=UTC))
        path = tmp_path / "newsletter.toml"
        path.write_text(tomli_w.dumps(config_to_dict(config)), encoding="utf-8")
        second = kill_then_resume(path, DAY, lambda: len(fake.delivered), 200, 450,
                                  {"TEST_PROVIDER_KEY": API_KEY})
        counts = store.delivery_counts(DAY)
    # the request in flight at the kill was replayed under its key: nothing in doubt
    assert second.returncode == 0, second.stdout + second.stderr
    assert "unknown 0" in second.stdout and counts == {"sent": 450}
    assert "sent again under their idempotency keys" in second.stdout
    copies = Counter(d.to for d in fake.delivered)
    assert sorted(copies) == sorted(f"s{i}@example.org" for i in range(450))
    assert set(copies.values()) == {1}
