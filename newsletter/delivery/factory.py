"""Choosing the sender named in the configuration."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

from ..config import Config
from ..errors import ConfigError
from .base import Sender
from .outbox import OutboxSender
from .providers import (
    BrevoSender,
    MailgunSender,
    PostmarkSender,
    ProviderSettings,
    ResendSender,
    SendGridSender,
    SesSender,
)
from .smtp_pool import SmtpPoolSender

_HTTP: dict[str, type] = {
    "sendgrid": SendGridSender, "mailgun": MailgunSender, "postmark": PostmarkSender,
    "ses": SesSender, "brevo": BrevoSender, "resend": ResendSender,
}


def make_sender(config: Config, issue_date: date, *, test: bool = False) -> Sender:
    """The configured sender (``[delivery] sender``)."""
    kind = config.delivery.sender
    if kind == "outbox":
        prefix = issue_date.isoformat()
        if test:  # each test send keeps its own files (not overwritten by the next)
            prefix += f"-test-{datetime.now(UTC):%H%M%S%f}"
        return OutboxSender(config.path(config.delivery.outbox_dir), prefix)
    if kind == "smtp":
        return SmtpPoolSender(config.smtp, config.newsletter.sender_address,
                              connections=config.smtp.connections,
                              messages_per_second=config.smtp.messages_per_second)
    if kind in _HTTP:
        sender: Sender = _HTTP[kind](provider_settings(config, kind))
        return sender
    raise ConfigError(f"{config.source}: [delivery] sender {kind!r} is not available")


def _secret(config: Config, kind: str, key: str, env: str) -> str:
    value = os.environ.get(env, "")
    if not value:
        raise ConfigError(f"{config.source}: [{kind}] {key}: the environment variable {env} is empty",
                          hint=f"export {env}=...")
    return value


def provider_settings(config: Config, kind: str) -> ProviderSettings:
    """Settings of one HTTP provider: shared [providers] knobs, its section, its secrets."""
    p, s = config.providers, getattr(config, kind)
    common = dict(base_url=s.base_url or None, timeout=(p.connect_timeout, p.read_timeout),
                  max_attempts=p.max_attempts, backoff_base=p.backoff_base,
                  backoff_cap=p.backoff_cap, requests_per_second=s.requests_per_second or None)
    if kind == "ses":
        return ProviderSettings(
            api_key=_secret(config, kind, "access_key_id_env", s.access_key_id_env),
            api_secret=_secret(config, kind, "secret_access_key_env", s.secret_access_key_env),
            session_token=os.environ.get(s.session_token_env, ""), region=s.region,
            ses_configuration_set=s.configuration_set or None, **common)  # type: ignore[arg-type]
    extra = {"mailgun": {"mailgun_domain": getattr(s, "domain", "")},
             "postmark": {"postmark_message_stream": getattr(s, "message_stream", "broadcast")}}
    return ProviderSettings(api_key=_secret(config, kind, "api_key_env", s.api_key_env),
                            **extra.get(kind, {}), **common)  # type: ignore[arg-type]
