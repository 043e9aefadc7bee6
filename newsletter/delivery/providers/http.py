"""What every HTTP provider sender shares: settings, pacing, retries, reply classification.

One ``requests.Session`` per sender (pooled keep-alive connections), an explicit
``(connect, read)`` timeout on every call (API-01), and one retry loop (API-04):

- 429, 500, 502, 503, 504 and connection failures *before* the request went out are
  retried with exponential backoff and full jitter, or after the wait the provider
  asks for (``Retry-After`` or its rate-limit reset header), up to ``max_attempts``;
  then the messages are DEFERRED (the ledger tries them again later);
- 401 and 403 stop the run (:class:`DeliveryError` naming the provider);
- a timeout or a dropped connection *after* the body was sent is ambiguous: without
  an idempotency key the messages are UNKNOWN and never resent automatically; with
  one (Resend, Brevo) the same request is sent again under the same key, and when every
  attempt is unanswered the messages stay HANDED: a later run sends them again, under
  the same keys, while the provider still keeps them (``idempotency_window``);
- any other answer goes back to the provider module, which reads it per recipient.

urllib3's own ``Retry`` is switched off (``max_retries=0``): it would resend POSTs
with no idempotency key (API-08).
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, ClassVar

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter

from ...errors import DeliveryError
from ...models import DeliveryResult, DeliveryStatus, Message
from .pacing import Clock, Sleep, TokenBucket, asked_wait
from .payload import parts_of, results

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_NOT_SENDABLE = (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                 requests.exceptions.InvalidSchema, requests.exceptions.InvalidHeader)

Signer = Callable[[str, bytes, dict[str, str]], dict[str, str]]
Request = tuple[str, bytes, dict[str, str]]  # path, body, headers


@dataclass(frozen=True)
class ProviderSettings:
    """How to reach one provider; the caller reads secrets from wherever it keeps them."""

    api_key: str = field(repr=False)  # never printed in logs or tracebacks
    base_url: str | None = None  # None: the provider's real API base
    timeout: tuple[float, float] = (5.0, 30.0)  # (connect, read) seconds
    max_attempts: int = 5
    backoff_base: float = 1.0
    backoff_cap: float = 120.0
    requests_per_second: float | None = None  # None: the provider's documented default
    api_secret: str = field(default="", repr=False)  # SES: the secret access key
    session_token: str = field(default="", repr=False)  # SES: temporary credentials
    region: str = "eu-west-1"  # SES
    mailgun_domain: str = ""
    postmark_message_stream: str = "broadcast"
    ses_configuration_set: str | None = None


@dataclass(frozen=True)
class Reply:
    """A provider's HTTP answer."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def text(self, limit: int = 300) -> str:
        """The start of the body, for a delivery's detail."""
        return self.body[:limit].decode("utf-8", "replace").strip()


@dataclass(frozen=True)
class Exchange:
    """The end of one request's attempts: a reply to read, or a status for all its messages."""

    reply: Reply | None
    status: DeliveryStatus | None = None
    detail: str = ""


