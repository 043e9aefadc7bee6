"""Delivery: the Sender protocol, its implementations, and the ledger loop."""

from .base import Sender
from .dispatch import DispatchResult, dispatch
from .factory import make_sender

__all__ = ["DispatchResult", "Sender", "dispatch", "make_sender"]
