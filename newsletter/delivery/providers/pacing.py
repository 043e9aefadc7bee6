"""How fast to send and how long to wait: the token bucket and the providers' wait hints."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime

Sleep = Callable[[float], None]
Clock = Callable[[], float]

MIN_RATE = 1 / 60  # halving after repeated 429s stops at one request a minute


class TokenBucket:
    """Paces requests: at most ``rate`` a second, no bursts (one token of capacity).

    Mailbox providers ask for a steady rate rather than bursts, so the bucket holds a
    single token: the first request goes at once, the next one 1/rate seconds later.
    """

    def __init__(self, rate: float | None, sleep: Sleep, clock: Clock) -> None:
        self.rate = rate
        self._sleep = sleep
        self._clock = clock
        self._tokens = 1.0
        self._last: float | None = None
        # Several requests may be in flight (one-message-per-request providers): one at a
        # time takes its token, and the waits line up one interval apart.
        self._lock = threading.Lock()

    def take(self) -> None:
        """Wait until a request may go out."""
        if self.rate is None:
            return
        with self._lock:
            self._take()

    def _take(self) -> None:
        assert self.rate is not None
        now = self._clock()
        if self._last is not None:
            self._tokens = min(1.0, self._tokens + max(0.0, now - self._last) * self.rate)
        self._last = now
        if self._tokens < 1.0:
            wait = (1.0 - self._tokens) / self.rate
            self._sleep(wait)
            # Count the wait as elapsed even when the clock is frozen (tests): the next
            # request then waits a full interval again.
            self._last = now + wait
            self._tokens = 0.0
        else:
            self._tokens -= 1.0

    def wait_ready(self) -> None:
        """Wait until a request may go out, without taking the token: the ledger claims
        messages only then, so a crash never finds them claimed but still waiting."""
        if self.rate is None or self._last is None:
            return
        tokens = min(1.0, self._tokens + max(0.0, self._clock() - self._last) * self.rate)
        if tokens < 1.0:
            self._sleep((1.0 - tokens) / self.rate)

    def slow_down(self) -> None:
        """A 429: halve the rate for the rest of the run (1 a second if there was none)."""
        self.rate = 1.0 if self.rate is None else max(MIN_RATE, self.rate / 2)


def asked_wait(headers: Mapping[str, str], reset_header: str | None,
               reset_is_epoch: bool) -> float | None:
    """Seconds the provider asks us to wait: ``Retry-After``, else its reset header."""
    raw = headers.get("Retry-After")
    if raw is not None:
        return _seconds(raw, headers, epoch=False)
    if reset_header and (raw := headers.get(reset_header)) is not None:
        return _seconds(raw, headers, epoch=reset_is_epoch)
    return None


def _seconds(raw: str, headers: Mapping[str, str], *, epoch: bool) -> float | None:
    """A wait from a header: delta seconds, an HTTP date or a Unix time.

    Dates are compared with the reply's own ``Date`` header, not our clock, so a skewed
    local clock cannot turn them into hours of waiting (or none).
    """
    raw = raw.strip()
    try:
        value: float | None = float(raw)
    except ValueError:
        value = None
    if value is not None and not epoch:
        return max(0.0, value)
    now = _date(headers.get("Date"))
    if now is None:
        return None
    if value is not None:
        return max(0.0, value - now)
    then = _date(raw)
    return None if then is None else max(0.0, then - now)


def _date(raw: str | None) -> float | None:
    try:
        return parsedate_to_datetime(raw).timestamp() if raw else None
    except (TypeError, ValueError):
        return None
