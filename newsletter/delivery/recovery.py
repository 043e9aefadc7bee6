"""After a sender stopped mid-send (SIGKILL, a lost machine): what its rows in flight mean.

A row is in flight of a stopped sender when its lease is over, or when its owner ran on
this machine and its process is gone. Then (store.recover_deliveries):

- ``sending``: the last step of the hand-over never began (SMTP: no final dot), so nothing
  was delivered: the row is pending again and this run sends it;
- ``handed``, through a provider that deduplicates by idempotency key (Resend, Brevo),
  within the time it keeps keys: the chunk is sent again whole, with the same message ids,
  so with the same keys: the provider answers its first outcome without sending twice;
- any other ``handed`` row becomes ``unknown``: counted, reported, alerted, and resent only
  when the operator asks (`send --resend-unknown`).
"""

from __future__ import annotations

import dataclasses
import os
import socket
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta

from ..compose.message import MessageFactory
from ..models import Message
from ..store import Store
from ..store.ledger import STRANDED_DETAIL, Recovered
from .base import Sender

__all__ = ["Recovered", "STRANDED_DETAIL", "owner_gone", "owner_name", "rebuild", "settle_stopped"]


def owner_name() -> str:
    """host:pid:random — unique across machines, readable in the ledger, and checkable:
    a sender on the same machine whose process is gone has stopped (owner_gone)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def owner_gone(owner: str) -> bool:
    """True when ``owner`` ran on this machine and its process no longer exists."""
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # someone else's live process
        return False
    return False


def settle_stopped(store: Store, sender: Sender, issue_date: date, owner: str, now: datetime,
                   lease: timedelta, retries: int) -> Recovered:
    """Settle the rows stopped senders left in flight; returns what to send again."""
    dead = {o for o in store.in_flight_owners(issue_date, now) if o != owner and owner_gone(o)}
    window: timedelta | None = getattr(sender, "idempotency_window", None)
    return store.recover_deliveries(issue_date, owner, now, lease=lease, dead=dead,
                                    resend_since=now - window if window else None,
                                    resend_attempts=max(1, retries))


def rebuild(store: Store, sender: Sender, factories: Callable[[str | None], MessageFactory],
            rows: list[tuple[int, str]], now: datetime) -> list[Message] | None:
    """A stopped run's chunk again, each message with its first message id (so the same
    idempotency keys); None when one of them may not be sent any more (left the list):
    then none is, since a smaller chunk would carry other keys."""
    subscribers = store.subscribers_by_id([sid for sid, _ in rows])
    if len(subscribers) != len(rows) or any(s.status != "active" for s in subscribers):
        return None
    first = dict(rows)
    parts = getattr(sender, "wants_parts", False)
    return [dataclasses.replace(factories(s.language).build(s, now, with_parts=parts,
                                                            mime=not parts),
                                message_id=first[s.id])
            for s in subscribers]
