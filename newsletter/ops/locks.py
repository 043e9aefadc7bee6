"""Locks in the store: one send (or build) at a time across cron runs, daemons and hosts."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

from ..errors import NewsletterError
from ..store import Store

log = logging.getLogger("newsletter.locks")  # the name ops filter on, kept from before the regroup


def _utc_now() -> datetime:
    return datetime.now(UTC)


class LockBusy(NewsletterError):
    """Another run holds the lock (a cron run and the daemon, or two daemons)."""


LOCK_TTL = timedelta(minutes=5)


@contextlib.contextmanager
def held_lock(store: Store, name: str, clock: Callable[[], datetime] = _utc_now,
              ttl: timedelta = LOCK_TTL, lost: threading.Event | None = None) -> Iterator[str]:
    """Hold a lock in the store while the block runs, renewed in the background.

    A holder that dies stops renewing; its lock is taken over once it expires. If a
    renewal finds the lock taken (this process was stalled past the expiry) or cannot
    reach the store, ``lost`` is set, so the work can stop before its next step.
    """
    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    holder = store.acquire_lock(name, owner, clock(), ttl)
    current = store.lock_owner(name, clock()) if holder is not None else None
    if current and _dead_here(current) and store.steal_lock(name, current, owner, clock(), ttl):
        holder = None  # its process on this machine is gone: no need to wait for expiry
    if holder is not None:
        raise LockBusy(f"another {name} is running: {holder}",
                       hint="it will finish, or its lock expires if it died; run again then")
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(ttl.total_seconds() / 3):
            try:
                taken_by = store.acquire_lock(name, owner, clock(), ttl)
            except NewsletterError:
                taken_by = "unknown (the store could not be reached)"
            if taken_by is not None:
                log.error("lost the %s lock to %s: stopping", name, taken_by)
                if lost is not None:
                    lost.set()
                return

    renewer = threading.Thread(target=renew, name=f"lock-{name}", daemon=True)
    renewer.start()
    try:
        yield owner
    finally:
        stop.set()
        renewer.join(timeout=5)
        store.release_lock(name, owner)


def _dead_here(owner: str) -> bool:
    """True when a lock owner ran on this host and its process no longer exists."""
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class _Either(threading.Event):
    """Set when either of two events is: the dispatch loop's stop (SIGTERM or lock lost)."""

    def __init__(self, first: threading.Event, second: threading.Event) -> None:
        super().__init__()
        self._events = (first, second)

    def is_set(self) -> bool:
        return any(e.is_set() for e in self._events)
