"""Small pure helpers of the editor's desk."""

from __future__ import annotations

from newsletter.web.editor.views import ledger_counts


def test_every_row_not_yet_settled_counts_as_pending() -> None:
    counts = {"sent": 5, "pending": 1, "claimed": 2, "deferred": 3, "sending": 4, "handed": 6,
              "unknown": 1, "failed": 2, "suppressed": 1}
    assert ledger_counts(counts) == {"sent": 5, "failed": 4, "pending": 16}
