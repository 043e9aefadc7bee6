"""The double opt-in email: a small, localised text + HTML message with the confirm link.

A one-off transactional message, so Python's email package builds it (no per-subscriber
substitution is needed, and it carries no List-Unsubscribe header to protect from folding).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, StrictUndefined, select_autoescape

from ..models import Message, MessageParts
from .dkim_sign import DkimSigner
from .render import strings, wrap_text
from .templates import template_failure, template_loader


@dataclass(frozen=True)
class ConfirmationRequest:
    """Who gets a confirmation email, in which language, with which link."""

    subscriber_id: int
    email: str
    name: str
    language: str
    confirm_url: str


@lru_cache(maxsize=4)
def _environment(autoescape: bool, override: Path | None = None) -> Environment:
    env = Environment(loader=template_loader(override, "email"),
                      autoescape=select_autoescape(["html"]) if autoescape else False,
                      undefined=StrictUndefined, keep_trailing_newline=True)
    env.filters["wrap"] = wrap_text
    return env


def confirmation_texts(request: ConfirmationRequest, *, list_name: str, postal_address: str,
                       hours: int, templates_dir: Path | None = None) -> dict[str, str]:
    """Subject, text and HTML of the confirmation email, in the subscriber's language
    (email/confirm.* and the locale strings of ``templates_dir`` replace ours)."""
    t = strings(request.language, templates_dir)
    first = request.name.split()[0] if request.name.strip() else ""
    context = {
        "language": request.language, "direction": t["direction"],
        "start": "right" if t["direction"] == "rtl" else "left",
        "name": list_name, "postal_address": postal_address,
        "subject": t["confirm_subject"].format(name=list_name),
        "greeting": t["confirm_mail_greeting"].format(name=f" {first}" if first else ""),
        "body": t["confirm_mail_body"].format(name=list_name),
        "button": t["confirm_button"],
        "expiry": t["confirm_mail_expiry"].format(hours=hours),
        "ignore": t["confirm_mail_ignore"],
        "confirm_url": request.confirm_url,
    }
    try:
        return {
            "subject": context["subject"],
            "text": _environment(False, templates_dir).get_template("confirm.txt").render(context),
            "html": _environment(True, templates_dir).get_template("confirm.html").render(context),
        }
    except Exception as exc:
        raise template_failure(exc, templates_dir, "the confirmation email") from exc


def confirmation_message(request: ConfirmationRequest, *, sender_address: str, list_name: str,
                         postal_address: str, hours: int, now: datetime,
                         signer: DkimSigner | None = None,
                         templates_dir: Path | None = None) -> Message:
    """The complete confirmation message (and its fields, for HTTP providers)."""
    texts = confirmation_texts(request, list_name=list_name, postal_address=postal_address,
                               hours=hours, templates_dir=templates_dir)
    display, address = parseaddr(sender_address)
    domain = address.rsplit("@", 1)[1].lower()
    message_id = f"<confirm.{request.subscriber_id}.{secrets.token_hex(8)}@{domain}>"
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = Address(display, addr_spec=address)
    msg["To"] = Address(request.name, addr_spec=request.email)
    msg["Subject"] = texts["subject"]
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to this message
    msg.set_content(texts["text"], cte="quoted-printable")
    msg.add_alternative(texts["html"], subtype="html", cte="quoted-printable")
    for part in msg.iter_parts():
        del part["MIME-Version"]  # only the top level carries it
    data = msg.as_bytes()
    if signer is not None:
        data = signer.sign(data)
    parts = MessageParts(sender=str(msg["From"]), to=request.email, to_name=request.name,
                         subject=texts["subject"], text=texts["text"], html=texts["html"],
                         headers=(("Auto-Submitted", "auto-generated"),))
    return Message(request.subscriber_id, request.email, message_id, data, parts)
