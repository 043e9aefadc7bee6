"""Bounce and complaint webhooks of the six HTTP providers (one module each)."""

from .base import KINDS, Received, Receiver, WebhookEvent, WebhookRequest
from .effects import Outcome, apply_events, decide
from .registry import PROVIDERS, configured_receivers

__all__ = ["KINDS", "PROVIDERS", "Outcome", "Received", "Receiver", "WebhookEvent",
           "WebhookRequest", "apply_events", "configured_receivers", "decide"]
