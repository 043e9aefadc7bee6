"""The editor's desk: editor accounts, sessions, login throttling, edits and approvals."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from ..errors import EditRefused
from ..models import RenderedIssue, SourceRef, Story
from . import schema as t

# Actions of the edit log that change the issue's content (the others only record events).
CONTENT_ACTIONS = ("drop", "pin", "move", "brief", "full", "headline", "summary", "rewrite", "add",
                   "source", "subject", "preheader")


def _issue_key(table: Any, issue_date: date, language: str) -> Any:
    return (table.c.issue_date == issue_date) & (table.c.language == language)


class DeskQueries:
    """What the editor's desk keeps: who may log in, and what they did to which issue."""

    engine: Engine

    # -- editors -----------------------------------------------------------------

    def add_editor(self, username: str, password_hash: str, email: str, now: datetime) -> bool:
        """A new editor; False when the name is taken."""
        with self.engine.begin() as conn:
            if conn.execute(select(t.editors.c.id).where(t.editors.c.username == username)).first():
                return False
            conn.execute(insert(t.editors).values(username=username, password_hash=password_hash,
                                                  email=email, created_at=now))
        return True

    def set_editor_password(self, username: str, password_hash: str) -> bool:
        """A new password; every session of the editor ends."""
        with self.engine.begin() as conn:
            result = conn.execute(update(t.editors).where(t.editors.c.username == username)
                                  .values(password_hash=password_hash))
            conn.execute(delete(t.editor_sessions).where(t.editor_sessions.c.username == username))
        return bool(result.rowcount)

    def get_editor(self, username: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.editors).where(t.editors.c.username == username)
                               ).mappings().first()
        return dict(row) if row else None

    def list_editors(self) -> list[dict[str, Any]]:
        c = t.editors.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(c.username, c.email, c.created_at, c.disabled_at,
                                       c.last_login_at).order_by(c.username)).mappings().all()
        return [dict(r) for r in rows]

    def remove_editor(self, username: str) -> bool:
        """Delete the account and end its sessions; its past edits keep its name."""
        with self.engine.begin() as conn:
            conn.execute(delete(t.editor_sessions).where(t.editor_sessions.c.username == username))
            result = conn.execute(delete(t.editors).where(t.editors.c.username == username))
        return bool(result.rowcount)

    # -- sessions ----------------------------------------------------------------

    def start_editor_session(self, token_hash: str, username: str, now: datetime,
                             expires_at: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(t.editor_sessions).where(t.editor_sessions.c.expires_at < now))
            conn.execute(insert(t.editor_sessions).values(
                token_hash=token_hash, username=username, created_at=now, expires_at=expires_at))
            conn.execute(update(t.editors).where(t.editors.c.username == username)
                         .values(last_login_at=now))

    def session_editor(self, token_hash: str, now: datetime) -> dict[str, Any] | None:
        """The editor of a live session (an expired one, or a disabled editor: None)."""
        s, e = t.editor_sessions.c, t.editors.c
        query = (select(e.username, e.email).join(t.editors, e.username == s.username)
                 .where(s.token_hash == token_hash, s.expires_at > now, e.disabled_at.is_(None)))
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return dict(row) if row else None

    def end_editor_session(self, token_hash: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(t.editor_sessions).where(t.editor_sessions.c.token_hash == token_hash))

    # -- login throttling ----------------------------------------------------------

    def login_locked_until(self, keys: list[str], now: datetime) -> datetime | None:
        """The latest time until which one of the keys may not log in (None: free)."""
        c = t.login_failures.c
        with self.engine.connect() as conn:
            until = conn.execute(select(func.max(c.locked_until)).where(
                c.key.in_(keys), c.locked_until > now)).scalar()
        return until if isinstance(until, datetime) else None

    def note_login_failure(self, key: str, now: datetime, *, allowed: int,
                           first_delay: float = 30.0, max_delay: float = 900.0) -> None:
        """Count a failure; from ``allowed`` failures on, lock for a delay that doubles."""
        c = t.login_failures.c
        with self.engine.begin() as conn:
            failures = conn.execute(select(c.failures).where(c.key == key)).scalar()
            if failures is None:
                conn.execute(insert(t.login_failures).values(key=key, failures=0, last_at=now))
                failures = 0
            failures += 1
            locked = None
            if failures >= allowed:
                delay = min(max_delay, first_delay * 2 ** min(failures - allowed, 20))
                locked = now + timedelta(seconds=delay)
            conn.execute(update(t.login_failures).where(c.key == key).values(
                failures=failures, last_at=now, locked_until=locked))

    def clear_login_failures(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(t.login_failures).where(t.login_failures.c.key == key))

    # -- edits and approvals ---------------------------------------------------------

    def issue_revision(self, issue_date: date, language: str) -> int:
        """How many entries the edit log of the edition has: forms carry it, to detect races."""
        with self.engine.connect() as conn:
            return _revision(conn, issue_date, language)

    def apply_issue_edit(self, issue: RenderedIssue, briefing: dict[str, Any], *, editor: str,
                         action: str, detail: str, expected_revision: int | None,
                         now: datetime) -> int:
        """Replace the stored artifact of a draft, log the edit, withdraw any approval.

        All in one transaction. Returns the new revision. Raises EditRefused when the
        issue is no longer a draft, or changed since the editor loaded it.
        """
        key = _issue_key(t.issues, issue.issue_date, issue.language)
        with self.engine.begin() as conn:
            _check_editable(conn, issue.issue_date, issue.language, expected_revision)
            conn.execute(update(t.issues).where(key).values(
                subject=issue.subject, preheader=issue.preheader, html=issue.html,
                text=issue.text, web_html=issue.web_html or issue.html,
                moved_online=issue.moved_online,
                briefing_json=json.dumps(briefing, ensure_ascii=False, sort_keys=True)))
            conn.execute(delete(t.issue_approvals).where(
                _issue_key(t.issue_approvals, issue.issue_date, language=issue.language)))
            _log(conn, issue.issue_date, issue.language, editor, action, detail, now)
            return _revision(conn, issue.issue_date, issue.language)

    def approve_issue(self, issue_date: date, language: str, *, editor: str,
                      expected_revision: int | None, now: datetime) -> None:
        """Record who approved the edition as it stands (EditRefused if it moved on)."""
        with self.engine.begin() as conn:
            _check_editable(conn, issue_date, language, expected_revision)
            revision = _revision(conn, issue_date, language)
            conn.execute(delete(t.issue_approvals).where(
                _issue_key(t.issue_approvals, issue_date, language)))
            conn.execute(insert(t.issue_approvals).values(
                issue_date=issue_date, language=language, approved_by=editor, approved_at=now,
                revision=revision + 1))
            _log(conn, issue_date, language, editor, "approve", "", now)

    def withdraw_approval(self, issue_date: date, language: str, *, editor: str, action: str,
                          detail: str, now: datetime) -> bool:
        """Delete the approval (an editor withdrew it, or the issue was rebuilt); log why."""
        with self.engine.begin() as conn:
            result = conn.execute(delete(t.issue_approvals).where(
                _issue_key(t.issue_approvals, issue_date, language)))
            _log(conn, issue_date, language, editor, action, detail, now)
        return bool(result.rowcount)

    def approval(self, issue_date: date, language: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.issue_approvals).where(
                _issue_key(t.issue_approvals, issue_date, language))).mappings().first()
        return dict(row) if row else None

    def issue_editions(self, issue_date: date) -> dict[str, dict[str, Any]]:
        """Each stored language edition of a date: its status and its approval (or None)."""
        i, a = t.issues.c, t.issue_approvals.c
        query = (select(i.language, i.status, a.approved_by, a.approved_at)
                 .select_from(t.issues.outerjoin(t.issue_approvals, (a.issue_date == i.issue_date)
                                                 & (a.language == i.language)))
                 .where(i.issue_date == issue_date))
        with self.engine.connect() as conn:
            return {r["language"]: dict(r) for r in conn.execute(query).mappings()}

    def record_issue_event(self, issue_date: date, language: str, *, editor: str, action: str,
                           detail: str, now: datetime) -> None:
        """Log something done with the issue that does not change it (a test send, a gate)."""
        with self.engine.begin() as conn:
            _log(conn, issue_date, language, editor, action, detail, now)

    def issue_log(self, issue_date: date, language: str, limit: int = 200) -> list[dict[str, Any]]:
        """The edit log of an edition, newest first."""
        c = t.issue_edits.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(c.editor, c.at, c.action, c.detail)
                                .where(_issue_key(t.issue_edits, issue_date, language))
                                .order_by(c.id.desc()).limit(limit)).mappings().all()
        return [dict(r) for r in rows]

    def edits_since_build(self, issue_date: date, language: str) -> int:
        """Content edits made since the edition was last (re)built from the feeds."""
        c = t.issue_edits.c
        key = _issue_key(t.issue_edits, issue_date, language)
        with self.engine.connect() as conn:
            last = conn.execute(select(func.max(c.id)).where(key, c.action == "rebuild")).scalar()
            return int(conn.execute(select(func.count()).select_from(t.issue_edits).where(
                key, c.action.in_(CONTENT_ACTIONS), c.id > (last or 0))).scalar_one())

    # -- stories the editor may add --------------------------------------------------

    def story_by_url(self, url: str) -> tuple[Story, list[SourceRef]] | None:
        """A stored story seen at this URL (any of its sources), and all its sources."""
        s, src = t.stories.c, t.story_sources.c
        with self.engine.connect() as conn:
            story_id = conn.execute(select(src.story_id).where(src.url == url)).scalar() \
                or conn.execute(select(s.id).where(s.url == url)).scalar()
            if story_id is None:
                return None
            row = conn.execute(select(t.stories).where(s.id == story_id)).mappings().one()
            refs = [SourceRef(name=r.source_name, url=r.url, feed_url=r.feed_url)
                    for r in conn.execute(select(src.source_name, src.url, src.feed_url)
                                          .where(src.story_id == story_id).order_by(src.feed_url))]
        chosen = next((r for r in refs if r.url == url), None) or SourceRef(
            name=row["source_name"], url=row["url"], feed_url=row["feed_url"])
        story = Story(id=row["id"], url=chosen.url, title=row["title"], summary=row["summary"],
                      body=row["body"], published=row["published"], source=chosen,
                      language=row["language"], section=row["section"],
                      categories=tuple(json.loads(row["categories"])), image=row["image"],
                      weight=row["weight"])
        return story, refs


