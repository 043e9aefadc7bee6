"""Confirmation emails, sent by one background thread of the web process.

The sign-up page answers before the email goes out: its response time is then the same
whether or not an email is sent, so timing tells nothing about the address either.
"""

from __future__ import annotations

import collections
import logging
import queue
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime

from ..compose.confirmation import ConfirmationRequest, confirmation_message
from ..compose.dkim_sign import DkimSigner
from ..config import Config
from ..errors import NewsletterError
from ..models import DeliveryResult, DeliveryStatus
from .base import Sender
from .factory import make_sender
from .outbox import OutboxSender

log = logging.getLogger(__name__)


def confirmation_sender(config: Config, now: datetime) -> Sender:
    """The configured sender; the outbox names files ``confirm-<time>-<id>.eml``."""
    if config.delivery.sender == "outbox":
        return OutboxSender(config.path(config.delivery.outbox_dir),
                            f"confirm-{now:%Y%m%dT%H%M%S%f}")
    return make_sender(config, date.today())


def send_confirmation(config: Config, request: ConfirmationRequest, now: datetime) -> DeliveryResult:
    """Build and hand over one confirmation email."""
    signer = None
    if config.dkim.key_path:
        signer = DkimSigner.load(config.dkim.domain or config.sending_domain,
                                 config.dkim.selector, config.path(config.dkim.key_path))
    message = confirmation_message(
        request, sender_address=config.signup.from_address or config.newsletter.sender_address,
        list_name=config.newsletter.name, postal_address=config.newsletter.postal_address,
        hours=config.signup.confirm_hours, now=now, signer=signer,
        templates_dir=config.templates_dir)
    sender = confirmation_sender(config, now)
    try:
        return sender.send_batch([message])[0]
    finally:
        sender.close()


class ConfirmationMailer:
    """A queue of confirmation emails and the one thread that sends them."""

    def __init__(self, config: Config, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
                 ) -> None:
        self.config = config
        self.clock = clock
        self._queue: queue.Queue[ConfirmationRequest] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        # The latest outcomes only (a long-running server sends many): for tests and logs.
        self.results: collections.deque[DeliveryResult] = collections.deque(maxlen=1000)

    def __call__(self, request: ConfirmationRequest) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="confirmations",
                                                daemon=True)
                self._thread.start()
        self._queue.put(request)

    def wait(self) -> None:
        """Return once every queued email has been handed over (or failed)."""
        self._queue.join()

    def _work(self) -> None:
        while True:
            request = self._queue.get()
            try:
                result = send_confirmation(self.config, request, self.clock())
            except (NewsletterError, OSError, ValueError) as exc:
                result = DeliveryResult(request.subscriber_id, DeliveryStatus.FAILED, str(exc))
            except Exception as exc:  # the thread must outlive any one bad email
                log.exception("confirmation email to subscriber %s failed", request.subscriber_id)
                result = DeliveryResult(request.subscriber_id, DeliveryStatus.FAILED, repr(exc))
            if result.status != DeliveryStatus.SENT:
                log.error("confirmation email to subscriber %s not sent: %s",
                          request.subscriber_id, result.detail)
            self.results.append(result)
            self._queue.task_done()
