"""The Sender protocol: hand over a batch of messages, get one result per message."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ..models import DeliveryResult, Message


class Sender(Protocol):
    """Anything that can deliver messages: the outbox folder, SMTP, an HTTP provider."""

    name: str
    wants_parts: bool  # True: messages come with .parts (HTTP providers taking JSON)

    @property
    def max_batch(self) -> int:
        """Messages handed over at once (the ledger claims this many at a time)."""
        ...

    def send_batch(self, messages: Sequence[Message]) -> list[DeliveryResult]:
        """Deliver messages; one result per message, in order. Never raises for one recipient."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
