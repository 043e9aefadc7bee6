"""Composition: render (jinja2), inline (premailer), message (MIME per subscriber)."""

from .message import MessageFactory
from .render import PLACEHOLDERS, UNSUBSCRIBE_PLACEHOLDER, impersonal, render_issue, strings

__all__ = [
    "PLACEHOLDERS", "UNSUBSCRIBE_PLACEHOLDER", "MessageFactory", "impersonal", "render_issue",
    "strings",
]
