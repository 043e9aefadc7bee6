"""Click counts kept in memory and written in batches: a redirect never waits for the store.

Each click is classified (newsletter/web/robots.py) and added to a count per issue
edition, story, UTC hour and kind. A background thread writes the counts every
``[readership] flush_seconds`` (sooner once ``flush_clicks`` are waiting) in one
transaction (Store.add_clicks), and once more when the server stops (``close``, also
registered with atexit). A failed write keeps its counts for the next one.

Clicks that may still turn out to be part of a burst (rule 6) wait BURST_SECONDS before
they count as a reader's; so a server killed outright (SIGKILL, a power cut) loses the
clicks of its last BURST_SECONDS + flush_seconds, and nothing else.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, date, datetime

from ..errors import NewsletterError
from ..models import ClickCount
from ..store import Store
from .robots import (
    BURST_SECONDS,
    BURST_STORIES,
    HOLD_SECONDS,
    SCAN_BURST_STORIES,
    Bursts,
    ClickRequest,
    RobotRules,
)

log = logging.getLogger(__name__)

Edition = tuple[date, str]  # (issue date, language)
Cell = tuple[date, str, str, int, str]  # (issue date, language, story, hour as epoch, kind)
MAX_PENDING = 500_000  # clicks waiting for rule 6 at most; beyond, the oldest are settled


class ClickCounter:
    """Counts per (edition, story, hour, kind) in memory; one thread writes them in batches.

    ``write_each=True`` is the naive way, kept as the benchmark's baseline
    (benchmarks/redirect.py): every click is written in its own transaction before the
    redirect is answered, and classified by rules 1 to 5 only.
    """

    def __init__(self, store: Store, rules: RobotRules, *, flush_seconds: float,
                 flush_clicks: int, write_each: bool = False,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.rules = rules
        self.flush_seconds = flush_seconds
        self.flush_clicks = flush_clicks
        self.write_each = write_each
        self.clock = clock
        self.bursts = Bursts()
        self.flushes = 0  # batches written (tests, metrics)
        self._cells: dict[Cell, int] = {}
        self._waiting = 0  # clicks in _cells
        self._pending: deque[tuple[float, Edition, str, bytes]] = deque()
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False

    # -- the request path ------------------------------------------------------------------

    def click(self, edition: Edition, story: str, request: ClickRequest, *, scanning: bool,
              at: float | None = None) -> str:
        """Count one click (made ``at``, default now); returns its kind so far ("reader"
        may still become "robot" by rule 6)."""
        now = self.clock() if at is None else at
        reason = self.rules.reason(request, scanning=scanning)
        if self.write_each:
            kind = "robot" if reason else "reader"
            self.store.add_clicks([ClickCount(edition[0], edition[1], story,
                                              _hour(int(now // 3600) * 3600), kind, 1)])
            return kind
        client = self.bursts.client(request.ip, request.user_agent)
        threshold = SCAN_BURST_STORIES if scanning else BURST_STORIES
        with self._lock:
            self.bursts.see(client, edition, story, now, threshold=threshold)
            if reason is None and not self.bursts.robot(client, edition, now):
                self._pending.append((now, edition, story, client))
                if len(self._pending) > MAX_PENDING:
                    self._settle(float("inf"), limit=len(self._pending) - MAX_PENDING)
                kind = "reader"
            else:
                self._add(edition, story, now, "robot")
                kind = "robot"
            full = self._waiting >= self.flush_clicks
        self._start()
        if full:
            self._wake.set()
        return kind

    def _add(self, edition: Edition, story: str, at: float, kind: str) -> None:
        cell = (edition[0], edition[1], story, int(at // 3600) * 3600, kind)
        self._cells[cell] = self._cells.get(cell, 0) + 1
        self._waiting += 1

    def _settle(self, before: float, *, limit: int | None = None) -> None:
        """Pending clicks made before ``before`` become reader or robot counts (rule 6)."""
        pending = self._pending
        done = 0
        while pending and pending[0][0] < before and (limit is None or done < limit):
            at, edition, story, client = pending.popleft()
            robot = self.bursts.robot(client, edition, at)
            self._add(edition, story, at, "robot" if robot else "reader")
            done += 1

    # -- the writer ------------------------------------------------------------------------

    def _start(self) -> None:
        if self._thread is not None or self._closed:
            return
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._run, name="click-counts", daemon=True)
            self._thread.start()
        atexit.register(self.close)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.flush_seconds)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                self.flush()
            except Exception:  # the thread must outlive a failed write; counts are kept
                log.exception("writing click counts failed; they are kept for the next try")

    def flush(self, *, everything: bool = False) -> int:
        """Write the settled counts in one transaction; returns the clicks written.

        ``everything``: settle every pending click first (at shutdown), with what is
        known of bursts now.
        """
        with self._write_lock:
            now = self.clock()
            with self._lock:
                self._settle(float("inf") if everything else now - BURST_SECONDS)
                self.bursts.forget(now - HOLD_SECONDS - BURST_SECONDS)
                cells, self._cells, self._waiting = self._cells, {}, 0
            if not cells:
                return 0
            rows = [ClickCount(day, lang, story, _hour(hour), kind, n)
                    for (day, lang, story, hour, kind), n in cells.items()]
            try:
                self.store.add_clicks(rows)
            except (NewsletterError, OSError):
                with self._lock:  # kept for the next write, added to what came since
                    for cell, n in cells.items():
                        self._cells[cell] = self._cells.get(cell, 0) + n
                        self._waiting += n
                raise
            self.flushes += 1
            return sum(cells.values())

    def close(self) -> None:
        """Stop the writer and write everything still in memory (at shutdown; idempotent)."""
        if self._closed:
            return
        self._closed = True
        atexit.unregister(self.close)
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=30)
        try:
            self.flush(everything=True)
        except Exception:
            log.exception("writing the last click counts failed at shutdown")

    @property
    def waiting(self) -> int:
        """Clicks in memory, not yet written (pending rule 6 or settled)."""
        with self._lock:
            return self._waiting + len(self._pending)


def _hour(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)
