"""The editor's desk: accounts, edits of the stored issue, pre-send checks, approval."""

from .approval import (
    approval_deadline,
    approval_gate,
    begin_sending,
    editors_hold,
    note_rebuilt,
)

__all__ = ["approval_deadline", "approval_gate", "begin_sending", "editors_hold", "note_rebuilt"]
