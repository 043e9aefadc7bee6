"""Choosing the sender named in the configuration."""

from __future__ import annotations

from datetime import date

from ..config import Config
from ..errors import ConfigError
from .base import Sender
from .outbox import OutboxSender
from .smtp_pool import SmtpPoolSender


def make_sender(config: Config, issue_date: date, *, test: bool = False) -> Sender:
    """The configured sender (``[delivery] sender``)."""
    kind = config.delivery.sender
    if kind == "outbox":
        prefix = f"{issue_date.isoformat()}{'-test' if test else ''}"
        return OutboxSender(config.path(config.delivery.outbox_dir), prefix)
    if kind == "smtp":
        return SmtpPoolSender(config.smtp, config.newsletter.sender_address,
                              connections=config.smtp.connections,
                              messages_per_second=config.smtp.messages_per_second)
    raise ConfigError(f"{config.source}: [delivery] sender {kind!r} is not available")
