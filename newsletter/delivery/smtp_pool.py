"""Several SMTP connections in parallel, each reused for many messages."""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable, Sequence
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

    A 421 or a 4.7.28 ("too many messages") drops to a single connection and halves the
    message rate for the rest of the run.
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

    @property
    def max_batch(self) -> int:
        return self.active

    def wait_turn(self) -> None:
        """Block until a chunk may go (called before the ledger claims it)."""
        self.bucket.wait_ready(self.active)

    def send_batch(self, messages: Sequence[Message]) -> list[DeliveryResult]:
        results: list[DeliveryResult | None] = [None] * len(messages)
        errors: list[DeliveryError] = []

        def work(index: int, message: Message) -> None:
            self.bucket.take()
            sender = self.senders[index % self.active]
            try:
                results[index] = sender.send_batch([message])[0]
            except DeliveryError as exc:
                errors.append(exc)

        # Messages on the same connection must not overlap: one per connection per round.
        for start in range(0, len(messages), self.active):
            round_ = list(enumerate(messages))[start:start + self.active]
            list(self.pool.map(lambda pair: work(*pair), round_))
            if errors:
                break
        done = [r for r in results if r is not None]
        if errors:
            errors[0].results = done
            raise errors[0]
        if any(r.status is DeliveryStatus.DEFERRED and ("4.7.28" in r.detail
                                                        or r.detail.startswith("421"))
               for r in done):
            self.active = 1
            self.bucket.slow_down()
        return done

    def close(self) -> None:
        """QUIT every connection, in parallel (each waits for the server's reply)."""
        list(self.pool.map(lambda sender: sender.close(), self.senders))
        self.pool.shutdown(wait=True)
