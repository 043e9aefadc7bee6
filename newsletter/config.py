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


@dataclass(frozen=True)
class SecuritySection:
    secret_env: str = "NEWSLETTER_SECRET"
    secret_file: str = ""  # a file holding the secret, for hosts without a secret manager


@dataclass(frozen=True)
class WebSection:
    host: str = "127.0.0.1"
    port: int = 8025


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
class DemoSection:
    # When not 0, collecting first serves the bundled sample feeds on 127.0.0.1:<port>
    # (dates moved to the issue date), so a demo config works offline after the demo.
    sample_feeds_port: int = 0


@dataclass(frozen=True)
class Config:
    """The whole configuration; ``base_dir`` anchors relative paths."""

    newsletter: NewsletterSection = field(default_factory=NewsletterSection)
    store: StoreSection = field(default_factory=StoreSection)
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
    security: SecuritySection = field(default_factory=SecuritySection)
    web: WebSection = field(default_factory=WebSection)
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
