"""Composition: render (jinja2), inline (premailer), message (MIME per subscriber)."""

from .message import MessageFactory
from .render import UNSUBSCRIBE_PLACEHOLDER, render_issue, strings

__all__ = ["UNSUBSCRIBE_PLACEHOLDER", "MessageFactory", "render_issue", "strings"]
