"""Configuration: a TOML file checked key by key into frozen dataclasses.

Every key has a default so the demo runs with none; a wrong key or value raises
ConfigError naming the key and the file. Relative paths are relative to the file.
Secrets are never in the file: it names the environment variable (or a key file).
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from datetime import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError
from .models import FeedSource

LANGUAGES = ("fr", "en", "ar")
SENDERS = ("outbox", "smtp", "sendgrid", "mailgun", "postmark", "ses", "brevo", "resend")
DEFAULT_WPM = {"fr": 230, "en": 238, "ar": 180}


@dataclass(frozen=True)
class NewsletterSection:
    name: str = "Le Brief"
    language: str = "fr"
    timezone: str = "Africa/Casablanca"
    sender_address: str = "Le Brief <brief@news.example.org>"
    postal_address: str = "12 rue Exemple, Casablanca, Maroc"
    public_url: str = "https://news.example.org"
    reading_minutes: int = 5
    words_per_minute: int = 0  # 0: the language's default (fr 230, en 238, ar 180)


@dataclass(frozen=True)
class StoreSection:
    url: str = "sqlite:///var/newsletter.sqlite3"


@dataclass(frozen=True)
class WorkersSection:
    """Parallel send workers (`newsletter send --worker`)."""

    claim_batch: int = 200  # ledger rows one worker leases at a time
    lease_seconds: float = 300.0  # a dead worker's leased rows go to others after this


@dataclass(frozen=True)
class CollectSection:
    user_agent: str = "newsletter/0.1 (+https://news.example.org)"
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    max_bytes: int = 5_000_000
    workers: int = 8
    per_host: int = 2
    feed_timeout: float = 60.0
    deadline: float = 600.0
    retries: int = 2
    backoff: float = 0.5
    parse_processes: int = 0
    feeds_opml: str = "feeds.opml"
    window_hours: int = 24


@dataclass(frozen=True)
class CurateSection:
    max_items: int = 10
    in_brief_items: int = 6
    half_life_hours: float = 12.0
    cluster_threshold: float = 0.3
    max_per_source: int = 3
    summary_words: int = 60
    redundancy: float = 0.5


@dataclass(frozen=True)
class SummariesSection:
    backend: str = "extractive"  # extractive | openai (any OpenAI-compatible endpoint)
    base_url: str = "https://api.openai.com/v1"
    model: str = ""
    api_key_env: str = "NEWSLETTER_LLM_API_KEY"
    timeout: float = 20.0


@dataclass(frozen=True)
class RenderSection:
    inliner: str = "premailer"  # premailer | css-inline (optional, faster)
    max_html_bytes: int = 90_000  # beyond, the lowest-ranked stories go to the web version


@dataclass(frozen=True)
class DkimSection:
    key_path: str = ""  # a PEM RSA key (2048 bits or more); empty: no signing
    selector: str = "newsletter"
    domain: str = ""  # default: the sender address's domain


@dataclass(frozen=True)
class DeliverySection:
    sender: str = "outbox"
    outbox_dir: str = "var/outbox"
    batch_size: int = 500
    retries: int = 2  # more passes over deferred deliveries (4xx, 429) within one run
    retry_backoff: float = 30.0  # seconds before the first extra pass; doubles
    send_window_hours: float = 3.0  # after send_at + this, an issue is stale (0: no limit)


@dataclass(frozen=True)
class SmtpSection:
    host: str = "localhost"
    port: int = 587
    tls: str = "starttls"
    username: str = ""
    password_env: str = "NEWSLETTER_SMTP_PASSWORD"
    timeout: float = 30.0
    max_messages_per_connection: int = 100
    connections: int = 4  # SMTP connections in parallel
    messages_per_second: float = 0.0  # token-bucket pace (0: as fast as the server answers)


@dataclass(frozen=True)
class ProvidersSection:
    # Shared by the HTTP providers.
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_attempts: int = 5
    backoff_base: float = 1.0
    backoff_cap: float = 120.0


@dataclass(frozen=True)
class ApiSection:
    """What every HTTP provider section has: where its key is, its API base, its pace."""

    api_key_env: str = ""
    base_url: str = ""  # "": the provider's own API base (e.g. an EU region otherwise)
    requests_per_second: float = 0.0  # 0: the provider's documented default


@dataclass(frozen=True)
class SendGridSection(ApiSection):
    api_key_env: str = "SENDGRID_API_KEY"


@dataclass(frozen=True)
class MailgunSection(ApiSection):
    api_key_env: str = "MAILGUN_API_KEY"
    domain: str = ""  # the Mailgun sending domain, e.g. mg.example.org (required)


@dataclass(frozen=True)
class PostmarkSection(ApiSection):
    api_key_env: str = "POSTMARK_SERVER_TOKEN"
    message_stream: str = "broadcast"


@dataclass(frozen=True)
class SesSection(ApiSection):
    api_key_env: str = ""  # SES signs with the access keys below instead
    access_key_id_env: str = "AWS_ACCESS_KEY_ID"
    secret_access_key_env: str = "AWS_SECRET_ACCESS_KEY"
    session_token_env: str = "AWS_SESSION_TOKEN"
    region: str = "eu-west-1"
    configuration_set: str = ""
    requests_per_second: float = 1.0  # set to the account's maximum send rate


@dataclass(frozen=True)
class BrevoSection(ApiSection):
    api_key_env: str = "BREVO_API_KEY"


@dataclass(frozen=True)
class ResendSection(ApiSection):
    api_key_env: str = "RESEND_API_KEY"


@dataclass(frozen=True)
class ScheduleSection:
    cutoff: str = "06:00"
    send_at: str = "07:00"
    local_delivery: bool = False  # send_at in each subscriber's time zone (else the newsletter's)
    send_every_minutes: int = 15  # with local_delivery: a send round this often
    collect_every_minutes: int = 30  # `schedule`: collect this often before the cut-off (0: never)
    collect_hours: int = 3  # ... during this many hours before it (24: all day)
    misfire_grace_seconds: int = 3600  # a job missed by less than this still runs (once)


@dataclass(frozen=True)
class LoggingSection:
    format: str = "text"  # text | json (one JSON object per line)
    level: str = "INFO"


@dataclass(frozen=True)
class AlertsSection:
    email: str = ""  # ops address(es), comma-separated, mailed through the configured sender
    webhook_url: str = ""  # receives a JSON POST per alert
    webhook_timeout: float = 10.0
    feed_failures: int = 3  # alert when a feed has failed this many times in a row


@dataclass(frozen=True)
class SecuritySection:
    secret_env: str = "NEWSLETTER_SECRET"
    secret_file: str = ""  # a file holding the secret, for hosts without a secret manager


@dataclass(frozen=True)
class WebSection:
    host: str = "127.0.0.1"
    port: int = 8025


@dataclass(frozen=True)
class SignupSection:
    # The public subscribe form (double opt-in): see README "Sign-up".
    enabled: bool = True
    consent_text_version: str = "2026-01"  # bump when the consent sentence of the form changes
    from_address: str = ""  # From of confirmation emails (default: [newsletter] sender_address)
    confirm_hours: int = 48  # a confirmation link expires after this
    pending_days: int = 7  # unconfirmed sign-ups older than this are purged
    window_minutes: int = 60  # the rate-limit window
    per_ip: int = 10  # sign-ups accepted per IP address per window (then 429)
    per_address: int = 3  # confirmation emails per address per window (then silence)
    csrf_minutes: int = 120  # a form may be submitted this long after it was shown
    proxy_hops: int = 0  # reverse proxies in front whose X-Forwarded-For is trusted


@dataclass(frozen=True)
class OverridesSection:
    # Editors' decisions; the same keys may also live in `file`, re-read at every build.
    pin: tuple[str, ...] = ()
    block_urls: tuple[str, ...] = ()
    block_domains: tuple[str, ...] = ()
    block_keywords: tuple[str, ...] = ()
    file: str = "overrides.toml"


OVERRIDE_LISTS = ("pin", "block_urls", "block_domains", "block_keywords")


@dataclass(frozen=True)
class WebhooksSection:
    """Bounce and complaint webhooks: each provider's secret is named here, kept in the env.

    A provider whose secret variable is empty (SES: whose topic list is empty) is not
    configured, and its URL answers 404.
    """

    tolerance_seconds: int = 300  # signed timestamps further from now are refused (replays)
    soft_bounce_limit: int = 3  # soft bounces on this many days, no delivery between: bounced
    sendgrid_public_key_env: str = "SENDGRID_WEBHOOK_PUBLIC_KEY"
    mailgun_signing_key_env: str = "MAILGUN_WEBHOOK_SIGNING_KEY"
    postmark_username: str = "postmark"
    postmark_password_env: str = "POSTMARK_WEBHOOK_PASSWORD"
    postmark_token_env: str = "POSTMARK_WEBHOOK_TOKEN"
    brevo_username: str = "brevo"
    brevo_password_env: str = "BREVO_WEBHOOK_PASSWORD"
    brevo_token_env: str = "BREVO_WEBHOOK_TOKEN"
    resend_secret_env: str = "RESEND_WEBHOOK_SECRET"
    ses_topic_arns: str = ""  # comma-separated SNS topic ARNs to accept (empty: SES off)
    ses_cert_host_pattern: str = r"sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?"
    ses_max_age_seconds: int = 3600  # SNS keeps a message's Timestamp on its retries
    ses_confirm_subscriptions: bool = True


@dataclass(frozen=True)
class EditorSection:
    """The editor's desk (/editor of `newsletter serve`) and the approval gate before sending."""

    require_approval: bool = False  # true: an issue is sent only once an editor approved it
    approval_deadline: str = ""  # HH:MM local; "" = [schedule] send_at
    on_deadline: str = "send"  # not approved by the deadline: send (the draft as is) | skip
    test_addresses: str = ""  # the test list, comma-separated ("Send a test to the list")
    session_hours: float = 12.0  # an editor's login lasts this long
    max_login_failures: int = 5  # failures (per name and per IP) before logins are slowed


