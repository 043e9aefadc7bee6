"""The one exception tree of the project.

    NewsletterError                 base; knows its exit code and how to print itself
    ├── ConfigError                 a wrong key or value in the configuration (exit 2)
    ├── FeedError                   one feed could not be fetched or parsed (names the URL)
    │   └── FeedGone                410 Gone: the feed is disabled
    ├── RenderError                 a template or the inliner failed
    ├── StoreError                  the database refused an operation
    ├── TokenError                  an invalid, expired or tampered signed token
    ├── SubscriberError             a bad subscriber row or address
    ├── StaleIssue                  the issue's send window has closed (send --force)
    ├── EditRefused                 an editor's change or approval cannot apply (sent, changed meanwhile)
    ├── AwaitingApproval            require_approval: not approved, deadline not reached (or skip)
    ├── WebhookError                a provider webhook request was refused
    │   ├── WebhookAuthError        missing (401) or wrong (403) signature, secret or timestamp
    │   └── WebhookPayloadError     a body that is not what the provider documents (400)
    └── DeliveryError               a message could not be handed over
        ├── TransientDeliveryError  try again later (4xx, 429, 5xx, disconnects)
        └── PermanentDeliveryError  never retry for this recipient (5.1.x, invalid address)

Foreign exceptions are wrapped where they enter (``raise FeedError(...) from exc``);
the CLI and the web app turn them into text in exactly one place each.
"""

from __future__ import annotations

from typing import Any


class NewsletterError(Exception):
    """Base class: a message for people and the process exit code it maps to."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def format(self) -> str:
        """The text shown to the user: the message, then the hint if there is one."""
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message


class ConfigError(NewsletterError):
    """A configuration key or value is wrong; the message names the key and the file."""

    exit_code = 2


class FeedError(NewsletterError):
    """One feed failed; carries its URL so reports can name it."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason

    def __reduce__(self) -> tuple[Any, ...]:  # crosses process boundaries (parse workers)
        return (type(self), (self.url, self.reason))


class FeedGone(FeedError):
    """The server answered 410 Gone: the feed is disabled until someone re-enables it."""


class RenderError(NewsletterError):
    """Rendering or inlining the issue failed."""


class StoreError(NewsletterError):
    """The store could not complete an operation."""


class TokenError(NewsletterError):
    """A signed token is invalid, expired or was made for another purpose."""


class SubscriberError(NewsletterError):
    """A subscriber address or row is invalid."""


class DeliveryError(NewsletterError):
    """Delivery cannot go on (a refused login, an unreachable server).

    ``results`` holds the outcomes of the messages handled before the failure, so
    the ledger records them and leaves the rest pending.
    """

    def __init__(self, message: str, *, hint: str | None = None,
                 results: list[Any] | None = None) -> None:
        super().__init__(message, hint=hint)
        self.results = results or []


class TransientDeliveryError(DeliveryError):
    """Delivery failed for now; the same message may be retried later."""


class StaleIssue(NewsletterError):
    """The issue's send window has closed: sending it now would surprise its readers."""


class EditRefused(NewsletterError):
    """An editor's change cannot apply: the issue is sending or sent, or changed meanwhile."""


class AwaitingApproval(NewsletterError):
    """[editor] require_approval: the issue is not approved (yet, or in time): not sent."""


class ApprovalPending(AwaitingApproval):
    """Not approved yet, and the approval deadline is still ahead: a wait, not a failure."""


class PermanentDeliveryError(DeliveryError):
    """Delivery to this recipient will never succeed; do not retry."""


class WebhookError(NewsletterError):
    """A provider webhook request was refused; ``status`` is the HTTP answer."""

    status = 400


class WebhookAuthError(WebhookError):
    """No credentials (401), or a wrong signature, secret or stale timestamp (403)."""

    def __init__(self, message: str, *, missing: bool = False) -> None:
        super().__init__(message)
        self.status = 401 if missing else 403


class WebhookPayloadError(WebhookError):
    """The body is not JSON, or not in the shape the provider documents."""
