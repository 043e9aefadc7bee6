"""The editor's desk: accounts, edits of the stored issue, pre-send checks, approval.

approval.py is a leaf the pipeline asks before sending; service.py sits above the pipeline
(rebuilds and test sends). May import the shared base, config, store, compose, curate and
text; never web, ops or cli.
"""

from .approval import approval_deadline, approval_gate, begin_sending, editors_hold, note_rebuilt

__all__ = ["approval_deadline", "approval_gate", "begin_sending", "editors_hold", "note_rebuilt"]