@dataclass(frozen=True)
class DemoSection:
    # When not 0, collecting first serves the bundled sample feeds on 127.0.0.1:<port>
    # (dates moved to the issue date), so a demo config works offline after the demo.
    sample_feeds_port: int = 0


@dataclass(frozen=True)
class Config:
    """The whole configuration; ``base_dir`` anchors relative paths."""

    newsletter: NewsletterSection = field(default_factory=NewsletterSection)
    store: StoreSection = field(default_factory=StoreSection)
    workers: WorkersSection = field(default_factory=WorkersSection)
    collect: CollectSection = field(default_factory=CollectSection)
    curate: CurateSection = field(default_factory=CurateSection)
    summaries: SummariesSection = field(default_factory=SummariesSection)
    render: RenderSection = field(default_factory=RenderSection)
    dkim: DkimSection = field(default_factory=DkimSection)
    delivery: DeliverySection = field(default_factory=DeliverySection)
    smtp: SmtpSection = field(default_factory=SmtpSection)
    providers: ProvidersSection = field(default_factory=ProvidersSection)
    sendgrid: SendGridSection = field(default_factory=SendGridSection)
    mailgun: MailgunSection = field(default_factory=MailgunSection)
    postmark: PostmarkSection = field(default_factory=PostmarkSection)
    ses: SesSection = field(default_factory=SesSection)
    brevo: BrevoSection = field(default_factory=BrevoSection)
    resend: ResendSection = field(default_factory=ResendSection)
    schedule: ScheduleSection = field(default_factory=ScheduleSection)
    logging: LoggingSection = field(default_factory=LoggingSection)
    alerts: AlertsSection = field(default_factory=AlertsSection)
    security: SecuritySection = field(default_factory=SecuritySection)
    web: WebSection = field(default_factory=WebSection)
    signup: SignupSection = field(default_factory=SignupSection)
    webhooks: WebhooksSection = field(default_factory=WebhooksSection)
    editor: EditorSection = field(default_factory=EditorSection)
    demo: DemoSection = field(default_factory=DemoSection)
    overrides: OverridesSection = field(default_factory=OverridesSection)
    sections: tuple[tuple[str, float], ...] = ()  # [sections] name = weight
    keywords: tuple[tuple[str, float], ...] = ()  # [keywords] word = factor
    section_names: tuple[tuple[str, str], ...] = ()  # [section_names] category = section
    feeds: tuple[FeedSource, ...] = ()
    base_dir: Path = field(default_factory=Path.cwd)
    source: str = "<defaults>"

    def path(self, value: str) -> Path:
        """A configured path, resolved against the config file's folder."""
        p = Path(value).expanduser()
        return p if p.is_absolute() else self.base_dir / p

    @property
    def database_url(self) -> str:
        url = self.store.url
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
            return prefix + str(self.path(url[len(prefix) :]))
        return url

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.newsletter.timezone)

    @property
    def words_per_minute(self) -> int:
        n = self.newsletter
        return n.words_per_minute or DEFAULT_WPM[n.language]

    @property
    def sending_domain(self) -> str:
        address = self.newsletter.sender_address
        return address.rsplit("@", 1)[1].strip(" >").lower()

    def secret(self) -> bytes:
        """The signing secret, from the environment or the key file."""
        value = os.environ.get(self.security.secret_env, "")
        if not value and self.security.secret_file:
            path = self.path(self.security.secret_file)
            try:
                value = path.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(
                    f"{self.source}: [security] secret_file: cannot read {path}: {exc.strerror}"
                ) from exc
        if len(value) < 32:
            raise ConfigError(
                f"{self.source}: no signing secret of at least 32 characters: set the "
                f"environment variable {self.security.secret_env} or [security] secret_file",
                hint='python -c "import secrets; print(secrets.token_urlsafe(48))"',
            )
        return value.encode()


