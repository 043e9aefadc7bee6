"""Several SMTP connections in parallel, each reused for many messages."""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor

from ..config import SmtpSection
from ..errors import DeliveryError
from ..models import DeliveryResult, DeliveryStatus, Message
from .smtp import SmtpSender


class TokenBucket:
    """At most ``rate`` events per second on average, bursts of ``burst`` (0: no limit)."""

    def __init__(self, rate: float, burst: float | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.rate = rate
        self.burst = burst or max(1.0, rate)
        self.tokens = self.burst
        self.clock = clock
        self.sleep = sleep
        self.last = clock()
        self.lock = threading.Lock()

    def take(self) -> None:
        if self.rate <= 0:
            return
        with self.lock:
            now = self.clock()
            self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
            self.last = now
            wait = 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate
            self.tokens -= 1
        if wait:
            self.sleep(wait)

    def wait_ready(self, count: int = 1) -> None:
        """Wait until ``count`` events may go (at most the burst), taking nothing."""
        if self.rate <= 0:
            return
        with self.lock:
            tokens = min(self.burst, self.tokens + (self.clock() - self.last) * self.rate)
            wait = max(0.0, (min(count, self.burst) - tokens) / self.rate)
        if wait:
            self.sleep(wait)

    def slow_down(self) -> None:
        """Halve the rate (after a 421 4.7.28 or a 429)."""
        with self.lock:
            if self.rate > 0:
                self.rate = max(0.1, self.rate / 2)


class SmtpPoolSender:
    """``connections`` SMTP connections; one chunk = one message per connection.

    A chunk is staged (each message sent but for its final dot, in parallel), then
    committed (the final dots, in parallel): the ledger records the chunk ``handed``
    between the two (delivery/handover.py). A 421 or a 4.7.28 ("too many messages") drops
    to a single connection and halves the message rate for the rest of the run.
    """

    name = "smtp"
    wants_parts = False

    def __init__(self, settings: SmtpSection, envelope_from: str, *, connections: int = 4,
                 messages_per_second: float = 0.0) -> None:
        context = ssl.create_default_context() if settings.tls != "none" else None
        self.senders = [SmtpSender(settings, envelope_from, context)
                        for _ in range(max(1, connections))]
        self.active = len(self.senders)
        self.bucket = TokenBucket(messages_per_second)
        self.pool = ThreadPoolExecutor(max_workers=len(self.senders),
                                       thread_name_prefix="smtp")
        self._staged: dict[int, SmtpSender] = {}  # subscriber id -> its connection

    @property
    def max_batch(self) -> int:
        return self.active

    def wait_turn(self) -> None:
        """Block until a chunk may go (called before the ledger claims it)."""
        self.bucket.wait_ready(self.active)

    def send_batch(self, messages: Sequence[Message]) -> list[DeliveryResult]:
        """Stage and commit at once, ``max_batch`` at a time (outside the ledger: tests,
        alerts, confirmations)."""
        done: list[DeliveryResult] = []
        start = 0
        try:
            while start < len(messages):
                round_ = messages[start:start + self.active]  # fewer after a 421
                start += len(round_)
                staged = self.stage(round_)
                settled = [r for r in staged if r is not None]
                done += settled + self.commit({m.subscriber_id for m, r in
                                               zip(round_, staged, strict=True) if r is None})
        except DeliveryError as exc:
            exc.results = [*done, *exc.results]
            raise
        order = {m.subscriber_id: i for i, m in enumerate(messages)}
        return sorted(done, key=lambda r: order[r.subscriber_id])

    def stage(self, messages: Sequence[Message]) -> list[DeliveryResult | None]:
        """Each message on its own connection, in parallel, all but its final dot."""
        if len(messages) > self.active:
            raise ValueError(f"{len(messages)} messages for {self.active} connections")
        self.abandon()
        outcomes: list[DeliveryResult | None] = [None] * len(messages)
        errors: list[DeliveryError] = []

        def work(index: int) -> None:
            self.bucket.take()
            try:
                outcomes[index] = self.senders[index].stage_one(messages[index])
            except DeliveryError as exc:
                errors.append(exc)
                outcomes[index] = _REFUSED

        list(self.pool.map(work, range(len(messages))))
        self._staged = {m.subscriber_id: self.senders[i] for i, m in enumerate(messages)
                        if outcomes[i] is None}
        settled = [r for r in outcomes if r is not None and r is not _REFUSED]
        if errors:  # the server refuses the run: nothing of this chunk is delivered
            self.abandon()
            errors[0].results = settled
            raise errors[0]
        self._watch(settled)
        return outcomes

    def commit(self, subscriber_ids: Collection[int]) -> list[DeliveryResult]:
        """The final dots of the staged messages of these subscribers, in parallel; the
        others' connections are closed without it (their messages are discarded)."""
        staged, self._staged = list(self._staged.items()), {}
        results: dict[int, DeliveryResult] = {}
        errors: list[DeliveryError] = []

        def work(item: tuple[int, SmtpSender]) -> None:
            sid, sender = item
            if sid not in subscriber_ids:
                sender.abandon()
                return
            try:
                results[sid] = sender.commit_one()
            except DeliveryError as exc:
                errors.append(exc)

        list(self.pool.map(work, staged))
        done = [results[sid] for sid, _ in staged if sid in results]
        if errors:
            errors[0].results = done
            raise errors[0]
        self._watch(done)
        return done

    def abandon(self) -> None:
        """Drop whatever is staged (connections closed without the final dots)."""
        staged, self._staged = self._staged, {}
        for sender in staged.values():
            sender.abandon()

    def _watch(self, results: Sequence[DeliveryResult]) -> None:
        """A 421 or a 4.7.28: one connection, half the rate, for the rest of the run."""
        if any(r.status is DeliveryStatus.DEFERRED and ("4.7.28" in r.detail
                                                        or r.detail.startswith("421"))
               for r in results):
            self.active = 1
            self.bucket.slow_down()

    def close(self) -> None:
        """QUIT every connection, in parallel (each waits for the server's reply)."""
        self.abandon()
        list(self.pool.map(lambda sender: sender.close(), self.senders))
        self.pool.shutdown(wait=True)


# Stands for "this connection raised" among stage()'s outcomes (never returned).
_REFUSED = DeliveryResult(0, DeliveryStatus.PENDING, "refused the run")
