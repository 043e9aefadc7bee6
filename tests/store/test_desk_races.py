"""Editors racing on one draft: exactly one change built on a revision wins, on both backends."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

from newsletter.errors import EditRefused, StoreError
from newsletter.models import RenderedIssue
from newsletter.store import Store

DAY = date(2026, 11, 29)
NOW = datetime(2026, 11, 29, 5, 0, tzinfo=UTC)


def issue(subject: str) -> RenderedIssue:
    return RenderedIssue(issue_date=DAY, language="fr", subject=subject, preheader="p",
                         html=f"<p>{subject}</p>", text=subject)


def test_concurrent_changes_on_one_revision_apply_once(store: Store) -> None:
    store.save_issue(issue("draft"), {}, NOW)
    url = store.engine.url.render_as_string(hide_password=False)
    stores = [Store.open(url) for _ in range(6)]
    start = threading.Barrier(len(stores))
    outcomes: list[str] = []

    def editor(k: int, own: Store) -> None:
        start.wait()
        try:
            if k % 2:
                own.approve_issue(DAY, "fr", editor=f"e{k}", expected_revision=0, now=NOW)
            else:
                own.apply_issue_edit(issue(f"edit {k}"), {}, editor=f"e{k}", action="edit",
                                     detail="", expected_revision=0, now=NOW)
            outcomes.append("applied")
        except (EditRefused, StoreError):
            outcomes.append("refused")

    threads = [threading.Thread(target=editor, args=(k, s)) for k, s in enumerate(stores)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    for s in stores:
        s.close()
    assert sorted(outcomes) == ["applied"] + ["refused"] * 5
    assert store.issue_revision(DAY, "fr") == 1  # one entry in the log, not several
