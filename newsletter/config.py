"""Configuration: a TOML file checked key by key into frozen dataclasses.

Every key has a default so the demo runs with none; a wrong key or value raises
ConfigError naming the key and the file. Relative paths are relative to the file.
Secrets are never in the file: it names the environment variable (or a key file).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from .config_checks import check_config
from .config_sections import (
    DEFAULT_WPM,
    LANGUAGES,
    OVERRIDE_LISTS,
    SENDERS,
    AlertsSection,
    ApiSection,
    BrevoSection,
    CollectSection,
    CurateSection,
    DeliverySection,
    DemoSection,
    DkimSection,
    EditorSection,
    LoggingSection,
    MailgunSection,
    NewsletterSection,
    OverridesSection,
    PostmarkSection,
    ProvidersSection,
    RenderSection,
    ResendSection,
    ScheduleSection,
    SecuritySection,
    SendGridSection,
    SesSection,
    SignupSection,
    SmtpSection,
    StoreSection,
    SummariesSection,
    WebhooksSection,
    WebSection,
    WorkersSection,
    parse_hhmm,
)
from .errors import ConfigError
from .models import FeedSource

# The sections live in config_sections; importing them from here keeps one entry point.
__all__ = [
    "AlertsSection",
    "ApiSection",
    "BrevoSection",
    "CollectSection",
    "Config",
    "config_from_dict",
    "config_to_dict",
    "CurateSection",
    "DEFAULT_WPM",
    "DeliverySection",
    "DemoSection",
    "DkimSection",
    "EditorSection",
    "find_config_path",
    "LANGUAGES",
    "load_config",
    "LoggingSection",
    "MailgunSection",
    "NewsletterSection",
    "OVERRIDE_LISTS",
    "overrides_from_dict",
    "OverridesSection",
    "parse_hhmm",
    "PostmarkSection",
    "ProvidersSection",
    "RenderSection",
    "ResendSection",
    "ScheduleSection",
    "SecuritySection",
    "SENDERS",
    "SendGridSection",
    "SesSection",
    "SignupSection",
    "SmtpSection",
    "StoreSection",
    "SummariesSection",
    "WebhooksSection",
    "WebSection",
    "WorkersSection",
]


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
    check_config(config)
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
