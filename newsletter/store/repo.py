"""The Store: every query the pipeline needs, and nothing else touches SQL."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, bindparam, create_engine, event, func, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ..errors import StoreError
from ..models import DeliveryStatus, RenderedIssue, SourceRef, Story, Subscriber
from . import schema as t


@dataclass(frozen=True)
class FeedResult:
    """One feed's outcome in a collection, to be written to the store."""

    url: str
    name: str
    stories: Sequence[Story] = ()
    etag: str | None = None
    last_modified: str | None = None
    moved_to: str | None = None
    error: str | None = None
    gone: bool = False


@dataclass(frozen=True)
class FeedState:
    """What the store remembers of a feed between runs."""

    url: str
    name: str
    etag: str | None
    last_modified: str | None
    last_success: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: int
    items_seen: int
    moved_to: str | None = None
    disabled_at: datetime | None = None
    note: str | None = None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode, NORMAL still survives any crash of the program (a killed send loses no
    # ledger row); only an OS crash or power cut may lose the last commits. It makes the
    # per-message ledger writes of SMTP sending ~20x cheaper.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _wrapped(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except SQLAlchemyError as exc:
            raise StoreError(f"the store failed in {method.__name__}: "
                             f"{getattr(exc, 'orig', None) or exc}") from exc
    return call


def _store_errors(cls: type) -> type:
    """Every public method turns database errors into StoreError (the edge of the store)."""
    for name, value in list(vars(cls).items()):
        if callable(value) and not name.startswith("_"):
            setattr(cls, name, _wrapped(value))
    return cls


@_store_errors
class Store:
    """Persistent state: feeds, stories, issues, subscribers, the delivery ledger, runs."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str) -> Store:
        """Connect (creating the SQLite folder and the tables if needed)."""
        if url.startswith("sqlite:///") and ":memory:" not in url:
            Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
        try:
            engine = create_engine(url)
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", _sqlite_pragmas)
            t.metadata.create_all(engine)
            t.upgrade_columns(engine)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot open the store at {url}: {exc}") from exc
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    # -- feeds ---------------------------------------------------------------

    def feed_state(self, url: str) -> FeedState | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.feeds).where(t.feeds.c.url == url)).mappings().first()
        return FeedState(**row) if row else None

    def feed_states(self) -> list[FeedState]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.feeds).order_by(t.feeds.c.url)).mappings().all()
        return [FeedState(**r) for r in rows]

    def enable_feed(self, url: str) -> bool:
        with self.engine.begin() as conn:
            result = conn.execute(update(t.feeds).where(t.feeds.c.url == url).values(
                disabled_at=None, moved_to=None, note=None, consecutive_failures=0))
        return bool(result.rowcount)

    def record_feed_failure(self, url: str, name: str, *, error: str, now: datetime) -> None:
        with self.engine.begin() as conn:
            self._ensure_feed(conn, url, name)
            conn.execute(
                update(t.feeds).where(t.feeds.c.url == url).values(
                    last_error=error, last_error_at=now,
                    consecutive_failures=t.feeds.c.consecutive_failures + 1,
                )
            )

    @staticmethod
    def _ensure_feed(conn: Any, url: str, name: str) -> None:
        exists = conn.execute(select(t.feeds.c.url).where(t.feeds.c.url == url)).first()
        if not exists:
            conn.execute(insert(t.feeds).values(url=url, name=name, consecutive_failures=0,
                                                items_seen=0))

    # -- stories ---------------------------------------------------------------

    def add_stories(self, stories: Sequence[Story], now: datetime) -> int:
        """Store new stories; a story seen again (same id or URL) only gains a source.

        One transaction and a handful of queries per call, whatever the number of stories.
        Returns how many stories were new.
        """
        with self.engine.begin() as conn:
            return _insert_stories(conn, stories, now)

    def save_feed_results(self, results: Sequence[FeedResult], now: datetime) -> int:
        """Write what a collection got from several feeds, in one transaction.

        Returns how many stories were new.
        """
        with self.engine.begin() as conn:
            new = _insert_stories(conn, [s for r in results if r.error is None for s in r.stories],
                                  now)
            for r in results:
                self._ensure_feed(conn, r.url, r.name)
                values: dict[str, Any]
                if r.error is None:
                    values = dict(etag=r.etag, last_modified=r.last_modified, last_success=now,
                                  consecutive_failures=0,
                                  items_seen=t.feeds.c.items_seen + len(r.stories))
                    if r.moved_to:
                        values.update(moved_to=r.moved_to,
                                      note=f"moved permanently to {r.moved_to} on {now:%Y-%m-%d}: "
                                           "update the configuration")
                else:
                    values = dict(last_error=r.error, last_error_at=now,
                                  consecutive_failures=t.feeds.c.consecutive_failures + 1)
                    if r.gone:
                        values.update(disabled_at=now, note=r.error)
                conn.execute(update(t.feeds).where(t.feeds.c.url == r.url).values(**values))
        return new

    def stories_between(self, start: datetime, end: datetime) -> list[Story]:
        """Stories published in [start, end), each once, with its first source.

        A story carried by several feeds comes back once per feed (one Story per source)
        so that clustering can count coverage; they share the same id.
        """
        query = (
            select(t.stories, t.story_sources.c.feed_url.label("src_feed"),
                   t.story_sources.c.source_name.label("src_name"),
                   t.story_sources.c.url.label("src_url"))
            .join(t.story_sources, t.story_sources.c.story_id == t.stories.c.id)
            .where(t.stories.c.published >= start, t.stories.c.published < end)
            .order_by(t.stories.c.published.desc(), t.stories.c.id, t.story_sources.c.feed_url)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [_story_from_row(r) for r in rows]

    def count_stories(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(t.stories)).scalar_one())

    # -- issues ----------------------------------------------------------------

    def save_issue(self, issue: RenderedIssue, briefing: dict[str, Any], now: datetime) -> None:
        """Store (or replace, while not yet sending) the rendered issue."""
        values = dict(
            subject=issue.subject, preheader=issue.preheader, html=issue.html, text=issue.text,
            web_html=issue.web_html or issue.html, moved_online=issue.moved_online,
            briefing_json=json.dumps(briefing, ensure_ascii=False, sort_keys=True),
            created_at=now,
        )
        key = (t.issues.c.issue_date == issue.issue_date) & (t.issues.c.language == issue.language)
        with self.engine.begin() as conn:
            status = conn.execute(select(t.issues.c.status).where(key)).scalar()
            if status is None:
                conn.execute(insert(t.issues).values(
                    issue_date=issue.issue_date, language=issue.language, status="draft", **values
                ))
            elif status == "draft":
                conn.execute(update(t.issues).where(key).values(**values))
            else:
                raise StoreError(
                    f"the {issue.issue_date} issue is already {status}; it is not rebuilt"
                )

    def get_issue(self, issue_date: date, language: str) -> RenderedIssue | None:
        key = (t.issues.c.issue_date == issue_date) & (t.issues.c.language == language)
        with self.engine.connect() as conn:
            row = conn.execute(select(t.issues).where(key)).mappings().first()
        if row is None:
            return None
        return RenderedIssue(
            issue_date=row["issue_date"], language=row["language"], subject=row["subject"],
            preheader=row["preheader"], html=row["html"], text=row["text"],
            web_html=row["web_html"] or row["html"], moved_online=row["moved_online"] or 0,
        )

    def list_issues(self) -> list[dict[str, Any]]:
        """Every stored issue (without its bodies), newest first."""
        c = t.issues.c
        query = (select(c.issue_date, c.language, c.subject, c.preheader, c.status, c.created_at)
                 .order_by(c.issue_date.desc(), c.language))
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def issue_status(self, issue_date: date, language: str) -> str | None:
        key = (t.issues.c.issue_date == issue_date) & (t.issues.c.language == language)
        with self.engine.connect() as conn:
            return conn.execute(select(t.issues.c.status).where(key)).scalar()

    def set_issue_status(self, issue_date: date, status: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(t.issues).where(t.issues.c.issue_date == issue_date)
                         .values(status=status))

    def issue_briefing(self, issue_date: date, language: str) -> dict[str, Any] | None:
        key = (t.issues.c.issue_date == issue_date) & (t.issues.c.language == language)
        with self.engine.connect() as conn:
            raw = conn.execute(select(t.issues.c.briefing_json).where(key)).scalar()
        return json.loads(raw) if raw else None

    # -- subscribers -------------------------------------------------------------

    def add_subscriber(
        self, email: str, *, name: str = "", language: str | None = None, sections: str = "",
        timezone: str | None = None, consent_source: str | None = None,
        consent_at: datetime | None = None, now: datetime,
    ) -> tuple[int, bool]:
        """Insert an active subscriber; returns (id, created). Never revives a leaver."""
        with self.engine.begin() as conn:
            row = conn.execute(select(t.subscribers.c.id).where(t.subscribers.c.email == email)
                               ).first()
            if row:
                return int(row[0]), False
            try:
                result = conn.execute(insert(t.subscribers).values(
                    email=email, name=name, language=language, sections=sections,
                    timezone=timezone, status="active", consent_source=consent_source,
                    consent_at=consent_at, created_at=now, updated_at=now,
                ))
            except IntegrityError as exc:
                raise StoreError(f"cannot add subscriber {email}: {exc.orig}") from exc
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0]), True

    def find_subscriber(self, email: str) -> Subscriber | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.subscribers).where(t.subscribers.c.email == email)
                               ).mappings().first()
        return _subscriber(row) if row else None

    def is_suppressed(self, address_hash: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(t.suppressions.c.address_hash).where(
                t.suppressions.c.address_hash == address_hash)).first() is not None

    def forget_subscriber(self, subscriber_id: int, address_hash: str, now: datetime) -> None:
        """Erase a subscriber's personal data; keep only a keyed hash that blocks re-imports."""
        with self.engine.begin() as conn:
            exists = conn.execute(select(t.suppressions.c.address_hash).where(
                t.suppressions.c.address_hash == address_hash)).first()
            if not exists:
                conn.execute(insert(t.suppressions).values(address_hash=address_hash,
                                                           reason="forgotten", created_at=now))
            conn.execute(update(t.subscribers).where(t.subscribers.c.id == subscriber_id).values(
                email=f"forgotten-{subscriber_id}@invalid", name="", language=None, sections="",
                timezone=None, status="forgotten", consent_source=None, consent_at=None,
                consent_ip=None, consent_user_agent=None, consent_text_version=None,
                updated_at=now))

    def count_active_subscribers(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(t.subscribers)
                                    .where(t.subscribers.c.status == "active")).scalar_one())

    def subscriber_languages(self) -> set[str]:
        """The languages active subscribers chose."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.subscribers.c.language).distinct().where(
                t.subscribers.c.status == "active", t.subscribers.c.language.is_not(None)))
            return {r[0] for r in rows if r[0]}

    def subscriber_status(self, email: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(t.subscribers.c.status)
                                .where(t.subscribers.c.email == email)).scalar()

    def set_subscriber_status(self, subscriber_id: int, status: str, now: datetime) -> bool:
        with self.engine.begin() as conn:
            result = conn.execute(update(t.subscribers).where(t.subscribers.c.id == subscriber_id)
                                  .values(status=status, updated_at=now))
        return bool(result.rowcount)

    def subscriber_preferences(self, subscriber_id: int) -> dict[str, Any] | None:
        c = t.subscribers.c
        with self.engine.connect() as conn:
            row = conn.execute(select(c.language, c.sections, c.timezone, c.status)
                               .where(c.id == subscriber_id)).mappings().first()
        return dict(row) if row else None

    def set_preferences(self, subscriber_id: int, *, language: str | None, sections: str,
                        timezone: str | None, now: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(t.subscribers).where(t.subscribers.c.id == subscriber_id).values(
                language=language, sections=sections, timezone=timezone, updated_at=now))

    def get_subscriber(self, subscriber_id: int) -> Subscriber | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.subscribers).where(t.subscribers.c.id == subscriber_id)
                               ).mappings().first()
        return _subscriber(row) if row else None

    def list_subscribers(self, status: str | None = None) -> list[dict[str, Any]]:
        query = select(t.subscribers).order_by(t.subscribers.c.id)
        if status:
            query = query.where(t.subscribers.c.status == status)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def active_subscribers(self, batch_size: int = 500) -> Iterator[list[Subscriber]]:
        """Active subscribers in id order, a batch at a time (memory stays flat)."""
        last = 0
        while True:
            query = (select(t.subscribers).where(t.subscribers.c.status == "active",
                                                 t.subscribers.c.id > last)
                     .order_by(t.subscribers.c.id).limit(batch_size))
            with self.engine.connect() as conn:
                batch = [_subscriber(r) for r in conn.execute(query).mappings()]
            if not batch:
                return
            yield batch
            last = batch[-1].id

    # -- the delivery ledger -------------------------------------------------------

    def ledger_status(self, issue_date: date, subscriber_ids: Sequence[int]
                      ) -> dict[int, DeliveryStatus]:
        """Ledger rows of these subscribers for this issue."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.deliveries.c.subscriber_id, t.deliveries.c.status).where(
                t.deliveries.c.issue_date == issue_date,
                t.deliveries.c.subscriber_id.in_(subscriber_ids),
            )).all()
        return {int(r[0]): DeliveryStatus(r[1]) for r in rows}

    def claim_deliveries(self, issue_date: date, claims: Sequence[tuple[int, str]],
                         now: datetime) -> set[int]:
        """Mark deliveries as being sent, before hand-over, in one transaction.

        ``claims`` are (subscriber id, message id). Returns the ids this caller may send:
        new rows, and rows left pending or deferred by an earlier run. A row already
        sending, sent, failed or unknown is never claimed again.
        """
        if not claims:
            return set()
        ids = [sid for sid, _ in claims]
        message_ids = dict(claims)
        retryable = [DeliveryStatus.PENDING.value, DeliveryStatus.DEFERRED.value]
        c = t.deliveries.c
        try:
            with self.engine.begin() as conn:
                existing = dict(conn.execute(select(c.subscriber_id, c.status).where(
                    c.issue_date == issue_date, c.subscriber_id.in_(ids))).all())
                new = [sid for sid in ids if sid not in existing]
                again = [sid for sid in ids if existing.get(sid) in retryable]
                if new:
                    conn.execute(insert(t.deliveries), [
                        dict(issue_date=issue_date, subscriber_id=sid, message_id=message_ids[sid],
                             status=DeliveryStatus.SENDING.value, attempts=1, detail="",
                             updated_at=now)
                        for sid in new
                    ])
                for sid in again:
                    conn.execute(update(t.deliveries).where(
                        c.issue_date == issue_date, c.subscriber_id == sid, c.status.in_(retryable)
                    ).values(status=DeliveryStatus.SENDING.value, message_id=message_ids[sid],
                             updated_at=now, attempts=c.attempts + 1))
        except IntegrityError:
            # Another sender claimed some of these rows meanwhile: claim one by one.
            return {sid for sid, mid in claims if self.claim_deliveries(issue_date, [(sid, mid)], now)}
        return set(new) | set(again)

    def record_deliveries(self, issue_date: date, results: Iterable[tuple[int, DeliveryStatus, str]],
                          now: datetime) -> None:
        """Record the outcome of each hand-over, in one transaction (one executemany)."""
        c = t.deliveries.c
        rows = [{"sid": sid, "st": status.value, "det": detail} for sid, status, detail in results]
        if not rows:
            return
        statement = update(t.deliveries).where(
            c.issue_date == issue_date, c.subscriber_id == bindparam("sid")
        ).values(status=bindparam("st"), detail=bindparam("det"), updated_at=now)
        with self.engine.begin() as conn:
            conn.execute(statement, rows)

    def requeue_failed(self, issue_date: date, now: datetime) -> int:
        """Put this issue's failed deliveries back to pending (send --resend-failed)."""
        c = t.deliveries.c
        with self.engine.begin() as conn:
            result = conn.execute(update(t.deliveries).where(
                c.issue_date == issue_date, c.status == DeliveryStatus.FAILED.value,
            ).values(status=DeliveryStatus.PENDING.value, updated_at=now))
        return int(result.rowcount)

    def delivery_counts(self, issue_date: date) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.deliveries.c.status, func.count())
                .where(t.deliveries.c.issue_date == issue_date)
                .group_by(t.deliveries.c.status)
            ).all()
        return {str(status): int(n) for status, n in rows}

    # -- summary cache ---------------------------------------------------------

    def cached_summary(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(t.summary_cache.c.summary)
                                .where(t.summary_cache.c.key == key)).scalar()

    def cache_summary(self, key: str, summary: str, now: datetime) -> None:
        with self.engine.begin() as conn:
            exists = conn.execute(select(t.summary_cache.c.key)
                                  .where(t.summary_cache.c.key == key)).first()
            if not exists:
                conn.execute(insert(t.summary_cache).values(key=key, summary=summary,
                                                            created_at=now))

    # -- locks -----------------------------------------------------------------

    def lock_owner(self, name: str, now: datetime) -> str | None:
        """The owner id of a live lock, or None."""
        c = t.locks.c
        with self.engine.connect() as conn:
            row = conn.execute(select(c.owner, c.expires_at).where(c.name == name)).first()
        return str(row.owner) if row and row.expires_at > now else None

    def steal_lock(self, name: str, dead_owner: str, owner: str, now: datetime,
                   ttl: timedelta) -> bool:
        """Take over the lock of an owner known to be dead."""
        c = t.locks.c
        with self.engine.begin() as conn:
            result = conn.execute(update(t.locks).where(c.name == name, c.owner == dead_owner)
                                  .values(owner=owner, expires_at=now + ttl))
        return bool(result.rowcount)

    def acquire_lock(self, name: str, owner: str, now: datetime, ttl: timedelta) -> str | None:
        """Take the lock (or renew our own); None if taken, else the current holder."""
        c = t.locks.c
        with self.engine.begin() as conn:
            row = conn.execute(select(c.owner, c.expires_at).where(c.name == name)).first()
            if row is None:
                try:
                    conn.execute(insert(t.locks).values(name=name, owner=owner,
                                                        expires_at=now + ttl))
                    return None
                except IntegrityError:
                    return "someone else"
            if row.owner != owner and row.expires_at > now:
                return f"{row.owner} (until {row.expires_at:%Y-%m-%d %H:%M:%S}Z)"
            result = conn.execute(update(t.locks).where(
                c.name == name, c.owner == row.owner, c.expires_at == row.expires_at,
            ).values(owner=owner, expires_at=now + ttl))
            return None if result.rowcount else "someone else"

    def release_lock(self, name: str, owner: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(t.locks.delete().where(t.locks.c.name == name, t.locks.c.owner == owner))

    def lock_holder(self, name: str, now: datetime) -> str | None:
        c = t.locks.c
        with self.engine.connect() as conn:
            row = conn.execute(select(c.owner, c.expires_at).where(c.name == name)).first()
        return f"{row.owner} (until {row.expires_at:%Y-%m-%d %H:%M:%S}Z)" if row and \
            row.expires_at > now else None

    # -- runs ------------------------------------------------------------------

    def start_run(self, command: str, issue_date: date | None, now: datetime) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(insert(t.runs).values(
                command=command, issue_date=issue_date, started_at=now, outcome="running",
                report_json="{}",
            ))
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    def finish_run(self, run_id: int, outcome: str, report: dict[str, Any], now: datetime
                   ) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(t.runs).where(t.runs.c.id == run_id).values(
                finished_at=now, outcome=outcome,
                report_json=json.dumps(report, ensure_ascii=False),
            ))

    def last_runs(self, limit: int = 10) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.runs).order_by(t.runs.c.id.desc()).limit(limit)
                                ).mappings().all()
        return [dict(r) for r in rows]


