"""Sending through a real local SMTP server: refusals, suppression, retries, windows, crashes."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from newsletter import pipeline
from newsletter.config import Config, config_to_dict
from newsletter.errors import DeliveryError, StaleIssue
from newsletter.models import RenderedIssue
from newsletter.store import Store
from tests.conftest import make_config
from tests.crash import kill_then_resume
from tests.smtp_sink import SmtpSink

DAY = date(2026, 11, 27)
ISSUE = RenderedIssue(DAY, "fr", "Le sujet", "p",
                      '<p>Bonjour<a href="NL__UNSUBSCRIBE_URL__NL">x</a></p>', "t NL__UNSUBSCRIBE_URL__NL\n")


def setup(tmp_path: Path, sink: SmtpSink, subscribers: int = 5, **delivery: object
          ) -> tuple[Config, Store]:
    config = make_config(tmp_path, delivery={"sender": "smtp", **delivery},
                         smtp={"host": "127.0.0.1", "port": sink.port, "tls": "none",
                               "timeout": 5.0})
    store = Store.open(config.database_url)
    now = datetime(2026, 11, 27, 6, tzinfo=UTC)
    for i in range(subscribers):
        store.add_subscriber(f"s{i}@example.org", now=now)
    store.save_issue(ISSUE, {}, now)
    return config, store


def test_bad_mailbox_is_suppressed_and_greylisting_retried(tmp_path: Path) -> None:
    waits: list[float] = []
    with SmtpSink() as sink:
        sink.handler.refuse = {"s1@example.org": "550 5.1.1 no such mailbox"}
        sink.handler.defer_once = {"s2@example.org"}
        config, store = setup(tmp_path, sink, retry_backoff=30.0)
        result = pipeline.send_stage(config, store, DAY, sleep=waits.append)
    assert (result.sent, result.failed, result.suppressed, result.deferred) == (4, 1, 1, 0)
    assert len(waits) == 1 and 30 <= waits[0] <= 37.5  # one extra pass, with jitter
    assert store.find_subscriber("s1@example.org").status == "bounced"  # type: ignore[union-attr]
    assert store.delivery_counts(DAY) == {"sent": 4, "suppressed": 1}
    assert Counter(r for _, rcpts, _ in sink.messages for r in rcpts)["s2@example.org"] == 1


def test_policy_refusal_stops_the_run_and_leaves_the_rest_pending(tmp_path: Path) -> None:
    with SmtpSink() as sink:
        sink.handler.refuse_mail = "550 5.7.1 sender not authorised"
        config, store = setup(tmp_path, sink)
        with pytest.raises(DeliveryError, match="5.7.1"):
            pipeline.send_stage(config, store, DAY)
        counts = store.delivery_counts(DAY)  # one chunk was claimed, refused, put back
        assert set(counts) == {"pending"} and counts["pending"] <= 4
        sink.handler.refuse_mail = None
        result = pipeline.send_stage(config, store, DAY)
    assert result.sent == 5 and store.delivery_counts(DAY) == {"sent": 5}
    assert all(store.find_subscriber(f"s{i}@example.org").status == "active"  # type: ignore[union-attr]
               for i in range(5))


def test_stale_issue_needs_force_and_failed_can_be_resent(tmp_path: Path) -> None:
    with SmtpSink() as sink:
        sink.handler.refuse = {"s0@example.org": "554 5.6.0 message refused"}
        config, store = setup(tmp_path, sink, send_window_hours=3.0)
        with pytest.raises(StaleIssue, match="past its send window"):
            pipeline.send_stage(config, store, DAY)  # 27 Nov 2026 07:00 + 3 h is long gone
        assert sink.messages == []
        first = pipeline.send_stage(config, store, DAY, force=True)
        assert (first.sent, first.failed) == (4, 1)
        sink.handler.refuse = {}
        again = pipeline.send_stage(config, store, DAY, force=True)
        assert again.attempted == 0  # failed stays failed ...
        retried = pipeline.send_stage(config, store, DAY, force=True, resend_failed=True)
        assert retried.sent == 1  # ... until asked
    assert Counter(r for _, rcpts, _ in sink.messages for r in rcpts)["s0@example.org"] == 1


def test_killed_mid_send_then_resumed_sends_each_copy_once(tmp_path: Path) -> None:
    with SmtpSink() as sink:
        sink.handler.data_delay = 0.01  # a distant relay: the sender waits on every reply
        config, store = setup(tmp_path, sink, subscribers=200)
        path = tmp_path / "newsletter.toml"
        path.write_text(tomli_w.dumps(config_to_dict(config)), encoding="utf-8")
        sink.handler.kill_at = 60  # killed by the sink inside the 60th DATA, before its reply

        def arm(proc: Any) -> None:
            sink.handler.victim = proc

        second = kill_then_resume(path, DAY, lambda: len(sink.messages), 60, 200, arm=arm)
        counts = store.delivery_counts(DAY)
        unknown = {store.get_subscriber(sid).email  # type: ignore[union-attr]
                   for sid, status in store.ledger_status(DAY, list(range(1, 201))).items()
                   if status == "unknown"}
    # killed after the 60th final dot: its chunk (one message per connection, 4) had been
    # recorded `handed`, so the second run reports them as unknown and exits 1
    assert second.returncode == 1, second.stderr
    assert 1 <= len(unknown) <= 4 and f"unknown {len(unknown)}," in second.stdout
    assert counts == {"sent": 200 - len(unknown), "unknown": len(unknown)}
    copies = Counter(r for _, rcpts, _ in sink.messages for r in rcpts)
    assert set(copies.values()) == {1}  # nothing twice
    missing = {f"s{i}@example.org" for i in range(200)} - set(copies)
    assert missing <= unknown  # nothing lost but what is reported in doubt
    assert store.issue_status(DAY, "fr") == "sent"  # the issue leaves "sending"


def test_sigterm_finishes_the_chunk_records_it_and_the_next_run_resumes(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    with SmtpSink() as sink:
        sink.handler.data_delay = 0.01
        config, store = setup(tmp_path, sink, subscribers=200)
        path = tmp_path / "newsletter.toml"
        path.write_text(tomli_w.dumps(config_to_dict(config)), encoding="utf-8")
        command = [sys.executable, "-m", "newsletter", "send", "--date", DAY.isoformat(),
                   "--config", str(path)]
        env = {**os.environ, "NEWSLETTER_SECRET": "s" * 40}
        proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        deadline = time.monotonic() + 60
        while len(sink.messages) < 40 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 1, err
        assert "stopped on request (SIGTERM)" in out
        counts = store.delivery_counts(DAY)
        assert "sending" not in counts and 0 < counts["sent"] < 200  # nothing left in doubt
        assert counts["sent"] == len(sink.messages)
        resumed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120,
                                 check=False)
        assert resumed.returncode == 0, resumed.stderr
    copies = Counter(r for _, rcpts, _ in sink.messages for r in rcpts)
    assert len(copies) == 200 and set(copies.values()) == {1}
