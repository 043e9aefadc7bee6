"""Immutable values passed between the pipeline's stages.

feeds -> Story -> Cluster -> BriefingItem -> Briefing -> RenderedIssue -> Message -> DeliveryResult
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from html import escape
from typing import Any


@dataclass(frozen=True)
class FeedSource:
    """One configured feed."""

    url: str
    name: str
    section: str | None = None
    weight: float = 1.0
    language: str | None = None
    full_text: str = "auto"  # fetch the article page: "auto" (short feed text), "always", "never"
    front_page: bool = False  # the publisher's front page: its order is an editorial ranking


@dataclass(frozen=True)
class ArticleRecord:
    """What the store caches per canonical URL: the outcome, the text when it is used.

    ``status`` is a TextStatus when the page was fetched, else "robots" or "failed".
    """

    url: str  # canonical URL: the cache key
    status: str
    text: str = ""  # only when status == "extracted"
    words: int = 0
    http_status: int | None = None
    reason: str = ""
    attempts: int = 1
    fetched_at: datetime | None = None  # set by the fetcher
    feed_url: str = ""

    @property
    def used(self) -> bool:
        return self.status == "extracted"


@dataclass(frozen=True)
class SourceRef:
    """Where a story was seen: the outlet and its link."""

    name: str
    url: str
    feed_url: str


@dataclass(frozen=True)
class Story:
    """One news item, normalised from a feed entry."""

    id: str
    url: str
    title: str
    summary: str
    published: datetime  # aware, UTC
    source: SourceRef
    language: str
    body: str = ""  # full article text when the feed carries it
    section: str | None = None
    categories: tuple[str, ...] = ()
    image: str | None = None
    weight: float = 1.0
    position: int | None = None  # place in its feed at the latest fetch (0: the top)

    @property
    def text(self) -> str:
        """The longest text known for the story (body, else summary)."""
        return self.body or self.summary


@dataclass(frozen=True)
class Cluster:
    """Stories about one event; ``lead`` is the story shown, the rest are 'also in'."""

    lead: Story
    others: tuple[Story, ...] = ()

    @property
    def stories(self) -> tuple[Story, ...]:
        return (self.lead, *self.others)

    @property
    def source_names(self) -> frozenset[str]:
        return frozenset(s.source.name for s in self.stories)


@dataclass(frozen=True)
class ScoredCluster:
    """A cluster with its score and the components that made it, for --explain."""

    cluster: Cluster
    score: float
    components: tuple[tuple[str, float], ...]
    reasons: tuple[tuple[str, str], ...] = ()  # what each signal matched, and why this place


@dataclass(frozen=True)
class BriefingItem:
    """One story as it appears in the briefing."""

    rank: int
    headline: str
    url: str
    summary: str
    source: str
    also_in: tuple[SourceRef, ...]
    section: str
    reading_minutes: int | None  # of the full article, when its length is known
    summary_words: int
    score: float
    story_id: str
    image: str | None = None


@dataclass(frozen=True)
class Briefing:
    """The day's edition before rendering: what goes in, in which order."""

    issue_date: date
    language: str
    title: str
    subject: str
    preheader: str
    items: tuple[BriefingItem, ...]
    in_brief: tuple[BriefingItem, ...]
    reading_minutes: int
    word_count: int
    stories_seen: int

    @property
    def sections(self) -> list[tuple[str, list[BriefingItem]]]:
        """Items grouped by section, sections in order of their best item."""
        groups: dict[str, list[BriefingItem]] = {}
        for item in self.items:
            groups.setdefault(item.section, []).append(item)
        return list(groups.items())


@dataclass(frozen=True)
class RenderedIssue:
    """The stored artifact: inlined HTML and text with opaque per-subscriber placeholders."""

    issue_date: date
    language: str
    subject: str
    preheader: str
    html: str
    text: str
    web_html: str = ""  # the web version: every story, when the email had to leave some out
    moved_online: int = 0  # stories only in the web version (the email's size limit)


@dataclass(frozen=True)
class Subscriber:
    """A person on the list."""

    id: int
    email: str
    name: str = ""
    language: str | None = None
    status: str = "active"
    timezone: str | None = None  # IANA zone for local-time delivery; None: the newsletter's


@dataclass(frozen=True)
class BodyTemplate:
    """An issue's text and HTML with placeholders, shared by every recipient's parts.

    Values are filled raw into the text and HTML-escaped into the HTML.
    """

    text: str
    html: str
    placeholders: tuple[str, ...]

    def fill(self, values: tuple[str, ...]) -> tuple[str, str]:
        text, html = self.text, self.html
        for placeholder, value in zip(self.placeholders, values, strict=True):
            text = text.replace(placeholder, value)
            html = html.replace(placeholder, escape(value, quote=True))
        return text, html


