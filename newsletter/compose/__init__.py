"""Composition: render (jinja2), inline (premailer, once per issue), message (MIME per subscriber).

Pure: a Briefing in, a RenderedIssue and per-subscriber Messages out. May import only the
shared base (and newsletter.text); never the store, delivery, web or feeds.
"""

from .message import MessageFactory
from .placeholders import PLACEHOLDERS, UNSUBSCRIBE_PLACEHOLDER
from .render import impersonal, render_issue, strings

__all__ = [
    "PLACEHOLDERS", "UNSUBSCRIBE_PLACEHOLDER", "MessageFactory", "impersonal", "render_issue",
    "strings",
]