_SECTIONS: dict[str, type] = {
    f.name: f.type if isinstance(f.type, type) else globals()[str(f.type)]
    for f in fields(Config)
    if f.name not in ("feeds", "base_dir", "source", "overrides", "sections", "keywords",
                      "section_names")
}
_WEIGHT_TABLES = ("sections", "keywords")
_FEED_KEYS = {"url": str, "name": str, "section": str, "weight": float, "language": str}


def load_config(path: Path | None) -> Config:
    """Read and check a config file; ``None`` gives the embedded defaults."""
    if path is None:
        return Config()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"config file not found: {path}") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    return config_from_dict(raw, source=str(path), base_dir=path.resolve().parent)


def config_from_dict(raw: dict[str, Any], *, source: str, base_dir: Path) -> Config:
    """Build a Config from parsed TOML, naming the first wrong key."""
    sections: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "feeds":
            continue
        if key in _WEIGHT_TABLES:
            sections[key] = _weights(value, key, source)
            continue
        if key == "section_names":
            if not isinstance(value, dict) or not all(isinstance(v, str) and v
                                                      for v in value.values()):
                raise ConfigError(f"{source}: [section_names] must map categories to section "
                                  'names, e.g. World = "International"')
            sections[key] = tuple(value.items())
            continue
        if key == "overrides":
            sections[key] = overrides_from_dict(value, f"{source}: [overrides]")
            continue
        if key not in _SECTIONS:
            known = ", ".join(sorted([*_SECTIONS, *_WEIGHT_TABLES, "section_names", "overrides",
                                      "feeds"]))
            raise ConfigError(f"{source}: unknown section [{key}] (known: {known})")
        if not isinstance(value, dict):
            raise ConfigError(f"{source}: [{key}] must be a table")
        sections[key] = _build_section(_SECTIONS[key], key, value, source)
    feeds = _build_feeds(raw.get("feeds", []), source)
    config = Config(**sections, feeds=feeds, base_dir=base_dir, source=source)
    _check_values(config)
    _check_signup(config)
    _check_editor(config)
    return config


