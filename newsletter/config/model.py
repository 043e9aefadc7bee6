"""The whole configuration as one frozen value: every section, the feeds, where paths resolve."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from ..errors import ConfigError
from ..models import FeedSource
from .sections import (
    DEFAULT_WPM,
    AlertsSection,
    BrandSection,
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
    ReadershipSection,
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
)


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
    brand: BrandSection = field(default_factory=BrandSection)
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
    readership: ReadershipSection = field(default_factory=ReadershipSection)
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
    def templates_dir(self) -> Path | None:
        """[render] templates_dir resolved (its files replace ours), or None."""
        value = self.render.templates_dir
        return self.path(value) if value else None

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
