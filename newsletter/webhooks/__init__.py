"""Provider webhooks: parsing and signature checks of the six HTTP providers' events (one module each).

Owns turning a provider's request into WebhookEvents (bounce, complaint, unsubscribe).
Imports only the shared base and config; what an event does to a subscriber is decided
in newsletter.people.bounces, which imports this wing (never the other way round).
"""

from .base import KINDS, Received, Receiver, WebhookEvent, WebhookRequest
from .registry import PROVIDERS, configured_receivers

__all__ = ["KINDS", "PROVIDERS", "Received", "Receiver", "WebhookEvent", "WebhookRequest",
           "configured_receivers"]
