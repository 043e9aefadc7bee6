"""Article texts fetched from publishers' pages: the cache by canonical URL, and their use."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select, update

from ..models import ArticleRecord
from . import schema as t
from .content import _chunks


class ArticleQueries:
    """What each article page gave, so that no page is fetched twice."""

    engine: Engine

    def article_records(self, urls: Iterable[str]) -> dict[str, ArticleRecord]:
        """The cached outcome of each of these canonical URLs that has one."""
        c = t.article_texts.c
        found: dict[str, ArticleRecord] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(set(urls)), 500):
                for r in conn.execute(select(t.article_texts).where(c.url.in_(chunk))):
                    found[r.url] = _record(r)
        return found

    def save_article_records(self, records: Sequence[ArticleRecord], now: datetime) -> int:
        """Store each outcome (replacing an earlier one) and give extracted texts to their
        stories as body, unless a story already has a longer one. Returns stories updated."""
        if not records:
            return 0
        c, s = t.article_texts.c, t.stories.c
        updated = 0
        with self.engine.begin() as conn:
            urls = [r.url for r in records]
            for chunk in _chunks(urls, 500):
                conn.execute(t.article_texts.delete().where(c.url.in_(chunk)))
            conn.execute(t.article_texts.insert(), [_row(r, now) for r in records])
            for r in records:
                if r.used:
                    updated += conn.execute(
                        update(t.stories).where((s.url == r.url)
                                                & (func.length(s.body) < len(r.text)))
                        .values(body=r.text)).rowcount or 0
        return updated

    def article_stats(self) -> dict[str, Counter[str]]:
        """Per feed URL: how many pages ended in each status ('extracted', 'paywall', …)."""
        c = t.article_texts.c
        stats: dict[str, Counter[str]] = {}
        with self.engine.connect() as conn:
            for r in conn.execute(select(c.feed_url, c.status, func.count())
                                  .group_by(c.feed_url, c.status)):
                stats.setdefault(r[0], Counter())[r[1]] += int(r[2])
        return stats


def _row(record: ArticleRecord, now: datetime) -> dict[str, Any]:
    return dict(url=record.url, status=record.status, text=record.text, words=record.words,
                http_status=record.http_status, reason=record.reason[:2000],
                attempts=record.attempts, fetched_at=record.fetched_at or now,
                feed_url=record.feed_url)


def _record(r: Any) -> ArticleRecord:
    return ArticleRecord(url=r.url, status=r.status, text=r.text, words=r.words,
                         http_status=r.http_status, reason=r.reason, attempts=r.attempts,
                         fetched_at=r.fetched_at, feed_url=r.feed_url)