def _insert_stories(conn: Any, stories: Sequence[Story], now: datetime) -> int:
    """New stories inserted, known ones only gain a source; returns how many were new."""
    if not stories:
        return 0
    c, src = t.stories.c, t.story_sources.c
    ids = {s.id for s in stories}
    urls = {s.url for s in stories}
    known: dict[str, str] = {}  # id or url -> stored id
    for chunk in _chunks(sorted(ids), 500):
        known.update({r.id: r.id for r in conn.execute(select(c.id).where(c.id.in_(chunk)))})
    for chunk in _chunks(sorted(urls), 500):
        for r in conn.execute(select(c.id, c.url).where(c.url.in_(chunk))):
            known.setdefault(r.url, r.id)
    new_rows: list[dict[str, Any]] = []
    fill_body: list[tuple[str, str]] = []
    sources: dict[tuple[str, str], dict[str, str]] = {}
    for story in stories:
        stored = known.get(story.id) or known.get(story.url)
        if stored is None:
            stored = story.id
            known[story.id] = known[story.url] = stored
            new_rows.append(_story_row(story, now))
        elif story.body:
            fill_body.append((stored, story.body))
        sources.setdefault((stored, story.source.feed_url), dict(
            story_id=stored, feed_url=story.source.feed_url,
            source_name=story.source.name, url=story.url))
    if new_rows:
        conn.execute(insert(t.stories), new_rows)
    for stored, body in fill_body:
        conn.execute(update(t.stories).where((c.id == stored) & (c.body == ""))
                     .values(body=body))
    story_ids = sorted({sid for sid, _ in sources})
    existing: set[tuple[str, str]] = set()
    for chunk in _chunks(story_ids, 500):
        existing.update((r.story_id, r.feed_url) for r in conn.execute(
            select(src.story_id, src.feed_url).where(src.story_id.in_(chunk))))
    fresh = [row for key, row in sources.items() if key not in existing]
    if fresh:
        conn.execute(insert(t.story_sources), fresh)
    return len(new_rows)


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _story_row(story: Story, now: datetime) -> dict[str, Any]:
    return dict(
        id=story.id, url=story.url, title=story.title, summary=story.summary, body=story.body,
        published=story.published, first_seen=now, language=story.language,
        section=story.section, categories=json.dumps(list(story.categories), ensure_ascii=False),
        image=story.image, source_name=story.source.name, feed_url=story.source.feed_url,
        weight=story.weight,
    )


def _story_from_row(r: Any) -> Story:
    return Story(
        id=r["id"], url=r["src_url"], title=r["title"], summary=r["summary"], body=r["body"],
        published=r["published"], language=r["language"], section=r["section"],
        categories=tuple(json.loads(r["categories"])), image=r["image"], weight=r["weight"],
        source=SourceRef(name=r["src_name"], url=r["src_url"], feed_url=r["src_feed"]),
    )


def _subscriber(r: Any) -> Subscriber:
    return Subscriber(id=r["id"], email=r["email"], name=r["name"], language=r["language"],
                      status=r["status"])