def _revision(conn: Connection, issue_date: date, language: str) -> int:
    return int(conn.execute(select(func.count()).select_from(t.issue_edits).where(
        _issue_key(t.issue_edits, issue_date, language))).scalar_one())


def _check_editable(conn: Connection, issue_date: date, language: str,
                    expected_revision: int | None) -> None:
    # A no-op write first: it takes the issue row's lock (PostgreSQL) or the database's
    # write lock (SQLite) for the rest of the transaction, so two edits, or an edit and
    # an approval, cannot both pass the revision check below and both apply.
    key = _issue_key(t.issues, issue_date, language)
    if conn.execute(update(t.issues).where(key, t.issues.c.status == "draft")
                    .values(status="draft")).rowcount:
        status: str | None = "draft"
    else:
        status = conn.execute(select(t.issues.c.status).where(key)).scalar()
    if status is None:
        raise EditRefused(f"no {language} issue of {issue_date} is stored")
    if status != "draft":
        raise EditRefused(f"the {issue_date} issue is already {status}: it can no longer be "
                          "edited or approved")
    if expected_revision is not None and _revision(conn, issue_date, language) != expected_revision:
        raise EditRefused(f"the {issue_date} issue changed since this page was loaded (another "
                          "editor, or another tab): look at it again, then redo the change")


def _log(conn: Connection, issue_date: date, language: str, editor: str, action: str,
         detail: str, now: datetime) -> None:
    conn.execute(insert(t.issue_edits).values(issue_date=issue_date, language=language,
                                              editor=editor, at=now, action=action,
                                              detail=detail[:2000]))
