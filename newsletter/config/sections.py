"""The configuration's sections: one frozen dataclass per TOML table, every key defaulted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from ..brand import ACCENT, BACKGROUND, FONT_STACK, TEXT

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
    description: str = ""  # the home page's line on what it is ("": the language's own)


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
    # Article pages of items whose feed carries a teaser ([[feeds]] full_text, default "auto").
    article_workers: int = 4
    article_max_bytes: int = 3_000_000
    article_timeout: float = 30.0  # one page, retries and waits included
    obey_robots: bool = True


@dataclass(frozen=True)
class CurateSection:
    max_items: int = 0  # most items with a summary; 0: no cap, the reading time decides
    in_brief_items: int = 6
    half_life_hours: float = 24.0  # a story's freshness halves in this time
    cluster_threshold: float = 0.2  # least mean similarity between two groups of one story
    max_per_source: int = 3
    summary_words: int = 60
    redundancy: float = 0.5
    # Rubric labels to take off headlines ("LE BRIEF ÉCO"), besides the built-in ones of
    # newsletter/text/furniture.py ("EN IMAGES.", "LIVE:", "فيديو:", capitals before ". ").
    rubric_labels: tuple[str, ...] = ()
    live_blogs: bool = False  # true: live blogs (« en direct », « – live ») may become items
    news_value_file: str = ""  # more news-value lexicon (docs/ranking.md), next to the config


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
    # A folder whose files replace ours by the same relative path (email/briefing.html,
    # web/base.html, locale/fr.toml…), next to the config; "": ours only. docs/branding.md.
    templates_dir: str = ""


@dataclass(frozen=True)
class BrandSection:
    """The email's and the public pages' look (docs/branding.md); the defaults are ours."""

    logo_url: str = ""  # https; "": the newsletter's name as a text masthead
    logo_width: int = 0  # pixels, required with a logo (16..536)
    logo_height: int = 0  # pixels, required with a logo (16..300)
    logo_alt: str = ""  # "": the newsletter's name
    accent_color: str = ACCENT  # masthead, headlines, links, footer background
    text_color: str = TEXT
    background_color: str = BACKGROUND
    font_stack: str = FONT_STACK  # masthead, headlines, summaries
    footer_text: str = ""  # plain text, shown in the email's footer (HTML and text)


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
    # The mailbox of List-Unsubscribe's mailto (read by `unsubscribes process`); "": https only.
    unsubscribe_mailbox: str = ""


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
    proxy_hops: int = 0  # reverse proxies in front whose X-Forwarded-For is trusted
    metrics_token_env: str = "NEWSLETTER_METRICS_TOKEN"  # /metrics bearer token (empty: 404)
    # Origins (scheme://host[:port]) whose pages may post sign-ups: the embedded form, the API.
    allowed_origins: tuple[str, ...] = ()


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
    ses_sns_endpoint: str = ""  # "": AWS itself; else scheme://host[:port] (a test server)
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
    max_login_failures: int = 5  # failures (per IP and name, per IP) before logins are slowed


@dataclass(frozen=True)
class ReadershipSection:
    """Privacy-first readership (README "Readership"): clicks per story, never per reader."""

    clicks: bool = False  # true: story links go through {public_url}/r/<token>, counted
    robot_user_agents: tuple[str, ...] = ()  # more scanner User-Agent substrings (any case)
    robot_networks: tuple[str, ...] = ()  # CIDR ranges of scanners (a mail gateway's)
    scan_seconds: int = 120  # after each delivery: automated-looking clicks are robots
    flush_seconds: float = 2.0  # counts kept in memory at most this long before written
    flush_clicks: int = 1000  # ... or until this many clicks wait
    learn: bool = False  # true: recent click-through nudges section and source weights
    learn_days: int = 14  # past issues considered
    learn_half_life_days: float = 5.0  # an issue's clicks weigh half after this many days
    learn_max_factor: float = 1.25  # the nudge stays within [1/max, max]
    learn_min_delivered: int = 200  # fewer delivered messages in the window: no nudge


@dataclass(frozen=True)
class DemoSection:
    # When not 0, collecting first serves the bundled sample feeds on 127.0.0.1:<port>
    # (dates moved to the issue date), so a demo config works offline after the demo.
    sample_feeds_port: int = 0
    # When set (YYYY-MM-DD), "today" for commands without --date: the demo's issue day.
    issue_date: str = ""


def parse_hhmm(value: str) -> time:
    """'06:30' -> time(6, 30)."""
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))
