"""No click is lost across a restart of `newsletter serve` (issue 19, point 5).

A real server process (waitress on 127.0.0.1) counts clicks in memory and writes them in
batches; stopping it (SIGTERM as service managers do, Ctrl-C) writes what it holds, so the
store ends with exactly the clicks made. A SIGKILL gives no chance to write: it loses the
batch not written yet, and only that.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import requests
import tomli_w

from newsletter.config import load_config
from newsletter.models import RenderedIssue
from newsletter.store import Store
from newsletter.tokens import StoryLinks
from tests.conftest import SECRET
from tests.web.test_serve import free_port

DAY = date(2026, 12, 3)
STORIES = {f"{n:032x}": f"https://www.journal.example/2026/12/03/story-{n}.html"
           for n in range(1, 5)}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    config = tmp_path / "newsletter.toml"
    config.write_text(tomli_w.dumps({
        "store": {"url": "sqlite:///db.sqlite3"},
        "newsletter": {"public_url": "https://news.example.org"},
        # A long interval: only the stop writes the last batch.
        "readership": {"clicks": True, "flush_seconds": 60.0, "flush_clicks": 100_000},
    }), encoding="utf-8")
    store = Store.open(load_config(config).database_url)
    items = [{"story_id": sid, "url": url} for sid, url in STORIES.items()]
    store.save_issue(RenderedIssue(DAY, "fr", "S", "p", "<p>h</p>", "t"),
                     {"items": items, "in_brief": []}, datetime(2026, 12, 3, 5, tzinfo=UTC))
    store.set_issue_status(DAY, "sent")
    store.close()
    return tmp_path


class Server:
    """`newsletter serve` in its own process, as ops run it."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "newsletter", "serve", "--port", str(self.port),
             "--config", str(folder / "newsletter.toml")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "NEWSLETTER_SECRET": SECRET})
        self.session = requests.Session()
        deadline = time.monotonic() + 30
        while True:  # poll for readiness
            try:
                self.session.get(f"{self.url}/healthz", timeout=2)
                return
            except requests.ConnectionError:
                assert time.monotonic() < deadline and self.proc.poll() is None, \
                    self.proc.communicate()
                time.sleep(0.05)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def click(self, story: str, reader: int, method: str = "GET") -> None:
        token = StoryLinks(SECRET.encode()).make(DAY, "fr", story)
        answer = self.session.request(method, f"{self.url}/r/{token}", allow_redirects=False,
                                      timeout=5, headers={
            "User-Agent": f"Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 "
                          f"Firefox/133.0 reader-{reader}",
            "Accept-Language": "fr-FR,fr;q=0.9"})
        assert answer.status_code == 302 and answer.headers["Location"] == STORIES[story]

    def stop(self, how: signal.Signals) -> int:
        self.proc.send_signal(how)
        try:
            self.proc.communicate(timeout=30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
        return int(self.proc.returncode)


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        if server.proc.poll() is None:
            server.proc.kill()
            server.proc.communicate()


def stored(folder: Path, kind: str | None = "reader") -> dict[str, int]:
    store = Store.open(load_config(folder / "newsletter.toml").database_url)
    try:
        out: dict[str, int] = {}
        for row in store.click_counts(kind=kind):
            out[row.story_id] = out.get(row.story_id, 0) + row.clicks
        return out
    finally:
        store.close()


def clicks_by(folder: Path, servers: list[Server], plan: list[tuple[str, int]]) -> Server:
    server = Server(folder)
    servers.append(server)
    for story, reader in plan:
        server.click(story, reader)
    return server


def test_no_click_is_lost_across_sigterm_and_ctrl_c_restarts(folder: Path,
                                                          servers: list[Server]) -> None:
    ids = list(STORIES)
    made: dict[str, int] = {}
    rounds = [signal.SIGTERM, signal.SIGINT, signal.SIGTERM]
    for n, how in enumerate(rounds):
        # Each reader opens one or two stories, seconds apart: readers, not a burst.
        plan = [(ids[(k + n) % 4], 100 * n + k // 2) for k in range(24 + 7 * n)]
        server = clicks_by(folder, servers, plan)
        assert stored(folder) == made  # nothing written yet: held in memory
        assert server.stop(how) == 0
        for story, _ in plan:
            made[story] = made.get(story, 0) + 1
        assert stored(folder) == made, f"after {how.name}"
    assert stored(folder, kind="robot") == {}
    assert sum(made.values()) == 24 + 31 + 38


def test_sigkill_loses_only_the_batch_not_written_yet(folder: Path,
                                                      servers: list[Server]) -> None:
    ids = list(STORIES)
    config = folder / "newsletter.toml"
    text = config.read_text(encoding="utf-8").replace("flush_seconds = 60.0",
                                                      "flush_seconds = 0.2")
    config.write_text(text, encoding="utf-8")
    server = clicks_by(folder, servers, [])
    for k in range(12):  # robots (HEAD) are written at the next batch, with no wait
        server.click(ids[k % 4], 900 + k, method="HEAD")
    deadline = time.monotonic() + 30
    while sum(stored(folder, kind="robot").values()) < 12:  # a batch was written
        assert time.monotonic() < deadline
        time.sleep(0.05)
    for k in range(9):  # readers wait BURST_SECONDS in memory before they are written
        server.click(ids[k % 4], k)
    assert server.stop(signal.SIGKILL) == -signal.SIGKILL
    assert sum(stored(folder, kind="robot").values()) == 12  # the written batch is kept
    assert stored(folder) == {}  # the batch in memory is lost, and nothing else
    again = clicks_by(folder, servers, [(ids[0], 1)])
    assert again.stop(signal.SIGTERM) == 0
    assert stored(folder) == {ids[0]: 1} and sum(stored(folder, kind="robot").values()) == 12