def make_session(pool_size: int = 4) -> requests.Session:
    """A session that keeps connections alive and never retries by itself."""
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=pool_size, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def _before_sending(exc: requests.RequestException) -> bool:
    """True when the request surely never reached the provider (safe to send again)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout | requests.exceptions.SSLError |
                  requests.exceptions.ProxyError):
        return True
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, urllib3.exceptions.MaxRetryError):
        reason = reason.reason
    # A refused or unresolvable connection; a reset or a read timeout may come after
    # the provider accepted the body, so those stay ambiguous.
    return isinstance(reason, urllib3.exceptions.NewConnectionError |
                      urllib3.exceptions.ConnectTimeoutError)


class HttpSender:
    """Base of the provider senders: batching, the retry loop, pacing, closing."""

    # Plain attributes, not ClassVar: the Sender protocol declares them as attributes.
    name: str
    wants_parts: bool = True
    max_batch: int
    default_base_url: ClassVar[str]
    default_rps: ClassVar[float | None] = None
    reset_header: ClassVar[str | None] = None  # the provider's rate-limit reset header
    reset_is_epoch: ClassVar[bool] = False  # reset given as a Unix time, not seconds to wait
    # How long after a request the provider still deduplicates it by its idempotency key
    # (with a margin): a stopped run's requests are sent again within it (delivery/recovery.py).
    idempotency_window: ClassVar[timedelta | None] = None
    # Requests in flight at once for providers that take one message per request (their
    # batches promise no per-recipient headers): the answers' latency, not our CPU, is the
    # bottleneck. The token bucket still paces them at the provider's documented rate.
    in_flight: ClassVar[int] = 1

    def __init__(self, settings: ProviderSettings, *, session: requests.Session | None = None,
                 sleep: Sleep = time.sleep, clock: Clock = time.monotonic) -> None:
        self.check_settings(settings)
        self.settings = settings
        self.base_url = (settings.base_url or self.default_url(settings)).rstrip("/")
        self._session = session or make_session(max(4, self.in_flight))
        self._owns_session = session is None
        self._sleep = sleep
        self.bucket = TokenBucket(settings.requests_per_second or self.default_rps, sleep, clock)
        self._random = random.Random()

    def check_settings(self, settings: ProviderSettings) -> None:
        """Refuse settings the provider cannot work with (before any connection)."""
        if settings.max_attempts < 1:
            raise DeliveryError(f"{self.name}: max_attempts must be at least 1")

    def default_url(self, settings: ProviderSettings) -> str:
        """The provider's real API base."""
        return self.default_base_url

    def send_batch(self, messages: Sequence[Message]) -> list[DeliveryResult]:
        """Deliver in provider-sized requests; one result per message, in order."""
        if self.wants_parts:
            for message in messages:
                parts_of(message)  # fail before anything is sent
        done: list[DeliveryResult] = []
        try:
            for start in range(0, len(messages), self.max_batch):
                for outcome in self.requests(list(messages[start:start + self.max_batch])):
                    done.extend(outcome)
        except DeliveryError as exc:  # the requests already answered are recorded
            exc.results = [*done, *exc.results]
            raise
        by_id = {r.subscriber_id: r for r in done}
        return [by_id[m.subscriber_id] for m in messages]

    def requests(self, messages: list[Message]) -> Iterator[list[DeliveryResult]]:
        """Send up to ``max_batch`` messages, yielding each request's results."""
        raise NotImplementedError

    def one_per_request(self, messages: list[Message], request: Callable[[list[Message]], Request],
                        *, idempotent: bool = False) -> Iterator[list[DeliveryResult]]:
        """Each message in its own request, up to ``in_flight`` at once; after a stop
        (credentials refused, no credits) no further request starts."""
        if self.in_flight <= 1 or len(messages) <= 1:
            for message in messages:
                yield self.deliver([message], request, idempotent=idempotent)
            return
        done: list[DeliveryResult] = []
        stop: DeliveryError | None = None
        with ThreadPoolExecutor(max_workers=min(self.in_flight, len(messages)),
                                thread_name_prefix=self.name) as pool:
            futures = [pool.submit(self.deliver, [m], request, idempotent=idempotent)
                       for m in messages]
            for future in as_completed(futures):
                if future.cancelled():
                    continue
                try:
                    done.extend(future.result())
                except DeliveryError as exc:
                    done.extend(exc.results)
                    if stop is None:
                        stop = exc
                        for other in futures:
                            other.cancel()
        if stop is not None:
            stop.results = done
            raise stop
        yield done

    def wait_turn(self) -> None:
        """Block until the next request may go (called before the ledger claims a chunk)."""
        self.bucket.wait_ready()

    def deliver(self, messages: Sequence[Message], request: Callable[[list[Message]], Request],
                *, idempotent: bool = False, sign: Signer | None = None) -> list[DeliveryResult]:
        """One request for ``messages`` (more if the provider refuses some), read per recipient.

        ``request(subset)`` builds the request for any subset: a 413 splits the batch in
        two, and a refusal that names some recipients fails those and sends the others
        again (a 4xx means nothing of that request was accepted).
        """
        done: dict[int, DeliveryResult] = {}
        todo, rounds = [list(messages)], 0
        try:
            while todo:
                subset = todo.pop(0)
                path, body, headers = request(subset)
                exchange = self.post(path, body, headers, idempotent=idempotent, sign=sign)
                reply = exchange.reply
                if reply is None:
                    outcome = results(subset, exchange.status or DeliveryStatus.UNKNOWN,
                                      exchange.detail)
                elif 200 <= reply.status < 300:
                    outcome = self.accepted(subset, reply)
                elif reply.status == 413 and len(subset) > 1:
                    half = len(subset) // 2
                    todo[:0] = [subset[:half], subset[half:]]
                    continue
                else:
                    blamed = self.blame(subset, reply)
                    others = [m for m in subset if m.subscriber_id not in blamed]
                    if blamed and others and rounds < 3:
                        rounds += 1
                        todo.append(others)
                        subset = [m for m in subset if m.subscriber_id in blamed]
                    outcome = self.refused(subset, reply)
                done.update((r.subscriber_id, r) for r in outcome)
        except DeliveryError as exc:
            exc.results = [*done.values(), *exc.results]
            raise
        return [done[m.subscriber_id] for m in messages]

    def accepted(self, messages: list[Message], reply: Reply) -> list[DeliveryResult]:
        """A 2xx answer: every message SENT, unless the provider reads it per recipient."""
        return results(messages, DeliveryStatus.SENT, f"{self.name}: HTTP {reply.status}")

    def blame(self, messages: list[Message], reply: Reply) -> set[int]:
        """Subscriber ids a refusal names (their whole address is quoted in it)."""
        text = reply.body.decode("utf-8", "replace").lower()
        return {m.subscriber_id for m in messages
                if re.search(rf"(?<![\w.+-]){re.escape(m.recipient.lower())}(?![\w.-])", text)}

    def refused(self, messages: list[Message], reply: Reply) -> list[DeliveryResult]:
        """A 4xx other than 401/403/429: a permanent failure for these messages."""
        return results(messages, DeliveryStatus.FAILED,
                       f"{self.name} refused: HTTP {reply.status} {reply.text()}")

    def close(self) -> None:
        """Release pooled connections (a session passed in belongs to the caller)."""
        if self._owns_session:
            self._session.close()

    def post(self, path: str, body: bytes, headers: dict[str, str], *, idempotent: bool = False,
             sign: Signer | None = None) -> Exchange:
        """POST ``body`` with retries; the same bytes on every attempt (and the same key)."""
        url = self.base_url + path
        ambiguous = False  # an attempt whose outcome nobody knows (only when idempotent)
        detail = ""
        attempts = self.settings.max_attempts
        for attempt in range(1, attempts + 1):
            self.bucket.take()
            sent = sign(url, body, headers) if sign else headers
            try:
                response = self._session.post(url, data=body, headers=sent,
                                              timeout=self.settings.timeout)
            except _NOT_SENDABLE as exc:  # a bad URL or header: nothing can be sent
                raise DeliveryError(f"{self.name}: cannot send to {url}: {exc}") from exc
            except requests.RequestException as exc:  # the connection failed somewhere
                if _before_sending(exc):
                    detail = f"{self.name}: cannot connect: {exc}"
                elif idempotent:
                    ambiguous = True
                    detail = f"{self.name}: no answer after the request was sent: {exc}"
                else:
                    return Exchange(None, DeliveryStatus.UNKNOWN,
                                    f"{self.name}: no answer after the request was sent "
                                    f"(not resent: the provider may have accepted it): {exc}")
                wait = self._backoff(attempt)
            else:
                reply = Reply(response.status_code, response.headers, response.content)
                if reply.status in (401, 403):
                    raise DeliveryError(
                        f"{self.name} refused our credentials: HTTP {reply.status} {reply.text()}",
                        hint=f"check the {self.name} API key and its sending permissions, "
                             "then run send again")
                if not self.retryable(reply):
                    return Exchange(reply)
                if reply.status == 429:
                    self.bucket.slow_down()
                detail = f"{self.name}: HTTP {reply.status} {reply.text(120)}".rstrip()
                asked = asked_wait(reply.headers, self.reset_header, self.reset_is_epoch)
                if asked is not None and asked > self.settings.backoff_cap:
                    return self._give_up(ambiguous, f"{detail}; asked to wait {asked:.0f} s")
                wait = asked if asked is not None else self._backoff(attempt)
            if attempt < attempts:
                self._sleep(wait)
        return self._give_up(ambiguous, f"{detail} (after {attempts} attempts)")

    def _give_up(self, ambiguous: bool, detail: str) -> Exchange:
        # After an unanswered attempt the provider may hold the batch: never resend blindly,
        # only under the same key while the provider keeps it (HANDED: a later run does).
        if not ambiguous:
            return Exchange(None, DeliveryStatus.DEFERRED, detail)
        if self.idempotency_window is None:
            return Exchange(None, DeliveryStatus.UNKNOWN, detail)
        return Exchange(None, DeliveryStatus.HANDED,
                        f"{detail}; sent again under the same idempotency key by the next run")

    def _backoff(self, attempt: int) -> float:
        """Full jitter: anywhere between 0 and base * 2^(attempt-1), capped."""
        ceiling = min(self.settings.backoff_cap, self.settings.backoff_base * 2 ** (attempt - 1))
        return self._random.uniform(0, ceiling)

    def retryable(self, reply: Reply) -> bool:
        """Whether an answer means "try again later" (429 and 5xx, per provider docs)."""
        return reply.status in RETRY_STATUSES
