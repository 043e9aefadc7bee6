"""One send at a time: a lock in the database, taken over after expiry or a dead owner."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from newsletter.pipeline import LockBusy, held_lock
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
