"""Feeds, stories, issues and the summary cache."""

from __future__ import annotations

import json
import operator
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, Integer, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..errors import StoreError
from ..models import RenderedIssue, SourceRef, Story
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


class ContentQueries:
    """What was collected and what was built from it."""

    engine: Engine

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
        # Feeds finish in any order; when two carry one article (the same link under two
        # ids), the copy kept must not depend on which answered first: the earliest
        # published copy wins, then the feed's URL, so the same collection gives the same
        # issue every time.
        stories = sorted((s for r in results if r.error is None for s in r.stories),
                         key=lambda s: (s.published, s.source.feed_url, s.id))
        with self.engine.begin() as conn:
            new = _insert_stories(conn, stories, now)
            urls = sorted({r.url for r in results})
            known: set[str] = set()
            for chunk in _chunks(urls, 500):
                known.update(conn.execute(select(t.feeds.c.url)
                                          .where(t.feeds.c.url.in_(chunk))).scalars())
            names = {r.url: r.name for r in results}
            if missing := [u for u in urls if u not in known]:
                conn.execute(insert(t.feeds), [dict(url=u, name=names[u], consecutive_failures=0,
                                                    items_seen=0) for u in missing])
            # The usual outcome (fetched, or 304) for every feed in one executemany.
            plain = [r for r in results if r.error is None and not r.moved_to]
            if plain:
                conn.execute(
                    update(t.feeds).where(t.feeds.c.url == bindparam("u")).values(
                        etag=bindparam("e"), last_modified=bindparam("lm"), last_success=now,
                        consecutive_failures=0,
                        items_seen=t.feeds.c.items_seen + bindparam("n", type_=Integer)),
                    [{"u": r.url, "e": r.etag, "lm": r.last_modified, "n": len(r.stories)}
                     for r in plain])
            for r in results:
                if r.error is None and not r.moved_to:
                    continue
                values: dict[str, Any]
                if r.error is None:
                    values = dict(etag=r.etag, last_modified=r.last_modified, last_success=now,
                                  consecutive_failures=0,
                                  items_seen=t.feeds.c.items_seen + len(r.stories),
                                  moved_to=r.moved_to,
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
                   t.story_sources.c.url.label("src_url"),
                   t.story_sources.c.position.label("src_position"))
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
                try:
                    with conn.begin_nested():
                        conn.execute(insert(t.issues).values(
                            issue_date=issue.issue_date, language=issue.language,
                            status="draft", **values))
                    return
                except IntegrityError:
                    status = "draft"  # built by someone else meanwhile: replace it if draft
            # Only a draft is replaced: the status is checked by the update itself, so a
            # send that began since the read above keeps the issue it is sending.
            done = conn.execute(update(t.issues).where(key, t.issues.c.status == "draft")
                                .values(**values)).rowcount
            if not done:
                status = conn.execute(select(t.issues.c.status).where(key)).scalar()
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
    sources: dict[tuple[str, str], dict[str, Any]] = {}
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
            source_name=story.source.name, url=story.url, position=story.position))
    if new_rows:
        _insert_many(conn, t.stories, new_rows)
    for stored, body in fill_body:
        conn.execute(update(t.stories).where((c.id == stored) & (c.body == ""))
                     .values(body=body))
    story_ids = sorted({sid for sid, _ in sources})
    existing: dict[tuple[str, str], int | None] = {}
    for chunk in _chunks(story_ids, 500):
        existing.update(((r.story_id, r.feed_url), r.position) for r in conn.execute(
            select(src.story_id, src.feed_url, src.position).where(src.story_id.in_(chunk))))
    fresh = [row for key, row in sources.items() if key not in existing]
    if fresh:
        _insert_many(conn, t.story_sources, fresh)
    # A story already known keeps its place in the feed up to date (front pages reorder).
    moved = [{"sid": key[0], "feed": key[1], "pos": row["position"]}
             for key, row in sources.items()
             if key in existing and row["position"] is not None
             and existing[key] != row["position"]]
    if moved:
        conn.execute(update(t.story_sources).where(
            (src.story_id == bindparam("sid")) & (src.feed_url == bindparam("feed")))
            .values(position=bindparam("pos")), moved)
    return len(new_rows)


def _insert_many(conn: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    """INSERT many rows; on SQLite straight through the driver's executemany.

    A collection writes ~10,000 stories: SQLAlchemy's per-row parameter handling costs
    more CPU than SQLite itself. Values still go through each column type's own bind
    processor (so dates are stored exactly as SQLAlchemy stores them).
    """
    if conn.dialect.name != "sqlite":
        conn.execute(insert(table), rows)
        return
    columns = list(rows[0])
    quote = conn.dialect.identifier_preparer.quote
    dialect = conn.dialect
    processors = [(i, proc) for i, name in enumerate(columns)
                  if (proc := table.c[name].type.dialect_impl(dialect).bind_processor(dialect))]
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
           f"VALUES ({', '.join('?' for _ in columns)})")
    values = operator.itemgetter(*columns)
    params: list[Any] = []
    for row in rows:
        bound = list(values(row))
        for i, proc in processors:
            bound[i] = proc(bound[i])
        params.append(tuple(bound))
    conn.exec_driver_sql(sql, params)


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
        position=r["src_position"],
    )

