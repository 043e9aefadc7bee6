"""Checks of the configuration's values, each naming the key and the file on failure."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import ConfigError
from .sections import LANGUAGES, SENDERS, WebhooksSection

if TYPE_CHECKING:
    from .model import Config

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
# Written raw into List-Unsubscribe's <mailto:…>: ASCII, no character a URI or header must escape.
_MAILBOX = re.compile(r"[A-Za-z0-9._+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\Z")
MAX_ZONE_NAME = 64  # the longest IANA names have ~32 characters; the store keeps 64


def zone_named(name: str) -> ZoneInfo | None:
    """The IANA time zone called ``name``; None for anything else.

    Not only unknown names: a folder of the zone database ("Europe"), a path, a name too
    long for the file system make ZoneInfo raise OSError or ValueError, not "not found".
    """
    if not name or len(name) > MAX_ZONE_NAME:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def check_config(c: Config) -> None:
    """Every check; the first wrong value raises ConfigError naming its key."""
    _check_values(c)
    _check_signup(c)
    _check_editor(c)


def _check_values(c: Config) -> None:
    def bad(key: str, why: str) -> ConfigError:
        return ConfigError(f"{c.source}: {key} {why}")

    n = c.newsletter
    if n.language not in LANGUAGES:
        raise bad("[newsletter] language", f"must be one of {', '.join(LANGUAGES)}, got {n.language!r}")
    if zone_named(n.timezone) is None:
        raise bad("[newsletter] timezone", f"is not an IANA time zone like 'Africa/Casablanca': "
                                           f"{n.timezone[:100]!r}")
    if "@" not in n.sender_address:
        raise bad("[newsletter] sender_address", f"must contain an address: {n.sender_address!r}")
    if not n.postal_address.strip():
        raise bad("[newsletter] postal_address", "must not be empty (the law requires it)")
    if urlsplit(n.public_url).scheme not in ("http", "https"):
        raise bad("[newsletter] public_url", f"must be an http(s) URL: {n.public_url!r}")
    if not 1 <= n.reading_minutes <= 60:
        raise bad("[newsletter] reading_minutes", "must be between 1 and 60")
    if n.words_per_minute < 0:
        raise bad("[newsletter] words_per_minute", "must be positive (0 = language default)")
    if c.delivery.sender not in SENDERS:
        raise bad("[delivery] sender", f"must be one of {', '.join(SENDERS)}, got {c.delivery.sender!r}")
    if not 1 <= c.smtp.connections <= 64 or c.smtp.messages_per_second < 0:
        raise bad("[smtp] connections", "must be between 1 and 64 (messages_per_second >= 0)")
    if c.delivery.sender == "mailgun" and not c.mailgun.domain:
        raise bad("[mailgun] domain", "must name the Mailgun sending domain when sender = 'mailgun'")
    if c.providers.max_attempts < 1:
        raise bad("[providers] max_attempts", "must be at least 1")
    if c.smtp.tls not in ("starttls", "ssl", "none"):
        raise bad("[smtp] tls", f"must be starttls, ssl or none, got {c.smtp.tls!r}")
    if c.smtp.tls == "none" and c.smtp.host not in ("localhost", "127.0.0.1", "::1"):
        raise bad("[smtp] tls", "= 'none' is only allowed when host is localhost")
    for key in ("cutoff", "send_at"):
        if not _HHMM.match(getattr(c.schedule, key)):
            raise bad(f"[schedule] {key}", f"must be HH:MM, got {getattr(c.schedule, key)!r}")
    _check_ops(c, bad)
    if not 1 <= c.workers.claim_batch <= 100_000:
        raise bad("[workers] claim_batch", f"must be between 1 and 100000, got {c.workers.claim_batch}")
    if c.workers.lease_seconds <= 0:
        raise bad("[workers] lease_seconds", f"must be positive, got {c.workers.lease_seconds}")
    if c.delivery.retries < 0 or c.delivery.retry_backoff < 0 or c.delivery.send_window_hours < 0:
        raise bad("[delivery] retries, retry_backoff and send_window_hours", "must not be negative")
    mailbox = c.delivery.unsubscribe_mailbox
    if mailbox and not _MAILBOX.match(mailbox):
        raise bad("[delivery] unsubscribe_mailbox", "must be a plain address like "
                                                    f"'unsubscribe@news.example.org': {mailbox[:100]!r}")
    if c.render.inliner not in ("premailer", "css-inline"):
        raise bad("[render] inliner", f"must be premailer or css-inline, got {c.render.inliner!r}")
    if not 20_000 <= c.render.max_html_bytes <= 100_000:
        raise bad("[render] max_html_bytes", "must be between 20000 and 100000 (Gmail clips ~102 KB)")
    if c.summaries.backend not in ("extractive", "openai"):
        raise bad("[summaries] backend", f"must be extractive or openai, got {c.summaries.backend!r}")
    if c.summaries.backend == "openai" and not c.summaries.model:
        raise bad("[summaries] model", "must name the model when backend = 'openai'")
    if not 0 <= c.curate.redundancy <= 2:
        raise bad("[curate] redundancy", "must be between 0 and 2")
    if c.collect.retries < 0 or c.collect.parse_processes < 0 or c.collect.backoff < 0:
        raise bad("[collect] retries, backoff and parse_processes", "must not be negative")
    if c.curate.max_items < 0:
        raise bad("[curate] max_items", "must not be negative (0: no cap, the reading time decides)")
    for section, key in (("collect", "workers"), ("collect", "max_bytes"),
                         ("collect", "per_host"), ("collect", "feed_timeout"), ("collect", "deadline"),
                         ("delivery", "batch_size"), ("collect", "window_hours")):
        if getattr(getattr(c, section), key) < 1:
            raise bad(f"[{section}] {key}", "must be at least 1")
    _check_webhooks(c.webhooks, bad)


def _check_webhooks(w: WebhooksSection, bad: Any) -> None:
    for key in ("tolerance_seconds", "ses_max_age_seconds"):
        if not 10 <= getattr(w, key) <= 86_400:
            raise bad(f"[webhooks] {key}", "must be between 10 and 86400 seconds")
    if w.soft_bounce_limit < 0:
        raise bad("[webhooks] soft_bounce_limit", "must not be negative (0: never suppress)")
    for arn in filter(None, (a.strip() for a in w.ses_topic_arns.split(","))):
        if not arn.startswith("arn:"):
            raise bad("[webhooks] ses_topic_arns", f"must list SNS topic ARNs, got {arn!r}")


def _check_ops(c: Config, bad: Any) -> None:
    """[schedule] rounds, [logging] and [alerts]."""
    s = c.schedule
    if not 1 <= s.send_every_minutes <= 60 or 60 % s.send_every_minutes:
        raise bad("[schedule] send_every_minutes", "must divide 60 (e.g. 5, 10, 15, 30)")
    if s.collect_every_minutes and (not 1 <= s.collect_every_minutes <= 60
                                    or 60 % s.collect_every_minutes):
        raise bad("[schedule] collect_every_minutes", "must divide 60 (0 = no extra collects)")
    if not 1 <= s.collect_hours <= 24:
        raise bad("[schedule] collect_hours", "must be between 1 and 24")
    if s.misfire_grace_seconds < 1:
        raise bad("[schedule] misfire_grace_seconds", "must be at least 1")
    if c.logging.format not in ("text", "json"):
        raise bad("[logging] format", f"must be text or json, got {c.logging.format!r}")
    if c.logging.level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise bad("[logging] level", f"must be DEBUG, INFO, WARNING, ERROR or CRITICAL, got "
                                     f"{c.logging.level!r}")
    a = c.alerts
    if a.webhook_url and urlsplit(a.webhook_url).scheme not in ("http", "https"):
        raise bad("[alerts] webhook_url", f"must be an http(s) URL: {a.webhook_url!r}")
    if any("@" not in part for part in a.email.split(",") if part.strip()):
        raise bad("[alerts] email", f"must be addresses separated by commas: {a.email!r}")
    if a.feed_failures < 1 or a.webhook_timeout <= 0:
        raise bad("[alerts] feed_failures", "must be at least 1 (webhook_timeout above 0)")


def _check_signup(c: Config) -> None:
    s = c.signup
    if not s.consent_text_version.strip():
        raise ConfigError(f"{c.source}: [signup] consent_text_version must not be empty")
    if s.from_address and "@" not in s.from_address:
        raise ConfigError(f"{c.source}: [signup] from_address must contain an address: "
                          f"{s.from_address!r}")
    for key in ("confirm_hours", "pending_days", "window_minutes", "per_ip", "per_address",
                "csrf_minutes"):
        if getattr(s, key) < 1:
            raise ConfigError(f"{c.source}: [signup] {key} must be at least 1")
    if s.pending_days * 24 < s.confirm_hours:
        raise ConfigError(f"{c.source}: [signup] pending_days must cover confirm_hours "
                          "(a sign-up is not purged while its link still works)")
    if c.web.proxy_hops < 0:
        raise ConfigError(f"{c.source}: [web] proxy_hops must not be negative")


def _check_editor(c: Config) -> None:
    e = c.editor
    if e.approval_deadline and not _HHMM.match(e.approval_deadline):
        raise ConfigError(f"{c.source}: [editor] approval_deadline must be HH:MM (or empty for "
                          f"[schedule] send_at), got {e.approval_deadline!r}")
    if e.approval_deadline and not c.schedule.cutoff <= e.approval_deadline <= c.schedule.send_at:
        raise ConfigError(f"{c.source}: [editor] approval_deadline must lie between [schedule] "
                          f"cutoff ({c.schedule.cutoff}) and send_at ({c.schedule.send_at}), got "
                          f"{e.approval_deadline!r}")
    if e.on_deadline not in ("send", "skip"):
        raise ConfigError(f"{c.source}: [editor] on_deadline must be send or skip, got "
                          f"{e.on_deadline!r}")
    if any("@" not in part for part in e.test_addresses.split(",") if part.strip()):
        raise ConfigError(f"{c.source}: [editor] test_addresses must be addresses separated by "
                          f"commas: {e.test_addresses!r}")
    if not 0 < e.session_hours <= 24 * 30:
        raise ConfigError(f"{c.source}: [editor] session_hours must be above 0 and at most 720")
    if e.max_login_failures < 1:
        raise ConfigError(f"{c.source}: [editor] max_login_failures must be at least 1")
