"""The Sender protocol: hand over a batch of messages, get one result per message.

A sender whose hand-over has a last, irrevocable step (SMTP's final dot, the outbox's
rename) is also a :class:`StagedSender`: the ledger stages a chunk, records it ``handed``,
then commits it, so a crash before the commit delivers nothing and is safely sent again.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol, runtime_checkable

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


@runtime_checkable
class StagedSender(Protocol):
    """A sender that hands a chunk over in two steps: everything but the last, then the last."""

    def stage(self, messages: Sequence[Message]) -> list[DeliveryResult | None]:
        """Everything but the irrevocable step, for at most ``max_batch`` messages.

        One entry per message: None when it is staged (nothing delivered yet), else its
        result (refused, deferred…). On DeliveryError nothing stays staged.
        """
        ...

    def commit(self, subscriber_ids: Collection[int]) -> list[DeliveryResult]:
        """The last step for the staged messages of these subscribers, one result each;
        the other staged messages are dropped, undelivered."""
        ...
