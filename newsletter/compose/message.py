"""One MIME message per subscriber, by cheap substitution into the stored issue.

The header block and parts are assembled by hand, not with ``email.message``: Python's
default policy would fold a long List-Unsubscribe into RFC 2047 encoded-words (which
breaks one-click unsubscribe), and re-encoding the parts per subscriber is the slow path.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Callable
from datetime import datetime
from email.header import Header
from email.utils import format_datetime, formataddr, parseaddr
from html import escape

from ..models import BodyTemplate, Message, MessageParts, RenderedIssue, Subscriber
from .dkim_sign import DkimSigner
from .mime import EncodedTemplate
from .placeholders import NAME_PLACEHOLDER, PLACEHOLDERS, PREFERENCES_PLACEHOLDER, UNSUBSCRIBE_PLACEHOLDER

CRLF = "\r\n"


def _check_header_value(name: str, value: str) -> str:
    if "\r" in value or "\n" in value:
        raise ValueError(f"{name} header value contains a line break: {value!r}")
    return value


def _ascii_phrase(text: str) -> str:
    """An ASCII rendering of a display name (List-Id must not need encoded-words)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain if c.isalnum() or c in " -_.'").strip() or "Newsletter"


def _encode_header(name: str, value: str) -> str:
    _check_header_value(name, value)
    if value.isascii() and len(value) + len(name) + 2 <= 78:
        return value
    return Header(value, "utf-8", header_name=name).encode(linesep=CRLF)


def _address(display: str, email: str) -> str:
    _check_header_value("address", display)
    _check_header_value("address", email)
    return formataddr((display, email), charset="utf-8") if display else email


class MessageFactory:
    """Builds each subscriber's message from one issue; per message only substitution."""

    def __init__(
        self,
        issue: RenderedIssue,
        *,
        sender_address: str,
        list_name: str,
        domain: str,
        unsubscribe_url: Callable[[Subscriber], str],
        unsubscribe_mailto: Callable[[Subscriber], str] | None = None,
        preferences_url: Callable[[Subscriber], str] | None = None,
        subject_prefix: str = "",
        signer: DkimSigner | None = None,
    ) -> None:
        self.issue = issue
        self.domain = domain
        self._unsubscribe_url = unsubscribe_url
        self._unsubscribe_mailto = unsubscribe_mailto
        self._preferences_url = preferences_url
        self._signer = signer
        display, address = parseaddr(sender_address)
        slug = "-".join(_ascii_phrase(list_name).lower().split()) or "newsletter"
        self._sender = formataddr((display, address)) if display else address
        self._subject = subject_prefix + issue.subject
        self._list_id = f"{_ascii_phrase(list_name)} <{slug}.{domain}>"
        self._static_headers = CRLF.join([
            f"From: {_address(display, address)}",
            f"Subject: {_encode_header('Subject', subject_prefix + issue.subject)}",
            "MIME-Version: 1.0",
            f"List-Id: {self._list_id}",
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
        ])
        self._html = EncodedTemplate(issue.html, PLACEHOLDERS)
        self._text = EncodedTemplate(issue.text, PLACEHOLDERS)
        self._bodies = BodyTemplate(issue.text, issue.html, PLACEHOLDERS)

    def build(self, subscriber: Subscriber, now: datetime, *, with_parts: bool = False,
              mime: bool = True) -> Message:
        """The complete message bytes for one subscriber (and its fields, if asked).

        ``mime=False`` (only with ``with_parts``) skips the MIME bytes, for senders that
        take fields; the parts then share the issue's bodies instead of copying them.
        """
        url = self._unsubscribe_url(subscriber)
        if not url.startswith("https://") and not url.startswith("http://"):
            raise ValueError(f"unsubscribe URL must be http(s): {url!r}")
        _check_header_value("List-Unsubscribe", url)
        unsubscribe = f"<{url}>"
        if self._unsubscribe_mailto:
            unsubscribe += f", <{self._unsubscribe_mailto(subscriber)}>"
        preferences = self._preferences_url(subscriber) if self._preferences_url else url
        first_name = subscriber.name.split()[0] if subscriber.name.strip() else ""
        _check_header_value("name", first_name)
        values = {UNSUBSCRIBE_PLACEHOLDER: url, PREFERENCES_PLACEHOLDER: preferences,
                  NAME_PLACEHOLDER: f" {first_name}" if first_name else ""}
        message_id = (f"<{self.issue.issue_date:%Y%m%d}.{subscriber.id}.{secrets.token_hex(8)}"
                      f"@{self.domain}>")
        data = b""
        if mime or not with_parts:
            boundary = f"=_nl_{secrets.token_hex(12)}"
            headers = CRLF.join([
                self._static_headers,
                f"To: {_address(subscriber.name, subscriber.email)}",
                f"Date: {format_datetime(now)}",
                f"Message-ID: {message_id}",
                f"List-Unsubscribe: {unsubscribe}",
                f'Content-Type: multipart/alternative; boundary="{boundary}"',
            ])
            data = b"".join([
                headers.encode("ascii"), b"\r\n\r\n",
                f"--{boundary}\r\n".encode(),
                b'Content-Type: text/plain; charset="utf-8"\r\n',
                b"Content-Transfer-Encoding: quoted-printable\r\n\r\n",
                self._text.fill(values), b"\r\n",
                f"--{boundary}\r\n".encode(),
                b'Content-Type: text/html; charset="utf-8"\r\n',
                b"Content-Transfer-Encoding: quoted-printable\r\n\r\n",
                self._html.fill({k: escape(v, quote=True) for k, v in values.items()}), b"\r\n",
                f"--{boundary}--\r\n".encode(),
            ])
            if self._signer is not None:
                data = self._signer.sign(data)
        parts = None
        if with_parts:
            parts = MessageParts(
                self._sender, subscriber.email, subscriber.name, self._subject,
                headers=(("List-Unsubscribe", unsubscribe),
                         ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
                         ("List-Id", self._list_id)),
                template=self._bodies, values=tuple(values[p] for p in PLACEHOLDERS),
            )
        return Message(subscriber.id, subscriber.email, message_id, data, parts)