def _weights(values: Any, name: str, source: str) -> tuple[tuple[str, float], ...]:
    if not isinstance(values, dict):
        raise ConfigError(f"{source}: [{name}] must be a table of name = number")
    out = []
    for key, value in values.items():
        weight = _coerce(value, float, f"[{name}] {key!r}", source)
        if weight < 0:
            raise ConfigError(f"{source}: [{name}] {key!r} must not be negative")
        out.append((key, weight))
    return tuple(out)


def overrides_from_dict(values: Any, where: str, *, allow_file: bool = True) -> OverridesSection:
    """Editors' overrides, from [overrides] or from the overrides file."""
    if not isinstance(values, dict):
        raise ConfigError(f"{where} must be a table")
    kwargs: dict[str, Any] = {}
    for key, value in values.items():
        if key == "file" and allow_file:
            kwargs[key] = _coerce(value, str, "file", where)
        elif key in OVERRIDE_LISTS:
            if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                raise ConfigError(f"{where} {key} must be a list of strings")
            kwargs[key] = tuple(value)
        else:
            known = ", ".join([*OVERRIDE_LISTS, *(("file",) if allow_file else ())])
            raise ConfigError(f"{where}: unknown key '{key}'", hint=f"known keys: {known}")
    return OverridesSection(**kwargs)


