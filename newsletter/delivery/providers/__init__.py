"""Senders for transactional email HTTP APIs: one module per provider.

Each sender implements the ``Sender`` protocol (``delivery/base.py``) and takes a
:class:`ProviderSettings`; the shared retry loop, pacing and reply classification
live in :mod:`.http`.
"""

from .brevo import BrevoSender
from .http import HttpSender, ProviderSettings
from .mailgun import MailgunSender
from .postmark import PostmarkSender
from .resend import ResendSender
from .sendgrid import SendGridSender
from .ses import SesSender

__all__ = ["BrevoSender", "HttpSender", "MailgunSender", "PostmarkSender", "ProviderSettings",
           "ResendSender", "SendGridSender", "SesSender"]
