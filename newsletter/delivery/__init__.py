"""Delivery: the Sender protocol, its implementations (outbox, SMTP, six HTTP providers), and
the ledger loop that sends each message exactly once.

May import the shared base, config, compose and store; never web, ops, people or cli.
"""

from .base import Sender
from .dispatch import DispatchResult, dispatch
from .factory import make_sender

__all__ = ["DispatchResult", "Sender", "dispatch", "make_sender"]