def _build_section(cls: type, name: str, values: dict[str, Any], source: str) -> Any:
    defaults = cls()
    kwargs = {}
    allowed = {f.name: type(getattr(defaults, f.name)) for f in fields(cls)}
    for key, value in values.items():
        if key not in allowed:
            raise ConfigError(
                f"{source}: unknown key '{key}' in [{name}]",
                hint=f"known keys: {', '.join(sorted(allowed))}",
            )
        kwargs[key] = _coerce(value, allowed[key], f"[{name}] {key}", source)
    return cls(**kwargs)


def _coerce(value: Any, kind: type, where: str, source: str) -> Any:
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ConfigError(
            f"{source}: {where} must be {_KIND_NAMES[kind]}, not {type(value).__name__} {value!r}"
        )
    return value


_KIND_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}


def _build_feeds(values: Any, source: str) -> tuple[FeedSource, ...]:
    if not isinstance(values, list):
        raise ConfigError(f"{source}: feeds must be an array of tables ([[feeds]])")
    feeds = []
    seen: set[str] = set()
    for i, item in enumerate(values, 1):
        where = f"[[feeds]] #{i}"
        if not isinstance(item, dict):
            raise ConfigError(f"{source}: {where} must be a table")
        for key in item:
            if key not in _FEED_KEYS:
                raise ConfigError(
                    f"{source}: unknown key '{key}' in {where}",
                    hint=f"known keys: {', '.join(_FEED_KEYS)}",
                )
        kwargs = {k: _coerce(v, _FEED_KEYS[k], f"{where} {k}", source) for k, v in item.items()}
        url = kwargs.get("url")
        if not url or urlsplit(url).scheme not in ("http", "https"):
            raise ConfigError(f"{source}: {where} url must be an http(s) URL, got {url!r}")
        if url in seen:
            raise ConfigError(f"{source}: {where} url {url} is listed twice")
        seen.add(url)
        kwargs.setdefault("name", urlsplit(url).hostname or url)
        feeds.append(FeedSource(**kwargs))
    return tuple(feeds)


_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _check_values(c: Config) -> None:
    def bad(key: str, why: str) -> ConfigError:
        return ConfigError(f"{c.source}: {key} {why}")

    n = c.newsletter
    if n.language not in LANGUAGES:
        raise bad("[newsletter] language", f"must be one of {', '.join(LANGUAGES)}, got {n.language!r}")
    try:
        ZoneInfo(n.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise bad("[newsletter] timezone", f"is not a known time zone: {n.timezone!r}") from exc
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
    for section, key in (("collect", "workers"), ("collect", "max_bytes"), ("curate", "max_items"),
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
    try:
        re.compile(w.ses_cert_host_pattern)
    except re.error as exc:
        raise bad("[webhooks] ses_cert_host_pattern", f"is not a regular expression: {exc}") from exc
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
    if s.proxy_hops < 0:
        raise ConfigError(f"{c.source}: [signup] proxy_hops must not be negative")


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


def parse_hhmm(value: str) -> time:
    """'06:30' -> time(6, 30)."""
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def find_config_path(explicit: str | None) -> Path | None:
    """--config, else $NEWSLETTER_CONFIG, else ./newsletter.toml if present."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("NEWSLETTER_CONFIG")
    if env:
        return Path(env)
    local = Path("newsletter.toml")
    return local if local.exists() else None


def config_to_dict(config: Config) -> dict[str, Any]:
    """The config as TOML-ready data (every key, explicit values)."""
    data: dict[str, Any] = {}
    for name in _SECTIONS:
        section = getattr(config, name)
        data[name] = {f.name: getattr(section, f.name) for f in fields(section)}
    data["sections"] = dict(config.sections)
    data["keywords"] = dict(config.keywords)
    data["section_names"] = dict(config.section_names)
    o = config.overrides
    data["overrides"] = {k: list(getattr(o, k)) for k in OVERRIDE_LISTS} | {"file": o.file}
    data["feeds"] = [
        {k: v for k, v in vars(feed).items() if v is not None} for feed in config.feeds
    ]
    return data
