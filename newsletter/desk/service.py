"""The editor's desk on the stored issue: load the draft, change it, re-render, log it.

Every change goes: stored briefing -> pure edit (edits.py) -> settle (reading time,
subject) -> pipeline.render_briefing (the build's own render path) -> one transaction
that replaces the artifact, logs who/when/what and withdraws any approval.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from .. import pipeline
from ..compose.checks import Check, Limits, presend_checks
from ..config import Config
from ..curate.briefing import story_item
from ..errors import EditRefused
from ..models import Briefing, BriefingItem, Cluster, RenderedIssue, ScoredCluster
from ..store import Store
from . import edits

# Keys kept in the stored briefing next to the Briefing's own: what editors set by hand.
HAND_SET = "desk"


@dataclass(frozen=True)
class Draft:
    """One edition as the desk shows it."""

    issue: RenderedIssue
    briefing: Briefing
    hand_set: dict[str, str]  # "subject" / "preheader" an editor wrote
    status: str
    revision: int
    approval: dict[str, Any] | None

    @property
    def state(self) -> str:
        """draft, approved, sending or sent."""
        return "approved" if self.status == "draft" and self.approval else self.status


def load_draft(config: Config, store: Store, issue_date: date, language: str) -> Draft | None:
    issue = store.get_issue(issue_date, language)
    data = store.issue_briefing(issue_date, language)
    if issue is None or not data:
        return None
    return Draft(issue=issue, briefing=edits.briefing_from_dict(data),
                 hand_set=dict(data.get(HAND_SET) or {}),
                 status=store.issue_status(issue_date, language) or "draft",
                 revision=store.issue_revision(issue_date, language),
                 approval=store.approval(issue_date, language))


def checks(config: Config, draft: Draft) -> list[Check]:
    n = config.newsletter
    limits = Limits(public_url=n.public_url, max_html_bytes=config.render.max_html_bytes,
                    reading_minutes=n.reading_minutes, postal_address=n.postal_address)
    # The HTML links what was rendered: with [readership] clicks, the counting redirects.
    return presend_checks(draft.issue, pipeline.story_links(config, draft.briefing), limits)


def change(config: Config, store: Store, draft: Draft, *, editor: str, action: str, detail: str,
           revision: int, now: datetime, edit: Callable[[Briefing], Briefing] = lambda b: b,
           hand_set: dict[str, str] | None = None) -> None:
    """Apply one change to the stored draft (EditRefused when it cannot apply)."""
    if draft.status != "draft":
        raise EditRefused(f"the {draft.briefing.issue_date} issue is already {draft.status}: it "
                          "can no longer be edited")
    keep = {**draft.hand_set, **(hand_set or {})}
    briefing = edits.settle(edit(draft.briefing), words_per_minute=words_per_minute(config, draft),
                            subject=keep.get("subject"), preheader=keep.get("preheader"))
    if not briefing.items:
        raise EditRefused("an issue needs at least one full story")
    rendered = pipeline.render_briefing(config, briefing)
    data = pipeline.briefing_to_dict(briefing) | {HAND_SET: keep}
    store.apply_issue_edit(rendered, data, editor=editor, action=action, detail=detail,
                           expected_revision=revision, now=now)


def words_per_minute(config: Config, draft: Draft) -> int:
    from ..config import DEFAULT_WPM

    if draft.briefing.language == config.newsletter.language:
        return config.words_per_minute
    return DEFAULT_WPM.get(draft.briefing.language, config.words_per_minute)


def item_for_url(config: Config, store: Store, url: str, language: str) -> BriefingItem:
    """A briefing item for a story already in the store (no fetching: it must be collected)."""
    found = store.story_by_url(url.strip())
    if found is None:
        raise EditRefused(f"no collected story has the address {url.strip()!r}: only stories "
                          "of the configured feeds can be added (paste the link the feed gives)")
    story, refs = found
    others = tuple(replace(story, source=r, url=r.url) for r in refs if r.url != story.url)
    scored = ScoredCluster(cluster=Cluster(lead=story, others=others), score=0.0, components=())
    return story_item(0, scored, pipeline.curate_settings(config, language))


def story(draft: Draft, story_id: str) -> BriefingItem:
    for item in (*draft.briefing.items, *draft.briefing.in_brief):
        if item.story_id == story_id:
            return item
    raise EditRefused(f"story {story_id} is not in the {draft.briefing.issue_date} issue (any more)")


def send_tests(config: Config, store: Store, draft: Draft, addresses: list[str], *,
               editor: str, now: datetime) -> str:
    """The stored edition to each address, [TEST] in the subject, outside the ledger."""
    outcome = pipeline.send_test(config, store, draft.briefing.issue_date, addresses,
                                 language=draft.briefing.language)
    store.record_issue_event(draft.briefing.issue_date, draft.briefing.language, editor=editor,
                             action="test", detail=outcome, now=now)
    return outcome


def test_list(config: Config) -> list[str]:
    return [a.strip() for a in config.editor.test_addresses.split(",") if a.strip()]
