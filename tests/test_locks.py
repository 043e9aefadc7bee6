"""One send at a time: a lock in the database, taken over after expiry or a dead owner."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest

from newsletter.models import RenderedIssue
from newsletter.ops.locks import LockBusy, held_lock
from newsletter.store import Store

NOW = datetime(2026, 11, 29, 7, 0, tzinfo=UTC)
TTL = timedelta(minutes=5)


def test_lock_excludes_then_expires(store: Store) -> None:
    assert store.acquire_lock("send", "cron:1", NOW, TTL) is None
    assert store.acquire_lock("send", "cron:1", NOW + timedelta(minutes=1), TTL) is None  # renew
    assert "cron:1" in str(store.acquire_lock("send", "daemon:2", NOW + timedelta(minutes=2), TTL))
    assert store.acquire_lock("send", "daemon:2", NOW + timedelta(minutes=7), TTL) is None
    assert store.lock_holder("send", NOW + timedelta(minutes=8)) is not None
    store.release_lock("send", "daemon:2")
    assert store.lock_holder("send", NOW + timedelta(minutes=8)) is None


def test_held_lock_blocks_a_second_holder(store: Store) -> None:
    with (held_lock(store, "send"), pytest.raises(LockBusy, match="another send is running"),
          held_lock(store, "send")):
        pass
    with held_lock(store, "send"):  # released at the end of the block
        pass


def test_a_dead_local_owner_is_taken_over_at_once(store: Store) -> None:
    import socket

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    owner = f"{socket.gethostname()}:{dead}:abcd"
    assert store.acquire_lock("send", owner, datetime.now(UTC), TTL) is None
    with held_lock(store, "send") as me:
        assert me != owner


def test_a_holder_that_loses_its_lock_is_told_to_stop(store: Store) -> None:
    import threading

    from newsletter.pipeline import utc_now

    lost = threading.Event()
    ttl = timedelta(seconds=0.3)  # renewed every 0.1 s
    with held_lock(store, "send", ttl=ttl, lost=lost) as me:
        # Stalled past the expiry, the lock went to someone else meanwhile.
        assert store.steal_lock("send", me, "intruder:9", utc_now(), timedelta(minutes=5))
        assert lost.wait(timeout=10), "the renewal did not notice the lost lock"
    assert store.lock_owner("send", utc_now()) == "intruder:9"  # and it is not released


def test_only_one_of_a_build_job_and_a_send_round_builds_the_issue(tmp_path: object) -> None:
    from pathlib import Path

    from newsletter.ops import jobs
    from tests.conftest import make_config

    config = make_config(Path(str(tmp_path)))
    store = Store.open(config.database_url)
    day = date(2026, 11, 29)
    report: dict[str, object] = {"notes": []}
    with held_lock(store, "build"), pytest.raises(LockBusy, match="another build"):
        jobs._collect_and_build(config, store, day, lambda: NOW, report)
    store.save_issue(_tiny_issue(day), {}, NOW)  # the other one built it meanwhile
    assert jobs._collect_and_build(config, store, day, lambda: NOW, report) == "ok"
    assert "built meanwhile" in str(report["notes"])


def _tiny_issue(day: date) -> RenderedIssue:
    return RenderedIssue(issue_date=day, language="fr", subject="s", preheader="p",
                         html="<p>x</p>", text="x")