class MessageParts:
    """The same message as fields, for HTTP providers that take JSON rather than MIME.

    The bodies are either given (``text``, ``html``) or filled on each access from a
    shared ``template`` and this recipient's ``values``: a batch of a thousand parts
    then holds one copy of the issue, and providers that send one body for many
    recipients (SendGrid, whose documented substitutions allow it) can use the template's
    slots directly; Mailgun and Brevo get each body whole (README: what their documents promise).
    """

    __slots__ = ("_html", "_text", "headers", "sender", "subject", "template", "to", "to_name",
                 "values")

    def __init__(self, sender: str, to: str, to_name: str, subject: str, text: str | None = None,
                 html: str | None = None, headers: tuple[tuple[str, str], ...] = (), *,
                 template: BodyTemplate | None = None, values: tuple[str, ...] = ()) -> None:
        if (text is None or html is None) and template is None:
            raise ValueError("MessageParts needs text and html, or a template")
        self.sender = sender  # the From header value, e.g. "Le Brief <brief@news.example.org>"
        self.to = to  # the recipient address
        self.to_name = to_name
        self.subject = subject
        self._text = text
        self._html = html
        self.headers = headers  # List-Unsubscribe, List-Unsubscribe-Post, List-Id
        self.template = template if text is None or html is None else None
        self.values = values

    @property
    def text(self) -> str:
        if self._text is not None:
            return self._text
        assert self.template is not None
        return self.template.fill(self.values)[0]

    @property
    def html(self) -> str:
        if self._html is not None:
            return self._html
        assert self.template is not None
        return self.template.fill(self.values)[1]

    def __repr__(self) -> str:
        return f"MessageParts(to={self.to!r}, subject={self.subject!r})"


@dataclass(frozen=True)
class Message:
    """A complete message for one subscriber, ready for a sender."""

    subscriber_id: int
    recipient: str
    message_id: str
    data: bytes  # the complete RFC 5322 message (CRLF line ends); b"" when only parts were asked
    parts: MessageParts | None = None  # filled when the sender asks for fields


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    # being handed over, nothing irrevocable done yet (SMTP: the final dot not sent): a
    # sender that dies leaves it undelivered, and the next run sends it again
    SENDING = "sending"
    # the irrevocable step began (SMTP: final dot; HTTP: the request): outcome not recorded
    HANDED = "handed"
    SENT = "sent"
    FAILED = "failed"  # permanent failure
    SUPPRESSED = "suppressed"  # permanent failure; the address was taken off the list
    DEFERRED = "deferred"  # transient failure, will be retried
    UNKNOWN = "unknown"  # handed over, no answer: resent only on request (--resend-unknown)
    CLAIMED = "claimed"  # leased by a send worker (send --worker), not yet handed over


@dataclass(frozen=True)
class DeliveryResult:
    """What became of one message."""

    subscriber_id: int
    status: DeliveryStatus
    detail: str = ""
    suppress: bool = False  # the address does not exist: take it off the list
    stop: bool = False  # the server refuses the whole run (policy, authentication)


@dataclass
class RunReport:
    """What a run did; printed at the end and stored (mutable while the run builds it)."""

    issue_date: date | None = None
    feeds_ok: list[str] = field(default_factory=list)
    feeds_failed: list[tuple[str, str]] = field(default_factory=list)
    feeds_disabled: list[tuple[str, str]] = field(default_factory=list)
    entries_skipped: int = 0
    stories_seen: int = 0
    stories_new: int = 0
    articles: dict[str, Any] = field(default_factory=dict)  # article pages: fetched, extracted…
    items_chosen: int = 0
    in_brief: int = 0
    reading_minutes: int = 0
    html_bytes: int = 0
    messages_sent: int = 0
    messages_failed: int = 0
    messages_skipped: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.feeds_failed or self.messages_failed)

    def to_dict(self) -> dict[str, object]:
        return {
            "issue_date": self.issue_date.isoformat() if self.issue_date else None,
            "feeds_ok": self.feeds_ok,
            "feeds_failed": [{"url": u, "reason": r} for u, r in self.feeds_failed],
            "feeds_disabled": [{"url": u, "reason": r} for u, r in self.feeds_disabled],
            "entries_skipped": self.entries_skipped,
            "stories_seen": self.stories_seen,
            "stories_new": self.stories_new,
            "articles": self.articles,
            "items_chosen": self.items_chosen,
            "in_brief": self.in_brief,
            "reading_minutes": self.reading_minutes,
            "html_bytes": self.html_bytes,
            "messages_sent": self.messages_sent,
            "messages_failed": self.messages_failed,
            "messages_skipped": self.messages_skipped,
            "notes": self.notes,
        }



CLICK_KINDS = ("reader", "robot")


@dataclass(frozen=True)
class ClickCount:
    """Clicks on one story's link of one issue edition in one hour: never who clicked.

    ``hour`` is aware UTC, on the hour; ``kind`` is "reader" or "robot" (scanners,
    prefetchers: counted apart, never shown as readers).
    """

    issue_date: date
    language: str
    story_id: str
    hour: datetime
    kind: str
    clicks: int

def normalise_email(address: str) -> str:
    """A checked, normalised address (syntax only: no DNS lookups)."""
    from email_validator import EmailNotValidError, validate_email  # loaded by its users only

    from .errors import SubscriberError

    try:
        info = validate_email(address.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise SubscriberError(f"invalid email address {address!r}: {exc}") from exc
    return info.normalized.lower() if info.normalized.isascii() else info.normalized
