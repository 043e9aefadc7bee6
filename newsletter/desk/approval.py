"""The approval gate before sending, and the guard that keeps editors' work from a rebuild."""

from __future__ import annotations

from datetime import date, datetime

from ..config import Config, parse_hhmm
from ..errors import ApprovalPending, AwaitingApproval
from ..store import Store

SYSTEM = "(deadline)"  # the editor name of what the gate records


def approval_deadline(config: Config, issue_date: date) -> datetime:
    """[editor] approval_deadline (default [schedule] send_at) on the issue's day, local."""
    at = parse_hhmm(config.editor.approval_deadline or config.schedule.send_at)
    return datetime.combine(issue_date, at, tzinfo=config.zone)


def approval_gate(config: Config, store: Store, issue_date: date, now: datetime, *,
                  committed: bool = False) -> str | None:
    """Whether the issue may be sent now; called first thing by every send.

    Returns None (send), or a note when the deadline passed and the policy is to send the
    draft unapproved (recorded in the issue's log). Raises AwaitingApproval while the
    issue waits for approval, and when the policy skips it.
    """
    if not config.editor.require_approval:
        return None
    editions = store.issue_editions(issue_date)
    if not editions:
        return None  # not built: the send says so
    if not committed and any(e["status"] != "draft" for e in editions.values()):
        return None  # already sending: the decision is made
    # committed: the caller has just switched the issue to "sending" (no edit can land any
    # more) and asks again, so that an edit made just before the switch cannot go out
    # without its new approval.
    missing = sorted(language for language, e in editions.items() if not e["approved_by"])
    if not missing:
        return None
    deadline = approval_deadline(config, issue_date)
    what = f"the {issue_date} issue ({', '.join(missing)}) is not approved"
    where = f"approve it on the editor's desk (/editor/issue/{issue_date}) or with " \
            f"`newsletter approve --date {issue_date} --as NAME`"
    if now < deadline:
        raise ApprovalPending(f"{what}: not sent; it waits for an editor until the approval "
                               f"deadline {deadline:%H:%M %Z}", hint=where)
    if config.editor.on_deadline == "skip":
        note = f"not approved by the deadline {deadline:%H:%M %Z}: skipped (on_deadline = skip)"
        _record_once(store, issue_date, missing, "deadline-skip", note, now)
        raise AwaitingApproval(f"{what} and its deadline {deadline:%H:%M %Z} has passed: not sent "
                               "([editor] on_deadline = \"skip\")", hint=where)
    note = f"sent without approval: the deadline {deadline:%H:%M %Z} passed (on_deadline = send)"
    _record_once(store, issue_date, missing, "deadline-send", note, now)
    return f"{what}: {note}"


def _record_once(store: Store, issue_date: date, languages: list[str], action: str, note: str,
                 now: datetime) -> None:
    for language in languages:
        last = store.issue_log(issue_date, language, limit=1)
        if not last or last[0]["action"] != action:
            store.record_issue_event(issue_date, language, editor=SYSTEM, action=action,
                                     detail=note, now=now)


def editors_hold(store: Store, issue_date: date) -> str | None:
    """Why a rebuild would discard editors' work on the issue (None: nothing to lose)."""
    reasons = []
    for language, edition in sorted(store.issue_editions(issue_date).items()):
        if edition["status"] != "draft":
            continue
        changes = store.edits_since_build(issue_date, language)
        if changes:
            reasons.append(f"{language}: {changes} editor change(s)")
        if edition["approved_by"]:
            reasons.append(f"{language}: approved by {edition['approved_by']}")
    return "; ".join(reasons) or None


def note_rebuilt(store: Store, issue_date: date, now: datetime) -> None:
    """After a rebuild that discarded editors' work: approvals withdrawn, the log says so."""
    for language in store.issue_editions(issue_date):
        store.withdraw_approval(issue_date, language, editor="(build)", action="rebuild",
                                detail="rebuilt from the feeds: editors' changes discarded",
                                now=now)


def begin_sending(config: Config, store: Store, issue_date: date, now: datetime) -> None:
    """Switch the issue to "sending" (edits are refused from then on), then ask the gate
    again: an edit that landed after the send's first check withdrew the approval, and
    the issue goes back to draft to wait for a new one (AwaitingApproval)."""
    previous = store.issue_status(issue_date, config.newsletter.language)
    store.set_issue_status(issue_date, "sending")
    if previous == "draft" and config.editor.require_approval:
        try:
            approval_gate(config, store, issue_date, now, committed=True)
        except AwaitingApproval:
            store.set_issue_status(issue_date, "draft")
            raise
