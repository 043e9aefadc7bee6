"""Deliveries in doubt: reported, alerted, resent only when asked; and what an idempotent
provider left unanswered is replayed under the same key instead (issue 15, point 5)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from newsletter import pipeline
from newsletter.config import config_to_dict
from newsletter.store import Store
from tests.conftest import make_config
from tests.crash import kill_then_resume
from tests.delivery.test_send_rules import DAY, ISSUE
from tests.provider_fakes import API_KEY, HANGUP, ProviderFake
from tests.smtp_sink import SmtpSink
from tests.test_ops import OpsServer, ops_server  # noqa: F401  (the fixture)

NOW = datetime(2026, 11, 27, 6, tzinfo=UTC)


def test_unknown_after_a_kill_is_reported_alerted_and_resent_only_on_request(
        tmp_path: Path, ops_server: OpsServer) -> None:  # noqa: F811
    with SmtpSink() as sink:
        sink.handler.data_delay = 0.01
        config = make_config(tmp_path, delivery={"sender": "smtp"},
                             smtp={"host": "127.0.0.1", "port": sink.port, "tls": "none",
                                   "timeout": 5.0, "connections": 1},
                             alerts={"webhook_url": f"{ops_server.url}/hook"})
        store = Store.open(config.database_url)
        for i in range(30):
            store.add_subscriber(f"s{i}@example.org", now=NOW)
        store.save_issue(ISSUE, {}, NOW)
        path = tmp_path / "newsletter.toml"
        path.write_text(tomli_w.dumps(config_to_dict(config)), encoding="utf-8")
        sink.handler.kill_at = 10  # after the 10th final dot, before its reply

        def arm(proc: Any) -> None:
            sink.handler.victim = proc

        second = kill_then_resume(path, DAY, lambda: len(sink.messages), 10, 30, arm=arm)
        assert second.returncode == 1, second.stderr
        assert "unknown 1," in second.stdout and "1 unknown" in second.stdout
        assert store.delivery_counts(DAY) == {"sent": 29, "unknown": 1}
        assert store.issue_status(DAY, "fr") == "sent"  # nothing left pending
        [alert] = [p["body"] for p in ops_server.posts]
        assert alert["kind"] == "unknown_deliveries" and alert["details"]["unknown"] == 1
        assert "--resend-unknown" in alert["text"]
        command = [sys.executable, "-m", "newsletter", "send", "--date", DAY.isoformat(),
                   "--config", str(path)]
        env = {**os.environ, "NEWSLETTER_SECRET": "s" * 40}
        again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120,
                               check=False)
        assert again.returncode == 0 and "sent 0," in again.stdout  # never resent by itself
        assert len(ops_server.posts) == 1  # nor alerted twice
        asked = subprocess.run([*command, "--resend-unknown"], env=env, capture_output=True,
                               text=True, timeout=120, check=False)
        assert asked.returncode == 0, asked.stderr
        assert "sent 1," in asked.stdout and store.delivery_counts(DAY) == {"sent": 30}
        store.close()
    copies = Counter(r for _, rcpts, _ in sink.messages for r in rcpts)
    assert len(copies) == 30
    assert sorted(copies.values()) == [1] * 29 + [2]  # the operator chose a second copy


@pytest.mark.parametrize("provider", ["resend", "brevo"])
def test_an_unanswered_idempotent_request_is_replayed_by_the_next_run(
        tmp_path: Path, provider: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_PROVIDER_KEY", API_KEY)
    with ProviderFake(provider) as fake:
        config = make_config(tmp_path, delivery={"sender": provider, "retries": 0},
                             providers={"max_attempts": 1},
                             **{provider: {"api_key_env": "TEST_PROVIDER_KEY",
                                           "base_url": fake.url, "requests_per_second": 100.0}})
        store = Store.open(config.database_url)
        for i in range(5):
            store.add_subscriber(f"s{i}@example.org", now=NOW)
        store.save_issue(ISSUE, {}, NOW)
        fake.plan = [HANGUP]  # the first request is accepted, its answer never comes
        first = pipeline.send_stage(config, store, DAY)
        handed = store.delivery_counts(DAY).get("handed", 0)
        assert handed >= 1 and first.deferred == handed and first.unknown == 0
        assert store.issue_status(DAY, "fr") == "sending"
        delivered = len(fake.delivered)
        second = pipeline.send_stage(config, store, DAY)
        assert (second.replayed, second.unknown) == (handed, 0)
        assert store.delivery_counts(DAY) == {"sent": 5}
        assert store.issue_status(DAY, "fr") == "sent"
        store.close()
    assert len(fake.delivered) == delivered  # the replay sent nothing new
    copies = Counter(d.to for d in fake.delivered)
    assert sorted(copies) == [f"s{i}@example.org" for i in range(5)]
    assert set(copies.values()) == {1}
    keys = fake.idempotency_keys()
    assert keys[-handed if provider == "brevo" else -1] == keys[0]  # replayed under its key
