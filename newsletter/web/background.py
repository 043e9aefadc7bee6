"""Work done after the answer: one daemon thread runs queued jobs in order.

The sign-up page queues everything that depends on what the list knows of an address
(suppressed? already a subscriber? write a pending row, queue an email), so its answer
costs the same store work and one queued job whatever the address: timing tells nothing.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

Job = Callable[[], None]


class Background:
    """A queue of jobs and the one thread that runs them; ``then`` runs after ``wait``."""

    def __init__(self, name: str, then: Callable[[], None] | None = None) -> None:
        self.name = name
        self.then = then
        self.queued = 0  # jobs queued since start (tests compare it between requests)
        self._queue: queue.Queue[Job] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def __call__(self, job: Job) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name=self.name, daemon=True)
                self._thread.start()
            self.queued += 1
        self._queue.put(job)

    def wait(self) -> None:
        """Return once every queued job has run (and then what ``then`` waits for)."""
        self._queue.join()
        if self.then is not None:
            self.then()

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            try:
                job()
            except Exception:  # the thread must outlive any one bad job
                log.exception("%s: a queued job failed", self.name)
            finally:
                self._queue.task_done()
